"""Forms supporters and moderators fill in; every field labelled, nothing typed is lost."""

from django import forms

from cms.moderation import HoneypotFormMixin
from manifesto.models import AmendmentKind, VoteChoice


class ProposeForm(HoneypotFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="What do you propose?",
        choices=AmendmentKind.choices,
        widget=forms.RadioSelect,
        initial=AmendmentKind.REPLACE,
    )
    text = forms.CharField(
        label="Your wording",
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="For a change, edit the current wording (already filled in). For a new "
        "clause, write it here. Leave it as it is for a deletion.",
    )
    reason = forms.CharField(
        label="Why?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="A few sentences other supporters will read before they vote.",
    )

    def __init__(self, *args, current_text: str = "", consultation: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_text = current_text
        self.fields["text"].initial = current_text
        if consultation:
            # A consultation's single answer can only be replaced by another answer.
            self.fields["kind"].choices = [(AmendmentKind.REPLACE, "Suggest another answer")]
            self.fields["text"].label = "Your suggestion"
            self.fields["text"].help_text = ""
            self.fields["text"].widget = forms.TextInput()

    def clean(self):
        cleaned = super().clean()
        kind, text = cleaned.get("kind"), (cleaned.get("text") or "").strip()
        if kind == AmendmentKind.REPLACE and text == self.current_text.strip():
            self.add_error("text", "Change at least one word of the current wording.")
        if kind in (AmendmentKind.REPLACE, AmendmentKind.INSERT_AFTER) and not text:
            self.add_error("text", "Write the wording you propose.")
        cleaned["text"] = text
        return cleaned


class UpdateAmendmentForm(forms.Form):
    """The author rewrites an amendment marked needs-update onto the current text."""

    text = forms.CharField(
        label="Your wording on the current text",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class VoteForm(forms.Form):
    choice = forms.ChoiceField(label="Your vote", choices=VoteChoice.choices)


class CommentForm(HoneypotFormMixin, forms.Form):
    body = forms.CharField(
        label="Your comment",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Comments are read by a moderator before they appear.",
    )


class ReportForm(forms.Form):
    reason = forms.CharField(
        label="What is wrong with this amendment?",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, words=None, **kwargs):
        """`words`: the page's vocabulary (`vocabulary.words_for`), so a consultation asks about a
        suggestion, not an amendment."""
        super().__init__(*args, **kwargs)
        if words:
            self.fields["reason"].label = f"What is wrong with this {words['item']}?"


class StatusForm(forms.Form):
    """A moderator's decision on one amendment."""

    ACTIONS = [
        ("publish", "Publish"),
        ("accept", "Accept"),
        ("reject", "Reject"),
        ("duplicate", "Mark duplicate"),
    ]
    action = forms.ChoiceField(label="Decision", choices=ACTIONS)
    reason = forms.CharField(label="Reason (sent to the author)", required=False, max_length=1000)
    duplicate_of = forms.IntegerField(label="Duplicate of amendment number", required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "duplicate" and not cleaned.get("duplicate_of"):
            self.add_error("duplicate_of", "Say which amendment this one duplicates.")
        if cleaned.get("action") == "reject" and not cleaned.get("reason"):
            self.add_error("reason", "Give the author a reason.")
        return cleaned
