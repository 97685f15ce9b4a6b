"""Fixtures every test package may ask for (registered in tests/conftest.py).

- `stripe_keys` / `stripe_standin`: card payments on, with Stripe answered by the local
  stand-in (tests/support/stripe_standin.py) and webhooks signed with its one secret.
- `demo_site` / `demo_site_in_class`: the demo content, loaded once per module or class.
"""

import pytest

from tests.support.demo_snapshot import load_demo_content
from tests.support.stripe_standin import WEBHOOK_SECRET, StripeStandIn


@pytest.fixture
def stripe_keys(settings):
    """Test-mode keys and the suite's webhook secret; no stand-in yet."""
    settings.STRIPE_SECRET_KEY = "sk_test_standin"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_standin"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_LIVE_MODE = False
    # Never Stripe itself: without the stand-in, any API call fails at once, locally.
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    return settings


@pytest.fixture
def stripe_standin(stripe_keys):
    """Card payments on, answered by a fresh local stand-in that records every request."""
    standin = StripeStandIn().start()
    stripe_keys.STRIPE_API_BASE = standin.base_url
    yield standin
    standin.stop()


# --- data built once for many tests ------------------------------------------------------------
def built_once(django_db_blocker, build):
    """Yield what `build()` makes, made once for a module (or class) of tests.

    It is made inside a transaction left open around the tests, which each run in a
    savepoint of it as usual (their own changes roll back with them); the transaction is
    rolled back when the last of them is done, so the rest of the suite never sees it.
    Use it from a module- or class-scoped fixture that depends on `django_db_setup`, for
    tests on `db` only: nothing that needs real transactions (live_server).
    """
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer._from_testcase = True  # as Django's TestCase marks its own: durable blocks allowed
        outer.__enter__()
        try:
            built = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# --- the demo site, loaded once for many tests -----------------------------------------------
# `load_demo` builds every page, person, image and gift of the demo: seconds of work that a
# file of read-only checks need not repeat for each test. Its media (images, the paper's PDF)
# go to a folder kept for as long as the demo. Ask for `demo_site` in a module whose every
# test is about the demo, or `demo_site_in_class` in a class of such tests (the demo stays
# loaded until the module or class is done, so other tests must not share it).


def _load_demo(django_db_blocker, media_root):
    from django.test import override_settings

    def load():
        with override_settings(MEDIA_ROOT=media_root):
            load_demo_content()
        return media_root

    yield from built_once(django_db_blocker, load)


@pytest.fixture(scope="module")
def _demo_for_module(django_db_setup, django_db_blocker, tmp_path_factory):
    yield from _load_demo(django_db_blocker, tmp_path_factory.mktemp("demo-media"))


@pytest.fixture(scope="class")
def _demo_for_class(django_db_setup, django_db_blocker, tmp_path_factory):
    yield from _load_demo(django_db_blocker, tmp_path_factory.mktemp("demo-media"))


@pytest.fixture
def demo_site(_demo_for_module, db, settings):
    """The demo content, loaded once for the whole test module."""
    settings.MEDIA_ROOT = _demo_for_module


@pytest.fixture
def demo_site_in_class(_demo_for_class, db, settings):
    """The demo content, loaded once for the test class."""
    settings.MEDIA_ROOT = _demo_for_class


# --- parallel runs: what must stay on one worker -----------------------------------------------
# `make test` spreads tests over workers one by one (--dist loadgroup). A module whose tests
# share something costly made once per module or session would make it once per worker:
# these run whole on one worker instead. (The browser journeys have their own group.)
ONE_WORKER_MODULES = {
    "tests/faults/test_postgres_restart.py": "a private PostgreSQL cluster, migrated once",
    "tests/security/test_body_limits.py": "a gunicorn server started once",
}
ONE_WORKER_FIXTURES = {"demo_site", "demo_site_in_class"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        if module in ONE_WORKER_MODULES or ONE_WORKER_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.xdist_group(module))
