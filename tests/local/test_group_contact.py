"""Writing to a local group: relayed by email, nobody's address shown, rate-limited, reportable."""

import re

import pytest

from local.models import AbuseReport, RelayedMessage
from tests.local.conftest import add_group

pytestmark = pytest.mark.django_db

FORM = {"name": "Rita Reader", "email": "rita@example.net", "message": "Can I join you?"}


def post(client, group, **changes):
    return client.post(f"{group.url}contact/", {**FORM, **changes}, REMOTE_ADDR="10.0.0.1")


def test_the_message_reaches_each_organiser_with_the_sender_as_reply_to(
    client, group_index, organiser, other_organiser, mail_via_celery
):
    group = add_group(
        group_index, "Frome Alliance", ["Frome and East Somerset"], [organiser, other_organiser]
    )
    with mail_via_celery():
        response = post(client, group)
    assert response.status_code == 302
    assert response["Location"] == f"{group.url}contact/sent/"
    outbox = mail_via_celery.outbox
    assert sorted(tuple(mail.to) for mail in outbox) == sorted(
        [(other_organiser.email,), (organiser.email,)]
    )
    for mail in outbox:
        assert mail.reply_to == ["rita@example.net"]
        assert not mail.cc and not mail.bcc
        assert "Can I join you?" in mail.body
        # No organiser sees another's address.
        others = {organiser.email, other_organiser.email} - set(mail.to)
        assert not any(address in mail.body for address in others)
    assert RelayedMessage.objects.get().sender_email == "rita@example.net"


def test_no_page_of_the_journey_shows_an_address(client, frome_group, organiser, mail_via_celery):
    pages = [client.get(frome_group.url), client.get(f"{frome_group.url}contact/")]
    with mail_via_celery():
        pages.append(post(client, frome_group, email="rita@example.net"))
    pages.append(client.get(f"{frome_group.url}contact/sent/"))
    for response in pages:
        html = response.content.decode()
        assert organiser.email not in html
        # Neither the organiser's address nor the site's mail sender appears on any page.
        assert "example.com" not in html
    # The sender receives nothing from the site, so no organiser's address reaches them.
    assert all("rita@example.net" not in mail.to for mail in mail_via_celery.outbox)


def test_the_contact_form_is_never_cached_and_has_no_address(client, frome_group, organiser):
    response = client.get(f"{frome_group.url}contact/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert organiser.email not in response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()


def test_a_group_without_organisers_has_no_form(client, group_index):
    group = add_group(group_index, "Lonely", ["Stroud"])
    assert client.get(f"{group.url}contact/").status_code == 404
    assert "Write to the organisers" not in client.get(group.url).content.decode()


def test_bad_input_is_shown_again_not_sent(client, frome_group, mail_via_celery):
    with mail_via_celery():
        response = post(client, frome_group, email="not an address", name="A\nBcc: x@y")
    assert response.status_code == 400
    assert mail_via_celery.outbox == []
    assert not RelayedMessage.objects.exists()


def test_the_honeypot_stops_a_bot(client, frome_group, mail_via_celery):
    with mail_via_celery():
        response = post(client, frome_group, website="http://spam.example")
    assert response.status_code == 400
    assert mail_via_celery.outbox == []


def test_one_sender_is_limited_whatever_their_address(client, frome_group, settings):
    settings.LOCAL_CONTACT_RATE_PER_SENDER = "2/h"
    settings.LOCAL_CONTACT_RATE_PER_IP = "100/h"
    statuses = [
        client.post(f"{frome_group.url}contact/", FORM, REMOTE_ADDR=f"10.0.0.{n}").status_code
        for n in range(1, 4)
    ]
    assert statuses == [302, 302, 429]
    assert RelayedMessage.objects.count() == 2
    other = client.post(
        f"{frome_group.url}contact/",
        {**FORM, "email": "someone@example.org"},
        REMOTE_ADDR="10.0.0.9",
    )
    assert other.status_code == 302


def test_one_address_is_limited_whoever_writes(client, frome_group, settings):
    settings.LOCAL_CONTACT_RATE_PER_IP = "2/h"
    statuses = [
        post(client, frome_group, email=f"writer{n}@example.org").status_code for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    response = post(client, frome_group, email="writer9@example.org")
    assert "several messages in a short time" in response.content.decode()


def test_an_organiser_reports_a_message_to_the_moderators(client, frome_group, mail_via_celery):
    with mail_via_celery():
        post(client, frome_group, message="You are all idiots")
    (mail,) = mail_via_celery.outbox
    report_url = re.search(r"https?://[^/]+(/\S+/report/[0-9a-f-]+/)", mail.body)[1]
    page = client.get(report_url)
    assert page.status_code == 200
    assert "rita@example.net" not in page.content.decode()
    assert client.post(report_url, {"reason": "Insults"}).status_code == 200
    report = AbuseReport.objects.get()
    assert (report.reason, report.message.body) == ("Insults", "You are all idiots")
    client.post(report_url, {"reason": "Again"})
    assert AbuseReport.objects.count() == 1


def test_a_made_up_report_link_is_not_found(client, frome_group):
    url = f"{frome_group.url}report/00000000-0000-0000-0000-000000000000/"
    assert client.get(url).status_code == 404


def test_moderators_see_reports_in_the_admin(client, frome_group, moderator, supporter):
    message = RelayedMessage.objects.create(
        group=frome_group, sender_name="X", sender_email="x@example.org", body="Rude"
    )
    AbuseReport.objects.create(message=message, reason="Rude")
    client.force_login(moderator)
    response = client.get("/admin/snippets/local/abusereport/")
    assert response.status_code == 200
    assert "Rude" in response.content.decode()
    client.force_login(supporter)
    assert client.get("/admin/snippets/local/abusereport/").status_code in (302, 403)
