"""What each app has to show about a place, without the apps importing each other.

A constituency page and a local group's page list what happens there: groups, meetings,
stories, where parties campaign. Each app registers a listing once, at start-up (its
AppConfig.ready), and the place pages ask this registry; so `local` never imports
`meetings` or `stories`, and a new app adds itself to every place page by registering.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PlaceListing:
    """One app's section on a place page: a heading, the items, the template that draws them."""

    heading: str
    items: list
    template: str
    empty_text: str = ""
    more_url: str = ""
    extra: dict = field(default_factory=dict)


# provider(constituencies) -> PlaceListing | None, where constituencies is a list of
# cms.Constituency (one for a constituency page, a group's for a group page).
PlaceListingProvider = Callable[[list], "PlaceListing | None"]

_providers: dict[str, tuple[int, PlaceListingProvider]] = {}


def register_place_listing(name: str, provider: PlaceListingProvider, order: int = 100) -> None:
    """Add (or replace, by name) an app's listing; lower `order` shows first."""
    _providers[name] = (order, provider)


def place_listings(constituencies: Iterable) -> list[PlaceListing]:
    """Every registered app's listing for these constituencies, in order, empty ones kept.

    Empty listings are kept so a page can say "no meetings here yet" with a way to start one.
    """
    constituencies = list(constituencies)
    listings = []
    for _order, provider in sorted(_providers.values(), key=lambda pair: pair[0]):
        listing = provider(constituencies)
        if listing is not None:
            listings.append(listing)
    return listings


def registered_place_listings() -> list[str]:
    """The names registered so far (for tests and the admin's checks)."""
    return sorted(_providers)


# --- Counts per constituency, for the map ---------------------------------------------
# The map colours each constituency by how many of an app's items are there (groups,
# stories, meetings). Each app registers a counter once: counter() -> {constituency id: n},
# one query for the whole country.


@dataclass(frozen=True)
class PlaceCount:
    """One app's count of items per constituency: `label` names them ("Local groups")."""

    label: str
    counter: Callable[[], dict[int, int]]
    singular: str = ""  # "Local group", for a count of one (the label when empty)

    def words(self, count: int) -> str:
        """ "1 local group", "3 local groups": the count in words for the map's labels."""
        noun = self.singular if count == 1 and self.singular else self.label
        return f"{count} {noun.lower()}"


_counts: dict[str, tuple[int, PlaceCount]] = {}


def register_place_count(
    name: str,
    label: str,
    counter: Callable[[], dict[int, int]],
    order: int = 100,
    singular: str = "",
) -> None:
    """Add (or replace, by name) an app's count; `name` is what the map's ?show= says."""
    _counts[name] = (order, PlaceCount(label, counter, singular))


def place_counts() -> dict[str, PlaceCount]:
    """The registered counts by name, in order."""
    return {name: count for name, (_order, count) in sorted(_counts.items(), key=lambda i: i[1][0])}
