"""Browser journeys: Playwright driving Debian's Chromium against a live test server.

Chromium comes from the Debian package (`apt-get install chromium`), never a
browser download. Screenshots of key screens go to artifacts/screenshots/.
"""

import os
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.e2e


def pytest_collection_modifyitems(items):
    """Every journey is marked e2e, and in parallel runs (`make test`: pytest-xdist with
    --dist loadgroup) all of them go to one worker: one Chromium at a time on the machine,
    while the other workers run the rest of the suite."""
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a journey's database is flushed, put the migration data back at once.

    Serialized rollback restores it only when the next serialized test starts, and its
    flush skips post_migrate; tests that run later in the session (some request `db`
    dynamically and are ordered last) need the role groups, permissions and home page.
    """
    yield
    from django.db import connections
    from pytest_django.plugin import blocking_manager_key

    if "live_server" not in item.fixturenames:
        return
    if nextitem is None:
        # The session is ending: the test databases are gone and the connections point at
        # the real ones again, which must never receive the test data.
        return
    with item.config.stash[blocking_manager_key].unblock():
        for alias in connections:
            contents = getattr(connections[alias], "_test_serialized_contents", None)
            if contents:
                connections[alias].creation.deserialize_db_from_string(contents)


@pytest.fixture(autouse=True)
def _keep_migration_data(django_db_serialized_rollback):
    """Journeys run on a live server, so on flushed (transactional) databases: put back
    what migrations created (home page, parties, role groups) after each test."""


def _carry_serialized_contents_into_playwright():
    """Playwright's sync API switches this thread to another context, where Django's
    `connections` hands out new connection objects that lack the migration data the test
    database setup serialized. Copy it over so serialized rollback works in journeys."""
    from django.db import connections

    contents = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }

    def restore():
        for alias, serialized in contents.items():
            connections[alias]._test_serialized_contents = serialized

    return restore


@pytest.fixture(scope="module")
def browser(django_db_setup):
    """One Chromium per test module.

    Playwright's sync API keeps an event loop in this thread while it runs, so Django
    would refuse the tests' ordinary synchronous ORM calls: DJANGO_ALLOW_ASYNC_UNSAFE is
    set for as long as the browser lives, and both end with the module, so that later
    tests (and the subprocesses they start, such as `check --deploy`) see neither.
    """
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    restore_serialized_contents = _carry_serialized_contents_into_playwright()
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            restore_serialized_contents()
            yield from _launch(playwright)
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _launch(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser, live_server, settings):
    """A fresh browser tab (own cookies) pointed at the live server."""
    settings.ALLOWED_HOSTS = ["*"]
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture
def screenshot(request):
    """Save a full-page screenshot named after the test and the step."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"\W+", "-", request.node.name).strip("-")

    def take(tab, step):
        path = SCREENSHOTS / f"{test_name}--{step}.png"
        tab.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def axe_tab(browser, live_server, settings):
    """A tab whose context bypasses the CSP, only so that axe-core can be injected."""
    from tests.e2e.axe import AXE_JS

    if not AXE_JS.exists():
        pytest.skip("axe-core is not installed: run `npm ci` at the repository root")
    settings.ALLOWED_HOSTS = ["*"]
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1200, "height": 900}, bypass_csp=True
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def log_in(tab, user):
    """Sign the tab's context in as `user` with a session made on the server (no login form)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    session_cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    base_url = tab.evaluate("location.origin") if tab.url.startswith("http") else None
    tab.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session_cookie.value,
                "url": base_url or _context_base_url(tab),
            }
        ]
    )


def _context_base_url(tab):
    tab.goto("/")
    return tab.evaluate("location.origin")


@pytest.fixture
def new_tab(browser, live_server, settings):
    """Fresh browser contexts (own cookies: another person) at the live server."""
    settings.ALLOWED_HOSTS = ["*"]
    contexts = []

    def open_tab():
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1200, "height": 900}
        )
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        return tab

    yield open_tab
    for context in contexts:
        context.close()


def open_manifesto(clauses):
    """A published manifesto with the given (heading, text) clauses, amendments open (so
    proposing and voting are both allowed) and screening off: the journeys' starting point."""
    from cms.models import HomePage
    from manifesto.merge import start_text
    from manifesto.models import ManifestoPage

    now = timezone.now()
    page = ManifestoPage(
        title="Our manifesto",
        slug="manifesto",
        screening=False,
        amendments_open_at=now - timedelta(days=1),
        voting_only_from=now + timedelta(days=7),
        closed_at=now + timedelta(days=14),
    )
    HomePage.objects.get().add_child(instance=page)
    page.save_revision().publish()
    start_text(page, clauses)
    return page
