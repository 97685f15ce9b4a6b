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
