"""Testing the blog listing (pagination, tags, constant query count) and its RSS/Atom feeds."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from cms.models import BlogPostAuthor
from tests.cms.conftest import count_queries

ATOM = "{http://www.w3.org/2005/Atom}"


def make_posts(make_post, author, count, start=0):
    for number in range(start, start + count):
        post = make_post(
            f"Post number {number}",
            date=datetime.date(2026, 1, 1) + datetime.timedelta(days=number),
            tags=["local", f"tag{number % 3}"],
        )
        BlogPostAuthor.objects.create(page=post, author=author)


def test_blog_index_with_50_posts_makes_as_many_queries_as_with_5(
    client, blog_index, make_post, author, django_assert_num_queries
):
    make_posts(make_post, author, 5)
    queries_for_5, response = count_queries(client, blog_index.url)
    assert response.content.decode().count("By Asha Patel") == 5
    make_posts(make_post, author, 45, start=5)
    client.get(blog_index.url)  # warm per-process caches, as count_queries did
    with django_assert_num_queries(queries_for_5):
        response = client.get(blog_index.url)
    assert response.content.decode().count("By Asha Patel") == 10  # one page of ten
    # Tags are shown per post and in the filter: still no query per row.
    assert response.content.decode().count("?tag=local") == 11


def test_blog_index_paginates_newest_first(client, blog_index, make_post, author):
    make_posts(make_post, author, 12)
    first = client.get(blog_index.url).content.decode()
    assert first.index("Post number 11") < first.index("Post number 2")
    assert "Post number 1<" not in first
    assert "Page 1 of 2" in first
    second = client.get(blog_index.url, {"page": 2}).content.decode()
    assert "Post number 1<" in second and "Post number 0<" in second


def test_blog_index_filters_by_tag(client, make_post, blog_index):
    make_post("Frome stand aside", tags=["frome"])
    make_post("Surrey council win", tags=["surrey"])
    html = client.get(blog_index.url, {"tag": "frome"}).content.decode()
    assert "Frome stand aside" in html
    assert "Surrey council win" not in html
    assert "posts tagged “frome”" in html


def test_draft_posts_are_not_listed(client, make_post, blog_index):
    draft = make_post("Not yet")
    draft.unpublish()
    assert "Not yet" not in client.get(blog_index.url).content.decode()


def test_rss_feed_is_valid_and_lists_latest_posts(client, make_post, author):
    make_post("Older post", date=datetime.date(2026, 3, 1))
    make_post("Newer post", date=datetime.date(2026, 4, 1), tags=["news"])
    response = client.get(reverse("blog_rss"))
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")  # noqa: S314 (our own feed)
    titles = [item.findtext("title") for item in channel.findall("item")]
    assert titles == ["Newer post", "Older post"]
    first = channel.find("item")
    assert first.findtext("link") == "http://testserver/blog/newer-post/"
    assert first.findtext("description") == "Intro to Newer post."
    assert first.findtext("category") == "news"


def test_atom_feed_is_valid(client, make_post):
    make_post("Atom post")
    response = client.get(reverse("blog_atom"))
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 (our own feed)
    assert feed.tag == f"{ATOM}feed"
    entry = feed.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Atom post"
    assert entry.find(f"{ATOM}link").get("href").endswith("/blog/atom-post/")


@pytest.mark.parametrize("feed", ["blog_rss", "blog_atom"])
def test_feeds_leave_out_drafts(client, make_post, feed):
    make_post("Draft post").unpublish()
    assert b"Draft post" not in client.get(reverse(feed)).content
