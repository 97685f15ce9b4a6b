"""Admin: donations (with offline gifts), the ledger, permissibility checks and reports.

Money is never edited in the admin: card donations change only through Stripe
events, ledger entries are read-only, and an offline gift's ledger entry is
written once when the editor records it.
"""

from datetime import timedelta

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic import CreateView, EditView, InspectView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.dashboard import HOOK as WAITING_HOOK
from cms.dashboard import Waiting
from cms.permission_policies import NoDeletePolicy, ReadOnlyPolicy
from crowdfund import law, ledger, stripe_events
from crowdfund.figures import donor_counts
from crowdfund.models import (
    OFFLINE_METHODS,
    AutoRefund,
    BudgetLine,
    CrowdfundPage,
    CrowdfundUpdate,
    Donation,
    DonationStatus,
    Expense,
    Frequency,
    LedgerEntry,
    Method,
    Milestone,
    PermissibilityCheck,
    WebhookEvent,
)

register_permission_policy(LedgerEntry, ReadOnlyPolicy(LedgerEntry))
register_permission_policy(WebhookEvent, ReadOnlyPolicy(WebhookEvent))
register_permission_policy(Donation, NoDeletePolicy(Donation))


# --- donations ------------------------------------------------------------------------
class DonationFilterSet(WagtailFilterSet):
    created_at = django_filters.DateFromToRangeFilter(label="Date", widget=DateRangePickerWidget)
    needs_check = django_filters.BooleanFilter(
        label="Needs permissibility check", method="filter_needs_check"
    )

    class Meta:
        model = Donation
        fields = ["crowdfund", "status", "method", "frequency", "reportable"]

    def filter_needs_check(self, queryset, name, value):
        open_checks = PermissibilityCheck.objects.filter(status=PermissibilityCheck.Status.OPEN)
        open_check = Q(pk__in=open_checks.values("donation"))
        return queryset.filter(open_check) if value else queryset.exclude(open_check)


class OfflineDonationForm(WagtailAdminModelForm):
    """Recording a cheque, bank transfer or cash gift (card gifts only come from Stripe)."""

    method = forms.ChoiceField(choices=[(m.value, m.label) for m in OFFLINE_METHODS])

    class Meta:
        model = Donation
        fields = [
            "crowdfund",
            "method",
            "amount_pence",
            "received_on",
            "name",
            "email",
            "address",
            "permissible_donor_declared",
            "message",
            "show_name",
            "show_amount",
            "updates_opt_in",
        ]

    def clean(self):
        cleaned = super().clean()
        amount = cleaned.get("amount_pence") or 0
        if amount <= 0:
            self.add_error("amount_pence", "Enter the amount received, in pence.")
        if law.is_donation_in_law(amount) and not (
            cleaned.get("address") and cleaned.get("permissible_donor_declared")
        ):
            self.add_error(
                "address",
                "Gifts over £500 need the donor's address as on the electoral register and "
                "their permissible donor declaration.",
            )
        return cleaned


class DonorDetailsForm(WagtailAdminModelForm):
    """Editing a recorded gift: the donor's details only, never the money."""

    class Meta:
        model = Donation
        fields = [
            "name",
            "email",
            "address",
            "message",
            "show_name",
            "show_amount",
            "updates_opt_in",
        ]


class OfflineDonationCreateView(CreateView):
    def save_instance(self):
        with transaction.atomic():
            instance = super().save_instance()
            ledger.record_offline(ledger.lock_donation(instance.pk))
        return instance


MONTHLY_ONLY_FIELDS = (
    "monthly_amount_pence",
    "ends_at",
    "subscription_status",
    "subscription_changed_at",
)


class DonationInspectView(InspectView):
    """A monthly gift shows what it gives now and when it ends ("£15 a month, ends on ...")."""

    def get_fields_context(self):
        # `fields` is chosen before the object is fetched (setup): adjust it here.
        fields = list(self.fields)
        if self.object.frequency != Frequency.MONTHLY:
            fields = [name for name in fields if name not in MONTHLY_ONLY_FIELDS]
        else:
            at = fields.index("amount_pence") + 1 if "amount_pence" in fields else 0
            fields = [*fields[:at], "monthly_summary", *fields[at:]]
        return [self.get_context_for_field(name) for name in fields]


class DonationViewSet(ModelViewSet):
    model = Donation
    icon = "pick"
    menu_label = "Donations"
    add_to_admin_menu = False
    inspect_view_enabled = True
    inspect_view_class = DonationInspectView
    add_view_class = OfflineDonationCreateView
    copy_view_enabled = False
    filterset_class = DonationFilterSet
    list_display = ["name", "crowdfund", "amount_display", "method", "status", "created_at"]
    list_export = [
        "reference",
        "crowdfund",
        "created_at",
        "paid_at",
        "method",
        "frequency",
        "amount_pence",
        "status",
        "name",
        "email",
        "address",
        "permissible_donor_declared",
        "reportable",
        "stripe_checkout_session_id",
        "stripe_payment_intent_id",
        "stripe_subscription_id",
    ]
    export_filename = "donations"
    search_fields = ["name", "email", "message"]
    ordering = ["-created_at"]

    def get_queryset(self, request):
        return Donation.objects.select_related("crowdfund")

    def get_form_class(self, for_update=False):
        return DonorDetailsForm if for_update else OfflineDonationForm


class LedgerFilterSet(WagtailFilterSet):
    moved_at = django_filters.DateFromToRangeFilter(
        label="Date the money moved", widget=DateRangePickerWidget
    )
    method = django_filters.ChoiceFilter(
        label="Method", field_name="donation__method", choices=Method.choices
    )

    class Meta:
        model = LedgerEntry
        fields = ["crowdfund", "kind"]


class LedgerEntryViewSet(ModelViewSet):
    copy_view_enabled = False
    model = LedgerEntry
    icon = "list-ul"
    menu_label = "Ledger"
    add_to_admin_menu = False
    inspect_view_enabled = True
    form_fields = ["kind"]
    filterset_class = LedgerFilterSet
    list_display = ["source_id", "crowdfund", "kind", "amount_pence", "donation", "moved_at"]
    list_export = [
        "moved_at",
        "created_at",
        "crowdfund",
        "kind",
        "amount_pence",
        "currency",
        "source_id",
        "stripe_charge_id",
        "stripe_event_id",
        "donation",
    ]
    export_filename = "crowdfund-ledger"
    ordering = ["-moved_at"]

    def get_queryset(self, request):
        return LedgerEntry.objects.select_related("crowdfund", "donation")


# --- permissibility checks (moderators) -------------------------------------------------
class PermissibilityCheckForm(WagtailAdminModelForm):
    class Meta:
        model = PermissibilityCheck
        fields = ["status", "notes"]


class PermissibilityCheckEditView(EditView):
    def save_instance(self):
        instance = self.form.instance
        if instance.status != PermissibilityCheck.Status.OPEN:
            instance.checked_by = self.request.user
            instance.checked_at = timezone.now()
        return super().save_instance()


class PermissibilityCheckViewSet(ModelViewSet):
    copy_view_enabled = False
    model = PermissibilityCheck
    icon = "tick-inverse"
    menu_label = "Permissibility checks"
    add_to_admin_menu = False
    edit_view_class = PermissibilityCheckEditView
    list_display = ["donation", "status", "due_by", "checked_by"]
    list_filter = ["status"]
    ordering = ["due_by"]

    def get_queryset(self, request):
        return PermissibilityCheck.objects.select_related("donation__crowdfund", "checked_by")

    def get_form_class(self, for_update=False):
        return PermissibilityCheckForm


class CrowdfundUpdateViewSet(ModelViewSet):
    copy_view_enabled = False
    model = CrowdfundUpdate
    icon = "mail"
    menu_label = "Updates to backers"
    add_to_admin_menu = False
    form_fields = ["crowdfund", "title", "body", "published_at", "email_backers"]
    list_display = ["title", "crowdfund", "published_at", "emailed_at"]
    list_filter = ["crowdfund"]


# --- the Stripe inbox: what waits, and why (moderators are alerted on the dashboard) -----
class WebhookEventFilterSet(WagtailFilterSet):
    waiting = django_filters.BooleanFilter(
        label="Still waiting to be applied", field_name="applied_at", lookup_expr="isnull"
    )

    class Meta:
        model = WebhookEvent
        fields = ["type"]


class WebhookEventViewSet(ModelViewSet):
    """Read-only: events are written by the webhook and applied by code, never by hand."""

    copy_view_enabled = False
    model = WebhookEvent
    icon = "warning"
    menu_label = "Stripe events"
    add_to_admin_menu = False
    inspect_view_enabled = True
    form_fields = ["type"]
    filterset_class = WebhookEventFilterSet
    list_display = ["type", "event_id", "received_at", "applied_at", "attempts", "next_attempt_at"]
    inspect_view_fields = [
        "event_id",
        "type",
        "livemode",
        "received_at",
        "applied_at",
        "outcome",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    search_fields = ["event_id", "type"]
    ordering = ["-received_at"]

    def get_queryset(self, request):
        return WebhookEvent.objects.defer("payload")


def stuck_event_count() -> int:
    minutes = settings.CROWDFUND_STUCK_EVENT_MINUTES
    return stripe_events.stuck_events(timedelta(minutes=minutes)).count()


class StuckEventsPanel(Component):
    """Dashboard alert: Stripe events accepted but not applied for too long (never dropped)."""

    name = "crowdfund_stuck_events"
    template_name = "crowdfund/admin/stuck_events_panel.html"
    order = 20

    def __init__(self, count: int):
        self.count = count

    def get_context_data(self, parent_context):
        return {
            "count": self.count,
            "minutes": settings.CROWDFUND_STUCK_EVENT_MINUTES,
            "list_url": reverse("crowdfund_events:index") + "?waiting=true",
        }


@hooks.register("construct_homepage_panels")
def add_stuck_events_panel(request, panels):
    if not request.user.has_perm("crowdfund.view_webhookevent"):
        return
    count = stuck_event_count()
    if count:
        panels.append(StuckEventsPanel(count))


# --- expenses: what the money bought, against the budget ----------------------------------
class ExpenseFilterSet(WagtailFilterSet):
    spent_on = django_filters.DateFromToRangeFilter(label="Date", widget=DateRangePickerWidget)
    budget_line = django_filters.ModelChoiceFilter(
        label="Budget line", queryset=BudgetLine.objects.select_related("page")
    )
    has_receipt = django_filters.BooleanFilter(
        label="Has a receipt", field_name="receipt", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Expense
        fields = ["crowdfund", "budget_line"]


class ExpenseForm(WagtailAdminModelForm):
    """Budget lines are named "Crowdfund: item": load their pages in the same query."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["budget_line"].queryset = BudgetLine.objects.select_related("page")


class ExpenseViewSet(SnippetViewSet):
    model = Expense
    icon = "doc-full"
    menu_label = "Expenses"
    add_to_admin_menu = False
    filterset_class = ExpenseFilterSet
    list_display = ["description", "crowdfund", "budget_line", "amount_display", "spent_on"]
    list_export = ["spent_on", "crowdfund", "budget_line", "description", "paid_to", "amount_pence"]
    export_filename = "crowdfund-expenses"
    edit_handler = ObjectList(Expense.panels, base_form_class=ExpenseForm)
    search_fields = ["description", "paid_to"]
    ordering = ["-spent_on", "-pk"]

    def get_queryset(self, request):
        return Expense.objects.select_related("crowdfund", "budget_line__page")


class CrowdfundViewSetGroup(ViewSetGroup):
    menu_label = "Crowdfunds"
    menu_icon = "pick"
    menu_order = 310
    items = [
        DonationViewSet("crowdfund_donations"),
        LedgerEntryViewSet("crowdfund_ledger"),
        PermissibilityCheckViewSet("crowdfund_checks"),
        CrowdfundUpdateViewSet("crowdfund_updates"),
        WebhookEventViewSet("crowdfund_events"),
        ExpenseViewSet(),
    ]


@hooks.register("register_admin_viewset")
def register_crowdfund_viewsets():
    return CrowdfundViewSetGroup()


# --- reports: totals per crowdfund and reportable donors ------------------------------------
def reportable_donors() -> list[dict]:
    """Donors (by normalised email) whose donations in law pass £7,500 in the period.

    Decided by the same pure rules as the flag (crowdfund/law.py), from each flagged
    donor's ledger rows: the first period in which they pass, and the money held.
    """
    flagged = (
        Donation.objects.filter(reportable=True)
        .values_list("email_normalised", "pk")
        .order_by("email_normalised", "pk")
    )
    donors: dict[str, list[int]] = {}
    for email, pk in flagged:
        donors.setdefault(email or f"(no email) gift {pk}", []).append(pk)
    period = ledger.reportable_period()
    rows = []
    for donor, ids in donors.items():
        entries = LedgerEntry.objects.filter(donation_id__in=ids).only(*law.ROW_FIELDS)
        gifts = law.gifts_in_law(law.rows_of(entries))
        window = law.reportable_window(gifts, period)
        if window is None:
            continue
        start, end, total = window
        in_window = [g for g in gifts if start <= g.received_at < end and g.held_pence > 0]
        rows.append(
            {"donor": donor, "start": start, "end": end, "gifts": len(in_window), "total": total}
        )
    return sorted(rows, key=lambda row: (-row["total"], row["donor"]))


def offline_gifts_to_return():
    """Offline gifts to all-or-nothing crowdfunds that missed their target.

    Card gifts are refunded through Stripe automatically; cheques, transfers and cash
    can only be returned by a person, so they are listed here until they are.
    """
    missed = Milestone.objects.filter(kind=Milestone.Kind.REFUNDS).values("crowdfund")
    return (
        Donation.objects.filter(crowdfund__in=missed, method__in=OFFLINE_METHODS)
        .with_net_pence()
        .filter(net_pence__gt=0)
        .select_related("crowdfund")
        .order_by("crowdfund__title", "received_on", "pk")
    )


def crowdfund_totals_table() -> list:
    """Each crowdfund with its total, offline share and donors, all from the ledger."""
    crowdfunds = list(
        CrowdfundPage.objects.defer_streamfields().annotate(
            raised=Coalesce(Sum("ledger_entries__amount_pence"), 0),
            offline=Coalesce(
                Sum("ledger_entries__amount_pence", filter=Q(ledger_entries__kind="offline")), 0
            ),
        )
    )
    donors = donor_counts(page.pk for page in crowdfunds)
    for page in crowdfunds:
        page.donors = donors.get(page.pk, 0)
    return crowdfunds


def report_view(request):
    if not request.user.has_perm("crowdfund.view_donation"):
        raise PermissionDenied
    return TemplateResponse(
        request,
        "crowdfund/admin/report.html",
        {
            "crowdfunds": crowdfund_totals_table(),
            "donors": reportable_donors(),
            "period": ledger.reportable_period(),
            "offline_to_return": offline_gifts_to_return(),
            "failed_refunds": AutoRefund.objects.exclude(status=AutoRefund.Status.REFUNDED)
            .filter(attempts__gt=0)
            .exclude(last_error="")
            .count(),
            "open_checks": PermissibilityCheck.objects.filter(
                status=PermissibilityCheck.Status.OPEN
            ).count(),
            "pending": Donation.objects.filter(status=DonationStatus.PENDING).count(),
        },
    )


@hooks.register("register_admin_urls")
def register_report_url():
    return [path("crowdfund/report/", report_view, name="crowdfund_report")]


class ReportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("crowdfund.view_donation")


@hooks.register("register_reports_menu_item")
def register_report_menu_item():
    return ReportMenuItem(
        "Crowdfund totals and reportable donors",
        reverse("crowdfund_report"),
        icon_name="pick",
        order=700,
    )


@hooks.register(WAITING_HOOK)
def donation_checks_waiting(request):
    """Permissibility checks still open (due 30 days after the money came in; one query)."""
    if not request.user.has_perm("crowdfund.change_permissibilitycheck"):
        return []
    count = PermissibilityCheck.objects.filter(status=PermissibilityCheck.Status.OPEN).count()
    url = reverse("crowdfund_checks:index") + "?status=open"
    return [Waiting(count, "donation check to make", "donation checks to make", url, 60)]
