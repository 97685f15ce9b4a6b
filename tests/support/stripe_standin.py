"""A local Stripe for the tests and the benchmarks: nothing here ever talks to Stripe.

The tests get it through one fixture, `stripe_standin` (tests/support/fixtures.py).

- `StripeStandIn`: a small local HTTP server (stdlib, a thread on 127.0.0.1) that
  answers stripe-python's API calls with Stripe-shaped JSON and records every
  request (path, parameters, headers such as Idempotency-Key). Point the client at
  it with settings.STRIPE_API_BASE.
- Builders for the webhook events Stripe sends, and `signed_headers()` which signs
  a body with stripe-python's own `WebhookSignature.generate_signature_header`.
"""

import itertools
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import stripe

_counter = itertools.count(1)

# The one webhook signing secret of the tests and the benchmarks (never a real one).
WEBHOOK_SECRET = "whsec_test_secret_for_the_suite"


def new_id(prefix: str) -> str:
    return f"{prefix}_test_{uuid.uuid4().hex[:16]}"


class StripeStandIn:
    """A local stand-in for api.stripe.com."""

    def __init__(self):
        self.requests: list[dict] = []
        self.sessions: dict[str, dict] = {}
        self.events: list[dict] = []
        # Objects the tests put here are what GET /v1/<kind>/<id> answers; refunds update
        # their charge's amount_refunded and refuse to refund more than was charged.
        self.charges: dict[str, dict] = {}
        self.payment_intents: dict[str, dict] = {}
        self.invoices: dict[str, dict] = {}
        self.invoice_payments: list[dict] = []
        self.subscriptions: dict[str, dict] = {}
        self._idempotent: dict[str, dict] = {}
        # An outage: while set, every request is answered with a 500 api_error, as Stripe
        # answers when it is failing (stripe-python raises stripe.APIError after retrying).
        self.outage = False
        self._lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, method):
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                params = dict(parse_qsl(body or url.query, keep_blank_values=True))
                request = {
                    "method": method,
                    "path": url.path,
                    "params": params,
                    "idempotency_key": self.headers.get("Idempotency-Key"),
                    "authorization": self.headers.get("Authorization"),
                }
                status, payload = standin.respond(request)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{next(_counter)}")
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

            def do_DELETE(self):
                self._answer("DELETE")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # --- routing ---------------------------------------------------------------------
    def respond(self, request: dict) -> tuple[int, dict]:
        with self._lock:
            self.requests.append(request)
            if self.outage:
                return 500, {"error": {"type": "api_error", "message": "Stripe is failing"}}
            key = request["idempotency_key"]
            if request["method"] == "POST" and key and key in self._idempotent:
                return 200, self._idempotent[key]
            status, payload = self._route(request)
            if request["method"] == "POST" and key and status == 200:
                self._idempotent[key] = payload
            return status, payload

    def _route(self, request):
        path, method, params = request["path"], request["method"], request["params"]
        if path == "/v1/checkout/sessions" and method == "POST":
            session = checkout_session(
                amount=int(params.get("line_items[0][price_data][unit_amount]", 0)),
                mode=params.get("mode", "payment"),
                reference=params.get("metadata[donation_reference]", ""),
                status="open",
                payment_status="unpaid",
            )
            session["url"] = f"https://checkout.stripe.com/c/pay/{session['id']}"
            self.sessions[session["id"]] = session
            return 200, session
        if path.startswith("/v1/checkout/sessions/") and method == "GET":
            session = self.sessions.get(path.rsplit("/", 1)[1])
            return (200, session) if session else (404, _error("No such checkout.session"))
        if path == "/v1/billing_portal/sessions" and method == "POST":
            portal = {
                "id": new_id("bps"),
                "object": "billing_portal.session",
                "customer": params.get("customer", ""),
                "return_url": params.get("return_url", ""),
                "livemode": False,
            }
            portal["url"] = f"https://billing.stripe.com/p/session/{portal['id']}"
            return 200, portal
        if path == "/v1/events" and method == "GET":
            gte = int(params.get("created[gte]", 0))
            data = [e for e in self.events if e["created"] >= gte]
            return 200, {"object": "list", "url": "/v1/events", "has_more": False, "data": data}
        if path == "/v1/refunds" and method == "POST":
            return self._refund(params)
        if path.startswith("/v1/subscriptions/") and method == "DELETE":
            sub = self.subscriptions.setdefault(
                path.rsplit("/", 1)[1], {"id": path.rsplit("/", 1)[1], "object": "subscription"}
            )
            if sub.get("status") == "canceled":
                return 400, _error("This subscription is already canceled.", "resource_missing")
            sub["status"] = "canceled"
            return 200, sub
        for prefix, store in [
            ("/v1/charges/", self.charges),
            ("/v1/payment_intents/", self.payment_intents),
            ("/v1/invoices/", self.invoices),
        ]:
            if path.startswith(prefix) and method == "GET":
                found = store.get(path.rsplit("/", 1)[1])
                if found is None:
                    return 404, _error("No such object", "resource_missing")
                return 200, found
        if path == "/v1/invoice_payments" and method == "GET":
            wanted = params.get("payment[payment_intent]")
            invoice_id = params.get("invoice")
            data = [
                p
                for p in self.invoice_payments
                if (wanted and p["payment"]["payment_intent"] == wanted)
                or (invoice_id and p["invoice"] == invoice_id)
            ]
            return 200, {"object": "list", "url": path, "has_more": False, "data": data}
        return 404, _error(f"Unrecognized request URL ({method}: {path})")

    def _refund(self, params):
        """Refund a charge (found by id or payment intent) in full, as Stripe would."""
        payment_intent = params.get("payment_intent")
        found = self.charges.get(params.get("charge", "")) or next(
            (c for c in self.charges.values() if c["payment_intent"] == payment_intent), None
        )
        if found is not None:
            if found["amount_refunded"] >= found["amount"]:
                return 400, _error("Charge has already been refunded.", "charge_already_refunded")
            found["amount_refunded"] = found["amount"]
            found["refunded"] = True
        return 200, {
            "id": new_id("re"),
            "object": "refund",
            "amount": found["amount"] if found else int(params.get("amount", 0) or 0),
            "charge": found["id"] if found else None,
            "payment_intent": payment_intent or (found or {}).get("payment_intent"),
            "status": "succeeded",
            "metadata": {k[9:-1]: v for k, v in params.items() if k.startswith("metadata[")},
        }

    def add_charge(self, charge_obj: dict, *, invoice_id: str = "") -> dict:
        """Make a charge (and its payment intent, and its invoice's payment) retrievable."""
        self.charges[charge_obj["id"]] = charge_obj
        payment_intent = charge_obj["payment_intent"]
        self.payment_intents[payment_intent] = {
            "id": payment_intent,
            "object": "payment_intent",
            "amount": charge_obj["amount"],
            "currency": "gbp",
            "latest_charge": charge_obj["id"],
            "metadata": charge_obj.get("metadata") or {},
            "status": "succeeded",
        }
        if invoice_id:
            self.invoice_payments.append(
                {
                    "id": new_id("inpay"),
                    "object": "invoice_payment",
                    "invoice": invoice_id,
                    "is_default": True,
                    "status": "paid",
                    "payment": {"type": "payment_intent", "payment_intent": payment_intent},
                }
            )
        return charge_obj

    def posts_to(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST" and r["path"] == path]


def _error(message, code=None):
    error = {"type": "invalid_request_error", "message": message}
    if code:
        error["code"] = code
    return {"error": error}


# --- Stripe-shaped objects and events ------------------------------------------------------
def checkout_session(
    *,
    amount: int,
    reference: str,
    mode: str = "payment",
    status: str = "complete",
    payment_status: str = "paid",
    session_id: str | None = None,
    payment_intent: str | None = None,
    subscription: str | None = None,
) -> dict:
    session_id = session_id or new_id("cs")
    return {
        "id": session_id,
        "object": "checkout.session",
        "mode": mode,
        "status": status,
        "payment_status": payment_status,
        "amount_total": amount,
        "currency": "gbp",
        "client_reference_id": reference,
        "metadata": {"donation_reference": reference},
        "customer": new_id("cus"),
        "payment_intent": (payment_intent or new_id("pi")) if mode == "payment" else None,
        "subscription": (subscription or new_id("sub")) if mode == "subscription" else None,
        "submit_type": "donate" if mode == "payment" else None,
        "livemode": False,
    }


def charge(
    *,
    amount: int,
    payment_intent: str,
    amount_refunded: int = 0,
    reference: str = "",
    charge_id: str | None = None,
) -> dict:
    return {
        "id": charge_id or new_id("ch"),
        "object": "charge",
        "amount": amount,
        "amount_refunded": amount_refunded,
        "refunded": amount_refunded >= amount,
        "currency": "gbp",
        "paid": True,
        "status": "succeeded",
        "captured": True,
        "payment_intent": payment_intent,
        "metadata": {"donation_reference": reference} if reference else {},
        "livemode": False,
    }


def dispute(*, charge_id: str, amount: int, status: str, payment_intent: str = "", dispute_id=None):
    return {
        "id": dispute_id or new_id("dp"),
        "object": "dispute",
        "amount": amount,
        "currency": "gbp",
        "charge": charge_id,
        "payment_intent": payment_intent,
        "status": status,
        "livemode": False,
    }


def invoice(
    *, amount: int, subscription: str, reference: str, invoice_id=None, billing_reason=None
):
    return {
        "id": invoice_id or new_id("in"),
        "object": "invoice",
        "amount_paid": amount,
        "amount_due": amount,
        "currency": "gbp",
        "billing_reason": billing_reason or "subscription_cycle",
        "status": "paid",
        "parent": {
            "type": "subscription_details",
            "subscription_details": {
                "subscription": subscription,
                "metadata": {"donation_reference": reference},
            },
        },
        "livemode": False,
    }


def subscription(*, subscription_id: str, reference: str, status="canceled") -> dict:
    return {
        "id": subscription_id,
        "object": "subscription",
        "status": status,
        "metadata": {"donation_reference": reference},
        "livemode": False,
    }


def monthly_subscription(
    *,
    subscription_id: str,
    reference: str,
    unit_amount: int,
    quantity: int = 1,
    status: str = "active",
    period_end: int | None = None,
    cancel_at_period_end: bool = False,
    customer: str = "cus_test_monthly",
) -> dict:
    """A subscription as `customer.subscription.updated` carries it (current API shape:
    the period on each item; `cancel_at` set with `cancel_at_period_end`, as Stripe does)."""
    period_end = period_end or int(time.time()) + 30 * 86_400
    period_start = period_end - 30 * 86_400
    return {
        "id": subscription_id,
        "object": "subscription",
        "status": status,
        "customer": customer,
        "currency": "gbp",
        "cancel_at_period_end": cancel_at_period_end,
        "cancel_at": period_end if cancel_at_period_end else None,
        "canceled_at": period_start + 86_400 if cancel_at_period_end else None,
        "ended_at": None,
        "items": {
            "object": "list",
            "data": [
                {
                    "id": new_id("si"),
                    "object": "subscription_item",
                    "quantity": quantity,
                    "current_period_start": period_start,
                    "current_period_end": period_end,
                    "price": {
                        "id": new_id("price"),
                        "object": "price",
                        "currency": "gbp",
                        "unit_amount": unit_amount,
                        "recurring": {"interval": "month", "interval_count": 1},
                    },
                }
            ],
        },
        "metadata": {"donation_reference": reference},
        "livemode": False,
    }


def event(event_type: str, obj: dict, *, event_id=None, livemode=False, created=None) -> dict:
    return {
        "id": event_id or new_id("evt"),
        "object": "event",
        "api_version": stripe.api_version or "2026-10-28.endive",
        "created": created or int(time.time()),
        "type": event_type,
        "livemode": livemode,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": obj},
    }


def signed_headers(body: str, secret: str, timestamp: int | None = None) -> dict:
    """Django test-client headers for a body signed as Stripe signs it."""
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=timestamp)
    return {"HTTP_STRIPE_SIGNATURE": header}


def rotation_header(body: str, old_secret: str, new_secret: str) -> str:
    """During a secret roll Stripe sends one v1 signature per live secret."""
    timestamp = int(time.time())
    signed = f"{timestamp}.{body}"
    old = stripe.WebhookSignature._compute_signature(signed, old_secret)
    new = stripe.WebhookSignature._compute_signature(signed, new_secret)
    return f"t={timestamp},v1={old},v1={new}"
