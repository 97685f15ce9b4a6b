"""The public story form and the library's filter form."""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.template.defaultfilters import filesizeformat

from cms.forms import ConstituencyNameField
from cms.models import Party
from cms.moderation import HoneypotFormMixin
from cms.regions import Region
from cms.search import is_row_id
from stories import text
from stories.models import Arrangement, Outcome, Place, StoryPage, story_limits
from stories.photos import check_and_clean_photo

FILES_NOT_KEPT = (
    " Browsers cannot keep chosen files when a form is sent back: please choose your photos again."
)


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Up to N photo files from one <input type=file multiple>, each checked with Pillow."""

    widget = MultiplePhotoInput

    def __init__(self, *args, max_files=5, **kwargs):
        self.max_files = max_files
        self.limits = None  # the stories' limits, set by the form
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            uploads = [upload for upload in data if upload]
        else:
            uploads = [data] if data else []
        if len(uploads) > self.max_files:
            raise forms.ValidationError(f"Please choose at most {self.max_files} photos.")
        cleaned, errors = [], []
        for upload in uploads:
            try:
                super().clean(upload, initial)
                cleaned.append(check_and_clean_photo(upload, self.limits or story_limits()))
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


class PartiesField(forms.ModelMultipleChoiceField):
    """Parties by id; a value that cannot be an id is refused before the database sees it.

    Django looks the ids up with `pk__in`, which on SQLite fails (a 500) on a number too
    large for a 64-bit integer instead of saying the choice is not valid.
    """

    def clean(self, value):
        if isinstance(value, list | tuple) and not all(is_row_id(v) for v in value if v):
            raise forms.ValidationError("Choose the parties from the list.", code="invalid_choice")
        return super().clean(value)


def story_body_field(limits) -> forms.CharField:
    """The story text, with the length limits editors set (read for each form)."""
    shortest, longest = limits.body_min_chars, limits.body_max_chars
    return forms.CharField(
        min_length=shortest,
        max_length=longest,
        widget=forms.Textarea(attrs={"rows": 14}),
        label="Your story",
        help_text=(
            f"Between {shortest} and {longest} characters, in plain paragraphs separated by a "
            "blank line. Web addresses become links; HTML is shown as typed, not used."
        ),
        error_messages={
            "min_length": "Please tell us a little more: at least %(limit_value)d characters "
            "(you have %(show_value)d).",
            "max_length": "Please shorten your story to at most %(limit_value)d characters "
            "(you have %(show_value)d).",
        },
    )


def year_choices():
    this_year = datetime.date.today().year
    return [("", "Choose a year")] + [(year, year) for year in range(this_year, 1996, -1)]


class StorySubmissionForm(HoneypotFormMixin, forms.Form):
    """What a local group tells us. Validation errors sit next to each field."""

    title = forms.CharField(
        max_length=120,
        help_text="A short headline, e.g. 'How three parties won Frome town council together'.",
    )
    group_name = forms.CharField(
        max_length=120, label="Your group's name", help_text="The local group or alliance."
    )
    place = forms.ModelChoiceField(
        queryset=Place.objects.all(),
        label="Constituency or council area",
        empty_label="Choose a place",
        help_text="Not listed? Choose the nearest and say so in your story.",
    )
    constituency = ConstituencyNameField(
        required=False,
        label="Westminster constituency (optional)",
        help_text="Type its name: the story will show on the constituency's page.",
    )
    parties = PartiesField(
        queryset=Party.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        label="Parties involved",
    )
    arrangement = forms.ChoiceField(
        choices=[("", "Choose an arrangement"), *Arrangement.choices],
        label="Kind of arrangement",
    )
    election = forms.CharField(
        max_length=120,
        required=False,
        label="Which election (optional)",
        help_text="e.g. '2019 general election' or '2023 district elections'.",
    )
    year = forms.TypedChoiceField(coerce=int, choices=year_choices, label="Year")
    outcome = forms.ChoiceField(choices=[("", "Choose an outcome"), *Outcome.choices])
    body = forms.CharField(label="Your story")  # replaced in __init__ with the length limits
    photos = MultiplePhotoField(
        required=False,
        label="Photos (optional)",
        help_text="",
        widget=MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    contact_email = forms.EmailField(
        label="Your email address",
        help_text="Never published. We use it only to tell you about the review.",
    )
    consent = forms.BooleanField(
        label=(
            "I agree that this story and its photos may be published on this site, and "
            "I have permission from the people shown in the photos."
        ),
        error_messages={"required": "We can only publish your story with your agreement."},
    )

    def __init__(self, *args, user=None, limits=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        limits = limits or story_limits()
        self.fields["photos"].limits = limits
        self.fields["photos"].max_files = limits.max_photos
        self.fields["photos"].help_text = (
            f"Up to {limits.max_photos} JPEG, PNG or WebP photos, each up to "
            f"{filesizeformat(limits.photo_max_bytes)} and "
            f"{limits.photo_max_dimension} pixels on each side. Location and "
            "camera details are removed before anything is stored."
        )
        self.fields["body"] = story_body_field(limits)
        if user is not None and user.is_authenticated:
            self.fields["contact_email"].initial = user.email
        self.helper = self.build_helper()

    def build_helper(self) -> FormHelper:
        helper = FormHelper()
        helper.form_method = "post"
        helper.attrs = {"novalidate": ""}
        helper.layout = Layout(
            Fieldset(
                "About your alliance", "title", "group_name", "place", "constituency", "parties"
            ),
            Fieldset("What happened", "arrangement", "election", "year", "outcome", "body"),
            Fieldset("Photos", "photos"),
            Fieldset("About you", "contact_email", "consent"),
            Div("website", css_class="honeypot", aria_hidden="true"),
        )
        helper.add_input(Submit("send", "Send my story for review"))
        return helper

    def clean_body(self):
        body = self.cleaned_data["body"].replace("\r\n", "\n").strip()
        print_fingerprint = text.fingerprint(body)
        if print_fingerprint and StoryPage.objects.filter(fingerprint=print_fingerprint).exists():
            raise forms.ValidationError(
                "We already have a story with exactly this text, so it was not sent again. "
                "If you meant to change it, please reply to our email instead."
            )
        return body

    def add_files_not_kept_note(self):
        """After any error, say that chosen photos must be picked again (browsers drop them)."""
        if self.files.getlist("photos") and not self.has_error("photos"):
            self.add_error("photos", "Your photos were fine." + FILES_NOT_KEPT)
        elif self.has_error("photos"):
            self.errors["photos"].append(FILES_NOT_KEPT.strip())


class StoryFilterForm(forms.Form):
    """The library's filters, read from the query string (GET), all optional, combined with AND."""

    q = forms.CharField(required=False, max_length=200, label="Search stories")
    region = forms.ChoiceField(required=False, choices=[("", "Any region"), *Region.choices])
    place = forms.ModelChoiceField(
        required=False,
        queryset=Place.objects.all(),
        to_field_name="slug",
        empty_label="Any place",
    )
    party = forms.ModelChoiceField(
        required=False,
        queryset=Party.objects.all(),
        to_field_name="slug",
        empty_label="Any party",
    )
    arrangement = forms.ChoiceField(
        required=False, choices=[("", "Any arrangement"), *Arrangement.choices]
    )
    outcome = forms.ChoiceField(required=False, choices=[("", "Any outcome"), *Outcome.choices])
    year = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[("", "Any year")]
    )

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "Any year")] + [(year, year) for year in years]
