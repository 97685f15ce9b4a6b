"""What the manifesto tells the people who follow it (in the transaction of each change).

An amendment's author follows it from the start; followers of a clause hear of each new
amendment to it; followers of an amendment hear of each decision on it; followers of the
manifesto hear of each new version. The author's own decisions still come by the email in
`actions.notify_author`, so they are not told twice. Voting on an amendment or joining its
discussion follows it (automatically, so a supporter who stops following stays stopped);
voters whose votes are reset find it in their notifications (the email is the task's).
"""

import hashlib

from django.db.models import Count
from wagtail import hooks

from manifesto.describe import clause_words
from manifesto.models import Amendment, AmendmentStatus, ManifestoVersion, Vote
from notifications.activity import HOOK as ACTIVITY_HOOK
from notifications.activity import Item, Section
from notifications.following import follow, follow_automatically, follower_ids
from notifications.kinds import Kind
from notifications.notify import notify

PUBLIC_STATUSES = {AmendmentStatus.PUBLISHED}


def amendment_written(amendment: Amendment) -> None:
    """The author follows their amendment (they can stop); the clause's followers hear once
    it is public."""
    if amendment.author_id:
        follow(amendment.author, amendment, automatic=True)
    if amendment.status in PUBLIC_STATUSES:
        amendment_published(amendment)


def amendment_published(amendment: Amendment) -> None:
    notify(
        follower_ids(amendment.clause),
        kind=Kind.NEW_AMENDMENT,
        key=f"amendment-published:{amendment.pk}",
        summary=f"A new amendment to {clause_words(amendment)} of {amendment.page.title}",
        url=amendment.url,
        exclude=[amendment.author_id],
    )


def status_changed(amendment: Amendment, from_status: str, history_id: int) -> None:
    """Followers hear of a decision; a screened amendment made public reaches the clause's."""
    if from_status == AmendmentStatus.SUBMITTED and amendment.status in PUBLIC_STATUSES:
        amendment_published(amendment)
    notify(
        follower_ids(amendment),
        kind=Kind.STATUS_CHANGE,
        key=f"amendment-status:{history_id}",
        summary=(
            f"Amendment {amendment.pk} to {clause_words(amendment)} is now "
            f"{amendment.get_status_display().lower()}"
        ),
        url=amendment.url,
        exclude=[amendment.author_id],
    )


def version_merged(version: ManifestoVersion, merged: list[Amendment]) -> None:
    count = len(merged)
    notify(
        follower_ids(version.page),
        kind=Kind.MERGED,
        key=f"manifesto-version:{version.pk}",
        summary=(
            f"{version.page.title}: version {version.number}, with {count} "
            f"amendment{'s' if count != 1 else ''} merged"
        ),
        url=f"{version.page.url}history/",
    )


def took_part(amendment_id: int, user_id: int) -> None:
    """A vote or a comment follows the amendment (one statement; never re-follows)."""
    follow_automatically(user_id, Amendment(pk=amendment_id))


def votes_reset(amendment: Amendment, voter_ids: list[int]) -> None:
    """Voters whose votes were cleared see it in the site; the task emails them (once).

    The key names this reset by the wording voted on next, so a retried merge adds nothing.
    """
    wording = f"{amendment.base_version_id}:{amendment.text}".encode()
    notify(
        voter_ids,
        kind=Kind.VOTES_RESET,
        key=f"votes-reset:{amendment.pk}:{hashlib.sha256(wording).hexdigest()[:16]}",
        summary=(
            f"Amendment {amendment.pk} to {clause_words(amendment)} changed: "
            "your vote was cleared, so you can vote again"
        ),
        url=amendment.url,
        emailed_elsewhere=True,
    )


MOST_LISTED = 20


@hooks.register(ACTIVITY_HOOK)
def amendments_activity(user) -> Section:
    """Your amendments and where each stands (one query)."""
    amendments = (
        Amendment.objects.filter(author=user)
        .select_related("page", "clause")
        .order_by("-created_at", "-pk")[:MOST_LISTED]
    )
    return Section(
        "Your amendments",
        [
            Item(
                f"Amendment {amendment.pk} to {clause_words(amendment)} of {amendment.page.title}",
                amendment.url,
                amendment.get_status_display(),
            )
            for amendment in amendments
        ],
        empty="You have not proposed an amendment yet.",
        order=10,
    )


@hooks.register(ACTIVITY_HOOK)
def votes_activity(user) -> Section:
    """Your votes: how many of each, and the latest (two queries)."""
    counts = dict(
        Vote.objects.filter(voter=user)
        .order_by()
        .values_list("choice")
        .annotate(n=Count("pk"))
        .values_list("choice", "n")
    )
    latest = (
        Vote.objects.filter(voter=user)
        .select_related("amendment__page", "amendment__clause")
        .order_by("-updated_at", "-pk")[:10]
    )
    total = sum(counts.values())
    return Section(
        "Your votes",
        [
            Item(
                f"Amendment {vote.amendment_id} to {clause_words(vote.amendment)}",
                vote.amendment.url,
                vote.get_choice_display(),
            )
            for vote in latest
        ],
        empty="You have not voted on an amendment yet.",
        summary=(
            f"{total} vote{'s' if total != 1 else ''}: {counts.get('agree', 0)} agree, "
            f"{counts.get('disagree', 0)} disagree, {counts.get('pass', 0)} pass. The latest:"
            if total
            else ""
        ),
        order=20,
    )
