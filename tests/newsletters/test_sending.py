"""Sending through a real SMTP server (aiosmtpd): bounces, retries, the way-out headers."""

import pytest
from celery.exceptions import Retry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from newsletters import sending
from newsletters.models import Audience, Delivery, Status, Subscription, Suppression
from newsletters.tasks import send_newsletter
from tests.conftest import make_user
from tests.newsletters.conftest import make_newsletter, public_subscriber, send

pytestmark = pytest.mark.django_db


def subscribers(n):
    return [public_subscriber(f"reader{i}@example.com") for i in range(n)]


def test_every_message_carries_one_click_unsubscribe_and_preferences_links(
    newsletter, editor, smtp, fast_sending, django_capture_on_commit_callbacks
):
    """Testing that the headers of RFC 8058 are on the message as the server received it,
    and that its one-click address unsubscribes when posted without cookies."""
    (subscription,) = subscribers(1)
    send(newsletter, editor, django_capture_on_commit_callbacks)
    ((recipient, message),) = smtp.received
    assert recipient == subscription.email
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = "".join(message["List-Unsubscribe"].split()).strip("<>")
    assert unsubscribe_url.startswith("http://testserver/newsletter/unsubscribe/")
    html = next(p for p in message.walk() if p.get_content_type() == "text/html")
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    assert unsubscribe_url in html.get_payload(decode=True).decode()
    assert "/newsletter/preferences/" in text.get_payload(decode=True).decode()
    assert 'href="http://testserver/manifesto/"' in html.get_payload(decode=True).decode()

    provider = Client(enforce_csrf_checks=True)
    response = provider.post(
        unsubscribe_url.removeprefix("http://testserver"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert Subscription.objects.get().unsubscribed_at is not None
    assert sending.progress(newsletter)["unsubscribed_since"] == 1


def test_a_permanent_refusal_marks_the_address_and_it_is_never_mailed_again(
    editor, smtp, fast_sending, django_capture_on_commit_callbacks
):
    """Testing that a 550 at RCPT from a real SMTP server suppresses the address."""
    subscribers(3)
    smtp.refuse = {"reader1@example.com"}
    first = send(make_newsletter("One"), editor, django_capture_on_commit_callbacks)
    assert first.status == Status.SENT
    assert set(smtp.recipients()) == {"reader0@example.com", "reader2@example.com"}
    failed = Delivery.objects.get(email="reader1@example.com")
    assert failed.state == Delivery.State.FAILED and failed.last_error.startswith("550")
    suppression = Suppression.objects.get()
    assert (suppression.email, suppression.reason) == ("reader1@example.com", "bounced")

    smtp.refuse = set()
    second = send(make_newsletter("Two"), editor, django_capture_on_commit_callbacks)
    assert not second.deliveries.filter(email="reader1@example.com").exists()
    assert smtp.recipients()["reader1@example.com"] == 0


def test_a_temporary_refusal_is_tried_again_later(
    editor, smtp, fast_sending, django_capture_on_commit_callbacks
):
    subscribers(2)
    smtp.defer = {"reader0@example.com"}
    newsletter = send(make_newsletter(), editor, django_capture_on_commit_callbacks)
    waiting = Delivery.objects.get(email="reader0@example.com")
    assert waiting.state == Delivery.State.QUEUED and waiting.attempts == 1
    assert waiting.last_error.startswith("451")
    assert newsletter.status == Status.SENDING
    assert not Suppression.objects.exists()

    assert send_newsletter.delay(newsletter.pk).get() == "waiting"  # not due yet
    Delivery.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now())
    smtp.defer = set()
    assert send_newsletter.delay(newsletter.pk).get() == "sent"
    assert smtp.recipients() == {"reader0@example.com": 1, "reader1@example.com": 1}


def test_a_retried_send_task_sends_each_message_once(settings, newsletter, smtp, fast_sending):
    """Testing that when the server drops the connection mid-batch the task asks to be
    retried, and the retry sends only what was not accepted; a late redelivery sends nothing."""
    settings.NEWSLETTER_BATCH_SIZE = 4
    subscribers(10)
    newsletter.status = Status.QUEUEING
    newsletter.save()
    sending.queue_recipients(newsletter.pk)
    smtp.drop_after = 5
    with pytest.raises(Retry):  # the task asks Celery to run it again
        send_newsletter.apply((newsletter.pk,))
    assert len(smtp.received) == 5
    assert send_newsletter.apply((newsletter.pk,)).get() == "sent"  # the retry
    assert send_newsletter.apply((newsletter.pk,)).get() == Status.SENT  # a late redelivery
    assert smtp.recipients() == {f"reader{i}@example.com": 1 for i in range(10)}
    newsletter.refresh_from_db()
    assert newsletter.status == Status.SENT


def test_choosing_recipients_again_adds_nobody_twice(newsletter, editor, fast_sending):
    subscribers(3)
    newsletter.status = Status.QUEUEING
    newsletter.save()
    assert sending.queue_recipients(newsletter.pk) == 3
    newsletter.status = Status.QUEUEING
    newsletter.save()
    sending.queue_recipients(newsletter.pk)
    assert Delivery.objects.count() == 3


def test_an_unsubscribe_part_way_through_a_send_acts_at_once(newsletter, fast_sending, mailoutbox):
    first, second = subscribers(2)
    newsletter.status = Status.QUEUEING
    newsletter.save()
    sending.queue_recipients(newsletter.pk)
    from newsletters import consent

    consent.withdraw(second, "email link")
    mailoutbox.clear()
    assert sending.pump(newsletter.pk) == "sent"
    assert [message.to for message in mailoutbox] == [[first.email]]
    assert Delivery.objects.get(email=second.email).state == Delivery.State.SKIPPED


@pytest.mark.parametrize(
    "audience, receives",
    [
        (Audience.ALL, {"green@example.com", "labour@example.com", "nowhere@example.com"}),
        (Audience.PARTY, {"green@example.com"}),
        (Audience.REGION, {"green@example.com", "nowhere@example.com"}),
        (Audience.CONSTITUENCY, {"green@example.com", "nowhere@example.com"}),
        (Audience.FOLLOWERS, {"labour@example.com"}),
    ],
)
def test_audiences(audience, receives, home, editor, fast_sending, mailoutbox):
    from cms.models import Constituency, Party
    from newsletters import consent
    from notifications.following import follow

    frome = Constituency.objects.get(slug="frome-and-east-somerset")
    green = make_user("green@example.com", party_slug="green", constituency=frome)
    labour = make_user("labour@example.com", party_slug="labour")
    consent.opt_in_from_account(green)
    consent.opt_in_from_account(labour)
    public_subscriber("nowhere@example.com", constituency=frome)
    follow(labour, home)
    newsletter = make_newsletter(
        audience=audience,
        region=frome.region,
        constituency=frome,
        party=Party.objects.get(slug="green"),
        followed_page=home,
    )
    newsletter.status = Status.QUEUEING
    newsletter.save()
    sending.queue_recipients(newsletter.pk)
    mailoutbox.clear()
    sending.pump(newsletter.pk)
    assert {message.to[0] for message in mailoutbox} == receives


def test_scheduled_newsletters_start_when_due(newsletter, editor, fast_sending, mailoutbox):
    from datetime import timedelta

    from newsletters import actions
    from newsletters.tasks import send_due_newsletters

    subscribers(1)
    actions.start(newsletter, editor, send_at=timezone.now() + timedelta(hours=1))
    newsletter.refresh_from_db()
    assert newsletter.status == Status.SCHEDULED
    assert send_due_newsletters() == 0
    type(newsletter).objects.filter(pk=newsletter.pk).update(
        send_at=timezone.now() - timedelta(seconds=1)
    )
    mailoutbox.clear()
    assert send_due_newsletters() == 1
    newsletter.refresh_from_db()
    assert newsletter.status == Status.SENT and len(mailoutbox) == 1


def test_sending_keeps_to_the_set_rate(settings, newsletter, smtp):
    import time

    settings.NEWSLETTER_SEND_RATE = 20
    subscribers(10)
    newsletter.status = Status.QUEUEING
    newsletter.save()
    sending.queue_recipients(newsletter.pk)
    started = time.monotonic()
    sending.pump(newsletter.pk)
    assert time.monotonic() - started >= 9 / 20
    assert len(smtp.received) == 10


def test_the_progress_figures(newsletter, editor, fast_sending, django_capture_on_commit_callbacks):
    subscribers(2)
    send(newsletter, editor, django_capture_on_commit_callbacks)
    figures = sending.progress(newsletter)
    assert (figures["sent"], figures["queued"], figures["failed"], figures["total"]) == (2, 0, 0, 2)
    assert figures["finished"] is True


def test_a_preferences_link_works_signed_out(client, newsletter):
    from newsletters.tokens import way_out_token

    (subscription,) = subscribers(1)
    url = reverse("newsletters:preferences", args=[way_out_token(subscription.pk, newsletter.pk)])
    page = client.get(url)
    assert page.status_code == 200 and subscription.email in page.content.decode()
    client.post(url, {"action": "unsubscribe"})
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None
    client.post(url, {"action": "subscribe", "consent": "yes"})
    subscription.refresh_from_db()
    assert subscription.is_receiving


def test_a_newsletter_with_very_long_lines_is_still_addressed_rightly(
    editor, smtp, fast_sending, django_capture_on_commit_callbacks
):
    """Testing that when a long line is encoded (so placeholders could be split) every
    message is built in full, and each still carries its own working way out."""
    from newsletters.emails import render

    subscribers(2)
    newsletter = make_newsletter(body=[("paragraph", "<p>" + "Word " * 400 + "</p>")])
    assert render(newsletter).wire_template() is None
    send(newsletter, editor, django_capture_on_commit_callbacks)
    links = {"".join(m["List-Unsubscribe"].split()) for _, m in smtp.received}
    assert len(links) == 2 and smtp.recipients() == {
        "reader0@example.com": 1,
        "reader1@example.com": 1,
    }


def test_the_wire_template_is_the_message_built_in_full(newsletter):
    from email import message_from_bytes

    from newsletters.emails import render

    rendered = render(newsletter)
    urls = rendered.way_out(7)
    built = rendered.message(7, "ada@example.com").message()
    filled = message_from_bytes(rendered.wire_template().fill("ada@example.com", *urls))
    for header in ("To", "From", "Subject", "List-Unsubscribe", "List-Unsubscribe-Post"):
        assert "".join(str(filled[header]).split()) == "".join(str(built[header]).split())

    def parts(message):
        return [
            part.get_payload(decode=True).replace(b"\r\n", b"\n")
            for part in message.walk()
            if not part.is_multipart()
        ]

    assert parts(filled) == parts(built)
