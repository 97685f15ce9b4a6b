"""Query budget of an amendment's page: its discussion, votes and colliding amendments can
grow without the page's SQL queries growing. (The manifesto page and a clause's ranked
list have theirs in test_views.py.)"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from manifesto.actions import cast_vote, propose
from manifesto.models import AmendmentComment
from tests.conftest import make_user
from tests.manifesto.test_views import make_amendments

CEILING = 40  # queries for one view of the page, page cache off


def count_queries(client, url):
    client.get(url)  # warm per-process caches (site root paths, session)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def add_discussion(amendment, start, stop):
    for n in range(start, stop):
        voter = make_user(f"voter{n}@example.com", "Supporters", party_slug="green")
        cast_vote(amendment, voter, ["agree", "disagree", "pass"][n % 3])
        AmendmentComment.objects.create(
            amendment=amendment, author=voter, body=f"Comment {n}", status="approved"
        )


@pytest.mark.parametrize("signed_in", [False, True])
def test_amendment_page_queries_do_not_grow_with_comments_votes_and_collisions(
    client, manifesto, clause, supporter, other_supporter, signed_in
):
    amendment = propose(manifesto, clause, other_supporter, "replace", "A new text.", "Why.")
    if signed_in:
        client.force_login(supporter)
    url = f"{manifesto.url}amendment/{amendment.pk}/"
    add_discussion(amendment, 0, 1)
    make_amendments(manifesto, clause, other_supporter, 1)
    few, _ = count_queries(client, url)

    add_discussion(amendment, 1, 20)
    make_amendments(manifesto, clause, other_supporter, 20)
    many, response = count_queries(client, url)
    assert "Comment 19" in response.content.decode()
    assert many <= few, f"queries grew with the discussion: {few} -> {many}"
    assert few <= CEILING


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-round-trip vote")
def test_a_vote_is_one_sql_statement_once_voter_and_page_are_cached(
    client, manifesto, clause, supporter, other_supporter
):
    """Testing that the busiest write costs one round trip to the database: the voter and
    the manifesto page come from the shared cache, the check and the vote are one message."""
    first, second = (
        propose(manifesto, clause, other_supporter, "replace", f"Text {n}.", "") for n in (1, 2)
    )
    client.force_login(supporter)

    def vote(amendment):
        return client.post(
            reverse("manifesto_vote", args=[manifesto.pk, amendment.pk]),
            {"choice": "agree"},
            HTTP_ACCEPT="application/json",
        )

    assert vote(first).status_code == 200  # fills the caches
    with CaptureQueriesContext(connection) as queries:
        assert vote(second).status_code == 200
    assert len(queries) == 1, [q["sql"] for q in queries]
