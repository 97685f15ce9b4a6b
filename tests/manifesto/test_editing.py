"""Editors create a manifesto in the Wagtail admin and write its text on the site."""

import pytest
from wagtail.models import Page
from wagtail.test.utils.form_data import nested_form_data

from cms.models import HomePage
from manifesto.actions import propose
from manifesto.models import AmendmentStatus, ManifestoPage


@pytest.fixture(autouse=True)
def role_permissions(db):
    from cms.roles import sync_role_permissions

    sync_role_permissions()


def test_manifesto_can_be_created_under_the_home_page_only():
    assert ManifestoPage in HomePage.allowed_subpage_models()
    assert ManifestoPage not in ManifestoPage.allowed_subpage_models()
    assert not ManifestoPage.can_exist_under(Page.get_first_root_node().specific)


def test_editor_creates_a_manifesto_in_the_admin_then_writes_its_first_version(
    client, home, editor
):
    client.force_login(editor)
    response = client.post(
        f"/admin/pages/add/manifesto/manifestopage/{home.pk}/",
        nested_form_data(
            {
                "title": "Local manifesto",
                "slug": "local-manifesto",
                "introduction": "Ours.",
                "amendments_open_at": "2026-01-01 10:00",
                "voting_only_from": "",
                "closed_at": "",
                "screening": "on",
                "min_account_age_days_to_vote": 0,
                "votes_per_day": "",
                "report_threshold": 3,
                "common_ground_min_votes_per_party": 3,
                "bridging_min_votes_per_voter": 3,
                "bridging_min_votes_per_amendment": 5,
                "min_account_age_days_to_count_in_scores": 7,
                "ranking_early_votes": 30,
                "action-publish": "publish",
            }
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = ManifestoPage.objects.get(slug="local-manifesto")
    assert page.live and page.phase == "amendments"
    client.post(
        f"{page.url}edit/",
        {"new_section": "Housing", "new_text": "Homes people can afford.", "note": "Start"},
    )
    assert [c.text for c in page.live_clauses()] == ["Homes people can afford."]
    assert page.current_version.number == 1


def test_phase_dates_out_of_order_are_refused_in_the_admin(client, home, editor):
    client.force_login(editor)
    response = client.post(
        f"/admin/pages/add/manifesto/manifestopage/{home.pk}/",
        nested_form_data(
            {
                "title": "Muddled",
                "slug": "muddled",
                "amendments_open_at": "2026-05-01 10:00",
                "voting_only_from": "2026-04-01 10:00",
                "closed_at": "",
                "min_account_age_days_to_vote": 0,
                "report_threshold": 3,
                "common_ground_min_votes_per_party": 3,
                "bridging_min_votes_per_voter": 3,
                "bridging_min_votes_per_amendment": 5,
                "min_account_age_days_to_count_in_scores": 7,
                "ranking_early_votes": 30,
                "action-publish": "publish",
            }
        ),
    )
    assert response.status_code == 200
    assert not ManifestoPage.objects.filter(slug="muddled").exists()


def test_editor_edit_is_a_new_version_and_others_cannot_edit(
    client, manifesto, clause, editor, moderator, supporter
):
    open_one = propose(
        manifesto,
        clause,
        supporter,
        "replace",
        clause.text.replace("A Green", "An urgent Green"),
        "Why.",
    )
    for person in (supporter, moderator):
        client.force_login(person)
        assert client.get(f"{manifesto.url}edit/").status_code == 403
    client.force_login(editor)
    data = {f"clause-{c.key}": c.text for c in manifesto.live_clauses()}
    data[f"clause-{clause.key}"] = "A Green New Deal for the climate emergency."
    client.post(f"{manifesto.url}edit/", {**data, "note": "Shorter"})
    clause.refresh_from_db()
    assert clause.text == "A Green New Deal for the climate emergency."
    assert manifesto.current_version.number == 2
    assert clause.provenance.edited_by == editor
    open_one.refresh_from_db()
    assert open_one.status == AmendmentStatus.PUBLISHED
    assert open_one.base_text == clause.text
    assert open_one.text == "An urgent Green New Deal for the climate emergency."


def test_empty_clause_in_an_edit_is_refused_and_nothing_changes(client, manifesto, clause, editor):
    client.force_login(editor)
    data = {f"clause-{c.key}": c.text for c in manifesto.live_clauses()}
    data[f"clause-{clause.key}"] = "   "
    response = client.post(f"{manifesto.url}edit/", data)
    assert response.status_code == 400
    assert manifesto.versions.count() == 1
