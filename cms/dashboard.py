"""The admin home panel "Waiting for moderators": what the public sent in that awaits a person.

Each app says what of its own awaits moderators through the `waiting_for_moderators` hook
(registered in its `wagtail_hooks.py`): a function of the request returning `Waiting`
items, only those the person may act on, each counted in one query (never per row). The
panel shows them all in one list, with links to the filtered lists where the work is done.
The moderators' daily digest email (notifications/moderators.py) asks the same hook, for
each moderator, through `waiting_for`: one list, so the panel and the email always agree.
"""

from dataclasses import dataclass
from types import SimpleNamespace

from wagtail import hooks
from wagtail.admin.ui.components import Component

HOOK = "waiting_for_moderators"


@dataclass(frozen=True)
class Waiting:
    """One kind of work: "3 amendments to screen", linking to the list that shows them."""

    count: int
    singular: str
    plural: str
    url: str
    order: int = 100

    @property
    def label(self) -> str:
        return self.singular if self.count == 1 else self.plural


def waiting_items(request) -> list[Waiting]:
    items = [item for hook in hooks.get_hooks(HOOK) for item in hook(request)]
    return sorted(items, key=lambda item: item.order)


def waiting_for(user) -> list[Waiting]:
    """What awaits `user` (as the panel would show them), outside a request: the hooks only
    ask who is looking."""
    return waiting_items(SimpleNamespace(user=user))


class WaitingForModeratorsPanel(Component):
    name = "waiting_for_moderators"
    order = 50
    template_name = "cms/admin/waiting_for_moderators.html"

    def __init__(self, items: list[Waiting]):
        self.items = items

    def get_context_data(self, parent_context=None):
        return {
            "items": self.items,
            "total": sum(item.count for item in self.items),
        }
