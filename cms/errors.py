"""Error pages that work even when the database or templates' context is broken."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

# How long a client (a browser, a crawler, Stripe) is asked to wait when the database
# cannot be reached, e.g. while PostgreSQL restarts.
RETRY_AFTER_SECONDS = 30


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # No context processors: the database may be the thing that failed.
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        # The database is unreachable or restarting: a passing state, so say so (503 with
        # Retry-After) rather than report a fault in the site (500).
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())
