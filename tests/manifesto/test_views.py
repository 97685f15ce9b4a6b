"""The public pages: reading, proposing, voting with and without JavaScript, exports, API."""

import csv
import io

import pytest
from django.urls import reverse

from manifesto.actions import cast_vote, propose
from manifesto.models import Amendment, AmendmentComment, AmendmentStatus, Vote
from tests.conftest import make_user
from tests.manifesto.conftest import set_phase


@pytest.fixture
def amendment(manifesto, clause, other_supporter):
    return propose(manifesto, clause, other_supporter, "replace", "A Green New Deal now.", "Short.")


def login(client, user):
    client.force_login(user)
    return client


def test_manifesto_page_shows_clauses_with_anchors_and_provenance(client, manifesto, clause):
    response = client.get(manifesto.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="{clause.anchor}"' in html
    assert "Original wording (version 1)" in html
    assert clause.text in html


def test_drafting_manifesto_is_hidden_from_the_public_but_not_from_editors(
    client, manifesto, editor
):
    set_phase(manifesto, "drafting")
    assert client.get(manifesto.url).status_code == 403
    assert login(client, editor).get(manifesto.url).status_code == 200


def test_vote_form_works_without_javascript(client, manifesto, amendment, supporter):
    page_url = f"{manifesto.url}clause/{amendment.clause.key}/"
    login(client, supporter)
    html = client.get(page_url).content.decode()
    vote_url = reverse("manifesto_vote", args=[manifesto.pk, amendment.pk])
    assert f'action="{vote_url}"' in html
    response = client.post(vote_url, {"choice": "agree", "next": page_url})
    assert response.status_code == 302 and response["Location"] == page_url
    assert Vote.objects.get(voter=supporter, amendment=amendment).choice == "agree"
    html = client.get(page_url).content.decode()
    assert "you chose agree" in html


def test_vote_by_fetch_answers_json_with_fresh_counts(client, manifesto, amendment, supporter):
    login(client, supporter)
    response = client.post(
        f"{manifesto.url}amendment/{amendment.pk}/vote/",
        {"choice": "disagree"},
        HTTP_ACCEPT="application/json",
    )
    assert response.json() == {
        "ok": True,
        "choice": "disagree",
        "counts": {"agree": 0, "disagree": 1, "pass": 0},
    }


def test_voting_is_refused_to_anonymous_and_unverified_people(
    client, manifesto, amendment, unverified
):
    url = f"{manifesto.url}amendment/{amendment.pk}/vote/"
    assert client.post(url, {"choice": "agree"}).status_code == 403
    assert login(client, unverified).post(url, {"choice": "agree"}).status_code == 403
    assert client.get(url).status_code == 405
    assert Vote.objects.count() == 0


def test_voting_closes_with_the_voting_phase(client, manifesto, amendment, supporter):
    set_phase(manifesto, "closed")
    login(client, supporter)
    url = f"{manifesto.url}amendment/{amendment.pk}/vote/"
    assert client.post(url, {"choice": "agree"}).status_code == 403


def test_bad_vote_choice_is_an_error_message_not_a_crash(client, manifesto, amendment, supporter):
    login(client, supporter)
    url = f"{manifesto.url}amendment/{amendment.pk}/vote/"
    response = client.post(url, {"choice": "maybe"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert Vote.objects.count() == 0


def test_propose_form_keeps_what_was_typed_on_error(client, manifesto, clause, supporter):
    login(client, supporter)
    url = f"{manifesto.url}clause/{clause.key}/propose/"
    response = client.post(url, {"kind": "replace", "text": "My new words", "reason": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "My new words" in html
    assert "This field is required" in html


def test_proposing_records_base_version_and_screening_holds_it(
    client, manifesto, clause, supporter
):
    manifesto.screening = True
    manifesto.save()
    login(client, supporter)
    url = f"{manifesto.url}clause/{clause.key}/propose/"
    response = client.post(
        url, {"kind": "replace", "text": clause.text + " Now.", "reason": "Urgency."}
    )
    amendment = Amendment.objects.get()
    assert response.status_code == 302
    assert amendment.status == AmendmentStatus.SUBMITTED
    assert amendment.base_version == manifesto.current_version
    assert "<ins>" in amendment.diff_html
    # Not public until screened, but its author can see it.
    client.logout()
    assert client.get(f"{manifesto.url}amendment/{amendment.pk}/").status_code == 404
    assert (
        login(client, supporter).get(f"{manifesto.url}amendment/{amendment.pk}/").status_code == 200
    )


def test_honeypot_comment_is_refused_and_real_comment_held_for_moderation(
    client, manifesto, amendment, supporter
):
    login(client, supporter)
    url = f"{manifesto.url}amendment/{amendment.pk}/comment/"
    response = client.post(url, {"body": "Buy pills", "website": "http://spam.example"})
    assert response.status_code == 400
    assert AmendmentComment.objects.count() == 0
    client.post(url, {"body": "I like this."})
    comment = AmendmentComment.objects.get()
    assert comment.status == "pending" and comment.author == supporter


def test_enough_reports_hide_an_amendment_pending_review(client, manifesto, amendment):
    manifesto.report_threshold = 2
    manifesto.save()
    for i in range(2):
        reporter = make_user(f"r{i}@example.com", "Supporters")
        login(client, reporter)
        client.post(f"{manifesto.url}amendment/{amendment.pk}/report/", {"reason": "Abuse"})
        client.post(f"{manifesto.url}amendment/{amendment.pk}/report/", {"reason": "Again"})
    amendment.refresh_from_db()
    assert amendment.report_count == 2 and amendment.is_hidden
    client.logout()
    assert client.get(f"{manifesto.url}amendment/{amendment.pk}/").status_code == 404


def make_amendments(manifesto, clause, author, count):
    amendments = []
    for i in range(count):
        amendment = Amendment(
            page=manifesto,
            clause=clause,
            author=author,
            text=f"{clause.text} Option {i}.",
            reason="Why not.",
            base_version=manifesto.current_version,
            base_text=clause.text,
            status=AmendmentStatus.PUBLISHED,
        )
        amendment.refresh_diff()
        amendments.append(amendment)
    Amendment.objects.bulk_create(amendments)


@pytest.mark.parametrize("sort", ["random", "popular", "common"])
def test_clause_page_queries_do_not_grow_with_amendments(
    client, manifesto, clause, supporter, other_supporter, django_assert_num_queries, sort
):
    login(client, supporter)
    url = f"{manifesto.url}clause/{clause.key}/?sort={sort}"
    make_amendments(manifesto, clause, other_supporter, 10)
    client.get(url)  # warm caches (site root paths, session)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ten:
        assert client.get(url).status_code == 200
    make_amendments(manifesto, clause, other_supporter, 990)
    with django_assert_num_queries(len(ten.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('class="amendment card"') == 20


def test_manifesto_page_queries_do_not_grow_with_amendments(client, manifesto, other_supporter):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clauses = list(manifesto.live_clauses())
    for clause in clauses:
        make_amendments(manifesto, clause, other_supporter, 2)
    client.get(manifesto.url)
    with CaptureQueriesContext(connection) as few:
        client.get(manifesto.url)
    for clause in clauses:
        make_amendments(manifesto, clause, other_supporter, 50)
    with CaptureQueriesContext(connection) as many:
        client.get(manifesto.url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_json_api_paginates_amendments_with_scores(client, manifesto, clause, other_supporter):
    make_amendments(manifesto, clause, other_supporter, 7)
    first = client.get(f"{manifesto.url}api/amendments/?page_size=5").json()
    assert first["count"] == 7 and first["pages"] == 2 and len(first["results"]) == 5
    assert first["previous"] is None and "page=2" in first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 2 and second["next"] is None
    ids = [a["id"] for a in first["results"] + second["results"]]
    assert len(set(ids)) == 7
    assert set(first["results"][0]["scores"]) >= {"popular", "common_ground", "bridging"}
    clauses = client.get(f"{manifesto.url}api/clauses/").json()
    assert clauses["count"] == 3


def test_csv_exports_the_text_and_the_amendment_book(client, manifesto, amendment, supporter):
    cast_vote(amendment, supporter, "agree")
    response = client.get(f"{manifesto.url}export/manifesto/")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["number", "key", "section", "text"] and len(rows) == 4
    response = client.get(f"{manifesto.url}export/amendments/")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header, row = rows[0], rows[1]
    record = dict(zip(header, row, strict=True))
    assert record["agree"] == "1"
    assert "{+now.+}" in record["change"] or "{+" in record["change"]
    assert record["reason"] == "Short."


def test_compare_view_shows_word_changes_between_versions(client, manifesto, amendment, moderator):
    from manifesto.merge import merge_amendments

    merge_amendments(manifesto, [amendment], moderator)
    html = client.get(f"{manifesto.url}history/compare/?from=1&to=2").content.decode()
    assert "<ins>now.</ins>" in html
    assert "<del>" in html
    history = client.get(f"{manifesto.url}history/").content.decode()
    assert "Merged amendment" in history


def test_moderator_merges_accepted_amendments_from_the_moderation_page(
    client, manifesto, amendment, moderator, supporter
):
    login(client, moderator)
    url = f"{manifesto.url}amendment/{amendment.pk}/status/"
    client.post(url, {"action": "accept"})
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.ACCEPTED
    assert client.get(f"{manifesto.url}moderate/").status_code == 200
    # Never in one click: the moderation page leads to the admin's preview, and the
    # merge happens when the moderator confirms it there.
    response = client.post(f"{manifesto.url}moderate/merge/", {"amendment": [amendment.pk]})
    assert response.status_code == 303 and "/preview/?amendment=" in response["Location"]
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.ACCEPTED
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    client.post(response["Location"], {"amendment": [amendment.pk], "version": "1"})
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.MERGED
    login(client, supporter)
    assert client.get(f"{manifesto.url}moderate/").status_code == 403
    assert client.post(f"{manifesto.url}moderate/merge/", {}).status_code == 403


def test_author_can_withdraw_but_others_cannot(client, manifesto, amendment, supporter):
    url = f"{manifesto.url}amendment/{amendment.pk}/withdraw/"
    assert login(client, supporter).post(url).status_code == 403
    login(client, amendment.author).post(url)
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.WITHDRAWN


def test_no_inline_scripts_or_styles_on_manifesto_pages(client, manifesto, amendment):
    for url in [
        manifesto.url,
        f"{manifesto.url}clause/{amendment.clause.key}/",
        f"{manifesto.url}amendment/{amendment.pk}/",
    ]:
        html = client.get(url).content.decode()
        assert "style=" not in html
        assert "<script>" not in html


def test_consultation_offers_only_another_answer(client, home, supporter):
    from manifesto.merge import start_text
    from manifesto.models import ManifestoPage
    from tests.manifesto.conftest import set_phase

    page = ManifestoPage(title="Name the campaign", slug="name", is_consultation=True)
    home.add_child(instance=page)
    start_text(page, [("The name", "Progressive Alliance")])
    set_phase(page, "amendments")
    key = page.live_clauses().get().key
    login(client, supporter)
    html = client.get(f"{page.url}clause/{key}/propose/").content.decode()
    assert "Suggest another answer" in html and "Delete this clause" not in html
    response = client.post(
        f"{page.url}clause/{key}/propose/", {"kind": "delete", "text": "", "reason": "No."}
    )
    assert response.status_code == 400
    client.post(
        f"{page.url}clause/{key}/propose/",
        {"kind": "replace", "text": "Together", "reason": "Short."},
    )
    assert Amendment.objects.get(page=page).text == "Together"


def test_comment_rate_limit_shows_an_error_and_keeps_the_text(
    client, manifesto, amendment, supporter, settings
):
    settings.MANIFESTO_COMMENT_RATE = "1/h"
    login(client, supporter)
    url = f"{manifesto.url}amendment/{amendment.pk}/comment/"
    client.post(url, {"body": "First thought."})
    response = client.post(url, {"body": "Second thought, typed with care."})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Second thought, typed with care." in html
    assert "Please wait a while" in html
    assert AmendmentComment.objects.count() == 1


def test_manifesto_page_shows_leading_amendments_stored_by_the_ranking_task(
    client, manifesto, clause, other_supporter, supporter
):
    from manifesto.tasks import recompute_rankings

    liked = propose(manifesto, clause, other_supporter, "replace", "Liked words.", "Why.")
    disliked = propose(manifesto, clause, other_supporter, "replace", "Other words.", "Why.")
    cast_vote(liked, supporter, "agree")
    cast_vote(disliked, supporter, "disagree")
    recompute_rankings.delay(manifesto.pk)
    clause.refresh_from_db()
    assert clause.leading_amendment_ids == [liked.pk, disliked.pk]
    html = client.get(manifesto.url).content.decode()
    assert html.index(f"amendment/{liked.pk}/") < html.index(f"amendment/{disliked.pk}/")
    assert "2 amendments to point 1" in html
    # A withdrawn amendment drops out at once, before the next recompute.
    disliked.status = AmendmentStatus.WITHDRAWN
    disliked.save()
    assert f"amendment/{disliked.pk}/" not in client.get(manifesto.url).content.decode()


def test_print_version_lists_every_clause_with_the_print_stylesheet(client, manifesto):
    html = client.get(f"{manifesto.url}print/").content.decode()
    assert "manifesto/manifesto.css" in html
    for clause in manifesto.live_clauses():
        assert clause.text in html
    assert "print this page" in html.lower() or "Print command" in html


def test_an_authors_party_is_never_shown_beside_their_name(client, manifesto, clause, amendment):
    """Party is declared for cross-party figures only (the sign-up form promises so)."""
    author = amendment.author
    assert author.party is not None
    pages = [
        client.get(f"{manifesto.url}amendment/{amendment.pk}/"),
        client.get(f"{manifesto.url}clause/{clause.key}/"),
    ]
    for response in pages:
        html = response.content.decode()
        assert author.public_name in html
        assert f"{author.public_name} ({author.party.short_name})" not in html
        assert f"({author.party.short_name})" not in html


def test_a_vote_moves_the_stored_ranking_soon_once_however_many_votes(
    client, manifesto, amendment, supporter, other_supporter, django_capture_on_commit_callbacks
):
    assert Amendment.objects.get(pk=amendment.pk).popular_score is None
    login(client, supporter)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        client.post(f"{manifesto.url}amendment/{amendment.pk}/vote/", {"choice": "agree"})
    assert [callback.__qualname__ for callback in queued].count(
        "refresh_rankings_soon.<locals>.queue"
    ) == 1
    first = Amendment.objects.get(pk=amendment.pk).popular_score
    assert first is not None and first > 0  # the recompute ran (eagerly here)

    # A second vote within the refresh interval queues nothing more: one recompute covers it.
    login(client, other_supporter)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{manifesto.url}amendment/{amendment.pk}/vote/", {"choice": "agree"})
    assert Amendment.objects.get(pk=amendment.pk).popular_score == first
    assert Amendment.objects.get(pk=amendment.pk).agree_count == 2


def test_a_stale_queued_time_is_asked_about_once_a_second_not_on_every_vote(
    manifesto, monkeypatch, django_capture_on_commit_callbacks
):
    """An entry that says the recompute was queued long ago (a clock behind this machine's,
    a lifetime set under an earlier setting) must not cost two cache calls on every vote."""
    import time

    from django.core.cache import cache

    from manifesto import tasks

    cache.set(f"manifesto:rankings-queued:{manifesto.pk}", time.time() - 3600, timeout=600)
    asked = []
    real_add = cache.add
    monkeypatch.setattr(cache, "add", lambda *a, **k: asked.append(a) or real_add(*a, **k))
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.refresh_rankings_soon(manifesto)
    assert len(asked) == 1
    monkeypatch.setattr(time, "time", lambda: tasks._covered_until[manifesto.pk] + 0.5)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.refresh_rankings_soon(manifesto)
    assert len(asked) == 2  # a second later it asks again
