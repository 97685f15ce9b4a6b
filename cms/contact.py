"""The contact form: a message relayed by email to the organisation, never an address shown.

The message goes through the outbox (`cms.mail`), so it is stored in the request's
transaction and sent by a worker; the sender's address is the Reply-To, so whoever
reads it answers them directly. The page never shows where it goes.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout, Submit
from django import forms
from django.conf import settings
from django.core.mail import EmailMessage
from django_ratelimit.core import is_ratelimited

from cms.moderation import HoneypotFormMixin

TOPICS = [
    ("general", "A general question"),
    ("data", "My personal data (privacy)"),
    ("accessibility", "A problem using the site (accessibility)"),
    ("giving", "Giving or a donation"),
    ("press", "Press and media"),
]


class ContactForm(HoneypotFormMixin, forms.Form):
    name = forms.CharField(label="Your name", max_length=100)
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        help_text="So we can answer you. We use it for nothing else.",
    )
    topic = forms.ChoiceField(label="What it is about", choices=TOPICS)
    message = forms.CharField(
        label="Your message",
        min_length=2,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    field_order = ["name", "email", "topic", "message", "website"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.helper = FormHelper()
        self.helper.form_tag = False  # the template wraps it, posting back to the page
        self.helper.disable_csrf = True  # the template's form tag has the token
        self.helper.layout = Layout(
            "name",
            "email",
            "topic",
            "message",
            Div("website", css_class="honeypot", aria_hidden="true"),
            Submit("send", "Send message"),
        )

    def clean_name(self):
        # A name goes into the subject line: no line breaks (header injection), no control codes.
        name = " ".join(self.cleaned_data["name"].split())
        if not name or any(ord(character) < 32 for character in name):
            raise forms.ValidationError("Please give your name.")
        return name


RATE_LIMITED = (
    "You have sent several messages in a short time, so this one was not sent. Please wait an "
    "hour and send it again: what you typed is still here."
)


def contact_rate_limited(request) -> bool:
    """Count this POST against the per-address limit (CONTACT_RATE)."""
    return is_ratelimited(
        request,
        group="cms.contact",
        key="ip",
        rate=settings.CONTACT_RATE,
        method="POST",
        increment=True,
    )


def relay_message(cleaned_data: dict, recipient: str, page_title: str) -> None:
    """Send the message to the organisation's inbox, with the sender as Reply-To."""
    topic = dict(TOPICS)[cleaned_data["topic"]]
    body = (
        f"From: {cleaned_data['name']} <{cleaned_data['email']}>\n"
        f"About: {topic}\n"
        f'Sent with the form on "{page_title}".\n\n'
        f"{cleaned_data['message']}\n"
    )
    prefix = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX
    EmailMessage(
        subject=f"{prefix}Contact: {topic}, from {cleaned_data['name']}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        reply_to=[cleaned_data["email"]],
    ).send()
