"""The public sign-up form and the account page's opt-in."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout
from django import forms

from cms.forms import ConstituencyNameField
from cms.moderation import HoneypotFormMixin
from newsletters.consent import ACCOUNT_WORDING, PUBLIC_WORDING


class SignUpForm(HoneypotFormMixin):
    email = forms.EmailField(label="Email address", max_length=254)
    constituency = ConstituencyNameField(
        required=False,
        label="Your constituency (optional)",
        help_text="So we can tell you about things near you. Leave it empty if you prefer.",
    )
    consent = forms.BooleanField(label=PUBLIC_WORDING, required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        self.fields["consent"].error_messages["required"] = (
            "Tick the box to say you want the newsletter."
        )
        self.helper = FormHelper()
        self.helper.form_tag = False  # the template wraps it
        self.helper.disable_csrf = True  # the template's form tag has the token
        self.helper.layout = Layout(
            "email",
            "constituency",
            "consent",
            Div("website", css_class="honeypot", aria_hidden="true"),
        )


class AccountOptInForm(forms.Form):
    consent = forms.BooleanField(label=ACCOUNT_WORDING, required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        self.fields["consent"].error_messages["required"] = (
            "Tick the box to say you want the newsletter."
        )


class SendForm(forms.Form):
    """The admin's confirmation step: now or at a time, and the count typed back."""

    when = forms.ChoiceField(
        choices=[("now", "Send now"), ("later", "Schedule")],
        widget=forms.RadioSelect,
        initial="now",
    )
    send_at = forms.DateTimeField(
        required=False,
        label="Send at (UK time)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    confirm_count = forms.IntegerField(
        label="Type the number of recipients to confirm", min_value=0
    )

    def __init__(self, *args, count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.count = count

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("when") == "later" and not cleaned.get("send_at"):
            self.add_error("send_at", "Choose when to send it.")
        if cleaned.get("confirm_count") is not None and cleaned["confirm_count"] != self.count:
            self.add_error("confirm_count", f"Type {self.count} to confirm.")
        return cleaned
