"""Newsletters, the consent each recipient gave, and one delivery row per recipient.

The invariant: a newsletter goes only to an address with a `Subscription` that was opted in
(with its time and the exact wording shown), confirmed (double opt-in for the public form;
an account's address is verified already), not withdrawn, not suppressed (a permanent
bounce or a complaint), and whose account, if any, is active. `Subscription.objects.
receiving()` is that rule, in one place; sending asks it again for each batch, so an
unsubscribe acts at once, even part-way through a send.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, PageChooserPanel
from wagtail.fields import StreamField
from wagtail.models import PreviewableMixin
from wagtail.search import index

from cms.regions import Region
from newsletters.blocks import NewsletterBodyBlock
from newsletters.rendering import preview_context


class Source(models.TextChoices):
    ACCOUNT = "account", "Account page"
    PUBLIC_FORM = "public", "Public sign-up form"


class SubscriptionQuerySet(models.QuerySet):
    def receiving(self):
        """The subscriptions a newsletter may be sent to now (the module's invariant)."""
        return (
            self.filter(
                opted_in_at__isnull=False,
                confirmed_at__isnull=False,
                unsubscribed_at__isnull=True,
            )
            .filter(Q(user__isnull=True) | Q(user__is_active=True))
            .exclude(email__in=Suppression.objects.values("email"))
        )


class Subscription(models.Model):
    """One email address's consent to newsletters (PECR and UK GDPR).

    An account holder's subscription points at their account (deleted with it); a public
    sign-up has no account and waits for the address to be confirmed. Withdrawing keeps the
    row with `unsubscribed_at` set, as evidence that we stopped; opting in again starts a new
    consent (new time, new wording). Every change is also logged in `ConsentEvent`.
    """

    email = models.EmailField(unique=True, help_text="Stored in lower case.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="newsletter_subscription",
    )
    source = models.CharField(max_length=16, choices=Source.choices)
    wording = models.TextField(help_text="The exact words the person agreed to.")
    opted_in_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the address was proven (double opt-in)."
    )
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    constituency = models.ForeignKey(
        "cms.Constituency",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="For people without an account: where they live, if they said.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["unsubscribed_at"])]

    def __str__(self):
        return self.email

    @property
    def is_receiving(self) -> bool:
        return bool(
            self.opted_in_at
            and self.confirmed_at
            and not self.unsubscribed_at
            and not Suppression.objects.filter(email=self.email).exists()
        )

    @property
    def awaiting_confirmation(self) -> bool:
        return bool(self.opted_in_at and not self.confirmed_at and not self.unsubscribed_at)


class ConsentEvent(models.Model):
    """The history of one subscription's consent: what happened, when, and the words shown."""

    class Action(models.TextChoices):
        OPTED_IN = "opted_in", "Opted in"
        CONFIRMED = "confirmed", "Confirmed the address"
        WITHDREW = "withdrew", "Unsubscribed"

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now)
    how = models.CharField(
        max_length=40, help_text="Where: account page, public form, email link, one-click."
    )
    wording = models.TextField(blank=True)
    newsletter = models.ForeignKey(
        "Newsletter", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M} ({self.how})"


class Suppression(models.Model):
    """An address never to be mailed again: it bounced permanently, or its owner complained."""

    class Reason(models.TextChoices):
        BOUNCED = "bounced", "Bounced permanently"
        COMPLAINED = "complained", "Marked as spam"
        REJECTED = "rejected", "Refused by the mail provider"

    email = models.EmailField(unique=True)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.email} ({self.get_reason_display()})"


class Audience(models.TextChoices):
    ALL = "all", "All subscribers"
    REGION = "region", "Subscribers in a region or nation"
    CONSTITUENCY = "constituency", "Subscribers in a constituency"
    PARTY = "party", "Subscribers who support a party"
    FOLLOWERS = "followers", "Subscribers who follow a manifesto or crowdfund"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    QUEUEING = "queueing", "Choosing recipients"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"


class Newsletter(PreviewableMixin, index.Indexed, models.Model):
    """One newsletter: written and previewed in the admin, sent once to its audience."""

    subject = models.CharField(max_length=150)
    preheader = models.CharField(
        max_length=150, blank=True, help_text="The line mail apps show after the subject."
    )
    body = StreamField(NewsletterBodyBlock())
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.ALL)
    region = models.CharField(max_length=20, choices=Region.choices, blank=True)
    constituency = models.ForeignKey(
        "cms.Constituency", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    party = models.ForeignKey(
        "cms.Party", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    followed_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="For 'followers': the manifesto or crowdfund whose followers receive it.",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    send_at = models.DateTimeField(null=True, blank=True, help_text="When a scheduled send starts.")
    queued_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    panels = [
        FieldPanel("subject"),
        FieldPanel("preheader"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("audience"),
                FieldPanel("region"),
                FieldPanel("constituency"),
                FieldPanel("party"),
                PageChooserPanel(
                    "followed_page", ["manifesto.ManifestoPage", "crowdfund.CrowdfundPage"]
                ),
            ],
            heading="Audience",
            help_text="Who receives it. Only people who opted in ever do. You confirm the "
            "number of recipients before it is sent.",
        ),
    ]
    search_fields = [index.SearchField("subject"), index.AutocompleteField("subject")]

    class Meta:
        ordering = ["-created_at"]
        permissions = [("send_newsletter", "Can send newsletters")]

    def __str__(self):
        return self.subject

    @property
    def is_editable(self) -> bool:
        return self.status in (Status.DRAFT, Status.SCHEDULED)

    def get_preview_template(self, request, mode_name):
        return "newsletters/email/newsletter.html"

    def get_preview_context(self, request, mode_name):
        return preview_context(self)


class Delivery(models.Model):
    """One newsletter to one address: the newsletter's own outbox.

    Unique per (newsletter, address), so choosing recipients again after a crash or a retry
    adds nobody twice; `status` is set to sent the moment the mail server accepts it.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Not sent (unsubscribed or suppressed before its turn)"

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    email = models.EmailField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["newsletter", "email"], name="one_delivery_per_address")
        ]
        indexes = [models.Index(fields=["newsletter", "state"])]
        verbose_name_plural = "deliveries"

    def __str__(self):
        return f"{self.newsletter} to {self.email}"
