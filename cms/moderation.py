"""What the public sends in and moderators review: the shared shape and rules.

Replies on pages, discussion of amendments and similar public text all
inherit `ModeratedText`: held for moderation by default, shown only once
approved, never showing the author's email, and kept (without author) when
the author deletes their account.
"""

from django import forms
from django.conf import settings
from django.db import models
from django.utils import timezone


class ModerationStatus(models.TextChoices):
    PENDING = "pending", "Awaiting moderation"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SPAM = "spam", "Spam"


# What of a piece of public text the public sees, and when: a change of any of these on
# approved text (or approving or removing it) purges the page cache (cms.cache.purge_on).
PUBLIC_TEXT_FIELDS = ["status", "body", "author"]


def is_public_text(text) -> bool:
    return text.status == ModerationStatus.APPROVED


class ModeratedTextQuerySet(models.QuerySet):
    def visible(self):
        """What the public may see."""
        return self.filter(status=ModerationStatus.APPROVED)

    def pending(self):
        return self.filter(status=ModerationStatus.PENDING)


class ModeratedText(models.Model):
    """Abstract: a piece of public text with an author and a moderation status."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(max_length=5000)
    status = models.CharField(
        max_length=10,
        choices=ModerationStatus.choices,
        default=ModerationStatus.PENDING,
        db_index=True,
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ModeratedTextQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["created_at"]

    @property
    def author_name(self) -> str:
        """The public name; never the email address."""
        return self.author.public_name if self.author_id else "A former supporter"

    @property
    def is_visible(self) -> bool:
        return self.status == ModerationStatus.APPROVED

    def moderate(self, status: str, moderator) -> None:
        self.status = status
        self.moderated_by = moderator
        self.moderated_at = timezone.now()
        # The save purges the page cache when the text was or now is public (cms.cache.purge_on).
        self.save(update_fields=["status", "moderated_by", "moderated_at"])

    def approve(self, moderator) -> None:
        self.moderate(ModerationStatus.APPROVED, moderator)

    def reject(self, moderator) -> None:
        self.moderate(ModerationStatus.REJECTED, moderator)

    def mark_spam(self, moderator) -> None:
        self.moderate(ModerationStatus.SPAM, moderator)


class HoneypotFormMixin(forms.Form):
    """A field people never see (hidden by CSS, skipped by screen readers) but bots fill in."""

    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError("This form could not be accepted.")
        return ""

    def clean(self):
        cleaned_data = super().clean()
        # The field is hidden, so its error would be too: say it where a person would see it.
        if self.has_error("website"):
            self.add_error(None, self._errors.pop("website"))
        return cleaned_data
