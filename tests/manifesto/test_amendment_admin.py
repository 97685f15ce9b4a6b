"""The amendment's admin screens: what a moderator sees before deciding, and the list rows."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from manifesto.actions import cast_vote, propose, report, set_status
from manifesto.models import Amendment, AmendmentStatus, AmendmentStatusChange
from tests.conftest import make_user

LIST = "/admin/snippets/manifesto/amendment/"


@pytest.fixture(autouse=True)
def role_permissions(db):
    from cms.roles import sync_role_permissions

    sync_role_permissions()


@pytest.fixture
def economy(manifesto):
    """The third clause, "End austerity and close the gap between rich and poor."."""
    return list(manifesto.live_clauses())[2]


@pytest.fixture
def amendment(manifesto, economy, supporter):
    return propose(
        manifesto,
        economy,
        supporter,
        "replace",
        "End austerity and <b>end</b> the gap between rich and poor.",
        "Closing is not enough & we should say so.",
    )


def inspect_url(amendment):
    return f"{LIST}inspect/{amendment.pk}/"


def test_the_inspect_view_shows_the_change_reason_author_votes_history_and_reports(
    client, manifesto, amendment, moderator, other_supporter
):
    """Testing that a moderator sees everything they judge on one screen, text escaped."""
    other = propose(
        manifesto,
        amendment.clause,
        other_supporter,
        "replace",
        "End austerity and narrow the gap between rich and poor.",
        "Narrow.",
    )
    cast_vote(amendment, other_supporter, "agree")
    set_status(amendment, AmendmentStatus.ACCEPTED, "Well supported.", by=moderator)
    report(amendment, other_supporter, "Shouting <script>")
    Amendment.objects.filter(pk=amendment.pk).update(
        popular_score=0.123456789012345, common_ground_detail={}
    )
    client.force_login(moderator)
    response = client.get(inspect_url(amendment))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Clause 3 (Economy)" in html
    assert "<del>close</del>" in html and "<ins>&lt;b&gt;end&lt;/b&gt;</ins>" in html
    assert "Closing is not enough &amp; we should say so." in html
    assert "Sam" in html and "their amendments" in html
    assert "Shouting &lt;script&gt;" in html and "<script>" not in html.split("</head>")[1]
    assert "Published → Accepted" in html and "Well supported." in html and "Mo" in html
    assert f"Amendment {other.pk}</a>" in html  # collides: both change "close"
    assert "0.12" in html and "0.1234" not in html
    assert "1 agree, 0 disagree, 0 pass" in html and "Little support so far." in html


def test_the_edit_form_shows_the_facts_and_decides_through_the_transition_table(
    client, amendment, moderator, mail_via_celery
):
    client.force_login(moderator)
    url = f"{LIST}edit/{amendment.pk}/"
    html = client.get(url).content.decode()
    assert "<del>close</del>" in html and "Status history" in html
    with mail_via_celery():
        client.post(url, {"status": "accepted", "status_reason": "Yes.", "duplicate_of": ""})
    change = AmendmentStatusChange.objects.get(amendment=amendment)
    assert (change.from_status, change.to_status, change.changed_by) == (
        "published",
        "accepted",
        moderator,
    )
    # Withdrawn is final: the table refuses, the form says so, nothing changes.
    Amendment.objects.filter(pk=amendment.pk).update(status=AmendmentStatus.WITHDRAWN)
    response = client.post(url, {"status": "published", "status_reason": "", "duplicate_of": ""})
    assert response.status_code == 200
    assert "final" in response.content.decode()
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.WITHDRAWN


def test_list_rows_say_which_clause_and_what_changes_with_rounded_scores(
    client, manifesto, amendment, moderator, supporter
):
    first = list(manifesto.live_clauses())[0]
    insert = propose(manifesto, first, supporter, "insert_after", "Warm homes for all.", "Cold.")
    delete = propose(manifesto, first, supporter, "delete", "", "Too long.")
    Amendment.objects.filter(pk=amendment.pk).update(
        popular_score=0.5876543219876, bridging_score=-0.0021987654
    )
    client.force_login(moderator)
    html = client.get(LIST).content.decode()
    rows = [
        f"Amendment {amendment.pk} · Clause 3 (Economy): replace “close” with "
        "“&lt;b&gt;end&lt;/b&gt;”",
        f"Amendment {insert.pk} · Clause 1 (Climate): insert after it “Warm homes for all.”",
        f"Amendment {delete.pk} · Clause 1 (Climate): delete the clause “A Green New Deal",
    ]
    assert all(row in html for row in rows)
    assert "0.59" in html and "-0.002" in html
    assert not re.search(r"\d\.\d{5,}", html)


def test_list_filters_by_clause_burst_flag_and_reports(
    client, manifesto, amendment, moderator, supporter, other_supporter
):
    first = list(manifesto.live_clauses())[0]
    elsewhere = propose(manifesto, first, supporter, "replace", "A Green Deal.", "Short.")
    Amendment.objects.filter(pk=elsewhere.pk).update(
        burst_flagged_at=timezone.now(), burst_votes=25
    )
    report(amendment, other_supporter, "Rude")
    client.force_login(moderator)

    def listed(query):
        html = client.get(f"{LIST}?{query}").content.decode()
        return {pk for pk in (amendment.pk, elsewhere.pk) if f"Amendment {pk} ·" in html}

    assert listed(f"clause={amendment.clause_id}") == {amendment.pk}
    assert listed(f"clause={first.pk}") == {elsewhere.pk}
    assert listed("flagged=true") == {elsewhere.pk}
    assert listed("reported=true") == {amendment.pk}
    assert listed(f"author={supporter.pk}") == {amendment.pk, elsewhere.pk}


def test_the_list_costs_the_same_queries_for_many_rows(client, manifesto, moderator, supporter):
    clauses = list(manifesto.live_clauses())
    client.force_login(moderator)
    propose(manifesto, clauses[0], supporter, "replace", "One.", "Why.")
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for i in range(12):
        propose(manifesto, clauses[i % 3], supporter, "replace", f"Words {i}.", "Why.")
    # New public amendments purge the shared caches: the next request reloads the site's
    # navigation and settings once, whatever the number of rows. Measure after it.
    client.get(LIST)
    with CaptureQueriesContext(connection) as many:
        client.get(LIST)
    assert len(many) == len(few)


def test_supporters_and_visitors_never_see_the_amendment_screens(client, amendment, supporter):
    assert client.get(inspect_url(amendment)).status_code == 302
    client.force_login(supporter)
    assert client.get(inspect_url(amendment)).status_code in (302, 403)


def test_a_staff_account_without_the_moderator_role_is_turned_away(client, amendment):
    staff = make_user("staff@example.com", display_name="Staff")
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    assert client.get(inspect_url(amendment)).status_code in (302, 403)


def test_a_moderator_dismisses_a_burst_flag_by_post_only(client, amendment, moderator, supporter):
    Amendment.objects.filter(pk=amendment.pk).update(
        burst_flagged_at=timezone.now(), burst_votes=25
    )
    url = f"/admin/manifesto/amendment/{amendment.pk}/clear-burst/"
    client.force_login(moderator)
    html = client.get(inspect_url(amendment)).content.decode()
    assert "25 votes from accounts younger than 7 days" in html and url in html
    assert client.get(url).status_code == 405
    client.force_login(supporter)
    client.post(url)
    assert Amendment.objects.flagged_for_bursts().exists()
    client.force_login(moderator)
    assert client.post(url).status_code == 302
    amendment.refresh_from_db()
    assert amendment.burst_flagged_at is None and amendment.burst_cleared_at is not None
