"""Fixtures for the manifesto tests: a manifesto page with three clauses, in a chosen phase."""

from datetime import timedelta

import pytest
from django.utils import timezone

from manifesto.models import ManifestoPage
from manifesto.rules import AMENDMENTS, CLOSED, DRAFTING, VOTING
from tests.support.factories import ManifestoPageFactory

CLAUSES = [
    ("Climate", "A Green New Deal to meet the climate emergency with jobs in every region."),
    ("Democracy", "Fair votes: a proportional voting system for every election."),
    ("Economy", "End austerity and close the gap between rich and poor."),
]


def set_phase(page: ManifestoPage, phase: str) -> ManifestoPage:
    """Move the phase dates so that `phase` is current."""
    now = timezone.now()
    day = timedelta(days=1)
    dates = {
        DRAFTING: (now + day, now + 2 * day, now + 3 * day),
        AMENDMENTS: (now - day, now + day, now + 2 * day),
        VOTING: (now - 2 * day, now - day, now + day),
        CLOSED: (now - 3 * day, now - 2 * day, now - day),
    }[phase]
    page.amendments_open_at, page.voting_only_from, page.closed_at = dates
    page.save(update_fields=["amendments_open_at", "voting_only_from", "closed_at"])
    return page


def manifesto_open_for_amendments(home, title: str, slug: str) -> ManifestoPage:
    """A manifesto with CLAUSES under `home`, taking amendments without screening: for the
    concurrency tests, whose transactional databases the `manifesto` fixture's factory
    does not serve."""
    from manifesto.merge import start_text

    page = ManifestoPage(title=title, slug=slug, screening=False)
    home.add_child(instance=page)
    start_text(page, CLAUSES)
    return set_phase(page, AMENDMENTS)


@pytest.fixture
def manifesto(home):
    return set_phase(ManifestoPageFactory(parent=home, clauses=CLAUSES), AMENDMENTS)


@pytest.fixture
def clause(manifesto):
    return manifesto.live_clauses().first()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the manifesto's transactional (PostgreSQL concurrency) tests last of all.

    They restore the migrations' data (home page, parties) at their start with
    serialized_rollback, but the flush after them does not, so a test that came after
    them and looked up groups or pages would find none.
    """

    def is_transactional_manifesto_test(item):
        marker = item.get_closest_marker("django_db")
        return (
            "tests/manifesto/" in str(item.path).replace("\\", "/")
            and marker is not None
            and marker.kwargs.get("transaction")
        )

    last = [item for item in items if is_transactional_manifesto_test(item)]
    if last:
        items[:] = [item for item in items if item not in last] + last
