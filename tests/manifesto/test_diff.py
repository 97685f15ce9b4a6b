"""Word diffs: stored diffs rebuild the proposed text, render readably, and detect overlaps."""

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
    assert diff.changes(stored, text) == []
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
