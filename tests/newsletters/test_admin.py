"""The admin: preview, a test to yourself, the audience confirmed, the progress that follows."""

import pytest
from django.urls import reverse

from newsletters.models import Newsletter, Status
from tests.newsletters.conftest import public_subscriber

pytestmark = pytest.mark.django_db


def test_an_editor_previews_a_newsletter(client, editor, newsletter):
    client.force_login(editor)
    url = reverse("wagtailsnippets_newsletters_newsletter:preview_on_edit", args=[newsletter.pk])
    client.post(url, {"subject": "Spring news", "body-count": "0", "audience": "all"})
    page = client.get(url)
    assert page.status_code == 200 and "Spring news" in page.content.decode()


def test_send_a_test_to_me(client, editor, newsletter, mail_via_celery):
    public_subscriber("reader@example.com")
    client.force_login(editor)
    with mail_via_celery():
        client.post(reverse("newsletters_send_test", args=[newsletter.pk]))
    (message,) = mail_via_celery.outbox
    assert message.to == [editor.email] and message.subject == "[Test] Spring news"
    newsletter.refresh_from_db()
    assert newsletter.status == Status.DRAFT


def test_sending_needs_the_audience_count_typed_back(
    client, editor, newsletter, settings, mail_via_celery
):
    settings.NEWSLETTER_SEND_RATE = 0
    public_subscriber("reader@example.com")
    client.force_login(editor)
    url = reverse("newsletters_send", args=[newsletter.pk])
    page = client.get(url).content.decode()
    assert "<strong>1</strong> subscriber" in page
    wrong = client.post(url, {"when": "now", "confirm_count": "2"})
    assert wrong.status_code == 200 and "Type 1 to confirm" in wrong.content.decode()
    with mail_via_celery():
        response = client.post(url, {"when": "now", "confirm_count": "1"})
    assert response.url == reverse("newsletters_progress", args=[newsletter.pk])
    assert [message.to for message in mail_via_celery.outbox] == [["reader@example.com"]]
    newsletter.refresh_from_db()
    assert newsletter.status == Status.SENT and newsletter.sent_by == editor

    progress = client.get(response.url).content.decode()
    assert 'data-figure="sent">1<' in progress and "Refresh" in progress
    figures = client.get(reverse("newsletters_progress_json", args=[newsletter.pk])).json()
    assert figures["sent"] == 1 and figures["finished"] is True
    # Once sent, it is not sent again nor edited.
    edit = reverse("wagtailsnippets_newsletters_newsletter:edit", args=[newsletter.pk])
    assert client.get(edit).url == response.url
    assert client.get(url).url == response.url


def test_scheduling_and_cancelling(client, editor, newsletter):
    client.force_login(editor)
    url = reverse("newsletters_send", args=[newsletter.pk])
    client.post(url, {"when": "later", "send_at": "2099-01-01T09:00", "confirm_count": "0"})
    newsletter.refresh_from_db()
    assert newsletter.status == Status.SCHEDULED and newsletter.send_at.year == 2099
    client.post(reverse("newsletters_cancel", args=[newsletter.pk]))
    newsletter.refresh_from_db()
    assert newsletter.status == Status.DRAFT


@pytest.mark.parametrize("who", ["supporter", "moderator"])
def test_only_people_allowed_to_send_can_send(client, request, who, newsletter, mail_via_celery):
    public_subscriber("reader@example.com")
    client.force_login(request.getfixturevalue(who))
    with mail_via_celery():
        for name in ("newsletters_send", "newsletters_send_test", "newsletters_progress_json"):
            response = client.post(
                reverse(name, args=[newsletter.pk]), {"when": "now", "confirm_count": "1"}
            )
            # Refused: Wagtail sends admin users back to the dashboard, others to sign in.
            assert response.status_code == 403 or response.url.startswith(("/admin/", "/accounts"))
            assert getattr(response, "url", "/admin/").startswith(("/admin/login", "/admin/"))
            assert not getattr(response, "url", "").startswith("/admin/newsletters/")
    assert mail_via_celery.outbox == []
    assert Newsletter.objects.get().status == Status.DRAFT


def test_editors_hold_the_send_permission(editor, moderator):
    assert editor.has_perm("newsletters.send_newsletter")
    assert not moderator.has_perm("newsletters.send_newsletter")
