"""Sending a newsletter: choose recipients into delivery rows, then send them in batches.

1. `queue_recipients` streams the audience's subscription ids (never all in memory) into
   `Delivery` rows, a few thousand per INSERT; the unique (newsletter, address) constraint
   makes a second run after a crash add nobody twice.
2. `send_some` claims a batch of queued rows (skip-locked, with a claim that expires, so a
   dead worker's rows are picked up later), asks again whether each subscription may
   receive it (an unsubscribe part-way through acts at once), and sends them over one SMTP
   connection at `NEWSLETTER_SEND_RATE` messages a second. Each row is marked sent the
   as the server accepts it, in one UPDATE per `NEWSLETTER_MARK_EVERY` messages (and at once
   when anything goes wrong), so a retried task sends each message once. The one window is
   the process being killed outright between the server's "250" and that UPDATE: then at
   most `NEWSLETTER_MARK_EVERY` messages go twice (the outbox has a window of one message,
   cms/mail.py; a commit per message would cap sending at about 100 a second).
   On the SMTP backend each message is a template's bytes filled in (`emails.WireTemplate`).
3. A permanent refusal of the address (5xx at RCPT) suppresses it for good; a temporary one
   (4xx, a dropped connection) is tried again later, `NEWSLETTER_MAX_ATTEMPTS` times.
"""

import contextlib
import logging
import smtplib
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from newsletters import audiences, emails
from newsletters.models import Delivery, Newsletter, Status, Subscription, Suppression

logger = logging.getLogger(__name__)

QUEUE_CHUNK = 2000
CLAIM_SECONDS = 300
State = Delivery.State


def queue_recipients(newsletter_pk: int) -> int:
    """Write one queued delivery per recipient. Safe to run again. Returns rows added."""
    newsletter = Newsletter.objects.get(pk=newsletter_pk)
    if newsletter.status not in (Status.QUEUEING, Status.SENDING):
        return 0
    ids = (
        audiences.recipients(newsletter)
        .order_by("pk")
        .values_list("pk", "email")
        .iterator(chunk_size=QUEUE_CHUNK)
    )
    added = 0
    chunk = []
    for subscription_pk, email in ids:
        chunk.append(
            Delivery(newsletter_id=newsletter_pk, subscription_id=subscription_pk, email=email)
        )
        if len(chunk) >= QUEUE_CHUNK:
            added += _insert(chunk)
            chunk = []
    if chunk:
        added += _insert(chunk)
    Newsletter.objects.filter(pk=newsletter_pk, status=Status.QUEUEING).update(
        status=Status.SENDING, queued_at=timezone.now()
    )
    return added


def _insert(rows) -> int:
    return len(Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=QUEUE_CHUNK))


def _claim(newsletter_pk: int, size: int) -> list[int]:
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(newsletter_id=newsletter_pk, state=State.QUEUED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        if ids:
            Delivery.objects.filter(pk__in=ids).update(
                claimed_until=now + timedelta(seconds=CLAIM_SECONDS)
            )
    return ids


def _mark(pk: int, **fields) -> None:
    Delivery.objects.filter(pk=pk).update(claimed_until=None, **fields)


def _suppress(email: str, reason: str, detail: str) -> None:
    Suppression.objects.get_or_create(
        email=email, defaults={"reason": reason, "detail": detail[:2000]}
    )


def _temporary_failure(delivery_pk: int, attempts: int, error: str) -> None:
    if attempts + 1 >= settings.NEWSLETTER_MAX_ATTEMPTS:
        _mark(delivery_pk, state=State.FAILED, attempts=F("attempts") + 1, last_error=error)
        return
    delay = timedelta(seconds=settings.NEWSLETTER_RETRY_SECONDS * (2**attempts))
    _mark(
        delivery_pk,
        attempts=F("attempts") + 1,
        last_error=error,
        next_attempt_at=timezone.now() + delay,
    )


def _refusal_code(error: smtplib.SMTPRecipientsRefused) -> tuple[int, str]:
    code, text = next(iter(error.recipients.values()))
    return code, text.decode(errors="replace") if isinstance(text, bytes) else str(text)


class Pacer:
    """Keeps sending at or under `rate` messages a second (0: no limit)."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate if rate else 0.0
        self.next_at = time.monotonic()

    def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if now < self.next_at:
            time.sleep(self.next_at - now)
        self.next_at = max(now, self.next_at) + self.interval


class SentMarks:
    """Rows accepted by the server, marked sent in one UPDATE every `every` messages (and
    before anything is given up), instead of one commit per message."""

    def __init__(self, every: int):
        self.every = every
        self.pending: list[int] = []

    def add(self, delivery_pk: int) -> None:
        self.pending.append(delivery_pk)
        if len(self.pending) >= self.every:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            Delivery.objects.filter(pk__in=self.pending).update(
                state=State.SENT,
                sent_at=timezone.now(),
                attempts=F("attempts") + 1,
                last_error="",
                claimed_until=None,
            )
            self.pending = []


def _transmit(connection, rendered, template, subscription_pk: int, email: str) -> None:
    """One message to the server: the wire template filled in when the backend is SMTP,
    else the message built in full (other backends: tests, the console, a provider's API)."""
    if template is not None:
        unsubscribe_url, preferences_url = rendered.way_out(subscription_pk)
        connection.connection.sendmail(
            template.from_email, [email], template.fill(email, unsubscribe_url, preferences_url)
        )
    else:
        connection.send_messages([rendered.message(subscription_pk, email, connection)])


def send_some(newsletter_pk: int, rendered, pacer: Pacer, size: int) -> int:
    """Claim and send one batch over one connection. Returns how many rows it handled
    (0: nothing was due). A broken connection releases the batch and is raised again."""
    ids = _claim(newsletter_pk, size)
    if not ids:
        return 0
    rows = list(
        Delivery.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "subscription_id", "email", "attempts")
    )
    still_receiving = set(
        Subscription.objects.receiving()
        .filter(pk__in=[row[1] for row in rows])
        .values_list("pk", flat=True)
    )
    skipped = [row[0] for row in rows if row[1] not in still_receiving]
    if skipped:
        Delivery.objects.filter(pk__in=skipped).update(state=State.SKIPPED, claimed_until=None)
    to_send = [row for row in rows if row[1] in still_receiving]
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND)
    connection.open()
    template = rendered.wire_template() if isinstance(connection, SMTPBackend) else None
    sent = SentMarks(settings.NEWSLETTER_MARK_EVERY)
    done = 0
    try:
        for delivery_pk, subscription_pk, email, attempts in to_send:
            pacer.wait()
            try:
                _transmit(connection, rendered, template, subscription_pk, email)
            except smtplib.SMTPRecipientsRefused as error:
                code, text = _refusal_code(error)
                detail = f"{code} {text}"[:2000]
                if code >= 500:
                    _suppress(email, Suppression.Reason.BOUNCED, detail)
                    _mark(delivery_pk, state=State.FAILED, attempts=F("attempts") + 1,
                          last_error=detail)  # fmt: skip
                else:
                    _temporary_failure(delivery_pk, attempts, detail)
            except smtplib.SMTPResponseException as error:
                detail = f"{error.smtp_code} {error.smtp_error!r}"[:2000]
                if error.smtp_code >= 500:
                    _mark(delivery_pk, state=State.FAILED, attempts=F("attempts") + 1,
                          last_error=detail)  # fmt: skip
                else:
                    _temporary_failure(delivery_pk, attempts, detail)
            else:
                sent.add(delivery_pk)
            done += 1
    except OSError:  # the connection broke (smtplib's errors are OSErrors): try again later
        sent.flush()  # what the server accepted is sent: never again
        Delivery.objects.filter(pk__in=ids, state=State.QUEUED).update(claimed_until=None)
        raise
    finally:
        sent.flush()
        with contextlib.suppress(OSError):
            connection.close()
    return done + len(skipped)


def pump(newsletter_pk: int, seconds: float | None = None) -> str:
    """Send batches for up to `seconds`. Returns "sent" (all done), "more" (time is up) or
    "waiting" (what remains waits for a retry)."""
    newsletter = Newsletter.objects.get(pk=newsletter_pk)
    if newsletter.status != Status.SENDING:
        return newsletter.status
    seconds = settings.NEWSLETTER_TASK_SECONDS if seconds is None else seconds
    rendered = emails.render(newsletter)
    pacer = Pacer(settings.NEWSLETTER_SEND_RATE)
    stop_at = time.monotonic() + seconds
    while time.monotonic() < stop_at:
        if not send_some(newsletter_pk, rendered, pacer, settings.NEWSLETTER_BATCH_SIZE):
            break
    else:
        return "more"
    if Delivery.objects.filter(newsletter_id=newsletter_pk, state=State.QUEUED).exists():
        return "waiting"
    Newsletter.objects.filter(pk=newsletter_pk, status=Status.SENDING).update(
        status=Status.SENT, finished_at=timezone.now()
    )
    return "sent"


def progress(newsletter: Newsletter) -> dict:
    """The figures of the admin's progress view (one query for the deliveries)."""
    counts = newsletter.deliveries.aggregate(
        queued=Count("pk", filter=Q(state=State.QUEUED)),
        sent=Count("pk", filter=Q(state=State.SENT)),
        failed=Count("pk", filter=Q(state=State.FAILED)),
        skipped=Count("pk", filter=Q(state=State.SKIPPED)),
        total=Count("pk"),
    )
    unsubscribed = 0
    if newsletter.queued_at:
        unsubscribed = Subscription.objects.filter(
            deliveries__newsletter=newsletter, unsubscribed_at__gte=newsletter.queued_at
        ).count()
    return {
        **counts,
        "unsubscribed_since": unsubscribed,
        "status": newsletter.status,
        "status_label": newsletter.get_status_display(),
        "finished": newsletter.status == Status.SENT,
    }


def due_work(now=None) -> list[tuple[str, int]]:
    """What the beat should start: scheduled newsletters now due (moved to QUEUEING), and
    sends no worker is working on (nothing claimed) or whose choosing of recipients stalled."""
    now = now or timezone.now()
    work = []
    due = Newsletter.objects.filter(status=Status.SCHEDULED, send_at__lte=now)
    for pk in list(due.values_list("pk", flat=True)):
        if Newsletter.objects.filter(pk=pk, status=Status.SCHEDULED).update(status=Status.QUEUEING):
            work.append(("queue", pk))
    stalled = Newsletter.objects.filter(
        status=Status.QUEUEING, updated_at__lt=now - timedelta(minutes=5)
    )
    work += [("queue", pk) for pk in stalled.values_list("pk", flat=True)]
    sending = Newsletter.objects.filter(status=Status.SENDING).exclude(
        deliveries__claimed_until__gt=now
    )
    work += [("send", pk) for pk in sending.values_list("pk", flat=True).distinct()]
    return work
