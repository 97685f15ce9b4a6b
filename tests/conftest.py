"""Fixtures shared by every app's tests: people in each role, the home page, mail."""

import os

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache

from cms.constituencies import load_constituencies
from cms.models import Constituency, HomePage, User
from cms.roles import EDITORS, MODERATORS, SUPPORTERS
from tests.support.factories import PASSWORD, UserFactory

# Shared fixtures (the Stripe stand-in, the demo site) live in tests/support/.
pytest_plugins = ["tests.support.fixtures"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On PostgreSQL each worker's test database is a copy of one migrated template, made
    before Django sets the databases up (tests/support/template_db.py)."""
    from tests.support.template_db import copy_template_for_this_worker

    return copy_template_for_this_worker()


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings):
    """A database copied from the template is migrated already: Django keeps it as it is."""
    return bool(request.config.getvalue("reuse_db") or django_db_modify_db_settings)


@pytest.fixture(autouse=True)
def _fresh_cache_and_media(settings, tmp_path):
    """Each test starts with an empty cache (rate limits, cached pages) and its own media folder."""
    from cms.auth_backends import session_user_ids
    from cms.cache import fragments_kept, site_chrome
    from cms.redis_cache import shared_unpickled
    from manifesto.tasks import forget_queued_refreshes

    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    forget_queued_refreshes()
    site_chrome.forget()
    fragments_kept.forget()
    shared_unpickled.forget()
    session_user_ids.forget()
    yield
    cache.clear()
    forget_queued_refreshes()
    site_chrome.forget()
    fragments_kept.forget()
    shared_unpickled.forget()
    session_user_ids.forget()


@pytest.fixture
def mail_via_celery(django_capture_on_commit_callbacks, mailoutbox):
    """Run on-commit callbacks so email handed to Celery (eager in tests) lands in the outbox.

    Use as a context manager:  with mail_via_celery(): client.post(...)
    """

    def capture():
        return django_capture_on_commit_callbacks(execute=True)

    capture.outbox = mailoutbox
    return capture


@pytest.fixture(autouse=True)
def _email_through_celery(settings):
    """Tests send email the way production does: our backend -> Celery task -> delivery."""
    settings.EMAIL_BACKEND = "cms.mail.CeleryEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def make_user(email, *roles, party_slug=None, verified=True, **fields):
    """A person with these roles (tests/support/factories.py: UserFactory)."""
    return UserFactory(email=email, roles=roles, party_slug=party_slug, verified=verified, **fields)


@pytest.fixture
def unverified(db):
    return make_user("unverified@example.com", verified=False, display_name="Una")


@pytest.fixture
def supporter(db):
    return make_user("supporter@example.com", SUPPORTERS, party_slug="green", display_name="Sam")


@pytest.fixture
def other_supporter(db):
    return make_user("other@example.com", SUPPORTERS, party_slug="labour", display_name="Lee")


@pytest.fixture
def moderator(db):
    return make_user("moderator@example.com", MODERATORS, SUPPORTERS, display_name="Mo")


@pytest.fixture
def editor(db):
    return make_user("editor@example.com", EDITORS, SUPPORTERS, display_name="Ed")


@pytest.fixture
def superuser(db):
    user = User.objects.create_superuser(email="admin@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def home(db):
    return HomePage.objects.get()


ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql"))

# For tests of behaviour only PostgreSQL has (row locks, real concurrency).
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (set DATABASE_URL)")


def pytest_collection_modifyitems(items):
    """Transactional tests restore the data migrations created (home page, parties, roles).

    Without this, a test on `transactional_db` or `live_server` empties every table when it
    ends, and the tests after it find no home page.
    """
    for item in items:
        names = getattr(item, "fixturenames", [])
        uses_real_transactions = "transactional_db" in names or "live_server" in names
        if uses_real_transactions and item.get_closest_marker("django_db") is None:
            names.append("django_db_serialized_rollback")


@pytest.fixture
def part_lifetimes(monkeypatch):
    """The lifetime each shared page part was stored with, by name (cms.cache)."""
    from cms import cache as page_parts

    seen = {}
    original = page_parts.cached_fragment

    def recording(request, page, name, render, seconds=None):
        seen[name] = seconds
        return original(request, page, name, render, seconds)

    monkeypatch.setattr(page_parts, "cached_fragment", recording)
    return seen


@pytest.fixture
def clock(monkeypatch):
    """Moves cms.cache's idea of now forward (the stored copies carry their own deadline)."""
    import time as real_time

    from cms import cache as page_cache

    offset = {"seconds": 0.0}

    class Clock:
        @staticmethod
        def time():
            return real_time.time() + offset["seconds"]

        @staticmethod
        def advance(seconds):
            offset["seconds"] += seconds

    monkeypatch.setattr(page_cache, "time", Clock)
    return Clock


@pytest.fixture
def constituencies(db):
    """The 650 constituencies: the migration loads them, but a transactional test's flush
    empties the table, so tests that need them ask for this fixture."""
    load_constituencies(Constituency)
    return Constituency.objects.all()
