"""allauth's forms in plain English (ACCOUNT_FORMS): sentence-case labels, no colons.

In their own module: allauth's forms module imports `cms.forms.SignupDetailsForm` (the
sign-up form's base, ACCOUNT_SIGNUP_FORM_CLASS), so `cms.forms` cannot import it back.
The placeholders allauth sets only repeat the labels, and vanish as people type: dropped.
"""

from allauth.account import forms as allauth_forms

FIELD_LABELS = {
    "login": "Email address",
    "email": "Email address",
    "password": "Password",
    "password1": "Password",
    "password2": "Password again",
    "remember": "Keep me signed in on this device",
}


class PlainLabelsMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        for name, field in self.fields.items():
            field.label = FIELD_LABELS.get(name, field.label)
            field.widget.attrs.pop("placeholder", None)


class SiteLoginForm(PlainLabelsMixin, allauth_forms.LoginForm):
    pass


class SiteSignupForm(PlainLabelsMixin, allauth_forms.SignupForm):
    pass


class SiteResetPasswordForm(PlainLabelsMixin, allauth_forms.ResetPasswordForm):
    pass


class SiteResetPasswordKeyForm(PlainLabelsMixin, allauth_forms.ResetPasswordKeyForm):
    pass
