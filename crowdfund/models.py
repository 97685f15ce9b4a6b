"""Crowdfund pages, donations, the money ledger and the Stripe webhook inbox.

The one rule everything here serves: a crowdfund's total is the SUM of its
ledger entries, and each real money movement can be written to the ledger once
only (a unique constraint on the Stripe object it came from plus its kind).
Donation.status is a convenience derived from facts; it never feeds a total.
"""

import math
import uuid

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Case, F, Q, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable
from wagtail.search import index

from cms.blocks import BodyBlock
from cms.models.pages import BasePage
from cms.subpages import RouteTableMixin
from crowdfund import law, rules
from crowdfund.amounts import pounds
from crowdfund.payments import validate_chargeable_amount


class FundingModel(models.TextChoices):
    KEEP_WHAT_YOU_RAISE = "keep", "Keep what you raise"
    ALL_OR_NOTHING = (
        "all_or_nothing",
        "All or nothing (card gifts refunded if the target is missed)",
    )


class CrowdfundPage(RouteTableMixin, BasePage):
    """One appeal with a target; the donate, success and cancel steps are sub-views."""

    # The total and donor count are live: the shared page cache keeps this page briefly.
    page_cache_seconds = 5
    query_params = ("session_id",)  # the thank-you step (cms.cache keys on it)

    introduction = models.TextField(blank=True, help_text="One or two sentences under the title.")
    body = StreamField(BodyBlock(), blank=True, help_text="Why the money is needed.")
    target_pence = models.PositiveIntegerField(
        validators=[MinValueValidator(100)],
        help_text="The target in pence (£5,000 is 500000).",
    )
    deadline = models.DateTimeField(
        null=True, blank=True, help_text="Optional. When the crowdfund closes."
    )
    funding_model = models.CharField(
        max_length=20,
        choices=FundingModel.choices,
        default=FundingModel.KEEP_WHAT_YOU_RAISE,
        help_text="All or nothing: every card gift is refunded automatically, once, if the "
        "target is not met by the deadline. The page tells donors which model applies.",
    )
    suggested_amounts = models.CharField(
        max_length=120,
        default="10, 25, 50, 100",
        blank=True,
        help_text="Whole pounds, separated by commas, offered as quick choices.",
    )
    minimum_pence = models.PositiveIntegerField(
        default=300,
        validators=[validate_chargeable_amount],
        help_text="Smallest gift, in pence (at least 30: Stripe takes nothing smaller).",
    )
    maximum_pence = models.PositiveIntegerField(
        default=1_000_000, help_text="Largest gift taken online, in pence."
    )
    monthly_offered = models.BooleanField(
        default=True, help_text="Offer monthly gifts as well as one-off gifts."
    )
    accepts_cards = models.BooleanField(
        default=True,
        help_text="Take card gifts online (Stripe). Untick to offer only bank transfer and "
        "cheque, shown from Settings → Offline giving.",
    )
    offline_reference = models.CharField(
        max_length=18,
        blank=True,
        help_text="The reference donors put on a bank transfer to this crowdfund (at most 18 "
        "characters, as UK banks allow). Blank: the one in Settings → Offline giving.",
    )

    content_panels = [
        *BasePage.content_panels,
        FieldPanel("introduction"),
        MultiFieldPanel(
            [
                FieldPanel("target_pence"),
                FieldPanel("deadline"),
                FieldPanel("funding_model"),
                FieldPanel("suggested_amounts"),
                FieldPanel("minimum_pence"),
                FieldPanel("maximum_pence"),
                FieldPanel("monthly_offered"),
                FieldPanel("accepts_cards"),
                FieldPanel("offline_reference"),
            ],
            heading="Target and giving",
        ),
        InlinePanel("stretch_targets", label="Stretch targets"),
        InlinePanel("budget_lines", label="What the money buys"),
        FieldPanel("body"),
    ]
    search_fields = [*BasePage.search_fields, index.SearchField("introduction")]

    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types: list = []
    template = "crowdfund/crowdfund_page.html"

    class Meta:
        verbose_name = "crowdfund"

    def clean(self):
        super().clean()
        if (
            self.minimum_pence is not None
            and self.maximum_pence is not None
            and self.minimum_pence > self.maximum_pence
        ):
            raise ValidationError(
                {"minimum_pence": "The smallest gift cannot be more than the largest gift."}
            )

    # --- figures (always from the ledger) ------------------------------------------
    def totals(self) -> dict:
        """Total raised, donors and offline share, from the ledger (crowdfund/figures.py)."""
        return LedgerEntry.objects.filter(crowdfund_id=self.pk).totals()

    def suggested_amount_list(self) -> list[int]:
        amounts = []
        for part in self.suggested_amounts.split(","):
            part = part.strip().lstrip("£")
            if part.isdigit():
                amounts.append(int(part))
        return amounts

    def is_open(self) -> bool:
        """The rule's answer (`crowdfund.rules.is_open`), for templates."""
        return rules.is_open(self)

    def days_left(self):
        """Whole days left, rounded up: 5 hours left is "1 day left", not "0 days left"."""
        if self.deadline is None:
            return None
        seconds = (self.deadline - timezone.now()).total_seconds()
        return max(0, math.ceil(seconds / 86_400))

    def budget_with_spending(self):
        """Budget lines with `spent_pence`: the SUM of their expenses (one query)."""
        return self.budget_lines.annotate(
            spent_pence=Coalesce(Sum("expenses__amount_pence"), 0)
        ).order_by("sort_order", "pk")


class StretchTarget(Orderable):
    page = ParentalKey(CrowdfundPage, on_delete=models.CASCADE, related_name="stretch_targets")
    amount_pence = models.PositiveIntegerField(help_text="A further target in pence.")
    description = models.CharField(max_length=200, help_text="What reaching it would add.")

    panels = [FieldPanel("amount_pence"), FieldPanel("description")]


class BudgetLine(Orderable):
    """A line of "what the money buys", kept up to date by editors."""

    page = ParentalKey(CrowdfundPage, on_delete=models.CASCADE, related_name="budget_lines")
    item = models.CharField(max_length=200, help_text="For example: design and accessibility")
    amount_pence = models.PositiveIntegerField(help_text="Cost in pence.")
    spent = models.BooleanField(
        default=False,
        help_text="Tick once this line is finished. What was spent is the sum of its expenses "
        "(Crowdfunds → Expenses).",
    )

    panels = [FieldPanel("item"), FieldPanel("amount_pence"), FieldPanel("spent")]

    def __str__(self):
        return f"{self.page.title}: {self.item}" if self.page_id else self.item


class CrowdfundUpdate(models.Model):
    """News for backers: shown on the page and emailed, once, to donors who opted in."""

    crowdfund = models.ForeignKey(CrowdfundPage, on_delete=models.CASCADE, related_name="updates")
    title = models.CharField(max_length=200)
    body = RichTextField(features=["bold", "italic", "link", "ol", "ul"])
    published_at = models.DateTimeField(default=timezone.now)
    email_backers = models.BooleanField(
        default=True, help_text="Email this update to donors who asked for updates."
    )
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    panels = [
        FieldPanel("crowdfund"),
        FieldPanel("title"),
        FieldPanel("body"),
        FieldPanel("published_at"),
        FieldPanel("email_backers"),
    ]

    class Meta:
        ordering = ["-published_at"]

    def __str__(self):
        return self.title


class Frequency(models.TextChoices):
    ONE_OFF = "one_off", "One-off"
    MONTHLY = "monthly", "Monthly"


class Method(models.TextChoices):
    CARD = "card", "Card (Stripe)"
    DEMO_CARD = "demo_card", "Card (demo, no Stripe)"
    CHEQUE = "cheque", "Cheque"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CASH = "cash", "Cash at an event"


OFFLINE_METHODS = [Method.CHEQUE, Method.BANK_TRANSFER, Method.CASH]


class DonationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"
    ACTIVE = "active", "Monthly, active"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"
    REFUNDED = "refunded", "Refunded"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    DISPUTED = "disputed", "Disputed"
    CANCELLED = "cancelled", "Monthly, cancelled"


def _long_date(moment) -> str:
    """ "3 January 2027", in the site's time zone."""
    return date_format(timezone.localtime(moment), "j F Y")


class DonationQuerySet(models.QuerySet):
    def with_net_pence(self):
        return self.annotate(net_pence=Coalesce(Sum("ledger_entries__amount_pence"), 0))

    def on_wall(self):
        """Donations that brought money in, for the donor wall (newest first)."""
        return self.filter(
            status__in=[DonationStatus.PAID, DonationStatus.ACTIVE, DonationStatus.CANCELLED]
        ).order_by("-paid_at", "-pk")


class Donation(models.Model):
    """One attempt to give: a one-off gift, a monthly gift (many payments) or an offline gift."""

    # Money records: keep them out of Wagtail's page reference index (a write per save).
    wagtail_reference_index_ignore = True

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    crowdfund = models.ForeignKey(CrowdfundPage, on_delete=models.PROTECT, related_name="donations")
    status = models.CharField(
        max_length=20, choices=DonationStatus.choices, default=DonationStatus.PENDING
    )
    frequency = models.CharField(
        max_length=10, choices=Frequency.choices, default=Frequency.ONE_OFF
    )
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.CARD)
    amount_pence = models.PositiveIntegerField(help_text="The gift (per month if monthly).")
    name = models.CharField(max_length=200, help_text="Full name as on the electoral register.")
    email = models.EmailField(blank=True)
    email_normalised = models.CharField(max_length=254, blank=True, db_index=True, editable=False)
    message = models.CharField(max_length=500, blank=True, help_text="Shown on the donor wall.")
    show_name = models.BooleanField(
        default=False, help_text="Show the name on the donor wall (otherwise 'Anonymous')."
    )
    show_amount = models.BooleanField(
        default=False,
        help_text="The donor agreed to show the amount and when they gave on the donor wall.",
    )
    updates_opt_in = models.BooleanField(default=False, help_text="Email me updates.")
    address = models.TextField(
        blank=True, help_text="Home address as on the electoral register (gifts over £500)."
    )
    permissible_donor_declared = models.BooleanField(
        default=False, help_text="The donor declared they are a permissible donor."
    )
    reportable = models.BooleanField(
        default=False,
        help_text="This donor's donations in law (payments over £500) still held add up "
        "to more than £7,500 within the reportable period: report them.",
    )
    received_on = models.DateField(
        null=True, blank=True, help_text="Offline gifts: the date the money arrived."
    )
    demo = models.BooleanField(default=False, editable=False)

    # Stripe identifiers, filled in as events arrive (any order).
    idempotency_key = models.CharField(max_length=80, blank=True, editable=False)
    stripe_checkout_session_id = models.CharField(
        max_length=255, blank=True, db_index=True, editable=False
    )
    stripe_payment_intent_id = models.CharField(
        max_length=255, blank=True, db_index=True, editable=False
    )
    stripe_subscription_id = models.CharField(
        max_length=255, blank=True, db_index=True, editable=False
    )
    stripe_customer_id = models.CharField(max_length=255, blank=True, editable=False)

    # Facts that decide the status (set once, never unset, so event order does not matter).
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True, editable=False)
    failed_at = models.DateTimeField(null=True, blank=True, editable=False)
    expired_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)

    # A monthly gift as Stripe holds it now (`customer.subscription.updated`): the donor may
    # change the amount or schedule the end in the customer portal. Never money: payments
    # come only from invoices. Only an event newer than `subscription_changed_at` applies.
    monthly_amount_pence = models.PositiveIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="Monthly gifts: the amount per month at Stripe now, if the donor changed it.",
    )
    ends_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Monthly gifts: when the gift ends (cancelled at the end of a period).",
    )
    subscription_status = models.CharField(max_length=30, blank=True, editable=False)
    subscription_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When Stripe sent the newest subscription change applied here.",
    )

    objects = DonationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["crowdfund", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_checkout_session_id"],
                condition=~Q(stripe_checkout_session_id=""),
                name="crowdfund_donation_unique_session",
            )
        ]

    def __str__(self):
        return f"{self.get_method_display()} £{self.amount_pence / 100:,.2f} from {self.name}"

    def save(self, *args, **kwargs):
        self.email_normalised = law.normalise_email(self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "email_normalised"}
        super().save(*args, **kwargs)

    @property
    @admin.display(description="Amount")
    def amount_display(self) -> str:
        per = " a month" if self.frequency == Frequency.MONTHLY else ""
        return f"£{self.amount_pence / 100:,.2f}{per}"

    @property
    def current_monthly_pence(self) -> int:
        """What a monthly gift gives each month now (the portal may have changed it)."""
        return self.monthly_amount_pence or self.amount_pence

    @property
    @admin.display(description="Monthly gift now")
    def monthly_summary(self) -> str:
        """ "£15 a month", "£15 a month, ends on 3 January 2027", "..., ended on ..."."""
        if self.frequency != Frequency.MONTHLY:
            return ""
        text = f"{pounds(self.current_monthly_pence)} a month"
        end = self.monthly_end
        return f"{text}, {end}" if end else text

    @property
    def has_ended(self) -> bool:
        ends_at = self.ends_at or self.cancelled_at
        return bool(self.cancelled_at or (ends_at and ends_at <= timezone.now()))

    @property
    def monthly_end(self) -> str:
        """ "ends on 3 January 2027", "ended on ..." or "" (a monthly gift that continues)."""
        ends_at = self.ends_at or self.cancelled_at
        if not ends_at:
            return ""
        return f"{'ended' if self.has_ended else 'ends'} on {_long_date(ends_at)}"

    @property
    def is_offline(self) -> bool:
        return self.method in OFFLINE_METHODS

    @property
    def wall_name(self) -> str:
        return self.name if self.show_name and self.name else "Anonymous"

    def wall_amount(self, now=None) -> str:
        """ "£25 · 3 days ago" ("£10 a month · ..."), only if the donor agreed; else ""."""
        if not self.show_amount:
            return ""
        text = pounds(self.amount_pence)
        if self.frequency == Frequency.MONTHLY:
            text = f"{pounds(self.current_monthly_pence)} a month"
        if self.paid_at:
            now = now or timezone.now()
            if (now - self.paid_at).total_seconds() < 60:
                text += " · just now"
            else:
                text += f" · {timesince(self.paid_at, now, depth=1)} ago"
        return text

    @property
    def needs_permissibility_check(self) -> bool:
        return law.is_donation_in_law(self.amount_pence)


class LedgerKind(models.TextChoices):
    PAYMENT = "payment", "Payment"
    REFUND = "refund", "Refund"
    DISPUTE_LOST = "dispute_lost", "Dispute (funds withdrawn)"
    DISPUTE_WON = "dispute_won", "Dispute won (funds returned)"
    OFFLINE = "offline", "Offline gift"


def donor_identity():
    """One donor across gifts, as the ledger knows them: the normalised email (as the
    reportable rule matches donors), else the Stripe customer, else the gift itself."""
    return Case(
        When(
            ~Q(donation__email_normalised=""),
            then=Concat(Value("email:"), F("donation__email_normalised")),
        ),
        When(
            ~Q(donation__stripe_customer_id=""),
            then=Concat(Value("customer:"), F("donation__stripe_customer_id")),
        ),
        default=Concat(Value("gift:"), Cast("donation_id", models.CharField())),
        output_field=models.CharField(),
    )


class LedgerEntryQuerySet(models.QuerySet):
    def totals(self) -> dict:
        """Total, offline share and donors of these rows, in pence: one aggregate query
        and one count (crowdfund/figures.py shows them)."""
        figures = self.aggregate(
            total=Coalesce(Sum("amount_pence"), 0),
            offline=Coalesce(Sum("amount_pence", filter=Q(kind=LedgerKind.OFFLINE)), 0),
        )
        figures["donors"] = self.donors_still_giving().count()
        return figures

    def donors_still_giving(self):
        """People whose money in these ledger rows is still held: one row per donor.

        A donor counts once however many gifts they made, and not at all when everything
        they gave was refunded or withdrawn by a dispute (open or lost); a dispute won
        brings them back. Derived from the rows, never kept as a counter.
        """
        return (
            self.order_by()
            .annotate(donor=donor_identity())
            .values("crowdfund_id", "donor")
            .annotate(held=Sum("amount_pence"))
            .filter(held__gt=0)
        )


class LedgerEntry(models.Model):
    """One movement of money, in integer pence (GBP). Append-only.

    `source_id` names the Stripe object that moved the money (a payment intent or
    invoice for payments, the charge plus its cumulative refunded amount for
    refunds, a dispute for disputes). Unique with `kind`, it is what makes a
    duplicated or replayed event unable to count twice.
    """

    # Money records: keep them out of Wagtail's page reference index (a write per save).
    wagtail_reference_index_ignore = True

    crowdfund = models.ForeignKey(
        CrowdfundPage, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="ledger_entries")
    kind = models.CharField(max_length=20, choices=LedgerKind.choices)
    amount_pence = models.IntegerField(help_text="Positive money in, negative money out.")
    currency = models.CharField(max_length=3, default="gbp", editable=False)
    source_id = models.CharField(max_length=255)
    stripe_charge_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_event_id = models.CharField(max_length=255, blank=True)
    moved_at = models.DateTimeField(
        default=timezone.now,
        db_index=True,
        help_text="When the money moved (Stripe's own time, or the day an offline gift "
        "arrived): receipts, the legal sums and exports use this.",
    )
    created_at = models.DateTimeField(default=timezone.now, help_text="When it was recorded.")
    receipt_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-moved_at", "-pk"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.UniqueConstraint(
                fields=["source_id", "kind"], name="crowdfund_ledger_one_entry_per_movement"
            ),
            models.CheckConstraint(condition=Q(currency="gbp"), name="crowdfund_ledger_gbp_only"),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["payment", "offline", "dispute_won"], amount_pence__gt=0)
                    | Q(kind__in=["refund", "dispute_lost"], amount_pence__lt=0)
                ),
                name="crowdfund_ledger_sign_matches_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount_pence / 100:+,.2f} ({self.source_id})"


class Milestone(models.Model):
    """A threshold a crowdfund crossed, recorded once so its email goes out once."""

    # Money records: keep them out of Wagtail's page reference index (a write per save).
    wagtail_reference_index_ignore = True

    class Kind(models.TextChoices):
        HALFWAY = "halfway", "Halfway"
        TARGET = "target", "Target reached"
        STRETCH = "stretch", "Stretch target reached"
        REFUNDS = "refunds", "Target missed: refunds issued"

    crowdfund = models.ForeignKey(
        CrowdfundPage, on_delete=models.CASCADE, related_name="milestones"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    threshold_pence = models.PositiveIntegerField(default=0)
    reached_at = models.DateTimeField(default=timezone.now)
    total_pence_then = models.IntegerField(default=0)
    announced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["crowdfund", "kind", "threshold_pence"], name="crowdfund_milestone_once"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} (£{self.threshold_pence / 100:,.0f})"


class PermissibilityCheck(models.Model):
    """A payment over £500 must be checked against the permissible-donor rules.

    One check per payment in law (each payment of a monthly gift is a donation),
    due 30 days after the money was received (crowdfund/law.py).
    """

    # Money records: keep them out of Wagtail's page reference index (a write per save).
    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        OPEN = "open", "Open: to be checked"
        PERMISSIBLE = "permissible", "Checked: permissible"
        RETURNED = "returned", "Impermissible: returned"

    donation = models.ForeignKey(
        Donation, on_delete=models.PROTECT, related_name="permissibility_checks"
    )
    payment_entry = models.OneToOneField(
        LedgerEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="permissibility_check",
        editable=False,
        help_text="The payment this check is for.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    due_by = models.DateTimeField(help_text="30 days after the money was received.")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(
        blank=True, help_text="How permissibility was checked (register entry, company number)."
    )

    panels = [FieldPanel("status"), FieldPanel("notes")]

    class Meta:
        ordering = ["due_by"]

    def __str__(self):
        return f"Check of {self.donation}"

    @classmethod
    def open_for(cls, entry) -> "PermissibilityCheck":
        """The check for one payment ledger entry (opened once: unique per entry)."""
        check, _ = cls.objects.get_or_create(
            payment_entry=entry,
            defaults={
                "donation_id": entry.donation_id,
                "opened_at": timezone.now(),
                "due_by": law.permissibility_due_by(entry.moved_at),
            },
        )
        return check

    @property
    def overdue(self) -> bool:
        return self.status == self.Status.OPEN and timezone.now() > self.due_by


class WebhookEvent(models.Model):
    """The inbox: every verified Stripe event, stored before it is applied.

    Nothing stored here is ever dropped: an event that cannot be applied yet waits
    until `next_attempt_at` (backing off to hours) and is tried again for as long as
    it takes; moderators are alerted in the admin when one waits too long.
    """

    # Money records: keep them out of Wagtail's page reference index (a write per save).
    wagtail_reference_index_ignore = True

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    livemode = models.BooleanField(default=False)
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True, db_index=True)
    outcome = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="When the catch-up tries it again."
    )

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.event_id}"


class AutoRefund(models.Model):
    """One card payment refunded because an all-or-nothing crowdfund missed its target.

    The row is written (and committed) before Stripe is asked, one per payment ledger
    entry (unique), with the idempotency key used for the request. A re-run or a run
    after a crash finds it: `refunded` rows are never asked again, `requested` rows are
    asked again with the same key (Stripe answers with the same refund, or says the
    charge is already refunded). The ledger itself still only moves when Stripe's
    charge.refunded event arrives.
    """

    # Money records: keep them out of Wagtail's page reference index (a write per save).
    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        REFUNDED = "refunded", "Refunded by Stripe"
        FAILED = "failed", "Failed: needs a person"

    crowdfund = models.ForeignKey(
        CrowdfundPage, on_delete=models.PROTECT, related_name="auto_refunds"
    )
    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="auto_refunds")
    payment_entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, related_name="auto_refund"
    )
    idempotency_key = models.CharField(max_length=255, unique=True)
    payment_intent = models.CharField(max_length=255, blank=True, db_index=True)
    charge = models.CharField(max_length=255, blank=True, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    stripe_refund_id = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Refund of {self.payment_entry.source_id} ({self.get_status_display()})"


# --- offline giving and spending --------------------------------------------------------
sort_code_validator = RegexValidator(
    r"^\d{2}-\d{2}-\d{2}$", "Enter the sort code as six digits in pairs, like 12-34-56."
)
account_number_validator = RegexValidator(
    r"^\d{8}$", "Enter the account number as eight digits, like 12345678."
)


@register_setting(icon="pick")
class OfflineGivingSettings(BaseSiteSetting):
    """How to give by bank transfer or cheque, shown wherever card giving is unavailable
    (and beside the card form). Empty: the page points to the contact page instead."""

    bank_account_name = models.CharField(
        max_length=120, blank=True, help_text="The name on the account, as the bank holds it."
    )
    bank_sort_code = models.CharField(
        max_length=8, blank=True, validators=[sort_code_validator], help_text="Like 12-34-56."
    )
    bank_account_number = models.CharField(
        max_length=8, blank=True, validators=[account_number_validator], help_text="8 digits."
    )
    bank_reference = models.CharField(
        max_length=18,
        blank=True,
        help_text="The reference donors should use (at most 18 characters). A crowdfund may "
        "set its own.",
    )
    cheque_payable_to = models.CharField(
        max_length=120, blank=True, help_text="Who cheques are made out to."
    )
    cheque_address = models.TextField(
        blank=True, help_text="Where to post cheques: the full postal address, one line each."
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("bank_account_name"),
                FieldPanel("bank_sort_code"),
                FieldPanel("bank_account_number"),
                FieldPanel("bank_reference"),
            ],
            heading="Bank transfer",
        ),
        MultiFieldPanel(
            [FieldPanel("cheque_payable_to"), FieldPanel("cheque_address")], heading="Cheque"
        ),
    ]

    class Meta:
        verbose_name = "offline giving"

    def has_bank_transfer(self) -> bool:
        return bool(self.bank_account_name and self.bank_sort_code and self.bank_account_number)

    def has_cheque(self) -> bool:
        return bool(self.cheque_payable_to and self.cheque_address.strip())

    def clean(self):
        bank = [self.bank_account_name, self.bank_sort_code, self.bank_account_number]
        if any(bank) and not all(bank):
            raise ValidationError(
                "Give the account name, sort code and account number together, or none of them."
            )
        if bool(self.cheque_payable_to) != bool(self.cheque_address.strip()):
            raise ValidationError("Give both who cheques are payable to and where to post them.")


class Expense(models.Model):
    """Money spent, against a line of a crowdfund's budget, with its receipt.

    What a line has spent is always the SUM of its expenses (never a stored figure).
    The receipt is a Wagtail document: put private ones in a collection with a view
    restriction and Wagtail's own serve view keeps them private; the public page links
    only receipts in collections without one.
    """

    crowdfund = models.ForeignKey(CrowdfundPage, on_delete=models.PROTECT, related_name="expenses")
    budget_line = models.ForeignKey(
        BudgetLine,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expenses",
        help_text="The budget line this was spent on. Blank: shown under 'Other spending'.",
    )
    amount_pence = models.PositiveIntegerField(
        validators=[MinValueValidator(1)], help_text="What was paid, in pence (£120 is 12000)."
    )
    spent_on = models.DateField(default=timezone.localdate, help_text="The day it was paid.")
    description = models.CharField(
        max_length=255, help_text="What it bought, in words a donor understands."
    )
    paid_to = models.CharField(
        max_length=120, blank=True, help_text="Optional: the supplier or person paid."
    )
    receipt = models.ForeignKey(
        "wagtaildocs.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The invoice or receipt. In a private collection it is kept from the public.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [
        FieldPanel("crowdfund"),
        FieldPanel("budget_line"),
        FieldPanel("amount_pence"),
        FieldPanel("spent_on"),
        FieldPanel("description"),
        FieldPanel("paid_to"),
        FieldPanel("receipt"),
    ]

    class Meta:
        ordering = ["-spent_on", "-pk"]

    def __str__(self):
        return f"£{self.amount_pence / 100:,.2f} on {self.spent_on:%d %b %Y}: {self.description}"

    @property
    @admin.display(description="Amount", ordering="amount_pence")
    def amount_display(self) -> str:
        return f"£{self.amount_pence / 100:,.2f}"

    def clean(self):
        line = self.budget_line if self.budget_line_id else None
        if line is not None and self.crowdfund_id and line.page_id != self.crowdfund_id:
            raise ValidationError(
                {"budget_line": "Choose a line of this crowdfund's budget (or none)."}
            )
