"""The public forms: propose a meeting, book a place by email."""

from django import forms
from django.apps import apps
from django.utils import timezone

from cms.forms import ConstituencyNameField
from cms.search import is_row_id

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class GroupChoiceField(forms.ModelChoiceField):
    """A local group by id; a value that cannot be an id is refused before the query."""

    def to_python(self, value):
        if value not in self.empty_values and not is_row_id(value):
            raise forms.ValidationError("Choose a group from the list.", code="invalid_choice")
        return super().to_python(value)


class MeetingProposalForm(forms.Form):
    title = forms.CharField(max_length=120, label="Name of the meeting")
    start = forms.DateTimeField(
        label="Starts", help_text="Date and time, UK time.", widget=DATETIME_INPUT
    )
    end = forms.DateTimeField(
        label="Ends", help_text="Date and time, UK time.", widget=DATETIME_INPUT
    )
    venue = forms.CharField(
        max_length=255,
        required=False,
        label="Venue",
        help_text="The full address. Leave empty for an online meeting.",
    )
    accessibility = forms.CharField(
        required=False,
        max_length=2000,
        label="Accessibility of the venue",
        help_text="Step-free access, hearing loop, accessible toilets, parking, quiet room…",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    online_link = forms.URLField(
        required=False,
        max_length=200,
        label="Online link",
        help_text="For an online meeting: the link to join (sent only to those booked).",
        assume_scheme="https",
    )
    capacity = forms.IntegerField(min_value=1, max_value=5000, label="Number of places")
    group = GroupChoiceField(
        queryset=None,
        required=False,
        label="Local group",
        empty_label="No group: a meeting of my own",
        help_text="Organisers of the group publish it at once; otherwise a moderator reviews it.",
    )
    constituency = ConstituencyNameField(
        label="Constituency",
        help_text="Type the name of the UK Parliament constituency and choose a suggestion.",
    )
    summary = forms.CharField(
        max_length=4000,
        label="What the meeting is about",
        help_text="Who it is for and how it will run. Plain text.",
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        group_model = apps.get_model("local", "LocalGroupPage")
        self.fields["group"].queryset = group_model.objects.live().public().order_by("title")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and start <= timezone.now():
            self.add_error("start", "The meeting must start in the future.")
        if start and end and end <= start:
            self.add_error("end", "The meeting must end after it starts.")
        if not data.get("venue") and not data.get("online_link"):
            self.add_error("venue", "Give the venue's address, or an online link.")
        return data


class EmailBookingForm(forms.Form):
    name = forms.CharField(max_length=120, label="Your name")
    email = forms.EmailField(label="Your email address")
