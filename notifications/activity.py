"""A supporter's own activity, one section per app, for the "Your activity" page.

Each app says what a person did there through the `my_activity` hook (registered in its
`news.py`, beside what it tells people): a function of the user returning one `Section`,
each read in a query or two with a limit, never per row. This app imports none of them.
"""

from dataclasses import dataclass, field

from wagtail import hooks

HOOK = "my_activity"


@dataclass(frozen=True)
class Item:
    text: str
    url: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Section:
    """One heading of the page: "Your amendments", with its rows and what to say if none."""

    title: str
    items: list = field(default_factory=list)
    empty: str = "Nothing yet."
    summary: str = ""
    more_url: str = ""
    more_label: str = ""
    order: int = 100


def sections_for(user) -> list[Section]:
    found = [hook(user) for hook in hooks.get_hooks(HOOK)]
    return sorted((section for section in found if section), key=lambda s: s.order)
