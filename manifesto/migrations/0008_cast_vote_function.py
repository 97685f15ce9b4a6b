"""The vote as one PostgreSQL function, `manifesto_cast_vote`, whose plans are kept.

A vote was one message of two statements (lock the amendment, then check, write and
count), which PostgreSQL parsed and planned afresh on every vote: a quarter to a third
of the database's CPU per vote. A PL/pgSQL function plans its statements once per connection,
and the site keeps its connections. The steps are the same, each statement with its own
snapshot (a VOLATILE function in READ COMMITTED), so the previous choice is read after
the row lock is granted and sees whatever the transaction it waited for committed:

1. lock the amendment row (of this page) and return its state (status, hidden, author);
2. if that state is not one of `allowed` (`_state_key`s the vote rule allows), stop;
3. read the voter's previous choice, upsert the vote, follow the amendment for the voter
   (never again once they turned that follow off), and move the counters by exactly the
   change, returning them.

PostgreSQL only: elsewhere the vote is the ORM transaction in `actions.cast_vote`.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION manifesto_cast_vote(
    amendment bigint, page bigint, voter bigint, new_choice text, at timestamptz,
    allowed text[], amendment_type integer,
    OUT state_status text, OUT state_hidden boolean, OUT state_author bigint,
    OUT agree integer, OUT disagree integer, OUT abstain integer)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    previous text;
BEGIN
    SELECT a.status, a.is_hidden, a.author_id INTO state_status, state_hidden, state_author
    FROM manifesto_amendment a WHERE a.id = amendment AND a.page_id = page FOR UPDATE;
    IF NOT FOUND OR concat_ws('|', state_status, state_hidden::int,
                              (state_author IS NOT DISTINCT FROM voter)::int) <> ALL(allowed) THEN
        RETURN;
    END IF;
    SELECT v.choice INTO previous FROM manifesto_vote v
    WHERE v.amendment_id = amendment AND v.voter_id = voter;
    INSERT INTO manifesto_vote (amendment_id, voter_id, choice, created_at, updated_at)
    VALUES (amendment, voter, new_choice, at, at)
    ON CONFLICT (amendment_id, voter_id)
    DO UPDATE SET choice = EXCLUDED.choice, updated_at = EXCLUDED.updated_at;
    INSERT INTO notifications_follow
        (user_id, content_type_id, object_id, automatic, active, created_at)
    VALUES (voter, amendment_type, amendment::text, true, true, at)
    ON CONFLICT (user_id, content_type_id, object_id) DO NOTHING;
    UPDATE manifesto_amendment a SET
        agree_count = a.agree_count + (new_choice = 'agree')::int
            - (previous IS NOT DISTINCT FROM 'agree')::int,
        disagree_count = a.disagree_count + (new_choice = 'disagree')::int
            - (previous IS NOT DISTINCT FROM 'disagree')::int,
        pass_count = a.pass_count + (new_choice = 'pass')::int
            - (previous IS NOT DISTINCT FROM 'pass')::int
    WHERE a.id = amendment
    RETURNING a.agree_count, a.disagree_count, a.pass_count INTO agree, disagree, abstain;
END
$$
"""

DROP = (
    "DROP FUNCTION IF EXISTS manifesto_cast_vote(bigint, bigint, bigint, text, timestamptz, "
    "text[], integer)"
)


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("manifesto", "0007_account_age_fields_named_for_what_they_do"),
        ("notifications", "0002_regions_and_the_moderators_digest"),
    ]

    operations = [migrations.RunPython(create_function, drop_function)]
