"""Word diffs: stored diffs rebuild the proposed text, render readably, and detect overlaps."""

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from manifesto import diff

words = st.lists(
    st.sampled_from(["fair", "votes", "green", "deal", "now,", "for", "all", "the", "  ", "\n"]),
    max_size=25,
)
texts = words.map(" ".join)
any_text = st.text(max_size=80)


@settings(max_examples=200, deadline=None)
@given(base=texts | any_text, proposed=texts | any_text)
def test_stored_diff_applied_to_base_gives_proposed_text(base, proposed):
    stored = diff.make_diff(base, proposed)
    assert diff.apply_diff(base, stored) == proposed


@settings(max_examples=100, deadline=None)
@given(old=texts, new=texts)
def test_comparing_versions_shows_old_as_deleted_and_new_as_inserted(old, new):
    html = diff.compare_html(old, new)
    # Removing the insertions gives the old text; removing the deletions gives the new.
    import re

    without_ins = re.sub(r"<ins>.*?</ins>", "", html, flags=re.S)
    without_del = re.sub(r"<del>.*?</del>", "", html, flags=re.S)
    strip = lambda s: re.sub(r"</?(ins|del)>", "", s)  # noqa: E731
    from django.utils.html import escape

    assert strip(without_ins) == escape(old)
    assert strip(without_del) == escape(new)


def test_rendered_diff_marks_words_and_escapes_markup():
    html = diff.compare_html("Fair votes for <all>", "Fair votes now for <all>")
    assert "<ins>now</ins>" in html or "<ins>now </ins>" in html
    assert "&lt;all&gt;" in html


def test_changes_on_overlapping_words_collide_and_distant_ones_do_not():
    base = "one two three four five six"
    a = diff.changed_span(diff.make_diff(base, "one TWO three four five six"))
    b = diff.changed_span(diff.make_diff(base, "one two-ish three four five six"))
    c = diff.changed_span(diff.make_diff(base, "one two three four five SIX"))
    assert a.overlaps(b)
    assert not a.overlaps(c)


def test_three_way_merges_separate_changes_and_reports_colliding_ones():
    base = "the quick brown fox"
    assert diff.three_way(base, "the slow brown fox", "the quick brown cat") == "the slow brown cat"
    try:
        diff.three_way(base, "the slow brown fox", "the fast brown fox")
    except diff.MergeConflict as conflict:
        assert conflict.regions == [("quick", "slow", "fast")]
    else:
        raise AssertionError("expected a conflict")


# --- Properties of merging, and of diffs on any text (markup included) ----------------

distinct_words = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6),
    min_size=4,
    max_size=20,
    unique=True,
)


@settings(max_examples=200, deadline=None)
@given(base_words=distinct_words, data=st.data())
def test_three_way_merge_of_edits_to_separate_words_applies_both(base_words, data):
    """Two edits with at least one untouched word between them merge into a text with both."""
    first = data.draw(st.integers(0, len(base_words) - 3))
    second = data.draw(st.integers(first + 2, len(base_words) - 1))
    ours_words, theirs_words, both_words = list(base_words), list(base_words), list(base_words)
    ours_words[first] = both_words[first] = "OURS"
    theirs_words[second] = both_words[second] = "THEIRS"
    merged = diff.three_way(" ".join(base_words), " ".join(ours_words), " ".join(theirs_words))
    assert merged == " ".join(both_words)


@settings(max_examples=200, deadline=None)
@given(base=texts | any_text, edited=texts | any_text)
def test_three_way_merge_with_one_side_unchanged_gives_the_other_side(base, edited):
    assert diff.three_way(base, edited, base) == edited
    assert diff.three_way(base, base, edited) == edited


@settings(max_examples=200, deadline=None)
@given(text=texts | any_text)
def test_a_text_compared_with_itself_has_no_change(text):
    stored = diff.make_diff(text, text)
    assert diff.changed_span(stored) is None
    assert diff.change_of(text, text) == diff.Change(removed=(), added=())
    assert diff.apply_diff(text, stored) == text


@settings(max_examples=200, deadline=None)
@given(old=any_text | st.just("<script>alert(1)</script>"), new=any_text)
def test_a_rendered_diff_of_any_text_holds_no_markup_but_ins_and_del(old, new):
    import re

    from django.utils.html import escape

    html = diff.compare_html(old, new)
    assert re.findall(r"<(?!/?(?:ins|del)>)", html) == []
    without_ins = re.sub(r"<ins>.*?</ins>", "", html, flags=re.S)
    assert re.sub(r"</?del>", "", without_ins) == escape(old)


@settings(max_examples=200, deadline=None)
@given(base_words=distinct_words, data=st.data())
def test_edits_with_a_word_between_them_do_not_collide(base_words, data):
    first = data.draw(st.integers(0, len(base_words) - 3))
    second = data.draw(st.integers(first + 2, len(base_words) - 1))
    base = " ".join(base_words)
    ours, theirs = list(base_words), list(base_words)
    ours[first], theirs[second] = "OURS", "THEIRS"
    a = diff.changed_span(diff.make_diff(base, " ".join(ours)))
    b = diff.changed_span(diff.make_diff(base, " ".join(theirs)))
    assert not a.overlaps(b) and not b.overlaps(a)
    same_word = list(base_words)
    same_word[first] = "OTHER"
    c = diff.changed_span(diff.make_diff(base, " ".join(same_word)))
    assert a.overlaps(c)


# A few words, repeated a lot, so that a diff has many equally good ways to line them up.
repeating = st.lists(
    st.sampled_from(["the", "fair", "vote", "for", "and", "a"]), min_size=6, max_size=16
)
replacement = st.lists(st.sampled_from(["the", "fair", "and", "NEW", "OLD"]), max_size=3)


@settings(max_examples=1000, deadline=None)
@given(base_words=repeating, data=st.data())
def test_a_change_rebased_past_a_distant_edit_is_the_same_change(base_words, data):
    """Rebasing onto a text changed elsewhere (a gap of two words or more) keeps exactly
    the words the amendment adds and removes, however repeated words line up."""
    n = len(base_words)
    theirs_at = data.draw(st.integers(0, n - 1))
    ours_at = data.draw(
        st.integers(0, n - 1).filter(lambda i: abs(i - theirs_at) >= 3), label="ours_at"
    )
    theirs, ours = list(base_words), list(base_words)
    theirs[theirs_at : theirs_at + 1] = data.draw(replacement, label="theirs")
    ours[ours_at : ours_at + 1] = data.draw(replacement, label="ours")
    base, ours_text, theirs_text = " ".join(base_words), " ".join(ours), " ".join(theirs)
    try:
        rebased = diff.three_way(base, ours_text, theirs_text)
    except diff.MergeConflict:
        return  # a collision is marked needs-update, not asked this question
    if rebased == ours_text:
        return  # the new text already makes it (marked a duplicate): not asked either
    assert diff.change_of(ours_text, rebased) == diff.change_of(base, theirs_text)


@settings(max_examples=200, deadline=None)
@given(base=texts, proposed=texts, moved=texts)
def test_a_change_does_not_depend_on_the_words_around_it(base, proposed, moved):
    """The same edit made with other words before and after it is the same change."""
    assert diff.change_of(base, proposed) == diff.change_of(
        f"{moved} {base} {moved}", f"{moved} {proposed} {moved}"
    )


def test_a_change_counts_repeated_words():
    assert diff.change_of("a fair vote", "a fair fair vote") == diff.Change((), (("fair", 1),))
    assert diff.change_of("a fair vote", "a vote") == diff.Change((("fair", 1),), ())


def test_a_rebase_that_would_lose_a_repeated_word_is_a_collision_not_a_silent_loss():
    """Found by the property above: the new text drops one of five "fair"s, the amendment
    turns another "fair" into "and NEW". A diff lines both removals up on the same "fair",
    so merging them as one change would keep four "fair"s, silently losing the amendment's
    removal. It is reported as a collision instead."""
    base = "fair fair fair fair fair and and fair"
    ours = "fair fair fair fair and and fair"
    theirs = "fair fair fair fair and NEW and and fair"
    with pytest.raises(diff.MergeConflict):
        diff.three_way(base, ours, theirs)


def test_an_amendment_the_new_text_already_makes_rebases_onto_the_new_text_itself():
    base = "the fair vote for the fair and the vote"
    amendment = "the fair vote for all the fair and the vote"
    new_text = "the fair vote for all the fair and the vote now"  # it, and one more change
    assert diff.three_way(base, new_text, amendment) == new_text


def _merge_law_holds(base, ours, theirs, rebased) -> bool:
    """Words of the merge + words of the base == words of ours + words of theirs: every
    word either side adds is in, every word either side removes is out, nothing else."""
    return Counter(rebased.split()) + Counter(base.split()) == Counter(ours.split()) + Counter(
        theirs.split()
    )


@settings(max_examples=1000, deadline=None)
@given(base_words=repeating, data=st.data())
def test_a_clean_merge_of_distant_edits_keeps_every_word_both_sides_kept(base_words, data):
    n = len(base_words)
    theirs_at = data.draw(st.integers(0, n - 1))
    ours_at = data.draw(st.integers(0, n - 1).filter(lambda i: abs(i - theirs_at) >= 3))
    theirs, ours = list(base_words), list(base_words)
    theirs[theirs_at : theirs_at + 1] = data.draw(replacement)
    ours[ours_at : ours_at + 1] = data.draw(replacement)
    base, ours_text, theirs_text = " ".join(base_words), " ".join(ours), " ".join(theirs)
    try:
        rebased = diff.three_way(base, ours_text, theirs_text)
    except diff.MergeConflict:
        return
    if rebased != ours_text:
        assert _merge_law_holds(base, ours_text, theirs_text, rebased)


REPEATED_VOCABULARY = ["the", "fair", "vote", "for", "and", "a", "the", "the", "fair"]
NEW_WORDS = ["the", "fair", "and", "NEW", "OLD", "green", "deal"]


def _edit(rng, words_, positions):
    """Replace each of these word positions (from the back) with 0 to 3 words."""
    edited = list(words_)
    for at in sorted(positions, reverse=True):
        edited[at : at + 1] = [rng.choice(NEW_WORDS) for _ in range(rng.randint(0, 3))]
    return edited


@pytest.mark.parametrize("seed", range(25))
def test_rebasing_many_edits_over_repeated_words_keeps_each_change_exactly(seed):
    """Each seed: 400 random texts of mostly repeated words, the new text and the amendment
    each changing one to three words, every changed word of one side at least three words
    from every changed word of the other. Each clean merge keeps the amendment's change
    exactly and obeys the merge law; collisions stay rare, so the property is not vacuous."""
    rng = random.Random(seed)
    clean = collided = 0
    for _ in range(400):
        base_words = [rng.choice(REPEATED_VOCABULARY) for _ in range(rng.randint(8, 30))]
        n = len(base_words)
        theirs_at = rng.sample(range(n), rng.randint(1, 3))
        far = [i for i in range(n) if all(abs(i - j) >= 3 for j in theirs_at)]
        if not far:
            continue
        ours_at = rng.sample(far, min(len(far), rng.randint(1, 3)))
        base = " ".join(base_words)
        ours = " ".join(_edit(rng, base_words, ours_at))
        theirs = " ".join(_edit(rng, base_words, theirs_at))
        try:
            rebased = diff.three_way(base, ours, theirs)
        except diff.MergeConflict:
            collided += 1
            continue
        clean += 1
        if rebased == ours:
            continue  # the new text already makes the amendment's change
        assert diff.change_of(ours, rebased) == diff.change_of(base, theirs), (base, ours, theirs)
        assert _merge_law_holds(base, ours, theirs, rebased), (base, ours, theirs, rebased)
    assert collided < 0.1 * (clean + collided), (clean, collided)
