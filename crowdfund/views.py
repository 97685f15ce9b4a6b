"""Public crowdfund views: the page context, donating, the webhook and live totals."""

import json
import logging

import stripe
from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import is_ratelimited
from kombu.exceptions import OperationalError as BrokerError
from wagtail.models import Site

from cms import sitewide
from crowdfund import checkout, giving, inbox, ledger, payments, rules
from crowdfund.amounts import pounds
from crowdfund.figures import figures_for, target_missed
from crowdfund.forms import DonateForm
from crowdfund.models import (
    CrowdfundPage,
    Donation,
    WebhookEvent,
)
from crowdfund.tasks import request_drain

logger = logging.getLogger(__name__)
WALL_SIZE = 50


def page_context(page) -> dict:
    """What the crowdfund page shows; a fixed number of queries however many donors."""
    wall = (
        Donation.objects.filter(crowdfund=page)
        .on_wall()
        .only(
            "name",
            "show_name",
            "show_amount",
            "message",
            "paid_at",
            "amount_pence",
            "monthly_amount_pence",
            "frequency",
            "method",
        )[:WALL_SIZE]
    )
    # Read only when rendered: the page keeps its figures and wall a few seconds as shared
    # parts (crowdfund_page.html), like the page cache does for anonymous visitors.
    figures = SimpleLazyObject(lambda: figures_for(page))
    return {
        "figures": figures,
        "target_missed": SimpleLazyObject(lambda: target_missed(page, figures)),
        "wall": wall,
        "budget_lines": page.budget_lines.all(),
        "spending": SimpleLazyObject(lambda: giving.spending(page)),
        "takes_card_gifts": rules.may_give_by_card(page),
        "updates": page.updates.all()[:10],
        "card_payments_enabled": payments.card_payments_enabled(),
    }


def giving_context(page, request) -> dict:
    """Offline giving for the page's site (bank transfer, cheque, or the contact page)."""
    return {"offline": giving.offline_giving(page, Site.find_for_request(request))}


def donate(request, page):
    """GET shows the form; POST records a pending donation and sends the donor to Stripe."""
    if not rules.may_give_by_card(page):
        figures = figures_for(page)
        return TemplateResponse(
            request,
            "crowdfund/donate.html",
            {
                "page": page,
                "form": None,
                "card_payments_enabled": payments.card_payments_enabled() and page.accepts_cards,
                "target_missed": target_missed(page, figures),
                **giving_context(page, request),
            },
        )
    form = DonateForm(request.POST or None, crowdfund=page)
    if request.method == "POST":
        limited = is_ratelimited(
            request,
            group="crowdfund.donate",
            key="ip",
            rate=settings.CROWDFUND_DONATE_RATE,
            method="POST",
            increment=True,
        )
        if limited:
            form.is_valid()
            form.add_error(None, "Too many attempts from here. Please wait a while and try again.")
        elif form.is_valid():
            return start_checkout(request, page, form)
    return TemplateResponse(
        request,
        "crowdfund/donate.html",
        {
            "page": page,
            "form": form,
            "card_payments_enabled": True,
            **giving_context(page, request),
        },
    )


def start_checkout(request, page, form):
    try:
        donation, session = checkout.start_card_gift(
            page,
            form.cleaned_data,
            form.amount_pence,
            page_address=request.build_absolute_uri(page.url),
        )
    except checkout.CheckoutUnavailable:
        form.add_error(None, "We could not reach our card processor. Please try again shortly.")
        return TemplateResponse(
            request,
            "crowdfund/donate.html",
            {
                "page": page,
                "form": form,
                "card_payments_enabled": True,
                **giving_context(page, request),
            },
        )
    giving.remember_checkout(request.session, donation)
    response = HttpResponseRedirect(session.url)
    response.status_code = 303  # See Other: the browser GETs Stripe's page
    return response


def success(request, page):
    """Thank the donor; "being confirmed" only for the visitor whose session it is.

    Stripe sends the donor back with `?session_id=`. The gift is named (amount and
    frequency, never name or email) only when that session is a donation of this
    crowdfund that this visitor started (its reference is in their own session). Anyone
    else, with any or no session_id, gets the same neutral thanks: nothing revealed,
    nothing claimed. Never stored in a shared cache.
    """
    session_id = request.GET.get("session_id", "")[:255]
    donation = None
    if session_id.startswith("cs_") and request.session.get(giving.SESSION_KEY):
        found = (
            Donation.objects.filter(crowdfund=page, stripe_checkout_session_id=session_id)
            .only("reference", "amount_pence", "frequency", "status", "paid_at")
            .first()
        )
        if giving.started_by_visitor(request.session, found):
            donation = found
    response = TemplateResponse(
        request,
        "crowdfund/success.html",
        {
            "page": page,
            "donation": donation,
            "share": giving.share_links(request.build_absolute_uri(page.url), page.title),
        },
    )
    add_never_cache_headers(response)
    return response


def cancel(request, page):
    return TemplateResponse(request, "crowdfund/cancel.html", {"page": page})


@never_cache
@require_GET
def totals_json(request, page_id):
    """Live figures for cached pages (read by crowdfund.js); never cached itself.

    A crowdfund in a private section answers only to whom its restrictions admit (to
    anyone else it does not exist), as its page does.
    """
    page = get_object_or_404(CrowdfundPage.objects.live(), pk=page_id)
    if not page.admits(request):
        raise Http404("No such crowdfund")
    figures = figures_for(page)
    return JsonResponse(
        {
            "total_pence": figures["total"],
            "target_pence": figures["target"],
            "percent": figures["percent"],
            "donors": figures["donors"],
            "total_display": pounds(figures["total"]),
            "donors_display": figures["donors_display"],
        }
    )


def verify_stripe_signature(payload: bytes, header: str | None) -> bool:
    """Whether any configured secret signed this exact body recently.

    Only the signature is checked here (not the body's shape: a signed body that is not
    an event is refused by the caller with a 400, not left to fail as a 500).
    """
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return False
    for secret in payments.webhook_secrets():
        try:
            stripe.WebhookSignature.verify_header(
                text, header, secret, stripe.Webhook.DEFAULT_TOLERANCE
            )
            return True
        except (stripe.SignatureVerificationError, ValueError, TypeError):
            continue
    return False


@csrf_exempt
@sitewide.not_used  # answers JSON: the site-wide entry would be a cache read for nothing
@require_POST
def stripe_webhook(request):
    """Verify, store in the inbox, answer fast; a worker's drain of the inbox applies it."""
    if not verify_stripe_signature(request.body, request.META.get("HTTP_STRIPE_SIGNATURE")):
        return HttpResponseBadRequest("invalid signature")
    try:
        data = json.loads(request.body)
        event_id, event_type = data["id"], data["type"]
    except (ValueError, KeyError, TypeError, RecursionError):
        return HttpResponseBadRequest("not a Stripe event")
    if not (
        is_storable_text(event_id, 255) and is_storable_text(event_type, 100) and storable(data)
    ):
        return HttpResponseBadRequest("not a Stripe event")
    event, created = store_event(event_id, event_type, data)
    if event.applied_at is None:
        transaction.on_commit(lambda: enqueue_apply(event.pk))
    return JsonResponse({"received": True, "duplicate": not created})


def is_storable_text(value, max_length: int) -> bool:
    """A non-empty string that fits its column: event ids and types."""
    return isinstance(value, str) and 0 < len(value) <= max_length and storable(value)


def storable(data) -> bool:
    """Whether every string in this JSON holds no NUL and no lone surrogate.

    Stripe never sends either, but a signed body is stored as it came, and PostgreSQL's
    jsonb and text refuse both. Walked with a stack, so deep nesting cannot recurse.
    """
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                return False
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True


def store_event(event_id: str, event_type: str, data: dict):
    """Insert into the inbox; a duplicate delivery hits the unique event id instead.

    One statement (INSERT ... ON CONFLICT DO NOTHING RETURNING id, its own transaction)
    stores a new event; only a duplicate delivery reads the row it met.
    """
    event = WebhookEvent(
        event_id=event_id, type=event_type, livemode=bool(data.get("livemode")), payload=data
    )
    if ledger.insert_unless_present(event, ["event_id"]):
        return event, True
    return WebhookEvent.objects.only("pk", "applied_at").get(event_id=event_id), False


def enqueue_apply(event_pk: int) -> None:
    """Have a worker drain the inbox, unless a drain is already waiting to start (then it
    will find this event). If the broker is down the catch-up task will apply it."""
    try:
        request_drain()
    except (BrokerError, OSError):
        inbox.clear_drain_request()  # the next delivery tries the broker again
        logger.warning("Broker unreachable: Stripe event %s waits in the inbox", event_pk)


# --- Stripe's customer portal for monthly donors --------------------------------------------
PORTAL_UNAVAILABLE = (
    "We could not open Stripe's page just now. Nothing has changed: please try again in a "
    "few minutes."
)


@never_cache
def portal(request, token):
    """From the link in a monthly receipt: GET explains, POST opens Stripe's customer portal.

    The link is signed and expires (crowdfund.giving); a forged or expired one gets a kind
    page, never an error. Opening the portal is a POST (with CSRF) so that mail scanners
    that follow links open nothing.
    """
    try:
        donation = giving.donation_for_portal_token(token)
    except giving.PortalLinkRefused as refused:
        return portal_refused(request, refused.reason)
    problem = ""
    refusal = rules.monthly_gift_refusal(donation)
    if refusal == rules.GIFT_ENDED:
        # Stripe's portal cannot restart a cancelled subscription: nothing to open there.
        pass
    elif refusal == rules.NOT_CONFIRMED:
        problem = (
            "Your monthly gift is still being confirmed, so it cannot be changed yet. "
            "Please try again in a few minutes."
        )
    elif refusal == rules.CARDS_NOT_SET_UP:
        problem = PORTAL_UNAVAILABLE
    elif request.method == "POST":
        return_url = request.build_absolute_uri(reverse("crowdfund_portal_return", args=[token]))
        try:
            session = payments.create_portal_session(donation.stripe_customer_id, return_url)
        except stripe.StripeError:
            logger.exception("Customer portal for donation %s failed", donation.reference)
            problem = PORTAL_UNAVAILABLE
        else:
            response = HttpResponseRedirect(session.url)
            response.status_code = 303
            return response
    return TemplateResponse(
        request,
        "crowdfund/portal.html",
        {"donation": donation, "page": donation.crowdfund, "problem": problem},
        status=503 if problem == PORTAL_UNAVAILABLE else 200,
    )


@never_cache
@require_GET
def portal_return(request, token):
    """Where Stripe's portal sends the donor back: what happens next, nothing more."""
    try:
        donation = giving.donation_for_portal_token(token)
    except giving.PortalLinkRefused as refused:
        return portal_refused(request, refused.reason)
    return TemplateResponse(
        request,
        "crowdfund/portal_return.html",
        {"donation": donation, "page": donation.crowdfund, "token": token},
    )


def portal_refused(request, reason: str):
    response = TemplateResponse(
        request,
        "crowdfund/portal_refused.html",
        {
            "expired": reason == "expired",
            "contact_url": giving.contact_page_url(Site.find_for_request(request)),
            "contact_email": settings.CONTACT_EMAIL,
            "days": settings.CROWDFUND_PORTAL_LINK_DAYS,
        },
        status=403,
    )
    add_never_cache_headers(response)
    return response
