"""What `local` adds to every place page and to the map: the local groups there."""

from django.db.models import Count

from cms.places import PlaceListing
from local.models import LocalGroupPage


def group_listing(constituencies: list) -> PlaceListing:
    groups = (
        LocalGroupPage.objects.live()
        .public()
        .filter(constituencies__in=constituencies)
        .distinct()
        .order_by("title")
        .only("title", "url_path", "description")
    )
    return PlaceListing(
        heading="Local groups",
        items=list(groups),
        template="local/listings/groups.html",
        empty_text="No local group here yet.",
    )


def count_groups() -> dict[int, int]:
    """Live, public groups per constituency (one query)."""
    groups = LocalGroupPage.objects.live().public()
    rows = (
        LocalGroupPage.constituencies.through.objects.filter(localgrouppage__in=groups)
        .values("constituency_id")
        .annotate(n=Count("localgrouppage_id"))
    )
    return {row["constituency_id"]: row["n"] for row in rows}
