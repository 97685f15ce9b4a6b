"""PostgreSQL for the test suite: the production backend, with a quicker clean slate.

After each test that needs real transactions (live servers, concurrency) Django empties
every table (`flush`) and, before the next, puts back what the migrations made (serialized
rollback). It empties with one TRUNCATE of every table, which PostgreSQL makes costly (new
files for each of ~150 tables: about three seconds), and puts back by saving each object
through the ORM (about a second). Here emptying is a DELETE from each table, its foreign
keys checked at commit, and putting back is a COPY of the rows as they stood after
migrating (tests/support/table_rows.py): a few tenths of a second together. Only
cms/settings/test.py chooses this backend; everything else is Django's.
"""

from django.db.backends.postgresql import base, creation, operations

from tests.support.table_rows import empty_tables_sql, restore_rows, take_rows

# Database alias -> every table's rows once migrated. Per process, not per connection
# object: a thread (the browser journeys' Playwright) may get new connection objects.
ROWS_AFTER_MIGRATING: dict[str, dict[str, bytes]] = {}


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:
            return super().sql_flush(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        # Django runs these in one transaction: the deferred checks find every table empty.
        return empty_tables_sql(self.connection, tables)


class DatabaseCreation(creation.DatabaseCreation):
    def serialize_db_to_string(self):
        serialized = super().serialize_db_to_string()
        ROWS_AFTER_MIGRATING[self.connection.alias] = take_rows(self.connection)
        return serialized

    def deserialize_db_from_string(self, data):
        rows = ROWS_AFTER_MIGRATING.get(self.connection.alias)
        if rows is None:
            return super().deserialize_db_from_string(data)
        restore_rows(self.connection, rows)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    creation_class = DatabaseCreation
