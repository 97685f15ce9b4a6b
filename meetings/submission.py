"""Turning a valid proposal into a meeting page: in review, or published by an organiser.

Cleaned data in, one transaction out: the draft page under its group (or under the
meetings index), its first revision, then either publication (when the proposer
organises the chosen group, or is a moderator) or the start of the review workflow and an
email to the proposer. If any step fails, nothing is left behind and no email goes out.
"""

from django.db import transaction
from django.utils.text import slugify

from meetings import notifications
from meetings.models import MeetingIndexPage, MeetingPage
from meetings.workflow import start_review


class NowhereToPut(Exception):
    """No group was chosen and the site has no meetings index."""


def unique_slug(parent, title: str) -> str:
    base = slugify(title)[:60] or "meeting"
    taken = set(parent.get_children().filter(slug__startswith=base).values_list("slug", flat=True))
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def parent_for(group):
    if group is not None:
        return group
    index = MeetingIndexPage.objects.live().first()
    if index is None:
        raise NowhereToPut
    return index


def propose_meeting(data: dict, user) -> MeetingPage:
    """Create the meeting from a form's cleaned_data; publish it if `user` may."""
    group = data.get("group")
    publish_now = user.has_perm("meetings.publish_meeting_directly", group)
    with transaction.atomic():
        parent = parent_for(group)
        # Row-lock the parent: two pages added at once would pick the same tree path.
        parent = type(parent).objects.select_for_update().get(pk=parent.pk)
        meeting = MeetingPage(
            title=data["title"],
            slug=unique_slug(parent, data["title"]),
            start=data["start"],
            end=data["end"],
            venue=data.get("venue", ""),
            accessibility=data.get("accessibility", ""),
            online_link=data.get("online_link", ""),
            capacity=data["capacity"],
            constituency=data["constituency"],
            summary=data["summary"],
            proposed_by=user,
            live=False,
            has_unpublished_changes=True,
        )
        parent.add_child(instance=meeting)
        revision = meeting.save_revision(user=user, log_action=True)
        if publish_now:
            revision.publish(user=user, skip_permission_checks=True)
            meeting.refresh_from_db()
        else:
            start_review(meeting)
            notifications.meeting_received(meeting, user)
    return meeting
