"""Testing that near-identical amendments are shown before a new one is sent."""

import pytest

from manifesto.actions import propose
from manifesto.models import Amendment
from manifesto.similarity import change_signature, overlap, similar_amendments

BASE = "Fair votes: a proportional voting system for every election."


@pytest.mark.parametrize(
    ("first", "second", "alike"),
    [
        # The same change, with different case and punctuation.
        (
            "Fair votes: a proportional voting system for every election and council.",
            "fair votes - a proportional voting system for every election, and council",
            True,
        ),
        # One word more in an otherwise identical change.
        (
            "Fair votes: a proportional voting system for every election and every council.",
            "Fair votes: a proportional voting system for every election and council.",
            True,
        ),
        # Different changes to the same clause share most of its words, but not the change.
        (
            "Fair votes: a proportional voting system for every election and council.",
            "Fair votes: a proportional system for electing the House of Lords too.",
            False,
        ),
    ],
)
def test_changes_are_compared_by_what_they_change_not_the_words_they_keep(first, second, alike):
    score = overlap(
        change_signature("replace", BASE, first), change_signature("replace", BASE, second)
    )
    assert (score >= 0.6) is alike


def test_two_deletions_of_one_clause_are_the_same_change():
    assert change_signature("delete", BASE, "") == change_signature("delete", BASE, "anything")


def test_only_published_amendments_to_the_same_clause_are_offered(
    manifesto, clause, other_supporter
):
    text = clause.text.replace("jobs", "good jobs")
    shown = propose(manifesto, clause, other_supporter, "replace", text, "Jobs.")
    withdrawn = propose(manifesto, clause, other_supporter, "replace", text, "Jobs.")
    withdrawn.status = "withdrawn"
    withdrawn.save()
    other_clause = manifesto.live_clauses().last()
    propose(manifesto, other_clause, other_supporter, "replace", other_clause.text + " Now.", "x")
    assert similar_amendments(clause, "replace", text) == [shown]


def test_proposing_a_near_identical_amendment_asks_first_then_sends_it_anyway(
    client, manifesto, clause, supporter, other_supporter
):
    text = clause.text.replace("jobs", "good jobs")
    existing = propose(manifesto, clause, other_supporter, "replace", text, "Jobs.")
    client.force_login(supporter)
    url = f"{manifesto.url}clause/{clause.key}/propose/"
    form = {"kind": "replace", "text": text.replace("good", "Good"), "reason": "Better jobs."}
    response = client.post(url, form)
    html = response.content.decode()
    assert response.status_code == 200 and Amendment.objects.count() == 1
    assert "Someone may have proposed this already" in html
    assert f'href="{manifesto.url}amendment/{existing.pk}/"' in html
    assert 'name="despite_similar"' in html and "Send mine anyway" in html
    assert "Better jobs." in html  # what was typed is kept
    response = client.post(url, {**form, "despite_similar": "1"})
    assert response.status_code == 302 and Amendment.objects.count() == 2


def test_a_different_amendment_is_sent_without_a_warning(
    client, manifesto, clause, supporter, other_supporter
):
    propose(manifesto, clause, other_supporter, "replace", clause.text.replace("jobs", "work"), "x")
    client.force_login(supporter)
    response = client.post(
        f"{manifesto.url}clause/{clause.key}/propose/",
        {"kind": "insert_after", "text": "Free buses for everyone under 25.", "reason": "Buses."},
    )
    assert response.status_code == 302 and Amendment.objects.count() == 2
