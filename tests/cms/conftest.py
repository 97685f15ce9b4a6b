"""Fixtures for editorial pages: pages built in code, and creating pages through the admin."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from cms.models import (
    Author,
    BlogIndexPage,
    BlogPostPage,
    EventIndexPage,
    EventPage,
    PaperIndexPage,
    PaperPage,
)

__all__ = ["inline_formset", "nested_form_data", "rich_text", "streamfield"]


def add_page_form(fields: dict, publish: bool = True) -> dict:
    """The POST data of Wagtail's add-page form with these fields (slug from the title)."""
    data = {
        "slug": fields.get("slug") or fields["title"].lower().replace(" ", "-"),
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
        **nested_form_data(fields),
    }
    if publish:
        data["action-publish"] = "action-publish"
    return data


def create_through_admin(client, parent, model, fields: dict, publish: bool = True):
    """POST Wagtail's add-page form as the logged-in user; return the created page (specific)."""
    data = add_page_form(fields, publish)
    url = reverse(
        "wagtailadmin_pages:add", args=[model._meta.app_label, model._meta.model_name, parent.pk]
    )
    response = client.post(url, data)
    if response.status_code != 302:
        form = response.context["form"] if response.context else None
        errors = form.errors if form is not None else response.content[:2000]
        formset_errors = (
            {name: fs.errors for name, fs in form.formsets.items()} if form is not None else {}
        )
        raise AssertionError(f"admin refused the page: {errors} {formset_errors}")
    return model.objects.get(slug=data["slug"], depth=parent.depth + 1)


def count_queries(client, url):
    """Queries for one view of `url`, once earlier views have warmed the caches.

    The first view of a new site creates its navigation settings, which (like any
    settings change) drops the site-wide cache entries, so two views warm it.
    """
    client.get(url)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def publish_child(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def author(db):
    return Author.objects.create(name="Asha Patel", role="Researcher", bio="Writes about PR.")


@pytest.fixture
def blog_index(home):
    return publish_child(home, BlogIndexPage(title="Blog", slug="blog"))


@pytest.fixture
def make_post(blog_index):
    def make(title, date=None, tags=(), body=None, **fields):
        post = BlogPostPage(
            title=title,
            slug=fields.pop("slug", None) or title.lower().replace(" ", "-"),
            date=date or datetime.date(2026, 6, 1),
            intro=f"Intro to {title}.",
            body=body or [("paragraph", rich_text(f"<p>Body of {title}.</p>"))],
            **fields,
        )
        blog_index.add_child(instance=post)
        post.tags.add(*tags)
        post.save_revision().publish()
        return post

    return make


@pytest.fixture
def blog_post(make_post):
    return make_post("Why we stand aside", tags=["tactics"])


@pytest.fixture
def paper_index(home):
    return publish_child(home, PaperIndexPage(title="Papers", slug="papers"))


@pytest.fixture
def paper(paper_index):
    return publish_child(
        paper_index,
        PaperPage(
            title="Five shared values",
            slug="five-shared-values",
            summary="What we agree on.",
            body=[("paragraph", rich_text("<p>We agree.</p>"))],
        ),
    )


@pytest.fixture
def event_index(home):
    return publish_child(home, EventIndexPage(title="Events", slug="events"))


@pytest.fixture
def make_event(event_index):
    def make(title, days_from_now, region="london", town="London", **fields):
        start = timezone.now() + datetime.timedelta(days=days_from_now)
        event = EventPage(
            title=title,
            slug=title.lower().replace(" ", "-"),
            start=start,
            end=start + datetime.timedelta(hours=2),
            summary=f"About {title}.",
            town=town,
            venue=fields.pop("venue", "Town hall"),
            region=region,
            organiser=fields.pop("organiser", "Local alliance"),
            **fields,
        )
        return publish_child(event_index, event)

    return make
