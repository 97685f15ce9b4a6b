"""Merging: a new version, provenance, and open amendments rewritten onto the new text."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manifesto.actions import cast_vote, propose
from manifesto.merge import MergeBlocked, apply_edits, merge_amendments
from manifesto.models import Amendment, AmendmentStatus, Vote
from tests.conftest import make_user

BASE = "End austerity and close the gap between rich and poor."


@pytest.fixture
def economy(manifesto):
    return manifesto.live_clauses().get(section="Economy")


@pytest.fixture
def voters(db):
    return [make_user(f"voter{i}@example.com", "Supporters") for i in range(3)]


def amend(page, clause, author, text):
    return propose(page, clause, author, "replace", text, "Better.")


def test_merge_creates_version_with_provenance_pointing_at_the_amendment(
    manifesto, economy, supporter, moderator, voters, mail_via_celery
):
    winner = amend(manifesto, economy, supporter, BASE.replace("End austerity", "Reverse cuts"))
    for voter in voters:
        cast_vote(winner, voter, "agree")
    with mail_via_celery():
        result = merge_amendments(manifesto, [winner], moderator)
    economy.refresh_from_db()
    assert result.version.number == 2
    assert economy.text.startswith("Reverse cuts and close the gap")
    assert economy.provenance.amendment == winner
    assert economy.provenance.agree == 3
    assert result.version.text_of(economy.key) == economy.text
    assert manifesto.versions.get(number=1).text_of(economy.key) == BASE
    winner.refresh_from_db()
    assert winner.status == AmendmentStatus.MERGED
    assert any("merged" in m.body for m in mail_via_celery.outbox if supporter.email in m.to)


def test_clean_rewrite_of_a_second_amendment_keeps_its_votes(
    manifesto, economy, supporter, other_supporter, moderator, voters
):
    first = amend(manifesto, economy, supporter, BASE.replace("End austerity", "Reverse cuts"))
    second = amend(manifesto, economy, other_supporter, BASE.replace("rich and poor", "all"))
    cast_vote(second, voters[0], "agree")
    result = merge_amendments(manifesto, [first], moderator)
    second.refresh_from_db()
    assert second in result.rewritten
    assert second.status == AmendmentStatus.PUBLISHED
    assert second.text == "Reverse cuts and close the gap between all."
    assert second.base_version == result.version
    assert second.base_text == "Reverse cuts and close the gap between rich and poor."
    assert "<del>rich and poor.</del>" in second.diff_html or "<del>rich" in second.diff_html
    assert second.agree_count == 1 and Vote.objects.filter(amendment=second).count() == 1


def test_colliding_amendment_is_marked_needs_update_with_the_collision_shown(
    manifesto, economy, supporter, other_supporter, moderator, mail_via_celery
):
    first = amend(manifesto, economy, supporter, BASE.replace("End austerity", "Reverse cuts"))
    rival = amend(manifesto, economy, other_supporter, BASE.replace("End austerity", "Stop cuts"))
    assert first.collides_with(rival)
    with mail_via_celery():
        merge_amendments(manifesto, [first], moderator)
    rival.refresh_from_db()
    assert rival.status == AmendmentStatus.NEEDS_UPDATE
    assert '"Reverse"' in rival.status_reason and '"Stop"' in rival.status_reason
    assert any("needs updating" in m.body for m in mail_via_celery.outbox)


def test_votes_reset_and_voters_told_where_the_change_itself_changed(
    manifesto, economy, supporter, other_supporter, moderator, voters, mail_via_celery
):
    """The rival makes the merged change AND one more; after the merge only the extra one is
    left, so what voters agreed to is not what the amendment now asks: votes are reset."""
    first = amend(manifesto, economy, supporter, BASE.replace("End austerity", "Reverse cuts"))
    both = BASE.replace("End austerity", "Reverse cuts").replace("rich and poor", "all")
    superset = amend(manifesto, economy, other_supporter, both)
    untouched = propose(manifesto, economy, other_supporter, "delete", "", "Not needed.")
    for voter in voters:
        cast_vote(superset, voter, "agree")
        cast_vote(untouched, voter, "disagree")
    with mail_via_celery():
        result = merge_amendments(manifesto, [first], moderator)
    superset.refresh_from_db()
    untouched.refresh_from_db()
    assert superset in result.reset
    assert superset.text == both and superset.status == AmendmentStatus.PUBLISHED
    assert (superset.agree_count, Vote.objects.filter(amendment=superset).count()) == (0, 0)
    assert untouched.disagree_count == 3  # a deletion asks the same question: votes kept
    told = {address for m in mail_via_celery.outbox for address in m.to if "changed" in m.subject}
    assert told == {voter.email for voter in voters}


def test_with_the_broker_down_a_merge_completes_and_reset_voters_are_still_told(
    manifesto, economy, supporter, other_supporter, moderator, voters, mail_via_celery, monkeypatch
):
    """Testing that a broker that refuses work fails no merge and loses no email: the
    ranking waits for the periodic recompute, the voters' emails go to the outbox."""
    from kombu.exceptions import OperationalError

    from manifesto import tasks

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to the broker. Connection refused.")

    for task in (tasks.recompute_rankings, tasks.tell_voters_votes_reset):
        monkeypatch.setattr(task, "apply_async", refuse)
    first = amend(manifesto, economy, supporter, BASE.replace("End austerity", "Reverse cuts"))
    both = BASE.replace("End austerity", "Reverse cuts").replace("rich and poor", "all")
    superset = amend(manifesto, economy, other_supporter, both)
    for voter in voters:
        cast_vote(superset, voter, "agree")
    with mail_via_celery():
        result = merge_amendments(manifesto, [first], moderator)
    assert superset in result.reset
    assert Amendment.objects.get(pk=first.pk).status == AmendmentStatus.MERGED
    told = {address for m in mail_via_celery.outbox for address in m.to if "changed" in m.subject}
    assert told == {voter.email for voter in voters}


def test_amendments_that_collide_with_each_other_cannot_be_merged_together(
    manifesto, economy, supporter, other_supporter, moderator
):
    first = amend(manifesto, economy, supporter, BASE.replace("End austerity", "Reverse cuts"))
    rival = amend(manifesto, economy, other_supporter, BASE.replace("End austerity", "Stop cuts"))
    with pytest.raises(MergeBlocked):
        merge_amendments(manifesto, [first, rival], moderator)
    economy.refresh_from_db()
    assert economy.text == BASE
    assert manifesto.versions.count() == 1
    assert Amendment.objects.filter(status=AmendmentStatus.MERGED).count() == 0


def test_insert_after_and_delete_change_the_clause_list(manifesto, economy, supporter, moderator):
    new = propose(manifesto, economy, supporter, "insert_after", "Fund local services.", "Why.")
    democracy = manifesto.live_clauses().get(section="Democracy")
    gone = propose(manifesto, democracy, supporter, "delete", "", "Why.")
    merge_amendments(manifesto, [new, gone], moderator)
    texts = [c.text for c in manifesto.live_clauses()]
    assert texts[-1] == "Fund local services."
    assert democracy.text not in texts
    assert len(manifesto.current_version.snapshot) == 3


def test_editor_edit_makes_a_new_version_and_rebases_open_amendments(
    manifesto, economy, supporter, editor
):
    open_one = amend(manifesto, economy, supporter, BASE.replace("rich and poor", "all"))
    result = apply_edits(manifesto, editor, {economy.key: BASE.replace("End", "Finally end")})
    economy.refresh_from_db()
    assert economy.provenance.edited_by == editor and economy.provenance.amendment is None
    open_one.refresh_from_db()
    assert open_one.text == "Finally end austerity and close the gap between all."
    assert result.version.number == 2


words = st.lists(
    st.sampled_from(["fair", "votes", "for", "all", "green", "jobs", "now,"]),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=st.lists(words.map(" ".join), min_size=1, max_size=4))
def test_every_version_keeps_its_text_and_any_two_compare_correctly(manifesto, editor, edits):
    """Testing that after a series of edits each version's snapshot holds the text of its
    time, and comparing any two versions shows the older as deleted and the newer as added."""
    import re

    from django.utils.html import escape

    from manifesto.diff import compare_rows

    clause = manifesto.live_clauses().first()
    start = manifesto.current_version.number
    expected = {start: clause.text}
    for text in edits:
        result = apply_edits(manifesto, editor, {clause.key: text})
        if result is not None:
            expected[result.version.number] = text
    versions = {v.number: v for v in manifesto.versions.filter(number__gte=start)}
    for number, text in expected.items():
        assert versions[number].text_of(clause.key) == text
    numbers = sorted(expected)
    for old in numbers:
        for new in numbers:
            row = next(
                r for r in compare_rows(versions[old], versions[new]) if r["key"] == clause.key
            )
            html = row["html"]
            without_ins = re.sub(r"<ins>.*?</ins>", "", html)
            without_del = re.sub(r"<del>.*?</del>", "", html)
            assert re.sub(r"</?del>", "", without_ins) == escape(expected[old])
            assert re.sub(r"</?ins>", "", without_del) == escape(expected[new])
            assert row["state"] == ("same" if expected[old] == expected[new] else "changed")


def insert_after(page, clause, author, text):
    return propose(page, clause, author, "insert_after", text, "Add this.")


def texts_in_order(page):
    return list(page.live_clauses().values_list("text", flat=True))


def test_insert_after_amendments_merged_together_keep_their_order(
    manifesto, economy, supporter, moderator
):
    first = insert_after(manifesto, economy, supporter, "First new clause.")
    second = insert_after(manifesto, economy, supporter, "Second new clause.")
    merge_amendments(manifesto, [first, second], moderator)
    texts = texts_in_order(manifesto)
    at = texts.index(economy.text)
    assert texts[at : at + 3] == [economy.text, "First new clause.", "Second new clause."]


def test_insert_after_amendments_merged_one_after_another_keep_their_order(
    manifesto, supporter, moderator
):
    climate = manifesto.live_clauses().get(section="Climate")
    first = insert_after(manifesto, climate, supporter, "First new clause.")
    second = insert_after(manifesto, climate, supporter, "Second new clause.")
    merge_amendments(manifesto, [first], moderator)
    merge_amendments(manifesto, [second], moderator)
    texts = texts_in_order(manifesto)
    assert texts[:3] == [climate.text, "First new clause.", "Second new clause."]
    assert texts[3].startswith("Fair votes")  # the clause that followed still follows


def test_a_rebase_that_lines_repeated_words_up_differently_keeps_the_votes(
    manifesto, supporter, other_supporter, moderator, voters, editor
):
    """The same words added and removed: the same change, whatever a diff makes of it."""
    base = "for fair for and for and and"
    democracy = manifesto.live_clauses().get(section="Democracy")
    apply_edits(manifesto, editor, {democracy.key: base})
    democracy.refresh_from_db()
    merged = amend(manifesto, democracy, supporter, "for and for and for and and")
    kept = amend(manifesto, democracy, other_supporter, "for fair for and and and and")
    cast_vote(kept, voters[0], "agree")
    result = merge_amendments(manifesto, [merged], moderator)
    kept.refresh_from_db()
    assert kept.text == "for and for and and and and"
    assert kept in result.rewritten and result.reset == []
    assert kept.agree_count == 1 and Vote.objects.filter(amendment=kept).count() == 1


def test_deleting_a_clause_closes_its_open_amendments_for_good(
    client, manifesto, economy, supporter, other_supporter, moderator
):
    from manifesto.actions import StatusChangeRefused, change_status

    deletion = propose(manifesto, economy, supporter, "delete", "", "Covered elsewhere.")
    rewording = amend(manifesto, economy, other_supporter, BASE.replace("End", "Stop"))
    result = merge_amendments(manifesto, [deletion], moderator)
    rewording.refresh_from_db()
    assert rewording in result.closed
    assert rewording.status == AmendmentStatus.CLOSED
    assert "deleted in version 2" in rewording.status_reason
    # It cannot be republished, merged or rewritten by its author.
    with pytest.raises(StatusChangeRefused):
        change_status(rewording, moderator, "publish")
    with pytest.raises(StatusChangeRefused):
        merge_amendments(manifesto, [rewording], moderator)
    client.force_login(other_supporter)
    response = client.post(
        f"{manifesto.url}amendment/{rewording.pk}/update/", {"text": "Stop it all."}
    )
    assert response.status_code == 302
    rewording.refresh_from_db()
    assert rewording.status == AmendmentStatus.CLOSED
    assert rewording.text == BASE.replace("End", "Stop")


def test_an_amendment_on_a_deleted_clause_cannot_be_merged_even_if_still_published(
    manifesto, economy, supporter, moderator
):
    from manifesto.actions import StatusChangeRefused

    stale = amend(manifesto, economy, supporter, BASE.replace("End", "Stop"))
    economy.is_deleted = True
    economy.save(update_fields=["is_deleted"])
    with pytest.raises(StatusChangeRefused):
        merge_amendments(manifesto, [stale], moderator)
    stale.refresh_from_db()
    assert stale.status == AmendmentStatus.PUBLISHED
    assert manifesto.versions.count() == 1
