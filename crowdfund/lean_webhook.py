"""Stripe's webhook deliveries answered in front of Django's request handling.

When a crowdfund is in the news Stripe delivers hundreds of events a second, each one a
signed JSON body that the endpoint verifies, stores in the inbox and acknowledges; the
worker's drain applies them (crowdfund.inbox). Through Django's whole stack a delivery
paid for the middleware chain and URL resolving about as much again as for its own work,
none of which it needs: no session, cookie, CSRF token (Stripe signs the body instead),
page or person. So the WSGI application answers a delivery posted to the endpoint here
(cms.lean_path): the request Django would build (its host and https checks), then the
endpoint's own view (`views.stripe_webhook`: the signature, the event's fields, one
INSERT into the inbox, the drain asked for), then the headers Django's middleware adds.

Anything else goes to Django unchanged and is answered as before: a body that is not JSON
with a declared length within the endpoint's limit (a larger or chunked one meets
Django's body limits), a host Django refuses, a request it sends on to https, a fault. A
delivery handed over after its event was stored is a duplicate delivery to Django, which
acknowledges it without storing anything twice (the event id is unique).
"""

from functools import cache

from django.db import InterfaceError, OperationalError
from django.urls import reverse

from cms import lean_path
from cms.lean_path import HandToDjango
from cms.security import body_limit_for
from crowdfund import views

JSON = "application/json"


@cache
def webhook_path() -> str:
    return reverse("crowdfund_stripe_webhook")


def serve_webhooks(application):
    """The WSGI application, answering Stripe's deliveries before `application`."""
    return lean_path.serve_lean(
        application,
        lambda environ: environ.get("PATH_INFO") == webhook_path(),
        answer_delivery,
        max_body_bytes=body_limit_for(webhook_path()),
        content_type=JSON,
    )


def answer_delivery(environ, _matched=True):
    """The endpoint's answer to a delivery, or HandToDjango (see the module docstring)."""
    request = lean_path.request_for(environ)
    lean_path.close_if_obsolete()
    try:
        response = views.stripe_webhook(request)
    except (OperationalError, InterfaceError):
        # A connection that died since the last delivery: Django reconnects and stores it.
        lean_path.close_unless_in_transaction()
        raise HandToDjango from None
    finally:
        lean_path.close_if_obsolete()
    return lean_path.finish(request, response)
