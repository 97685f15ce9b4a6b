"""The reads every clause and amendment page makes, written out (`cms.written_sql`).

An amendment's page loads the amendment with its clause, author, the author's party and
the number of the version it was written on, then its discussion; a clause's page loads
the clause with its number in the text and where its wording came from (the merged
amendment and its author, the version). Through the ORM, compiling these took more CPU
than everything PostgreSQL does for the page. Written out once, the same rows come back
as the same models: `tests/manifesto/test_written_reads.py` holds each to the queryset it
replaces.
"""

import functools

from django.contrib.auth import get_user_model

from cms.models import Party
from cms.moderation import ModerationStatus
from cms.written_sql import RowReader, columns, fetch_all, fetch_one
from manifesto.models import (
    Amendment,
    AmendmentComment,
    Clause,
    ClauseText,
    ManifestoVersion,
)

# A version is shown by its number: never its snapshot (the whole text as it stood).
VERSION_SHOWN = ("id", "number")
# What a clause's page shows of where its wording came from (`_provenance.html`).
PROVENANCE_SHOWN = ("id", "version_id", "amendment_id", "agree", "disagree", "abstain")
PROVENANCE_AMENDMENT_SHOWN = ("id", "author_id")
PROVENANCE_AUTHOR_SHOWN = ("id", "display_name", "first_name")


def _table(model) -> str:
    return f'"{model._meta.db_table}"'


def _select(*parts) -> tuple[str, list[RowReader]]:
    """The SELECT list of (model, alias, attributes or None for all) parts, and a reader
    for each part's slice of the row."""
    listed, readers = [], []
    for model, alias, only in parts:
        sql, attnames = columns(model, alias, only)
        listed.append(sql)
        readers.append(RowReader(model, attnames))
    return ", ".join(listed), readers


@functools.cache
def _amendment_statement():
    user = get_user_model()
    select, readers = _select(
        (Amendment, "a", None),
        (Clause, "c", None),
        (user, "u", None),
        (Party, "p", None),
        (ManifestoVersion, "v", VERSION_SHOWN),
    )
    sql = f"""
        SELECT {select}
        FROM {_table(Amendment)} a
        JOIN {_table(Clause)} c ON c.id = a.clause_id
        LEFT JOIN {_table(user)} u ON u.id = a.author_id
        LEFT JOIN {_table(Party)} p ON p.id = u.party_id
        JOIN {_table(ManifestoVersion)} v ON v.id = a.base_version_id
        WHERE a.page_id = %s AND a.id = %s
    """  # noqa: S608 (names from the models; every value is a parameter)
    return sql, readers


def _build_all(readers, row) -> list:
    built, start = [], 0
    for reader in readers:
        built.append(reader.build(row, start))
        start += reader.width
    return built


def amendment_on_page(page_id: int, pk: int) -> Amendment | None:
    """The amendment `pk` of the manifesto `page_id` with its clause, author (and party)
    and base version (its number only) read with it, or None."""
    sql, readers = _amendment_statement()
    row = fetch_one(sql, [page_id, pk])
    if row is None:
        return None
    amendment, clause, author, party, version = _build_all(readers, row)
    amendment.clause = clause
    amendment.base_version = version
    if author is not None:
        author.party = party
    amendment.author = author
    return amendment


@functools.cache
def _clause_statement():
    user = get_user_model()
    select, readers = _select(
        (Clause, "c", None),
        (ClauseText, "t", PROVENANCE_SHOWN),
        (ManifestoVersion, "v", VERSION_SHOWN),
        (Amendment, "a", PROVENANCE_AMENDMENT_SHOWN),
        (user, "u", PROVENANCE_AUTHOR_SHOWN),
    )
    # The clause's number counts the clauses before it, as `views.listing.clause_number` does.
    sql = f"""
        SELECT {select},
            (SELECT count(*) FROM {_table(Clause)} earlier
             WHERE earlier.page_id = c.page_id AND NOT earlier.is_deleted
               AND earlier.position < c.position) + 1
        FROM {_table(Clause)} c
        LEFT JOIN {_table(ClauseText)} t ON t.id = c.provenance_id
        LEFT JOIN {_table(ManifestoVersion)} v ON v.id = t.version_id
        LEFT JOIN {_table(Amendment)} a ON a.id = t.amendment_id
        LEFT JOIN {_table(user)} u ON u.id = a.author_id
        WHERE c.page_id = %s AND c.key = %s
    """  # noqa: S608 (names from the models; every value is a parameter)
    return sql, readers


def numbered_clause_on_page(page_id: int, key: str) -> Clause | None:
    """The clause `key` of the manifesto `page_id`, with its `number` and its provenance
    (what `_provenance.html` shows of it) read with it, or None."""
    sql, readers = _clause_statement()
    row = fetch_one(sql, [page_id, key])
    if row is None:
        return None
    clause, provenance, version, amendment, author = _build_all(readers, row)
    clause.number = row[-1]
    if provenance is not None:
        provenance.version = version
        if amendment is not None:
            amendment.author = author
        provenance.amendment = amendment
    clause.provenance = provenance
    return clause


# What the discussion shows of a comment's author: the public name (`public_name`).
COMMENT_AUTHOR_SHOWN = ("id", "display_name", "first_name")


@functools.cache
def _comments_statement():
    user = get_user_model()
    select, readers = _select(
        (AmendmentComment, "m", None),
        (user, "u", COMMENT_AUTHOR_SHOWN),
    )
    # The author's own comments awaiting moderation too, for a signed-in author (a visitor
    # is asked with no author: NULL matches no row).
    sql = f"""
        SELECT {select}
        FROM {_table(AmendmentComment)} m
        LEFT JOIN {_table(user)} u ON u.id = m.author_id
        WHERE m.amendment_id = %s AND (m.status = %s OR m.author_id = %s)
        ORDER BY m.created_at, m.id
    """  # noqa: S608 (names from the models; every value is a parameter)
    return sql, readers


def comments_shown(amendment_id: int, reader_id: int | None) -> list[AmendmentComment]:
    """The discussion of an amendment as its page shows it to the reader `reader_id` (None
    for a visitor): the approved comments and the reader's own, oldest first."""
    sql, (comment_reader, author_reader) = _comments_statement()
    comments = []
    for row in fetch_all(sql, [amendment_id, ModerationStatus.APPROVED, reader_id]):
        comment = comment_reader.build(row)
        comment.author = author_reader.build(row, comment_reader.width)
        comments.append(comment)
    return comments
