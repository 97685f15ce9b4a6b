from django import forms

from notifications.kinds import Frequency, Kind
from notifications.preferences import frequencies_for, set_frequency


class EmailPreferencesForm(forms.Form):
    """One choice per kind: at once, daily, weekly or never."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        current = frequencies_for([user.pk])[user.pk]
        for kind, label in Kind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label,
                choices=Frequency.choices,
                initial=current[kind],
                widget=forms.RadioSelect,
            )

    def save(self):
        for kind in Kind.values:
            set_frequency(self.user, kind, self.cleaned_data[kind])
