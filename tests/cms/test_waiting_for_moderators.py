"""The admin home panel "Waiting for moderators": counts from every app, links to the work."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.dashboard import WaitingForModeratorsPanel, waiting_items
from cms.models import PageReply, Party
from crowdfund import ledger
from crowdfund.models import CrowdfundPage, Donation, Method, PermissibilityCheck
from manifesto.actions import propose, report
from manifesto.models import Amendment, AmendmentComment, AmendmentStatus
from stories.submission import submit_story
from tests.manifesto.conftest import manifesto  # noqa: F401  (fixture)
from tests.stories.conftest import places, stories_index  # noqa: F401


@pytest.fixture(autouse=True)
def role_permissions(db):
    from cms.roles import sync_role_permissions

    sync_role_permissions()


def give(home, amount_pence=60_000):
    crowdfund = CrowdfundPage.objects.first()
    if crowdfund is None:
        crowdfund = CrowdfundPage(title="Build the hub", slug="build-the-hub", target_pence=500_000)
        home.add_child(instance=crowdfund)
    donation = Donation.objects.create(
        crowdfund=crowdfund,
        amount_pence=amount_pence,
        method=Method.CHEQUE,
        received_on=date.today(),
        name="Ada Lovelace",
        email="ada@example.com",
        address="1 Street, Town",
        permissible_donor_declared=True,
    )
    ledger.record_offline(ledger.lock_donation(donation.pk))
    return donation


@pytest.fixture
def waiting(home, manifesto, stories_index, places, supporter, other_supporter):  # noqa: F811
    """Two of each kind of work, and one of each already done (not counted)."""
    clause = manifesto.live_clauses().first()

    def amend(status=AmendmentStatus.SUBMITTED):
        amendment = propose(manifesto, clause, supporter, "replace", "Words.", "Why.")
        Amendment.objects.filter(pk=amendment.pk).update(status=status)
        return amendment

    for number in range(2):
        amend()
        report(amend(AmendmentStatus.PUBLISHED), other_supporter, "Rude")
        Amendment.objects.filter(pk=amend(AmendmentStatus.PUBLISHED).pk).update(
            burst_flagged_at=timezone.now(), burst_votes=30
        )
        AmendmentComment.objects.create(amendment=amend(AmendmentStatus.PUBLISHED), body="Hi")
        PageReply.objects.create(page=manifesto, author=supporter, body="Hello")
        submit_story(stories_index, story_data(places, number))
        give(home)
    amend(AmendmentStatus.REJECTED)
    AmendmentComment.objects.create(
        amendment=amend(AmendmentStatus.PUBLISHED), body="Ok", status="approved"
    )
    PageReply.objects.create(page=manifesto, author=supporter, body="Done", status="approved")
    PermissibilityCheck.objects.filter(pk=PermissibilityCheck.objects.first().pk).update(
        status=PermissibilityCheck.Status.PERMISSIBLE
    )
    give(home)


def story_data(places, number):  # noqa: F811
    return {
        "title": f"How Frome's parties stood together {number}",
        "group_name": f"Frome Together {number}",
        "place": places["frome"],
        "parties": Party.objects.filter(slug__in=["green", "labour"]),
        "arrangement": "stand-aside",
        "election": "",
        "year": 2019,
        "outcome": "won",
        "body": f"Story {number}: we met, we talked, and the Labour candidate stood aside. " * 3,
        "contact_email": "group@example.org",
        "consent": True,
    }


def panel_of(html: str) -> str:
    match = re.search(r'<section class="panel waiting-for-moderators".*?</section>', html, re.S)
    return match.group(0) if match else ""


def test_moderators_see_each_kind_of_work_counted_with_a_link_to_it(client, moderator, waiting):
    client.force_login(moderator)
    panel = panel_of(client.get("/admin/").content.decode())
    expected = [
        ("/admin/snippets/manifesto/amendment/?status=submitted", 2, "amendments to screen"),
        ("/admin/snippets/manifesto/amendment/?reported=true", 2, "amendments reported"),
        ("/admin/snippets/manifesto/amendment/?flagged=true", 2, "amendments with a burst"),
        ("/admin/snippets/manifesto/amendmentcomment/?status=pending", 2, "amendment comments"),
        ("/admin/snippets/cms/pagereply/?status=pending", 2, "replies awaiting moderation"),
        ("/admin/stories/?in_review=true", 2, "stories in review"),
        ("/admin/crowdfund_checks/?status=open", 2, "donation checks to make"),
    ]
    for url, count, words in expected:
        assert re.search(
            rf'<a href="{re.escape(url)}"><span class="count">{count}</span> {words}', panel
        ), (url, panel)


def test_each_link_leads_to_a_list_of_exactly_that_work(client, moderator, waiting):
    client.force_login(moderator)
    stories = client.get("/admin/stories/?in_review=true").content.decode()
    assert all(f"stood together {n}" in stories for n in (0, 1))
    others = client.get("/admin/stories/?in_review=false").content.decode()
    assert "stood together" not in others
    reported = client.get("/admin/snippets/manifesto/amendment/?reported=true").content.decode()
    assert reported.count("Amendment ") - reported.count("Amendment  ") >= 2


def test_the_panel_costs_the_same_queries_however_much_waits(
    rf,
    moderator,
    home,
    manifesto,  # noqa: F811
    supporter,
):
    """Testing that the panel's counts are a fixed number of queries (the dashboard's
    other panels are Wagtail's own and measured elsewhere)."""
    request = rf.get("/admin/")
    request.user = moderator

    def render():
        with CaptureQueriesContext(connection) as queries:
            html = WaitingForModeratorsPanel(waiting_items(request)).render_html({})
        return html, len(queries)

    render()  # the permissions are read once per request, as in the admin
    _, few = render()
    clause = manifesto.live_clauses().first()
    for _ in range(5):
        amendment = propose(manifesto, clause, supporter, "replace", "Words.", "Why.")
        Amendment.objects.filter(pk=amendment.pk).update(status=AmendmentStatus.SUBMITTED)
        AmendmentComment.objects.create(amendment=amendment, body="Hi")
        PageReply.objects.create(page=manifesto, author=supporter, body="Hello")
        give(home)
    html, many = render()
    assert '<span class="count">5</span> amendments to screen' in html
    assert '<span class="count">5</span> donation checks to make' in html
    # One query a queue, two for the manifesto's four: seven, however much waits.
    assert many == few <= 7


def test_with_nothing_waiting_the_panel_says_so(client, editor):
    client.force_login(editor)
    panel = panel_of(client.get("/admin/").content.decode())
    assert "Nothing is waiting" in panel


def test_supporters_get_no_dashboard_at_all(client, supporter):
    client.force_login(supporter)
    assert client.get("/admin/").status_code == 302
