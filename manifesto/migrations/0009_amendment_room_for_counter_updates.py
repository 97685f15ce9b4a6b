"""Room on each page of the amendment table for the new versions of its rows that votes
make, so a vote's counter update stays on the row's page and touches none of the
table's thirteen indexes (a heap-only update). With every page full, over a third of
votes' updates wrote a new entry into every index; with 20% of each page left free,
all but a few stay on their page. Pages written from now on keep the room; existing
ones gain it as their rows move. PostgreSQL only.
"""

from django.db import migrations


def leave_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE manifesto_amendment SET (fillfactor = 80)")


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE manifesto_amendment RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("manifesto", "0008_cast_vote_function")]

    operations = [migrations.RunPython(leave_room, fill_pages)]
