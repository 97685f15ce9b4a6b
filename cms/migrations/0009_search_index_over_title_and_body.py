"""A GIN index over the search index's title and body together.

Wagtail's PostgreSQL search backend matches `title || body` against the query; its own
migrations index `title` and `body` apart, which that expression cannot use, so every
search read every index entry. PostgreSQL only: SQLite searches through its FTS5 table.
"""

from django.db import migrations

INDEX = "cms_search_title_body_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON wagtailsearch_indexentry "
            "USING gin ((title || body))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0008_constituencies"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
