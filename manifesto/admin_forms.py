"""Forms used in the Wagtail admin for the manifesto (edit form, bulk-action forms)."""

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from manifesto import actions, rules


class AmendmentAdminForm(WagtailAdminModelForm):
    """A moderator's decision in the admin's edit form, made by `actions.set_status`.

    So the transition table applies here as everywhere (a refused move is a form error
    and changes nothing), the change is in the status history, and the author is told.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status_before = self.instance.status
        self.reason_before = self.instance.status_reason

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status and self.status_changes(cleaned) and self.instance.pk:
            current = self.instance.__class__.objects.get(pk=self.instance.pk)
            if not rules.can_move(self.for_user, current, status):
                self.add_error("status", actions.refusal_message(current, status))
        return cleaned

    def status_changes(self, cleaned) -> bool:
        return cleaned.get("status") != self.status_before or (
            cleaned.get("status_reason", "") != self.reason_before
        )

    def save(self, commit=True):
        status, reason = self.instance.status, self.instance.status_reason
        changes = self.status_changes(self.cleaned_data)
        # The other fields are saved as they are; the status only through set_status.
        self.instance.status, self.instance.status_reason = self.status_before, self.reason_before
        amendment = super().save(commit=commit)
        if changes and commit:
            actions.set_status(
                amendment,
                status,
                reason,
                duplicate_of=self.cleaned_data.get("duplicate_of"),
                by=self.for_user,
            )
        return amendment


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason (sent to each author)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Reason (sent to each author)", widget=forms.Textarea(attrs={"rows": 3})
    )


class DuplicateForm(forms.Form):
    duplicate_of = forms.IntegerField(label="Duplicate of amendment number", min_value=1)
