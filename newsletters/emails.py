"""Newsletter emails: rendered once per newsletter, then given each recipient's way out.

Rendering the StreamField once and filling in two addresses per recipient keeps the cost of
a message to building its MIME parts, whatever the newsletter holds. Every message carries
the RFC 8058 one-click headers and links to unsubscribe and to the preferences page, both
working without signing in (signed tokens, `newsletters.tokens`).
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

from newsletters.models import Newsletter
from newsletters.tokens import way_out_token
from notifications.emails import absolute

UNSUBSCRIBE = "%%UNSUBSCRIBE_URL%%"
PREFERENCES = "%%PREFERENCES_URL%%"
RELATIVE_LINK = re.compile(r'(href|src)="/(?!/)')


def absolute_links(html: str) -> str:
    """Links and images inside rich text point at the site itself, by its base URL."""
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return RELATIVE_LINK.sub(lambda match: f'{match.group(1)}="{base}/', html)


def body_text(newsletter: Newsletter) -> str:
    """A plain-text version of the body, for mail clients that show no HTML."""
    parts = []
    for block in newsletter.body:
        if block.block_type == "heading":
            parts.append(f"{block.value}\n{'=' * len(str(block.value))}")
        elif block.block_type == "paragraph":
            html = absolute_links(block.value.__html__())
            html = re.sub(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', r"\2 (\1)", html)
            html = re.sub(r"</(p|li|h\d)>", "\n", html)
            parts.append(strip_tags(html).strip())
        elif block.block_type == "button":
            parts.append(f"{block.value['text']}: {block.value['url']}")
        elif block.block_type == "image" and block.value.get("caption"):
            parts.append(f"[{block.value['caption']}]")
    return "\n\n".join(parts)


def _context(newsletter: Newsletter, unsubscribe_url: str, preferences_url: str) -> dict:
    return {
        "newsletter": newsletter,
        # Wagtail's own rendering of the blocks (escaped there); only the links' bases change.
        "body_html": mark_safe(absolute_links(newsletter.body.render_as_block())),  # noqa: S308
        "body_text": body_text(newsletter),
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": preferences_url,
        "site_url": absolute("/"),
    }


def preview_context(newsletter: Newsletter) -> dict:
    """What the admin's preview shows: the email as sent, with its links going nowhere."""
    return _context(newsletter, "#", "#")


@dataclass
class RenderedNewsletter:
    """One newsletter, rendered once, ready to be addressed to each recipient."""

    newsletter_pk: int
    subject: str
    text: str
    html: str

    def message(self, subscription_pk: int, email: str, connection=None):
        token = way_out_token(subscription_pk, self.newsletter_pk)
        unsubscribe_url = absolute(reverse("newsletters:unsubscribe", args=[token]))
        preferences_url = absolute(reverse("newsletters:preferences", args=[token]))
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


def render(newsletter: Newsletter, *, test: bool = False) -> RenderedNewsletter:
    context = _context(newsletter, UNSUBSCRIBE, PREFERENCES)
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
