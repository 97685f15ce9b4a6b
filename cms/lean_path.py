"""Lean paths: the busiest writes answered in front of Django's request handling.

A write that comes in surges (a vote, a Stripe webhook) pays, through Django's whole
stack, for fourteen middlewares, the request signals, URL resolving and a database health
check (a query), several times what the write itself costs. A lean path answers one such
request in the WSGI application with Django's own code for each step it needs and nothing
else; anything it would not answer goes to Django unchanged, body included, and Django
answers as it always has. Used by `manifesto.lean_vote` and `crowdfund.lean_webhook`.

What every lean path keeps (`request_for`, `finish`):

- the request Django would build (`WSGIRequest`), its host checked against ALLOWED_HOSTS,
  and SecurityMiddleware's redirect to https (either goes to Django, which answers);
- the response headers the middleware would add (the security headers, X-Frame-Options,
  Permissions-Policy, `Cache-Control: private`, Content-Length).

The database connection is not health-checked with a query on every request as Django's
request handling does: a connection that died fails the write's statement; the lean path
then closes it and hands the request to Django, which connects afresh and answers. Each
lean path's write must therefore be safe to repeat (the same vote, the same event id).
"""

import io
import logging
import time

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest, get_script_name
from django.db import DEFAULT_DB_ALIAS, connections
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import set_script_prefix

from cms.edge import mark_private

logger = logging.getLogger(__name__)


class HandToDjango(Exception):
    """This request is not one the lean path answers: Django's whole stack does."""


def not_called(request):
    raise AssertionError("a lean path calls the middleware's hooks itself")


# The middleware every lean path needs, as Django configures it; each is asked only
# through its process_* hooks, in the order Django would.
security_middleware = SecurityMiddleware(not_called)
frame_options_middleware = XFrameOptionsMiddleware(not_called)


def serve_lean(application, match, answer, *, max_body_bytes, content_type):
    """The WSGI application, answering on a lean path before `application`.

    `match(environ)` says whether a POST is the lean path's (a truthy value passed on to
    `answer`); it is answered by `answer(environ, matched)`, an HttpResponse, when its body
    is of `content_type` with a declared length of at most `max_body_bytes` (a chunked or
    larger body goes to Django, whose body limits apply). `answer` raises HandToDjango for
    anything it does not answer; a fault in it is logged and Django answers too.
    """

    def lean_application(environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST":
            return application(environ, start_response)
        matched = match(environ)
        if not matched or not _is_small_body(environ, max_body_bytes, content_type):
            return application(environ, start_response)
        body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        arrived = dict(environ)
        try:
            response = answer({**environ, "wsgi.input": io.BytesIO(body)}, matched)
        except HandToDjango:
            return application({**arrived, "wsgi.input": io.BytesIO(body)}, start_response)
        except Exception:
            # A fault here (Redis refusing a script, a bug) must not cost the write: Django
            # answers it, and a write already made is the same write again.
            logger.exception("A request failed on its lean path; Django's stack answers it")
            return application({**arrived, "wsgi.input": io.BytesIO(body)}, start_response)
        status = f"{response.status_code} {response.reason_phrase}"
        headers = [
            *response.items(),
            *(("Set-Cookie", cookie.output(header="")) for cookie in response.cookies.values()),
        ]
        start_response(status, headers)
        return [response.content]

    return lean_application


def _is_small_body(environ, max_body_bytes: int, content_type: str) -> bool:
    """A body of `content_type` and a declared length, at most `max_body_bytes` (not chunked)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    arrived_type = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    return 0 < length <= max_body_bytes and arrived_type == content_type


def request_for(environ) -> WSGIRequest:
    """The request Django would build, or HandToDjango where Django's stack would answer
    before any view: a host it does not serve (400), a request it sends on to https."""
    set_script_prefix(get_script_name(environ))
    request = WSGIRequest(environ)
    try:
        request.get_host()
    except DisallowedHost:
        raise HandToDjango from None
    if security_middleware.process_request(request) is not None:
        raise HandToDjango
    return request


def finish(request, response):
    """The response headers every lean path's answer gets, as Django's middleware adds them
    (the outermost part of the response half of the chain)."""
    response = frame_options_middleware.process_response(request, response)
    if settings.PERMISSIONS_POLICY:
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
    response = security_middleware.process_response(request, response)
    mark_private(request, response)
    response.headers.setdefault("Content-Length", str(len(response.content)))
    return response


def close_if_obsolete() -> None:
    """What Django does with the connection around each request (close_old_connections),
    without the health check's query: closed once past CONN_MAX_AGE, after an error, or
    left outside autocommit. Never inside a transaction (a test's)."""
    database = connections[DEFAULT_DB_ALIAS]
    if database.connection is None or database.in_atomic_block:
        return
    if (
        database.errors_occurred
        or database.get_autocommit() != database.settings_dict["AUTOCOMMIT"]
        or (database.close_at is not None and time.monotonic() >= database.close_at)
    ):
        database.close()


def close_unless_in_transaction() -> None:
    """After a connection fault: closed, so Django's stack connects afresh."""
    database = connections[DEFAULT_DB_ALIAS]
    if not database.in_atomic_block:
        database.close()
