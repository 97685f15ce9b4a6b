"""The vote's lean path (manifesto.lean_vote): votes answered by the WSGI application before
Django's request handling, with every rule of the vote view kept.

Each request here goes through the site's WSGI application as gunicorn calls it, and the
test knows whether Django's request handling ran. A vote the lean path records is
answered there; everything it does not answer (no CSRF token, a signed-out visitor, a vote
the rules refuse) reaches Django, which refuses it exactly as before.
"""

import json
import threading
from datetime import timedelta
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.signals import request_started
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageViewRestriction

from manifesto import lean_vote
from manifesto.actions import propose, set_status
from manifesto.models import Amendment, AmendmentStatus, Vote
from manifesto.views import voting
from tests.conftest import make_user, postgres_only
from tests.support.lean_site import MIDDLEWARE_HEADERS, LeanSite

FORM = "application/x-www-form-urlencoded"
CSRF_SECRET = "k" * 32  # a CSRF cookie's secret, as the browser holds it


class Site(LeanSite):
    """The site's WSGI application as gunicorn calls it; says whether Django's stack ran."""

    def __init__(self):
        super().__init__(lean_vote.serve_votes)

    def post(self, path, data, cookies, keep_connection=True, **headers):
        return super().post(path, urlencode(data), FORM, cookies, keep_connection, **headers)


@pytest.fixture
def site():
    return Site()


@pytest.fixture
def amendment(manifesto, clause, other_supporter):
    return propose(manifesto, clause, other_supporter, "replace", "A Green New Deal now.", "Short.")


def signed_in(client, person):
    """The cookies of `person`'s browser: a real session, and a CSRF cookie."""
    client.force_login(person)
    return [
        (settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value),
        (settings.CSRF_COOKIE_NAME, CSRF_SECRET),
    ]


def vote(site, amendment, cookies, choice="agree", token=CSRF_SECRET, accept="application/json"):
    headers = {"HTTP_ACCEPT": accept}
    if token is not None:
        headers["HTTP_X_CSRFTOKEN"] = token
    path = reverse("manifesto_vote", args=[amendment.page_id, amendment.pk])
    return site.post(path, {"choice": choice}, cookies, **headers)


def counts(amendment):
    fresh = Amendment.objects.get(pk=amendment.pk)
    return fresh.agree_count, fresh.disagree_count, fresh.pass_count


def test_a_vote_is_recorded_and_answered_without_djangos_stack(site, client, amendment, supporter):
    status, headers, body, django_ran = vote(site, amendment, signed_in(client, supporter))
    assert (status, django_ran) == (200, False)
    assert json.loads(body) == {
        "ok": True,
        "choice": "agree",
        "counts": {"agree": 1, "disagree": 0, "pass": 0},
    }
    assert Vote.objects.get(voter=supporter, amendment=amendment).choice == "agree"
    assert counts(amendment) == (1, 0, 0)


def test_the_answer_carries_the_headers_djangos_stack_gives_a_vote(
    site, client, manifesto, clause, amendment, supporter, other_supporter
):
    _, lean_headers, _, _ = vote(site, amendment, signed_in(client, supporter))
    second = propose(manifesto, clause, supporter, "replace", "Another text.", "")
    client.force_login(other_supporter)
    full = client.post(
        reverse("manifesto_vote", args=[manifesto.pk, second.pk]),
        {"choice": "agree"},
        HTTP_ACCEPT="application/json",
    )
    lean = dict(lean_headers)
    for name in MIDDLEWARE_HEADERS:
        assert lean.get(name) == full.headers.get(name), name
    assert lean["Content-Length"] == str(len(full.content))


def test_a_changed_vote_moves_one_count_and_a_repeat_changes_nothing(
    site, client, amendment, supporter
):
    cookies = signed_in(client, supporter)
    for choice in ("agree", "pass", "pass"):
        assert vote(site, amendment, cookies, choice)[0] == 200
    assert counts(amendment) == (0, 0, 1)
    assert Vote.objects.filter(amendment=amendment).count() == 1


def test_the_plain_form_is_sent_back_with_its_message(site, client, amendment, supporter):
    cookies = signed_in(client, supporter)
    status, headers, _, django_ran = vote(site, amendment, cookies, accept="text/html")
    assert (status, django_ran) == (302, False)
    location = dict(headers)["Location"]
    assert location == f"{amendment.page.url}amendment/{amendment.pk}/"
    message = SimpleCookie()
    for name, value in headers:
        if name == "Set-Cookie":
            message.load(value)
    client.cookies["messages"] = message["messages"].value
    page = client.get(location)
    assert f"Your vote (agree) on amendment {amendment.pk} is recorded." in page.content.decode()


@pytest.mark.parametrize("token", [None, "w" * 32], ids=["no token", "another token"])
def test_a_vote_without_its_csrf_token_is_refused_by_django(
    site, client, amendment, supporter, token
):
    status, _, _, django_ran = vote(site, amendment, signed_in(client, supporter), token=token)
    assert (status, django_ran) == (403, True)
    assert not Vote.objects.exists() and counts(amendment) == (0, 0, 0)


def test_a_signed_out_visitor_is_refused(site, client, amendment, supporter):
    cookies = signed_in(client, supporter)
    client.logout()  # the session is gone; the browser still sends its cookie
    status, _, _, django_ran = vote(site, amendment, cookies)
    assert (status, django_ran) == (403, True)
    status, _, _, _ = vote(site, amendment, [(settings.CSRF_COOKIE_NAME, CSRF_SECRET)])
    assert status == 403
    assert not Vote.objects.exists()


def test_a_session_from_before_a_password_change_is_refused(site, client, amendment, supporter):
    cookies = signed_in(client, supporter)
    supporter.set_password("a new password for this account")
    supporter.save()
    status, _, _, django_ran = vote(site, amendment, cookies)
    assert (status, django_ran) == (403, True)
    assert not Vote.objects.exists()


def test_an_unverified_account_is_refused(site, client, amendment, unverified):
    status, _, _, django_ran = vote(site, amendment, signed_in(client, unverified))
    assert (status, django_ran) == (403, True)
    assert not Vote.objects.exists()


def test_an_account_too_new_to_vote_is_told_so(site, client, manifesto, amendment, supporter):
    manifesto.min_account_age_days_to_vote = 7
    manifesto.save()
    cookies = signed_in(client, supporter)
    status, _, body, _ = vote(site, amendment, cookies)
    assert status == 400 and b"Accounts can vote once they are 7 days old." in body
    assert not Vote.objects.exists()
    supporter.date_joined = timezone.now() - timedelta(days=8)
    supporter.save()
    assert vote(site, amendment, cookies)[0] == 200


@pytest.mark.parametrize(
    "change",
    [
        lambda a, staff: set_status(a, AmendmentStatus.WITHDRAWN, by=a.author),
        lambda a, staff: set_status(a, AmendmentStatus.REJECTED, "Off topic.", by=staff),
        lambda a, staff: Amendment.objects.filter(pk=a.pk).update(is_hidden=True),
    ],
    ids=["withdrawn", "rejected", "hidden"],
)
def test_an_amendment_closed_to_votes_takes_none(
    site, client, amendment, supporter, moderator, change
):
    cookies = signed_in(client, supporter)
    assert vote(site, amendment, cookies)[0] == 200  # the page and the voter are cached
    change(amendment, moderator)
    status, _, _, django_ran = vote(site, amendment, cookies, "disagree")
    assert status in (403, 404) and django_ran
    assert counts(amendment) == (1, 0, 0)
    assert Vote.objects.get(amendment=amendment).choice == "agree"


def test_a_manifesto_made_private_takes_no_votes(site, client, manifesto, amendment, supporter):
    cookies = signed_in(client, supporter)
    assert vote(site, amendment, cookies)[0] == 200
    PageViewRestriction.objects.create(
        page=manifesto, restriction_type=PageViewRestriction.PASSWORD, password="members"
    )
    status, _, _, django_ran = vote(site, amendment, cookies, "pass")
    assert (status, django_ran) == (404, True)
    assert counts(amendment) == (1, 0, 0)


def test_an_unknown_choice_is_refused_with_a_message(site, client, amendment, supporter):
    status, _, body, _ = vote(site, amendment, signed_in(client, supporter), "maybe")
    assert status == 400 and b"agree, disagree or pass" in body
    assert not Vote.objects.exists()


def test_a_body_that_is_not_a_small_form_goes_to_django(site, client, amendment, supporter):
    cookies = signed_in(client, supporter)
    path = reverse("manifesto_vote", args=[amendment.page_id, amendment.pk])
    status, _, _, django_ran = site.post(
        path,
        {"choice": "agree", "next": "/" + "x" * lean_vote.VOTE_BODY_MAX_BYTES},
        cookies,
        HTTP_X_CSRFTOKEN=CSRF_SECRET,
        HTTP_ACCEPT="application/json",
    )
    assert (status, django_ran) == (200, True)
    assert counts(amendment) == (1, 0, 0)


def test_a_vote_whose_connection_failed_is_voted_once_by_django(
    site, client, amendment, supporter, monkeypatch
):
    record = voting.record_vote
    failures = []

    def connection_lost(request, page, amendment_id):
        answer = record(request, page, amendment_id)  # the vote reached the database...
        if failures:
            return answer
        failures.append(True)
        raise OperationalError("server closed the connection unexpectedly")  # ...its answer not

    monkeypatch.setattr(voting, "record_vote", connection_lost)
    status, _, body, django_ran = vote(site, amendment, signed_in(client, supporter))
    assert (status, django_ran) == (200, True)
    assert b'"counts": {"agree": 1, "disagree": 0, "pass": 0}' in body
    assert failures and counts(amendment) == (1, 0, 0) and Vote.objects.count() == 1


@postgres_only
def test_a_vote_is_one_sql_statement(site, client, manifesto, clause, amendment, supporter):
    second = propose(manifesto, clause, supporter, "replace", "Another text.", "")
    cookies = signed_in(client, supporter)
    assert vote(site, amendment, cookies)[0] == 200  # the voter and the page are cached
    with CaptureQueriesContext(connection) as queries:
        assert vote(site, second, cookies)[0] == 200
    assert len(queries) == 1, [q["sql"] for q in queries]


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_votes_through_the_lean_path_keep_counters_equal_to_a_recount(home):
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from tests.manifesto.conftest import manifesto_open_for_amendments

    page = manifesto_open_for_amendments(home, "Rush", "rush")
    author = make_user("rush-author@example.com", "Supporters")
    amendments = [
        propose(page, page.live_clauses().first(), author, "replace", f"Text {n}.", "")
        for n in range(3)
    ]
    voters = []
    for n in range(8):
        voter = make_user(f"rush{n}@example.com", "Supporters")
        session = SessionStore()
        session[SESSION_KEY] = str(voter.pk)
        session[BACKEND_SESSION_KEY] = "cms.auth_backends.ModelBackend"
        session[HASH_SESSION_KEY] = voter.get_session_auth_hash()
        session.save()
        voters.append(
            [
                (settings.SESSION_COOKIE_NAME, session.session_key),
                (settings.CSRF_COOKIE_NAME, CSRF_SECRET),
            ]
        )
    site = Site()
    barrier = threading.Barrier(len(voters))
    answers, errors = [], []

    def vote_repeatedly(cookies):
        try:
            barrier.wait()
            for choice in ["agree", "disagree", "pass", "agree", "disagree"]:
                for amendment in amendments:
                    status, _, _, _ = site.post(
                        reverse("manifesto_vote", args=[page.pk, amendment.pk]),
                        {"choice": choice},
                        cookies,
                        keep_connection=False,
                        HTTP_X_CSRFTOKEN=CSRF_SECRET,
                        HTTP_ACCEPT="application/json",
                    )
                    answers.append(status)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    django_ran = []

    def note(**kwargs):
        django_ran.append(True)

    request_started.connect(note)
    threads = [threading.Thread(target=vote_repeatedly, args=(c,)) for c in voters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    request_started.disconnect(note)
    assert errors == [] and answers == [200] * (len(voters) * 5 * len(amendments))
    assert not django_ran  # every vote was answered on the lean path
    for amendment in amendments:
        assert counts(amendment) == (0, len(voters), 0)
        assert Vote.objects.filter(amendment=amendment, choice="disagree").count() == len(voters)


def test_a_supporter_who_loses_the_role_cannot_vote_on_their_next_request(
    site, client, amendment, supporter
):
    from django.contrib.auth.models import Group

    from cms.roles import SUPPORTERS

    cookies = signed_in(client, supporter)
    assert vote(site, amendment, cookies)[0] == 200  # the session's user is now cached
    supporter.groups.remove(Group.objects.get(name=SUPPORTERS))
    status, _, _, django_ran = vote(site, amendment, cookies, "pass")
    assert (status, django_ran) == (403, True)
    assert counts(amendment) == (1, 0, 0)


def test_a_session_is_never_given_a_user_it_does_not_name(client, supporter, other_supporter):
    from django.core.cache import cache

    from cms.auth_backends import (
        SESSION_USER_KEY,
        USER_KEY,
        cached_user,
        read_session_and_user,
    )

    client.force_login(supporter)
    session = SessionStore(client.cookies[settings.SESSION_COOKIE_NAME].value)
    cached_user(other_supporter.pk)  # in the cache
    cache.set(SESSION_USER_KEY.format(session.session_key), other_supporter.pk)
    found, user = read_session_and_user(session.cache_key, session.session_key, [])
    assert user is None and USER_KEY.format(other_supporter.pk) not in found
    cached_user(supporter.pk)
    cache.set(SESSION_USER_KEY.format(session.session_key), supporter.pk)
    found, user = read_session_and_user(session.cache_key, session.session_key, [])
    assert user.pk == supporter.pk and found[session.cache_key]


def test_a_session_read_again_is_one_mget_by_the_remembered_user_and_still_checked(
    client, supporter, other_supporter, monkeypatch
):
    from django.core.cache import cache

    from cms.auth_backends import (
        cached_user,
        read_session_and_user,
        remember_session_user,
        session_user_ids,
    )

    if not hasattr(cache, "get_many_shared"):
        pytest.skip("the one MGET is Redis's (set REDIS_URL)")
    client.force_login(supporter)
    session = SessionStore(client.cookies[settings.SESSION_COOKIE_NAME].value)
    cached_user(supporter.pk)
    remember_session_user(session.session_key, supporter)
    found, user = read_session_and_user(session.cache_key, session.session_key, [])
    assert user.pk == supporter.pk and session_user_ids.get(session.session_key) == supporter.pk

    def no_script(*args, **kwargs):
        raise AssertionError("read by the script again")

    monkeypatch.setattr(cache, "get_many_and_referenced", no_script, raising=False)
    found, user = read_session_and_user(session.cache_key, session.session_key, [])
    assert user.pk == supporter.pk and found[session.cache_key]
    cached_user(other_supporter.pk)
    session_user_ids.keep(session.session_key, other_supporter.pk)  # a wrong hint
    found, user = read_session_and_user(session.cache_key, session.session_key, [])
    assert user is None


def test_a_fault_on_the_lean_path_leaves_the_vote_to_django(
    site, client, amendment, supporter, monkeypatch
):
    def refused(*args, **kwargs):
        raise RuntimeError("the cache refused the script")

    monkeypatch.setattr(lean_vote, "read_session_and_user", refused)
    status, _, body, django_ran = vote(site, amendment, signed_in(client, supporter))
    assert (status, django_ran) == (200, True)
    assert counts(amendment) == (1, 0, 0)


def test_votes_share_the_page_and_the_voter_while_the_cache_holds_the_same_bytes(
    site, client, manifesto, clause, amendment, supporter, monkeypatch
):
    """On Redis the page and the voter are unpickled once per process and shared by later
    votes (cms.redis_cache.SharedUnpickled); a change to either gives a new object, and
    each vote's session data stays its own."""
    from django.core.cache import cache

    if not hasattr(cache, "get_many_and_referenced"):
        pytest.skip("the shared values are read from Redis (set REDIS_URL)")
    seen = []
    record_vote = voting.record_vote

    def recording(request, page, amendment_id):
        seen.append((page, request.user, request.session._session_cache))
        return record_vote(request, page, amendment_id)

    monkeypatch.setattr(voting, "record_vote", recording)
    second, third, fourth = (
        propose(manifesto, clause, supporter, "replace", f"Text {n}.", "") for n in (2, 3, 4)
    )
    cookies = signed_in(client, supporter)
    assert vote(site, amendment, cookies)[0] == 200  # the voter and the page now cached
    for each in (second, third):
        status, _, _, django_ran = vote(site, each, cookies)
        assert (status, django_ran) == (200, False)
    (page, voter, session), (same_page, same_voter, own_session) = seen[-2:]
    assert same_page is page and same_voter is voter
    assert own_session is not session and own_session == session

    supporter.display_name = "Renamed"
    supporter.save()  # drops the cached voter
    manifesto.save_revision().publish()  # moves the content generation on: the page again
    status, _, _, django_ran = vote(site, fourth, cookies)
    assert (status, django_ran) == (200, False)
    new_page, new_voter, _ = seen[-1]
    assert new_page is not page and new_voter is not voter
    assert new_voter.display_name == "Renamed"


def test_a_shared_page_still_closes_voting_when_its_closing_time_passes(
    site, client, manifesto, clause, amendment, supporter, monkeypatch
):
    """The shared page is the same object while its bytes are unchanged, but its phase is
    worked out at each vote: nothing about time is kept on it."""
    manifesto.closed_at = timezone.now() + timedelta(days=1)
    manifesto.save_revision().publish()
    second, third, fourth = (
        propose(manifesto, clause, supporter, "replace", f"Text {n}.", "") for n in (2, 3, 4)
    )
    cookies = signed_in(client, supporter)
    for each in (amendment, second, third):
        assert vote(site, each, cookies)[0] == 200
    later = timezone.now() + timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    status, _, _, django_ran = vote(site, fourth, cookies)
    assert (status, django_ran) == (403, True)
    assert counts(fourth) == (0, 0, 0)
