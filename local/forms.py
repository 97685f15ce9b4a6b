"""The forms of local organising: writing to a group, reporting a message, rate limits."""

from django import forms
from django.conf import settings
from django_ratelimit.core import is_ratelimited

from cms.moderation import HoneypotFormMixin


class GroupContactForm(HoneypotFormMixin, forms.Form):
    name = forms.CharField(label="Your name", max_length=100)
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        help_text="The organisers answer you here. They see it only in the email they receive.",
    )
    message = forms.CharField(
        label="Your message",
        min_length=2,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    field_order = ["name", "email", "message", "website"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"

    def clean_name(self):
        # The name goes into the subject line: no line breaks (header injection), no control codes.
        name = " ".join(self.cleaned_data["name"].split())
        if not name or any(ord(character) < 32 for character in name):
            raise forms.ValidationError("Please give your name.")
        return name


class AbuseReportForm(forms.Form):
    reason = forms.CharField(
        label="What is wrong with this message?",
        min_length=2,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


RATE_LIMITED = (
    "You have sent several messages in a short time, so this one was not sent. Please wait an "
    "hour and send it again: what you typed is still here."
)


def sender_key(group, request) -> str:
    """The sender, by account if signed in, else by the address typed (case ignored)."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return "email:" + request.POST.get("email", "").strip().lower()[:254]


def contact_rate_limited(request) -> bool:
    """Count this POST against both limits: per address (IP) and per sender."""
    per_address = is_ratelimited(
        request,
        group="local.contact.ip",
        key="ip",
        rate=settings.LOCAL_CONTACT_RATE_PER_IP,
        method="POST",
        increment=True,
    )
    per_sender = is_ratelimited(
        request,
        group="local.contact.sender",
        key=sender_key,
        rate=settings.LOCAL_CONTACT_RATE_PER_SENDER,
        method="POST",
        increment=True,
    )
    return per_address or per_sender
