"""Every table's rows, kept as COPY text and put back (PostgreSQL only).

The quick way to return a test database to a state it was in: emptying each table with
DELETE and copying the rows back is a few tenths of a second here, where TRUNCATE (new
files for each of ~150 tables) or saving each object through the ORM take seconds.
"""

from django.db import transaction


def _tables(connection, cursor) -> list[str]:
    return sorted(connection.introspection.table_names(cursor))


def take_rows(connection) -> dict[str, bytes]:
    """Table -> its rows as COPY text (tables with none are left out)."""
    rows = {}
    with connection.cursor() as cursor:
        for table in _tables(connection, cursor):
            quoted = connection.ops.quote_name(table)
            with cursor.cursor.copy(f"COPY {quoted} TO STDOUT") as copy:
                data = b"".join(bytes(block) for block in copy)
            if data:
                rows[table] = data
    return rows


def empty_tables_sql(connection, tables) -> list[str]:
    """Statements that empty these tables in one transaction: DELETE from each, with the
    foreign keys (deferrable, as Django makes them) checked at commit, in any order."""
    # Names from the database's own catalogue, quoted.
    return ["SET CONSTRAINTS ALL DEFERRED"] + [
        f"DELETE FROM {connection.ops.quote_name(table)}"  # noqa: S608
        for table in tables
    ]


def restore_rows(connection, rows: dict[str, bytes]) -> None:
    """Make every table hold exactly the rows kept, in one transaction.

    The foreign keys Django makes are deferrable, so they are checked once, at the end,
    whatever order the tables are emptied and filled in. Sequences are left where they
    are: they only move forward, so they stay past every id put back.
    """
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # Checks a test's earlier writes left pending would be mixed with these otherwise.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for statement in empty_tables_sql(connection, _tables(connection, cursor)):
            cursor.execute(statement)
        for table, data in rows.items():
            with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} FROM STDIN") as copy:
                copy.write(data)
