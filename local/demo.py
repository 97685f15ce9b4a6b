"""Demo content for local organising: the constituency pages, a few groups, party positions.

The groups and positions are invented for the demo (set in real constituencies, with
example.org sources). `load(home)` is idempotent: pages by slug, positions by their
constituency and party.
"""

import datetime

from cms.demo.people import demo_user
from cms.demo.site import add_menu_link
from cms.models import Constituency, Party
from local.models import (
    ConstituencyIndexPage,
    LocalGroupIndexPage,
    LocalGroupPage,
    PartyPosition,
    Position,
)

# (slug, title, constituencies, organiser email, organiser name, description)
GROUPS = [
    (
        "frome-alliance",
        "Frome Alliance",
        ["Frome and East Somerset"],
        "organiser.frome@alliancehub.example",
        "Fran (organiser)",
        "Greens, Labour and Liberal Democrats in Frome and the villages around it. We meet "
        "once a month in a pub back room, take turns to chair, and decide things together.",
    ),
    (
        "stroud-together",
        "Stroud Together",
        ["Stroud"],
        "organiser.stroud@alliancehub.example",
        "Stan (organiser)",
        "People from every party and none working for a fairer voting system in the Five "
        "Valleys. New faces always welcome.",
    ),
    (
        "sheffield-common-ground",
        "Sheffield Common Ground",
        ["Sheffield Hallam", "Sheffield Central"],
        "organiser.sheffield@alliancehub.example",
        "Shaz (organiser)",
        "Two constituencies, one open group: talks, canvassing and a reading circle.",
    ),
]

# (constituency, party slug, position, in favour of)
POSITIONS = [
    ("Frome and East Somerset", "green", Position.STANDING_ASIDE, "liberal-democrat"),
    ("Frome and East Somerset", "liberal-democrat", Position.TARGET, None),
    ("Stroud", "labour", Position.STANDING, None),
    ("Stroud", "green", Position.STANDING_ASIDE, "labour"),
    ("Brighton Pavilion", "green", Position.STANDING, None),
    ("Brighton Pavilion", "labour", Position.STANDING, None),
    ("Sheffield Hallam", "liberal-democrat", Position.TARGET, None),
    ("Sheffield Hallam", "green", Position.ENDORSED, None),
    ("Ceredigion Preseli", "plaid-cymru", Position.STANDING, None),
    ("Edinburgh North and Leith", "snp", Position.JOINT, None),
]


def load(home):
    index = load_constituency_index(home)
    groups = load_groups(home)
    load_positions()
    add_menu_link("Constituencies", page=index, sort_order=60)
    if groups is not None:
        add_menu_link("Local groups", page=groups, sort_order=61)


def load_constituency_index(home) -> ConstituencyIndexPage:
    index = ConstituencyIndexPage.objects.child_of(home).first()
    if index is None:
        index = ConstituencyIndexPage(
            title="Constituencies",
            slug="constituencies",
            introduction="Find your constituency: its local groups, meetings, stories and "
            "where the parties campaign.",
        )
        home.add_child(instance=index)
        index.save_revision().publish()
    return index


def load_groups(home) -> LocalGroupIndexPage:
    index = LocalGroupIndexPage.objects.child_of(home).first()
    if index is None:
        index = LocalGroupIndexPage(
            title="Local groups",
            slug="groups",
            introduction="People organising together where they live.",
        )
        home.add_child(instance=index)
        index.save_revision().publish()
    for slug, title, names, email, name, description in GROUPS:
        if LocalGroupPage.objects.filter(slug=slug).exists():
            continue
        group = LocalGroupPage(title=title, slug=slug, description=description)
        index.add_child(instance=group)
        group.constituencies.set(Constituency.objects.filter(name__in=names))
        group.organisers.set([demo_user(email, name)])
        group.save_revision().publish()
    return index


def load_positions() -> None:
    parties = {party.slug: party for party in Party.objects.all()}
    for name, party, position, other in POSITIONS:
        constituency = Constituency.objects.filter(name=name).first()
        if constituency is None or party not in parties:
            continue
        PartyPosition.objects.get_or_create(
            constituency=constituency,
            party=parties[party],
            defaults={
                "position": position,
                "in_favour_of": parties.get(other) if other else None,
                "as_of": datetime.date(2026, 11, 1),
                "source_url": f"https://example.org/positions/{constituency.slug}/{party}",
            },
        )
