"""Browser journeys: Playwright driving Debian's Chromium against a live test server.

Chromium comes from the Debian package (`apt-get install chromium`), never a
browser download. Screenshots of key screens go to artifacts/screenshots/.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

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
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def browser(transactional_db, live_server):
    """Chromium for one test, started after the database is ready and stopped before it is
    flushed: while Playwright's event loop runs, Django hands this thread a fresh database
    connection, which knows nothing of the data to restore between transactional tests."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests
    # make around it are ordinary synchronous ones. Only while the browser is open.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(live_server, browser, settings):
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
