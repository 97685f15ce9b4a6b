"""Who follows what, what they have been told, and how often they want email about it."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from cms.regions import Region
from notifications.kinds import Frequency, Kind


class Follow(models.Model):
    """A supporter following one thing: a clause, an amendment, a page's replies, a crowdfund...

    An automatic follow (made by taking part) that the supporter turns off is kept with
    `active=False`, so taking part again does not follow it again behind their back.
    """

    # No index of their own: the unique constraint leads with the user, the index below
    # with the content type, and every vote writes a follow through all of them.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows", db_index=False
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, db_index=False)
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    automatic = models.BooleanField(
        default=False, help_text="Made by taking part (writing, voting, replying)."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type", "object_id"], name="one_follow_per_thing"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id", "active"])]

    def __str__(self):
        return f"{self.user} follows {self.content_type.model} {self.object_id}"


class Notification(models.Model):
    """One thing a supporter is told, once: `key` names the event, unique per recipient.

    Created in the transaction of the change it reports; a retried task or a repeated signal
    meets the unique constraint and adds nothing. `emailed_at` is set in the transaction
    that hands the email to the outbox, so it is emailed once.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    key = models.CharField(max_length=200, help_text="The event, e.g. reply:42.")
    summary = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_frequency = models.CharField(
        max_length=16,
        choices=Frequency.choices,
        help_text="How the recipient wanted this kind emailed when it was created.",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="one_notification_per_event")
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(
                fields=["email_frequency", "emailed_at"],
                name="notification_email_queue",
                condition=models.Q(emailed_at__isnull=True),
            ),
        ]

    def __str__(self):
        return self.summary

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class EmailPreference(models.Model):
    """How often a supporter wants email about one kind; absent means the kind's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    frequency = models.CharField(max_length=16, choices=Frequency.choices)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self):
        return f"{self.user}: {self.get_kind_display()} {self.get_frequency_display()}"


class FollowedRegion(models.Model):
    """A region or nation as something to follow ("meetings and stories in London").

    Regions are a list of choices, not rows, so each has one row here for a `Follow` to
    point at; a migration makes all twelve.
    """

    code = models.CharField(max_length=20, choices=Region.choices, unique=True)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.get_code_display()
