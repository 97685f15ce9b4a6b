"""Votes answered in front of Django's request handling: the busiest write's lean path.

A vote through Django's whole stack pays for fourteen middlewares, the request signals,
URL resolving, a database health check (a query) and three cache round trips, several
times what the vote itself costs. Votes come in surges, so the WSGI application answers a
vote posted to `/manifesto/<page>/votes/<amendment>/` here (as `cms.cache` answers cached
pages), with Django's own code for each step a vote needs and nothing else:

- the request Django would build (`WSGIRequest`), its host checked against ALLOWED_HOSTS;
- the CSRF check of `CsrfViewMiddleware` (origin, referer on HTTPS, the token), unchanged;
- the session, the signed-in person it names, the content generation and the live
  manifesto page in one cache round trip (`cms.auth_backends.read_session_and_user`),
  the person then checked as `django.contrib.auth.get_user` checks them (the backend,
  the session's auth hash);
- the vote view's own code (`views.voting.record_vote`): the page's checks, the vote rule
  and the vote in one SQL message, the rankings refresh queued at most once per
  MANIFESTO_RANKING_REFRESH_SECONDS, the JSON answer or the redirect with its message;
- the response headers the middleware would add (security headers, `Vary: Cookie`, the
  session and messages cookies, `Cache-Control: private`).

Anything else goes to Django unchanged, with the body as it arrived, and Django answers as
it always has: a request it would send on to https, a host it does not serve, a body that
is not a small form, no session or CSRF cookie, a failed CSRF check, a signed-out
visitor, a page that is not live, a vote the rules refuse (403, 404). None of these wrote
anything, so nothing is done twice. A vote the manifesto's limits refuse is answered here,
as the view answers it.

The database connection is not health-checked with a query on every vote as Django's
request handling does: a connection that died fails the vote's statement, which is then
closed and the vote handed to Django, which connects afresh and votes again. Voting again
is safe: the same choice twice changes nothing the second time (`manifesto_cast_vote`).
"""

import io
import logging
import re
import time

from django.conf import settings
from django.contrib import auth
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import DEFAULT_CACHE_ALIAS
from django.core.exceptions import DisallowedHost, PermissionDenied
from django.core.handlers.wsgi import WSGIRequest, get_script_name
from django.db import (
    DEFAULT_DB_ALIAS,
    InterfaceError,
    OperationalError,
    connections,
)
from django.http import Http404
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import set_script_prefix

from cms.auth_backends import (
    read_session_and_user,
    reading_user_with_session,
    remember_session_user,
)
from cms.edge import mark_private
from manifesto.models import live_manifesto_page, live_page_keys
from manifesto.views import voting

logger = logging.getLogger(__name__)

# The vote address (manifesto/urls.py), with ids that fit PostgreSQL's bigint.
VOTE_PATH = re.compile(
    r"^/manifesto/(?P<page_id>[0-9]{1,18})/votes/(?P<amendment_id>[0-9]{1,18})/$"
)
# A vote's form is a few dozen bytes (choice, csrfmiddlewaretoken, next); anything larger
# goes to Django, whose body limits apply.
VOTE_BODY_MAX_BYTES = 4096
FORM = "application/x-www-form-urlencoded"


class HandToDjango(Exception):
    """This request is not one the lean path answers: Django's whole stack does."""


def _not_called(request):
    raise AssertionError("the lean vote path calls the middleware's hooks itself")


# The middleware whose hooks a vote needs, as Django configures them; each is asked only
# through its process_* hooks, in the order Django would.
_security = SecurityMiddleware(_not_called)
_session = SessionMiddleware(_not_called)
_csrf = CsrfViewMiddleware(_not_called)
_messages = MessageMiddleware(_not_called)
_frame_options = XFrameOptionsMiddleware(_not_called)


def serve_votes(application):
    """The WSGI application, answering votes on the lean path before `application`."""

    def lean_application(environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST":
            return application(environ, start_response)
        match = VOTE_PATH.match(environ.get("PATH_INFO", ""))
        if match is None or not _is_small_form(environ):
            return application(environ, start_response)
        body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        arrived = dict(environ)
        try:
            response = answer_vote(
                {**environ, "wsgi.input": io.BytesIO(body)},
                int(match["page_id"]),
                int(match["amendment_id"]),
            )
        except HandToDjango:
            return application({**arrived, "wsgi.input": io.BytesIO(body)}, start_response)
        except Exception:
            # A fault here (Redis refusing the script, a bug) must not cost the vote: Django
            # answers it, and a vote already written is the same vote again.
            logger.exception("A vote failed on the lean path; Django's stack answers it")
            return application({**arrived, "wsgi.input": io.BytesIO(body)}, start_response)
        status = f"{response.status_code} {response.reason_phrase}"
        headers = [
            *response.items(),
            *(("Set-Cookie", cookie.output(header="")) for cookie in response.cookies.values()),
        ]
        start_response(status, headers)
        return [response.content]

    return lean_application


def _is_small_form(environ) -> bool:
    """A urlencoded body of a declared length, small enough for a vote (not chunked)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    content_type = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    return 0 < length <= VOTE_BODY_MAX_BYTES and content_type == FORM


def answer_vote(environ, page_id: int, amendment_id: int):
    """The answer to a vote, or HandToDjango for anything else (see the module docstring)."""
    cookies = environ.get("HTTP_COOKIE", "")
    if settings.SESSION_COOKIE_NAME not in cookies or settings.CSRF_COOKIE_NAME not in cookies:
        raise HandToDjango  # signed out, or no CSRF cookie: Django refuses
    set_script_prefix(get_script_name(environ))
    request = WSGIRequest(environ)
    try:
        request.get_host()
    except DisallowedHost:
        raise HandToDjango from None  # Django answers 400
    if _security.process_request(request) is not None:
        raise HandToDjango  # Django sends it on to https
    _session.process_request(request)
    _csrf.process_request(request)
    if _csrf.process_view(request, voting.vote, (), {}) is not None:
        raise HandToDjango  # Django answers the CSRF failure (and logs it)
    page, read_user = _read_session_and_page(request, page_id)
    with reading_user_with_session(read_user):
        user = auth.get_user(request)
    if not user.is_authenticated:
        raise HandToDjango
    if read_user is None and request.session.session_key:
        remember_session_user(request.session.session_key, user)
    request.user = user
    request._messages = default_storage(request)
    _close_if_obsolete()
    try:
        response = voting.record_vote(request, page, amendment_id)
    except (Http404, PermissionDenied):
        raise HandToDjango from None  # refused before anything was written
    except (OperationalError, InterfaceError):
        # A connection that died since the last vote: Django reconnects and votes again.
        _close_unless_in_transaction()
        raise HandToDjango from None
    finally:
        _close_if_obsolete()
    return _finish(request, response)


def _read_session_and_page(request, page_id: int):
    """(the live manifesto page, the session's cached user or None), with the session's
    data, in one cache round trip when the session store keeps it in the default cache
    (`cached_db`, as configured; cms.auth_backends.read_session_and_user)."""
    session = request.session
    keys = live_page_keys(page_id)
    shares_cache = settings.SESSION_CACHE_ALIAS == DEFAULT_CACHE_ALIAS
    if not (shares_cache and hasattr(session, "cache_key") and session.session_key):
        return live_manifesto_page(page_id), None
    found, user = read_session_and_user(session.cache_key, session.session_key, keys)
    data = found.get(session.cache_key)
    if isinstance(data, dict):
        # What SessionStore.load() would read from the cache (a miss loads from the
        # database as usual, on first use).
        session._session_cache = data
    page = live_manifesto_page(page_id, {key: found[key] for key in keys if key in found})
    return page, user


def _finish(request, response):
    """The response half of the middleware a vote passes through (innermost first)."""
    response = _messages.process_response(request, response)
    response = _csrf.process_response(request, response)
    response = _session.process_response(request, response)
    response = _frame_options.process_response(request, response)
    if settings.PERMISSIONS_POLICY:
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
    response = _security.process_response(request, response)
    mark_private(request, response)
    response.headers.setdefault("Content-Length", str(len(response.content)))
    return response


def _close_if_obsolete() -> None:
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


def _close_unless_in_transaction() -> None:
    database = connections[DEFAULT_DB_ALIAS]
    if not database.in_atomic_block:
        database.close()
