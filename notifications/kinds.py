"""The kinds of thing a supporter can be told about, and how often by email.

A kind is what a preference is set for, so the list is short and in the reader's words.
"""

from django.db import models


class Kind(models.TextChoices):
    REPLY = "reply", "Replies to you"
    NEW_AMENDMENT = "new_amendment", "New amendments on what you follow"
    STATUS_CHANGE = "status_change", "Decisions on amendments you follow"
    MERGED = "merged", "New versions of the manifesto"
    VOTES_RESET = "votes_reset", "Votes you need to cast again"
    STORY_PUBLISHED = "story_published", "Stories published"
    MEETING = "meeting", "Meetings near you"
    CROWDFUND = "crowdfund", "Crowdfund milestones"
    DECISION = "decision", "Moderators' decisions on what you sent"
    WAITING = "waiting", "What awaits moderators (for moderators and editors)"


class Frequency(models.TextChoices):
    IMMEDIATELY = "immediately", "At once"
    DAILY = "daily", "In a daily digest"
    WEEKLY = "weekly", "In a weekly digest"
    NEVER = "never", "Never by email (still listed in the site)"


# What a supporter gets until they choose: what concerns them directly at once, the rest
# gathered into a weekly digest.
DEFAULT_FREQUENCY = {
    Kind.REPLY: Frequency.IMMEDIATELY,
    Kind.NEW_AMENDMENT: Frequency.WEEKLY,
    Kind.STATUS_CHANGE: Frequency.DAILY,
    Kind.MERGED: Frequency.WEEKLY,
    Kind.VOTES_RESET: Frequency.IMMEDIATELY,
    Kind.STORY_PUBLISHED: Frequency.WEEKLY,
    Kind.MEETING: Frequency.DAILY,
    Kind.CROWDFUND: Frequency.WEEKLY,
    Kind.DECISION: Frequency.IMMEDIATELY,
    Kind.WAITING: Frequency.DAILY,
}

# Kinds that only some people are ever sent: their choice is shown to those people only.
MODERATOR_KINDS = (Kind.WAITING,)

DIGEST_FREQUENCIES = (Frequency.DAILY, Frequency.WEEKLY)
