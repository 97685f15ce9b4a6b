"""Turning a valid submission into a draft story in review.

Everything happens in one transaction: the draft page, its photos, the first revision,
the start of the review workflow and the email to the sender (sent after commit). If
any step fails, nothing is left behind and no email goes out.
"""

import secrets

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from stories import notifications
from stories.models import RESERVED_SLUGS, StoryPage, StoryPhoto
from stories.photos import save_as_wagtail_image
from stories.text import fingerprint
from stories.workflow import assign_story_workflow

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


class DuplicateStory(Exception):
    """Another story with the same text was saved between the form check and ours."""


def new_reference() -> str:
    while True:
        code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        reference = f"STORY-{code}"
        if not StoryPage.objects.filter(reference=reference).exists():
            return reference


def unique_slug(index, title: str) -> str:
    base = slugify(title)[:60] or "story"
    taken = set(index.get_children().filter(slug__startswith=base).values_list("slug", flat=True))
    taken |= RESERVED_SLUGS
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def submit_story(index, data: dict, user=None) -> StoryPage:
    """Create the draft story from a form's cleaned_data and put it into review."""
    user = user if user is not None and user.is_authenticated else None
    try:
        with transaction.atomic():
            index = lock_index(index)
            story = build_draft(index, data, user)
            add_photos(story, data.get("photos") or [], user)
            story.save_revision(user=user, log_action=True)
            workflow = assign_story_workflow(index)
            # requested_by stays empty: Wagtail's own emails to the requester link to the
            # admin, which a member of the public cannot use. We write to them ourselves.
            workflow.start(story, None)
            notifications.story_received(story)
    except IntegrityError as error:
        if StoryPage.objects.filter(fingerprint=fingerprint(data["body"])).exists():
            raise DuplicateStory from error
        raise
    return story


def lock_index(index):
    """The index, re-read and row-locked until commit.

    Adding a child page computes the new tree path from the parent's children; two
    submissions at the same moment would otherwise pick the same path and one would fail.
    Submissions are rare, so queueing them here costs nothing noticeable.
    """
    return type(index).objects.select_for_update().get(pk=index.pk)


def build_draft(index, data: dict, user) -> StoryPage:
    story = StoryPage(
        title=data["title"],
        slug=unique_slug(index, data["title"]),
        live=False,
        has_unpublished_changes=True,
        group_name=data["group_name"],
        place=data["place"],
        constituency=data.get("constituency"),
        arrangement=data["arrangement"],
        election=data.get("election", ""),
        year=data["year"],
        outcome=data["outcome"],
        body=data["body"],
        contact_email=data["contact_email"],
        consent_to_publish=bool(data["consent"]),
        submitted_by=user,
        reference=new_reference(),
    )
    story.parties.set(data["parties"])
    index.add_child(instance=story)
    return story


def add_photos(story: StoryPage, photos: list, user) -> None:
    for number, photo in enumerate(photos, start=1):
        image = save_as_wagtail_image(
            photo,
            title=f"{story.title} – photo {number}",
            stem=f"story-{story.reference.lower()}-{number}",
            user=user,
        )
        StoryPhoto.objects.create(page=story, image=image, sort_order=number)
