"""The clause and amendment pages' written-out reads build what their querysets built.

`manifesto.written_reads` replaces two querysets that Django compiled on every page view
(`cms.written_sql`). Each test here asks both for the same rows, in the states that change
what is joined: an author with and without a party, a deleted author, a clause from the
first version, one merged from an amendment, one whose amendment's author left.
"""

import pytest
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from cms.models import Party
from manifesto import written_reads
from manifesto.actions import cast_vote, comment, propose
from manifesto.merge import merge_amendments
from manifesto.models import Amendment, AmendmentComment, Clause
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def concrete_values(instance) -> dict:
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }


def queryset_amendment(page, pk):
    """What `amendment_or_404` read before it was written out."""
    return (
        Amendment.objects.select_related("clause", "author", "author__party", "base_version")
        .defer("base_version__snapshot")
        .get(page=page, pk=pk)
    )


def queryset_clause(page, key):
    """What the clause page read before it was written out (`numbered`)."""
    earlier = (
        Clause.objects.filter(
            page=OuterRef("page"), is_deleted=False, position__lt=OuterRef("position")
        )
        .order_by()
        .values("page")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Clause.objects.select_related("provenance__amendment__author", "provenance__version")
        .annotate(number=Coalesce(Subquery(earlier), Value(0)) + 1)
        .get(page=page, key=key)
    )


def assert_same_amendment(page, pk, django_assert_num_queries):
    expected = queryset_amendment(page, pk)
    # Not counted: on PostgreSQL, the prepared statement's path (a counted query goes
    # through Django's cursor, so that it is seen).
    prepared = written_reads.amendment_on_page(page.pk, pk)
    assert concrete_values(prepared) == concrete_values(expected)
    assert concrete_values(prepared.clause) == concrete_values(expected.clause)
    with django_assert_num_queries(1):
        written = written_reads.amendment_on_page(page.pk, pk)
        assert concrete_values(written) == concrete_values(expected)
        assert concrete_values(written.clause) == concrete_values(expected.clause)
        assert written.base_version.pk == expected.base_version.pk
        assert written.base_version.number == expected.base_version.number
        if expected.author is None:
            assert written.author is None
        else:
            assert concrete_values(written.author) == concrete_values(expected.author)
            if expected.author.party is None:
                assert written.author.party is None
            else:
                assert concrete_values(written.author.party) == concrete_values(
                    expected.author.party
                )
    return written


def test_an_amendment_comes_back_as_the_queryset_built_it(
    manifesto, clause, supporter, other_supporter, django_assert_num_queries
):
    supporter.party = Party.objects.filter(is_party=True).first() or Party.objects.create(
        name="Test Party", slug="test-party"
    )
    supporter.display_name = "Sam"
    supporter.save()
    other_supporter.party = None
    other_supporter.save()
    with_party = propose(manifesto, clause, supporter, "replace", clause.text + " Now.", "Sooner.")
    without_party = propose(manifesto, clause, other_supporter, "delete", "", "Not needed.")
    cast_vote(with_party, other_supporter, "agree")

    written = assert_same_amendment(manifesto, with_party.pk, django_assert_num_queries)
    assert written.author.party is not None
    assert written.author.public_name == "Sam"
    assert written.clause.text == clause.text
    assert written.agree_count == 1
    assert written.diff == with_party.diff  # JSON comes back decoded
    assert written.created_at == with_party.created_at  # an aware datetime

    written = assert_same_amendment(manifesto, without_party.pk, django_assert_num_queries)
    assert written.author.party is None

    other_supporter.delete()  # the amendment stays, by "a former supporter"
    written = assert_same_amendment(manifesto, without_party.pk, django_assert_num_queries)
    assert written.author is None and written.author_id is None


def test_an_amendment_of_another_manifesto_or_none_at_all_is_not_found(
    manifesto, clause, supporter, home
):
    from tests.manifesto.conftest import manifesto_open_for_amendments

    amendment = propose(manifesto, clause, supporter, "replace", clause.text + " Now.", "Sooner.")
    other = manifesto_open_for_amendments(home, "Other", "other-manifesto")
    assert written_reads.amendment_on_page(other.pk, amendment.pk) is None
    assert written_reads.amendment_on_page(manifesto.pk, amendment.pk + 1000) is None


def test_a_written_amendment_saves_like_one_from_a_queryset(manifesto, clause, supporter):
    amendment = propose(manifesto, clause, supporter, "replace", clause.text + " Now.", "Sooner.")
    written = written_reads.amendment_on_page(manifesto.pk, amendment.pk)
    written.status_reason = "Checked."
    written.save()
    amendment.refresh_from_db()
    assert amendment.status_reason == "Checked."
    assert amendment.diff == written.diff and amendment.text == written.text


def assert_same_clause(page, key, django_assert_num_queries):
    expected = queryset_clause(page, key)
    prepared = written_reads.numbered_clause_on_page(page.pk, key)
    assert concrete_values(prepared) == concrete_values(expected)
    assert prepared.number == expected.number
    with django_assert_num_queries(1):
        written = written_reads.numbered_clause_on_page(page.pk, key)
        assert concrete_values(written) == concrete_values(expected)
        assert written.number == expected.number
        origin, expected_origin = written.provenance, expected.provenance
        if expected_origin is None:
            assert origin is None
            return written
        for name in written_reads.PROVENANCE_SHOWN:
            assert getattr(origin, name) == getattr(expected_origin, name)
        assert origin.version.number == expected_origin.version.number
        if expected_origin.amendment is None:
            assert origin.amendment is None
        elif expected_origin.amendment.author is None:
            assert origin.amendment.author is None
        else:
            assert (
                origin.amendment.author.public_name == expected_origin.amendment.author.public_name
            )
    return written


def test_a_clause_comes_back_numbered_with_where_its_words_came_from(
    manifesto, supporter, moderator, django_assert_num_queries
):
    clauses = list(manifesto.live_clauses())
    for position, clause in enumerate(clauses, start=1):
        written = assert_same_clause(manifesto, clause.key, django_assert_num_queries)
        assert written.number == position
        assert written.provenance is None or written.provenance.version.number == 1

    # Deleting the first clause renumbers the others.
    clauses[0].is_deleted = True
    clauses[0].save()
    assert assert_same_clause(manifesto, clauses[2].key, django_assert_num_queries).number == 2

    # A clause merged from an amendment: its author is named, then gone.
    last = clauses[2]
    winner = propose(manifesto, last, supporter, "replace", last.text + " Together.", "Stronger.")
    for number in range(3):
        cast_vote(winner, make_user(f"voter{number}@example.com", "Supporters"), "agree")
    merge_amendments(manifesto, [winner], moderator)
    written = assert_same_clause(manifesto, last.key, django_assert_num_queries)
    assert written.provenance.amendment_id == winner.pk
    assert written.provenance.agree == 3
    assert written.provenance.version.number == 2
    supporter.delete()
    written = assert_same_clause(manifesto, last.key, django_assert_num_queries)
    assert written.provenance.amendment.author is None


def test_a_clause_of_another_manifesto_is_not_found(manifesto, home):
    from tests.manifesto.conftest import manifesto_open_for_amendments

    clause = manifesto.live_clauses().first()
    other = manifesto_open_for_amendments(home, "Other", "other-manifesto")
    assert written_reads.numbered_clause_on_page(other.pk, clause.key) is None
    assert written_reads.numbered_clause_on_page(manifesto.pk, "nosuchkey") is None


def queryset_comments(amendment, reader):
    """What the amendment page read before it was written out."""
    comments = AmendmentComment.objects.filter(amendment=amendment).select_related("author")
    if reader is not None:
        return comments.filter(Q(status="approved") | Q(author=reader))
    return comments.visible()


def test_the_discussion_shows_what_the_queryset_showed_to_each_reader(
    manifesto, clause, supporter, other_supporter, moderator, django_assert_num_queries
):
    amendment = propose(manifesto, clause, supporter, "replace", clause.text + " Now.", "Sooner.")
    assert written_reads.comments_shown(amendment.pk, None) == []
    comment(amendment, supporter, "First, approved.").approve(moderator)
    comment(amendment, other_supporter, "Second, mine, waiting.")
    comment(amendment, supporter, "Third, rejected.").reject(moderator)
    gone = make_user("gone@example.com", "Supporters")
    comment(amendment, gone, "Fourth, approved, its author since gone.").approve(moderator)
    gone.delete()
    for reader in (None, supporter, other_supporter):
        reader_id = reader.pk if reader else None
        expected = list(queryset_comments(amendment, reader))
        with django_assert_num_queries(1):
            written = written_reads.comments_shown(amendment.pk, reader_id)
            assert [concrete_values(c) for c in written] == [concrete_values(c) for c in expected]
            assert [c.author_name for c in written] == [c.author_name for c in expected]
        assert written_reads.comments_shown(amendment.pk, reader_id) == written  # prepared
    shown = [c.body for c in written_reads.comments_shown(amendment.pk, other_supporter.pk)]
    assert shown == [
        "First, approved.",
        "Second, mine, waiting.",
        "Fourth, approved, its author since gone.",
    ]
