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
What every lean path shares (the request, the host and https checks, the outer response
headers, the connection's care, handing over to Django) is in `cms.lean_path`.
"""

import re

from django.conf import settings
from django.contrib import auth
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import DEFAULT_CACHE_ALIAS
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.middleware.csrf import CsrfViewMiddleware

from cms import lean_path
from cms.auth_backends import (
    read_session_and_user,
    reading_user_with_session,
    remember_session_user,
)
from cms.lean_path import HandToDjango
from manifesto.models import live_manifesto_page, live_page_keys
from manifesto.views import voting
from manifesto.views.common import wants_json

# The vote address (manifesto/urls.py), with ids that fit PostgreSQL's bigint.
VOTE_PATH = re.compile(
    r"^/manifesto/(?P<page_id>[0-9]{1,18})/votes/(?P<amendment_id>[0-9]{1,18})/$"
)
# A vote's form is a few dozen bytes (choice, csrfmiddlewaretoken, next); anything larger
# goes to Django, whose body limits apply.
VOTE_BODY_MAX_BYTES = 4096
FORM = "application/x-www-form-urlencoded"


# The middleware whose hooks a vote needs besides every lean path's (cms.lean_path), as
# Django configures them; each is asked only through its process_* hooks, in Django's order.
_session = SessionMiddleware(lean_path.not_called)
_csrf = CsrfViewMiddleware(lean_path.not_called)
_messages = MessageMiddleware(lean_path.not_called)


def serve_votes(application):
    """The WSGI application, answering votes on the lean path before `application`."""
    return lean_path.serve_lean(
        application,
        lambda environ: VOTE_PATH.match(environ.get("PATH_INFO", "")),
        lambda environ, match: answer_vote(
            environ, int(match["page_id"]), int(match["amendment_id"])
        ),
        max_body_bytes=VOTE_BODY_MAX_BYTES,
        content_type=FORM,
    )


def answer_vote(environ, page_id: int, amendment_id: int):
    """The answer to a vote, or HandToDjango for anything else (see the module docstring)."""
    cookies = environ.get("HTTP_COOKIE", "")
    if settings.SESSION_COOKIE_NAME not in cookies or settings.CSRF_COOKIE_NAME not in cookies:
        raise HandToDjango  # signed out, or no CSRF cookie: Django refuses
    request = lean_path.request_for(environ)  # a host Django refuses, or https: Django
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
    if not wants_json(request):  # a JSON answer carries no message: no storage to build
        request._messages = default_storage(request)
    lean_path.close_if_obsolete()
    try:
        response = voting.record_vote(request, page, amendment_id)
    except (Http404, PermissionDenied):
        raise HandToDjango from None  # refused before anything was written
    except (OperationalError, InterfaceError):
        # A connection that died since the last vote: Django reconnects and votes again.
        lean_path.close_unless_in_transaction()
        raise HandToDjango from None
    finally:
        lean_path.close_if_obsolete()
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
    return lean_path.finish(request, response)
