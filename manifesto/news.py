"""What the manifesto tells the people who follow it (in the transaction of each change).

An amendment's author follows it from the start; followers of a clause hear of each new
amendment to it; followers of an amendment hear of each decision on it; followers of the
manifesto hear of each new version. The author's own decisions still come by the email in
`actions.notify_author`, so they are not told twice.
"""

from manifesto.describe import clause_words
from manifesto.models import Amendment, AmendmentStatus, ManifestoVersion
from notifications.following import follow, follower_ids
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
