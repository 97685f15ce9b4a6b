"""Testing that search ranks once and shares the list of results until content changes,
never carries one visitor's address into the shared list, and that PostgreSQL can answer
it from an index."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from cms.models import BlogPostPage
from cms.models.pages import SitePageQuerySet
from cms.search_results import ranked_hits
from tests.cms.conftest import publish_child


def searched_tables(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    sql = " ".join(query["sql"] for query in queries)
    return response.content.decode(), "wagtailsearch_indexentry" in sql


def test_the_same_search_again_is_read_from_the_shared_list(client, supporter, make_post):
    make_post("Tactical voting in Frome")
    client.force_login(supporter)  # signed in: the page cache is bypassed, parts are not
    first, ranked_first = searched_tables(client, "/search/?query=frome")
    again, ranked_again = searched_tables(client, "/search/?query=frome")
    assert ranked_first and not ranked_again
    assert "Tactical voting in Frome" in again
    assert "<mark>Frome</mark>" in again


def test_publishing_a_page_shows_it_in_a_search_shared_before(client, supporter, blog_index):
    client.force_login(supporter)
    assert "0 results" in client.get("/search/?query=wealden").content.decode()
    publish_child(
        blog_index,
        BlogPostPage(title="Wealden stand-aside", slug="wealden", date="2026-01-05", intro="."),
    )
    html = client.get("/search/?query=wealden").content.decode()
    assert "1 result for" in html and "Wealden stand-aside" in html


def test_page_links_carry_only_the_query_and_page(client, supporter, make_post):
    for n in range(12):
        make_post(f"Council election {n}")
    client.force_login(supporter)
    html = client.get("/search/?query=council&utm_source=mail&fbclid=abc").content.decode()
    assert 'href="?query=council&amp;page=2"' in html
    assert "utm_source" not in html and "fbclid" not in html
    second = client.get("/search/?query=council&page=2").content.decode()
    assert 'href="?query=council&amp;page=1"' in second
    assert "Page 2 of 2" in second


def test_a_page_number_that_is_not_a_small_number_is_not_shared(client, make_post):
    make_post("Council election")
    for number in ("99999999", "abc"):
        html = client.get(f"/search/?query=council&page={number}").content.decode()
        assert "Council election" in html  # the last or first page, as Django's paginator


def test_the_ranked_list_is_pages_in_the_backends_order_content_first(blog_index, make_post):
    post = make_post("Green deal for towns")
    hits = ranked_hits("green deal")
    assert [hit.pk for hit in hits] == [post.pk]
    found = SitePageQuerySet(Page).live().public().search("green deal")
    assert [page.pk for page in found] == [post.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's full-text index")
def test_postgresql_can_answer_a_search_from_the_title_and_body_index(make_post):
    """Wagtail filters on `title || body`, and that expression has an index.

    Whether the planner picks it for a whole search depends on the table's statistics at
    the time (a handful of test rows or a loaded site), so the index is checked on the
    filter alone, and the search's SQL is checked to use the same expression."""
    make_post("Stand-aside in Frome")
    found = SitePageQuerySet(Page).live().public().search("frome")[:10]
    sql, params = found.get_queryset().values_list("pk").query.sql_with_params()
    expression = '("wagtailsearch_indexentry"."title" || "wagtailsearch_indexentry"."body") @@'
    assert expression in sql
    assert "'english'::regconfig" in sql or "english" in str(params)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM wagtailsearch_indexentry "
            "WHERE (title || body) @@ to_tsquery('english', 'frome')"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "cms_search_title_body_gin" in plan, plan
