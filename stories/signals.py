"""Reactions to review events: tell the sender, keep derived fields right, wire the workflow."""

from django.conf import settings
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver
from wagtail.signals import page_published, workflow_rejected

from stories import news, notifications
from stories.models import Place, ReviewDecision, StoriesIndexPage, StoryPage
from stories.personal_data import forget_contact_details
from stories.workflow import assign_story_workflow


@receiver(workflow_rejected)
def tell_sender_about_the_decision(sender, instance, user=None, **kwargs):
    """ "Request changes" or "Decline": send the sender the reviewer's comment as the reason."""
    story = StoryPage.objects.filter(pk=instance.object_id).first()
    if story is None or not story.reference:
        return
    task_state = instance.current_task_state
    reason = task_state.comment if task_state else ""
    news.story_turned_down(story, task_state.pk if task_state else instance.pk)
    if story.review_decision == ReviewDecision.DECLINED:
        notifications.story_declined(story, reason)
    else:
        notifications.story_needs_changes(story, reason)


@receiver(page_published, sender=StoryPage)
def tell_sender_story_is_published(sender, instance, revision=None, **kwargs):
    """The first publication of a sent-in story is news for its sender (later edits are not)."""
    if instance.reference and instance.first_published_at == instance.last_published_at:
        notifications.story_published(instance)
    news.story_published(instance)


@receiver(post_save, sender=StoriesIndexPage)
def stories_index_uses_review_workflow(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        assign_story_workflow(instance)


@receiver(post_save, sender=Place)
def keep_story_regions_in_step(sender, instance, raw=False, **kwargs):
    if not raw:
        StoryPage.objects.filter(place=instance).exclude(region=instance.region).update(
            region=instance.region
        )


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL)
def forget_story_contact_email(sender, instance, **kwargs):
    forget_contact_details(instance)
