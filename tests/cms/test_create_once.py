"""A create form sent twice makes one page (cms/create_once.py).

The admin autosaves a new page half a second after each change; publishing while that
first save is on its way sends the create form again. The second send must land on the
page the first made (published, once), not fail with "slug in use" or an error page.
"""

import threading

import pytest
from django.test import Client
from django.urls import reverse

from cms.models import BlogIndexPage, HomePage
from tests.cms.conftest import add_page_form
from tests.conftest import postgres_only


def create_url(parent) -> str:
    return reverse("wagtailadmin_pages:add", args=["cms", "blogindexpage", parent.pk])


def form(title="News", publish=False) -> dict:
    return add_page_form({"title": title}, publish)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_publishing_during_the_first_save_publishes_the_page_that_save_made(
    editor_client, home, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        draft = editor_client.post(create_url(home), form())
    assert draft.status_code == 302
    made = BlogIndexPage.objects.get(slug="news")
    assert not made.live

    again = editor_client.post(create_url(home), form(publish=True))
    assert again.status_code == 307
    assert again["Location"] == reverse("wagtailadmin_pages:edit", args=[made.pk])

    followed = editor_client.post(create_url(home), form(publish=True), follow=True)
    assert followed.status_code == 200
    assert BlogIndexPage.objects.filter(slug="news").count() == 1
    assert BlogIndexPage.objects.get(slug="news").live


def test_another_browser_creating_the_same_slug_gets_wagtails_own_answer(
    editor_client, editor, home
):
    assert editor_client.post(create_url(home), form()).status_code == 302
    elsewhere = Client()
    elsewhere.force_login(editor)
    response = elsewhere.post(create_url(home), form(publish=True))
    assert response.status_code == 200  # the form again, with its error
    assert "slug" in response.context["form"].errors
    assert BlogIndexPage.objects.filter(slug="news").count() == 1


def test_a_different_page_from_the_same_browser_is_created_as_usual(editor_client, home):
    assert editor_client.post(create_url(home), form("News")).status_code == 302
    assert editor_client.post(create_url(home), form("Updates")).status_code == 302
    assert set(BlogIndexPage.objects.values_list("slug", flat=True)) == {"news", "updates"}


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sends_at_the_same_moment_make_one_published_page(editor):
    """Both requests at once, as Chromium has sent them: one makes the page, the other
    waits for it and follows it to the edit view; nobody sees an error page."""
    home = HomePage.objects.get()
    first = Client()
    first.force_login(editor)
    second = Client()
    second.cookies = first.cookies  # the same browser session
    start = threading.Barrier(2)
    answers = []

    def send(client):
        start.wait()
        response = client.post(create_url(home), form(publish=True), follow=True)
        answers.append(response.status_code)
        from django.db import connection

        connection.close()

    threads = [threading.Thread(target=send, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [200, 200]
    pages = BlogIndexPage.objects.filter(slug="news")
    assert pages.count() == 1
    assert pages.get().live
