"""Forms for accounts and profiles (the reply form stands with replies, cms.models.replies)."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from cms.models import Party, User
from cms.models.replies import ReplyForm  # noqa: F401  (every site form importable here)


class SignupDetailsForm(forms.Form):
    """Extra fields allauth adds to its sign-up form."""

    display_name = forms.CharField(
        max_length=60,
        required=False,
        help_text="Shown beside what you write. Leave blank to appear as 'A supporter'.",
    )
    party = forms.ModelChoiceField(
        queryset=Party.objects.all(),
        required=False,
        empty_label="Prefer not to say",
        help_text="Used only for cross-party figures, never shown beside your name.",
    )
    home_area = forms.CharField(
        max_length=120, required=False, label="Where you live (town or constituency)"
    )

    def signup(self, request, user):
        """allauth calls this after creating the user; the adapter already copied the fields."""


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "first_name", "last_name", "party", "home_area"]
        labels = {"home_area": "Where you live (town or constituency)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].empty_label = "Prefer not to say"
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Save my details"))


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand this deletes my account and personal data, and cannot be undone.",
    )
    password = forms.CharField(widget=forms.PasswordInput, label="Your password")

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("delete", "Delete my account", css_class="button-danger"))

    def clean_password(self):
        password = self.cleaned_data["password"]
        try:
            password.encode("utf-8")  # a lone surrogate cannot be hashed, nor be the password
        except UnicodeEncodeError:
            raise forms.ValidationError("That password is not right.")
        if not self.user.check_password(password):
            raise forms.ValidationError("That password is not right.")
        return password
