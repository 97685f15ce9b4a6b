"""Celery tasks: email one event at once; the beat's digests and sweep."""

from celery import shared_task

from notifications import moderators, sending
from notifications.kinds import Frequency


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OSError,), max_retries=5)
def email_notifications_now(key: str) -> int:
    return sending.email_now(key)


@shared_task
def sweep_notification_emails() -> int:
    return sending.sweep_immediate()


@shared_task
def send_daily_digests() -> int:
    return sending.send_digests(Frequency.DAILY, "daily")


@shared_task
def send_weekly_digests() -> int:
    return sending.send_digests(Frequency.WEEKLY, "weekly")


@shared_task
def send_moderators_digests() -> int:
    return moderators.send_moderators_digests()
