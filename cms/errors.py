"""Error pages that work even when the database or templates' context is broken."""

import sys
from urllib.parse import urlsplit

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme

# How long a client (a browser, a crawler, Stripe) is asked to wait when the database
# cannot be reached, e.g. while PostgreSQL restarts.
RETRY_AFTER_SECONDS = 30


def permission_denied(request, exception=None):
    """The refusal's own reason, and for a signed-out visitor a way to sign in and come back.

    A refused POST (a vote, a report) cannot be returned to after signing in, so the way
    back is the page the form was on, when the browser says it was one of ours.
    """
    back = request.get_full_path()
    if request.method != "GET":
        referer = request.headers.get("Referer", "")
        allowed = url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        back = "/"
        if referer and allowed:
            parts = urlsplit(referer)
            back = parts.path + (f"?{parts.query}" if parts.query else "")
    reason = str(exception) if exception and str(exception) else ""
    context = {"exception": reason, "back": back}
    return render(request, "403.html", context, status=403)


def page_not_found(request, exception=None):
    # There is nothing at this address to come back to after signing in.
    return render(request, "404.html", {"no_way_back": True}, status=404)


def server_error(request):
    # No context processors: the database may be the thing that failed.
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        # The database is unreachable or restarting: a passing state, so say so (503 with
        # Retry-After) rather than report a fault in the site (500).
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())
