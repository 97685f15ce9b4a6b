"""Emails to the person who sent a story in: received, changes needed, declined, published.

Plain `send_mail`: the project's backend hands each message to a Celery task once the
transaction commits, so a rolled-back submission sends nothing.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string


def story_recipient(story) -> str:
    if story.contact_email:
        return story.contact_email
    return story.submitted_by.email if story.submitted_by_id else ""


def send_story_email(story, template: str, subject: str, **context) -> None:
    recipient = story_recipient(story)
    if not recipient:
        return
    body = render_to_string(
        f"stories/email/{template}.txt",
        {"story": story, "site_url": settings.WAGTAILADMIN_BASE_URL, **context},
    )
    send_mail(
        f"[Alliance Hub] {subject} ({story.reference or 'story'})",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [recipient],
    )


def story_received(story) -> None:
    send_story_email(story, "received", "We have your story")


def story_needs_changes(story, reason: str) -> None:
    send_story_email(story, "needs_changes", "About your story", reason=reason)


def story_declined(story, reason: str) -> None:
    send_story_email(story, "declined", "Your story will not be published", reason=reason)


def story_published(story) -> None:
    send_story_email(story, "published", "Your story is published", url=story.full_url)
