from django import forms

from notifications.kinds import MODERATOR_KINDS, Frequency, Kind
from notifications.preferences import frequencies_for, set_frequency


class EmailPreferencesForm(forms.Form):
    """One choice per kind: at once, daily, weekly or never."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        current = frequencies_for([user.pk])[user.pk]
        self.kinds = [
            (kind, label)
            for kind, label in Kind.choices
            if kind not in MODERATOR_KINDS or user.has_perm("wagtailadmin.access_admin")
        ]
        for kind, label in self.kinds:
            self.fields[kind] = forms.ChoiceField(
                label=label,
                choices=Frequency.choices,
                initial=current[kind],
                widget=forms.RadioSelect,
            )

    def save(self):
        for kind, _label in self.kinds:
            set_frequency(self.user, kind, self.cleaned_data[kind])
