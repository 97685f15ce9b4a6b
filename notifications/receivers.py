"""Events of the editorial site turned into notifications (cms knows nothing of this app).

Domain apps call `notifications.notify` themselves where the event is theirs; replies are
cms's, and cms is the project's core, so this app listens to them instead.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from cms.models import PageReply
from cms.moderation import ModerationStatus
from notifications.following import follow, follower_ids
from notifications.kinds import Kind
from notifications.notify import notify


@receiver(post_save, sender=PageReply, dispatch_uid="notifications-page-reply")
def reply_saved(sender, instance: PageReply, created: bool, update_fields=None, **kwargs):
    """A writer follows the page they reply to; once approved, the thread and followers hear."""
    if created and instance.author_id:
        follow(instance.author, instance.page, automatic=True)
    if instance.moderated_by_id and update_fields and "status" in update_fields:
        reply_decided(instance)
    if instance.status != ModerationStatus.APPROVED:
        return
    page = instance.page.specific
    recipients = set(follower_ids(instance.page))
    if instance.parent_id and instance.parent.author_id:
        recipients.add(instance.parent.author_id)
    notify(
        recipients,
        kind=Kind.REPLY,
        key=f"reply:{instance.pk}",
        summary=f"{instance.author_name} replied on “{page.title}”",
        url=f"{page.url}#reply-{instance.pk}",
        exclude=[instance.author_id],
    )


DECIDED = {
    ModerationStatus.APPROVED: "is published",
    ModerationStatus.REJECTED: "was not published",
}


def reply_decided(reply: PageReply) -> None:
    """A moderator's decision on a reply, for its writer (spam is not answered)."""
    if reply.status not in DECIDED or not reply.author_id:
        return
    page = reply.page.specific
    notify(
        [reply.author_id],
        kind=Kind.DECISION,
        key=f"reply-decision:{reply.pk}:{reply.status}",
        summary=f"Your reply on “{page.title}” {DECIDED[reply.status]}",
        url=f"{page.url}#reply-{reply.pk}" if reply.status == ModerationStatus.APPROVED else "",
    )
