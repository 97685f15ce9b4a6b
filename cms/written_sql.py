"""The busiest reads written out once as SQL, run as prepared statements, turned into models.

Django compiles a queryset's SQL afresh on every request. For a query that loads one row
with its related rows (an amendment with its clause, author and version: about a hundred
columns over four tables) that compile costs several times what PostgreSQL spends running
it, on every page view. The few such queries of the busiest pages are written out once
(`manifesto.written_reads`), from the models' own fields, so they follow the models as
they change; what they share is here:

- `columns(model, alias)` lists a model's columns for a SELECT, with the attribute names
  `Model.from_db` takes, in the same order;
- `fetch_one(sql, params)` runs a statement and returns its first row (`fetch_all`: all
  its rows). On PostgreSQL the statement is prepared once per connection and then only
  executed (psycopg's server-side binding), so PostgreSQL does not parse and plan it
  again either. While queries are logged (DEBUG, a test counting queries) it goes
  through Django's cursor, so that it is seen;
- `RowReader` turns a row's columns back into model instances the way Django's own
  queries do (each field's database converters, then `from_db`), so a model built here
  is the model the queryset would have built. A field not read stays deferred: reading it
  later loads it, as with `.only()`.

Each written-out statement is held to the queryset it replaces by a test.
"""

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections


def columns(model, alias: str, only: tuple[str, ...] | None = None) -> tuple[str, list[str]]:
    """`alias."column", ...` for `model`'s concrete fields (or just the attributes in
    `only`, in the model's order), and their attribute names."""
    fields = [
        field
        for field in model._meta.concrete_fields
        if only is None or field.attname in only or field.name in only
    ]
    sql = ", ".join(f'{alias}."{field.column}"' for field in fields)
    return sql, [field.attname for field in fields]


class RowReader:
    """Model instances from a slice of a row's columns, as Django's queries build them."""

    def __init__(self, model, attnames: list[str]):
        self.model = model
        self.attnames = attnames
        self.width = len(attnames)
        self._id_position = attnames.index("id")
        self._converters = None

    def converters(self) -> list:
        # Asked of the connection in use, once (on SQLite every date and JSON value needs
        # one; on PostgreSQL only JSON and a few others do).
        if self._converters is None:
            fields = {field.attname: field for field in self.model._meta.concrete_fields}
            found = []
            for position, attname in enumerate(self.attnames):
                field = fields[attname]
                column = field.get_col(self.model._meta.db_table)
                convert = connection.ops.get_db_converters(column) + column.get_db_converters(
                    connection
                )
                if convert:
                    found.append((position, convert, column))
            self._converters = found
        return self._converters

    def build(self, row, start: int = 0):
        """The instance from `row[start:start + width]`, or None when its id is NULL (a
        LEFT JOIN that found nothing)."""
        values = list(row[start : start + self.width])
        if values[self._id_position] is None:
            return None
        for position, convert, column in self.converters():
            value = values[position]
            for converter in convert:
                value = converter(value, column, connection)
            values[position] = value
        return self.model.from_db(connection.alias, self.attnames, values)


def fetch_one(sql: str, params) -> tuple | None:
    """The first row of `sql` (see the module docstring), or None."""
    rows = fetch_all(sql, params, first_only=True)
    return rows[0] if rows else None


def fetch_all(sql: str, params, first_only: bool = False) -> list[tuple]:
    """The rows of `sql` (see the module docstring)."""
    database = connections[DEFAULT_DB_ALIAS]  # once: each `connection.x` looks it up again
    if database.vendor != "postgresql" or database.queries_logged:
        with database.cursor() as cursor:
            cursor.execute(sql, params)
            return [cursor.fetchone()] if first_only else cursor.fetchall()
    database.ensure_connection()
    with database.wrap_database_errors, psycopg.Cursor(database.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        return [cursor.fetchone()] if first_only else cursor.fetchall()
