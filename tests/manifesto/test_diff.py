"""Word diffs: stored diffs rebuild the proposed text, render readably, and detect overlaps."""

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


@settings(max_examples=300, deadline=None)
@pytest.mark.xfail(
    reason="Known defect: the three-way merge can align repeated words so that the rebased "
    "text drops a word the other edit kept (docs/manifesto.md, Not done).",
    strict=False,
)
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
