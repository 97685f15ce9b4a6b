"""Forms for accounts and profiles (the reply form stands with replies, cms.models.replies)."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.text import slugify

from cms.models import Constituency, Party, User
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


class ConstituencyNameInput(forms.TextInput):
    """A text input suggesting the 650 names as the visitor types (a <datalist>, no script)."""

    template_name = "cms/widgets/constituency_input.html"

    def get_context(self, name, attrs, value):
        context = super().get_context(name, attrs, value)
        context["widget"]["attrs"]["list"] = f"{context['widget']['attrs']['id']}-names"
        context["names"] = Constituency.objects.values_list("name", flat=True)
        return context


class ConstituencyNameField(forms.CharField):
    """A constituency chosen by typing its name; case, accents' absence and spacing are forgiven.

    Cleans to a `Constituency` (or None when left empty and not required); an unknown name is
    an error that repeats it: "There is no constituency called …".
    """

    widget = ConstituencyNameInput

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 80)
        kwargs.setdefault("label", "Your constituency")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, Constituency):
            return value.name
        if isinstance(value, int):
            return Constituency.objects.filter(pk=value).values_list("name", flat=True).first()
        return value

    def clean(self, value):
        name = " ".join(str(super().clean(value) or "").split())
        if not name:
            return None
        match = find_constituency(name)
        if match is None:
            raise forms.ValidationError(
                "There is no constituency called “%(name)s”. Check the spelling, or pick a name "
                "from the suggestions.",
                params={"name": name},
            )
        return match


def find_constituency(name: str):
    """The constituency with this name (or slug), ignoring case and accents."""
    return (
        Constituency.objects.filter(name__iexact=name).first()
        or Constituency.objects.filter(slug=slugify(name)).first()
    )


class ProfileForm(forms.ModelForm):
    constituency = ConstituencyNameField(
        required=False,
        help_text="Type its name to choose it. Your constituency's page shows local groups, "
        "meetings and who campaigns there. Never shown beside your name.",
    )

    class Meta:
        model = User
        fields = ["display_name", "first_name", "last_name", "party", "home_area", "constituency"]
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
