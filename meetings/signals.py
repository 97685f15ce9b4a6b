"""Reactions to publishing: tell the proposer, tell those booked of a cancellation."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.signals import page_published

from meetings import news, notifications
from meetings.models import MeetingIndexPage, MeetingPage
from meetings.tasks import tell_bookers_of_cancellation
from meetings.workflow import let_moderators_publish


@receiver(page_published, sender=MeetingPage)
def meeting_published(sender, instance, revision=None, **kwargs):
    news.meeting_published(instance, revision)
    if instance.first_published_at == instance.last_published_at:
        notifications.meeting_published(instance)
    if instance.cancelled:
        meeting_id = instance.pk
        transaction.on_commit(lambda: tell_bookers_of_cancellation.delay(meeting_id))


@receiver(post_save, sender=MeetingIndexPage)
def moderators_publish_meetings_in_the_index(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        let_moderators_publish(instance)
