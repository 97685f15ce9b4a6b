"""Participation figures for the home page: how many people and things the hub holds.

Each figure is one cheap query (a count or one aggregate), registered by the app that owns
the rows in `PARTICIPATION_FIGURES` from its `AppConfig.ready()`; cms registers the ones it
owns. The home page shows them inside its shared page part (see `cms.cache`), so they are
counted at most once a minute for everyone, and again at once when content is published.
A figure is never about one person: the part is shared by every visitor.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    label: str  # "supporters": shown under the number, in the plural
    count: Callable[[], int]
    order: int = 50


# name -> Figure; the apps fill it (cms here, manifesto's and stories' in their apps).
PARTICIPATION_FIGURES: dict[str, Figure] = {}


def register(name: str, label: str, count: Callable[[], int], order: int = 50) -> None:
    PARTICIPATION_FIGURES[name] = Figure(label=label, count=count, order=order)


def participation_figures() -> list[dict]:
    """[{"name", "label", "value"}] in display order: one query per registered figure."""
    figures = sorted(PARTICIPATION_FIGURES.items(), key=lambda item: (item[1].order, item[0]))
    return [
        {"name": name, "label": figure.label, "value": figure.count()} for name, figure in figures
    ]


def count_supporters() -> int:
    """Active accounts in the Supporters group (everyone who verified an email address)."""
    from cms.models import User
    from cms.roles import SUPPORTERS

    return User.objects.filter(is_active=True, groups__name=SUPPORTERS).count()


def count_meetings() -> int:
    """Live public events: the local meetings held and planned."""
    from cms.models import EventPage

    return EventPage.objects.live().public().count()


def count_amendments() -> int:
    """Amendments the public can see (published, accepted, merged and the rest)."""
    from django.apps import apps

    return apps.get_model("manifesto", "Amendment").objects.public().count()


def count_votes() -> int:
    """Votes on public amendments, from each amendment's maintained counters.

    The counters are kept by atomic updates as votes are cast; summing them reads the
    amendments table, far smaller than the votes table.
    """
    from django.apps import apps
    from django.db.models import F, Sum
    from django.db.models.functions import Coalesce

    amendments = apps.get_model("manifesto", "Amendment").objects.public()
    total = F("agree_count") + F("disagree_count") + F("pass_count")
    return amendments.aggregate(votes=Coalesce(Sum(total), 0))["votes"]


def connect() -> None:
    """The figures cms can count; manifesto's rows are read by name (no import of the app)."""
    from django.apps import apps

    register("supporters", "supporters", count_supporters, order=10)
    if apps.is_installed("manifesto"):
        register("amendments", "amendments proposed", count_amendments, order=20)
        register("votes", "votes cast", count_votes, order=30)
    register("meetings", "meetings", count_meetings, order=50)
