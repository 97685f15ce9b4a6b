"""Forms used in the Wagtail admin for the manifesto (edit form, bulk-action forms)."""

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm


class AmendmentAdminForm(WagtailAdminModelForm):
    """Editing an amendment's status in the admin tells its author, like every status change."""

    def save(self, commit=True):
        status_changed = "status" in self.changed_data
        amendment = super().save(commit=commit)
        if status_changed and commit:
            from manifesto.actions import notify_author

            notify_author(amendment)
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
