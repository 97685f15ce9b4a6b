"""Newsletter emails: rendered once per newsletter, then given each recipient's way out.

Rendering the StreamField once and filling in two addresses per recipient keeps the cost of
a message to building its MIME parts, whatever the newsletter holds. Every message carries
the RFC 8058 one-click headers and links to unsubscribe and to the preferences page, both
working without signing in (signed tokens, `newsletters.tokens`).
"""

import uuid
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string
from django.urls import reverse

from newsletters.models import Newsletter
from newsletters.rendering import message_context
from newsletters.tokens import way_out_token
from notifications.emails import absolute

UNSUBSCRIBE = "%%UNSUBSCRIBE_URL%%"
PREFERENCES = "%%PREFERENCES_URL%%"
# Placeholders of the wire template (`WireTemplate`): an address that is never real.
RECIPIENT = "recipient-placeholder@newsletter.invalid"
MESSAGE_ID = "message-id-placeholder"
LINK_SLOT = "link-slot"


@dataclass
class RenderedNewsletter:
    """One newsletter, rendered once, ready to be addressed to each recipient."""

    newsletter_pk: int
    subject: str
    text: str
    html: str

    @cached_property
    def _way_out_addresses(self) -> tuple[str, str]:
        """The two addresses with a slot for the token, reversed once, not per recipient."""
        return (
            absolute(reverse("newsletters:unsubscribe", args=[LINK_SLOT])),
            absolute(reverse("newsletters:preferences", args=[LINK_SLOT])),
        )

    def way_out(self, subscription_pk: int) -> tuple[str, str]:
        """The recipient's unsubscribe and preferences addresses (one signed token)."""
        token = way_out_token(subscription_pk, self.newsletter_pk)
        unsubscribe, preferences = self._way_out_addresses
        return unsubscribe.replace(LINK_SLOT, token), preferences.replace(LINK_SLOT, token)

    def message(self, subscription_pk: int, email: str, connection=None, *, urls=None):
        unsubscribe_url, preferences_url = urls or self.way_out(subscription_pk)
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=self.text.replace(UNSUBSCRIBE, unsubscribe_url).replace(
                PREFERENCES, preferences_url
            ),
            from_email=settings.NEWSLETTER_FROM_EMAIL,
            to=[email],
            headers={
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
            connection=connection,
        )
        message.attach_alternative(
            self.html.replace(UNSUBSCRIBE, unsubscribe_url).replace(PREFERENCES, preferences_url),
            "text/html",
        )
        return message

    def wire_template(self) -> "WireTemplate | None":
        """The message as the SMTP server receives it, built once, with the recipient's
        address, links and Message-ID left as placeholders (see `WireTemplate`)."""
        message = self.message(0, RECIPIENT, urls=(UNSUBSCRIBE, PREFERENCES))
        message.extra_headers["Message-ID"] = f"<{MESSAGE_ID}@{DNS_NAME}>"
        data = message.message().as_bytes(linesep="\r\n")
        counts = {marker: data.count(marker.encode()) for marker in (UNSUBSCRIBE, PREFERENCES)}
        # Each link appears in the header (one), the text and the HTML; if a long line had
        # been encoded (quoted-printable wraps lines), a placeholder could be split: then
        # every message is built in full instead.
        expected = {UNSUBSCRIBE: 3, PREFERENCES: 2}
        if counts != expected or data.count(RECIPIENT.encode()) != 1:
            return None
        return WireTemplate(data, message.from_email)


@dataclass
class WireTemplate:
    """A message's bytes with placeholders: filling them in costs a few `bytes.replace`s
    instead of building the MIME parts again, which is most of the cost of a message."""

    data: bytes
    from_email: str

    def fill(self, email: str, unsubscribe_url: str, preferences_url: str) -> bytes:
        return (
            self.data.replace(RECIPIENT.encode(), email.encode())
            .replace(UNSUBSCRIBE.encode(), unsubscribe_url.encode())
            .replace(PREFERENCES.encode(), preferences_url.encode())
            .replace(MESSAGE_ID.encode(), uuid.uuid4().hex.encode())
        )


def render(newsletter: Newsletter, *, test: bool = False) -> RenderedNewsletter:
    context = message_context(newsletter, UNSUBSCRIBE, PREFERENCES)
    context["test"] = test
    subject = f"[Test] {newsletter.subject}" if test else newsletter.subject
    return RenderedNewsletter(
        newsletter_pk=newsletter.pk,
        subject=subject,
        text=render_to_string("newsletters/email/newsletter.txt", context),
        html=render_to_string("newsletters/email/newsletter.html", context),
    )


def trial_message(newsletter: Newsletter, email: str):
    """The newsletter as a recipient will see it, to the editor's own address. Its way-out
    links lead to a page that says they are a test's (no subscription is touched)."""
    rendered = render(newsletter, test=True)
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text.replace(UNSUBSCRIBE, absolute("/newsletter/")).replace(
            PREFERENCES, absolute("/newsletter/")
        ),
        from_email=settings.NEWSLETTER_FROM_EMAIL,
        to=[email],
    )
    message.attach_alternative(
        rendered.html.replace(UNSUBSCRIBE, absolute("/newsletter/")).replace(
            PREFERENCES, absolute("/newsletter/")
        ),
        "text/html",
    )
    return message


def confirmation_email(subscription, confirm_url: str):
    text = render_to_string(
        "newsletters/email/confirm.txt",
        {"confirm_url": confirm_url, "days": settings.NEWSLETTER_CONFIRM_DAYS},
    )
    return EmailMultiAlternatives(
        subject="Confirm your subscription to the Alliance Hub newsletter",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[subscription.email],
    )


def already_subscribed_email(subscription, preferences_url: str):
    text = render_to_string("newsletters/email/already.txt", {"preferences_url": preferences_url})
    return EmailMultiAlternatives(
        subject="You already receive the Alliance Hub newsletter",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[subscription.email],
    )
