"""The UK hexagon map, drawn on the server as SVG: geometry, colours and the legend.

Pure functions over rows already read from the database (see
`ConstituencyIndexPage.map`): no queries here. The layout is Open Innovations' hexmap,
"odd-r": pointy-topped hexagons, odd rows pushed half a hexagon right; `r` grows
northwards, so the SVG's y runs the other way.
"""

import math
from dataclasses import dataclass

from cms.constituencies import HEXMAP_CREDIT

SIZE = 10  # a hexagon's circumradius in SVG units
HALF_WIDTH = SIZE * math.sqrt(3) / 2
MARGIN = 4

NO_VALUE = "#e4e4e4"
# What a chosen party does in a constituency, and the colour it is drawn in. Each
# colour differs from its neighbours in lightness as well as hue.
POSITION_COLOURS = {
    "standing": "#1b4f8c",
    "target": "#7a1f5c",
    "joint": "#1e7b4a",
    "endorsed": "#8fd0a8",
    "standing-aside": "#f0b341",
}
# How many items (groups, stories, meetings): none, one, two or more.
COUNT_COLOURS = [(0, NO_VALUE), (1, "#8cb8e0"), (2, "#1b4f8c")]


@dataclass(frozen=True)
class MapChoice:
    """What the map is coloured by: a party's positions, a registered count, or nothing."""

    party: str = ""
    show: str = ""

    @classmethod
    def from_query(cls, query, party_slugs, show_names) -> "MapChoice":
        """Read ?party= or ?show= (unknown values are ignored, never an error)."""
        party = query.get("party", "")
        show = query.get("show", "")
        if party in party_slugs:
            return cls(party=party)
        if show in show_names:
            return cls(show=show)
        return cls()

    @property
    def key(self) -> str:
        return f"party={self.party}" if self.party else f"show={self.show}"


def centre(hex_q: int, hex_r: int, min_q: int, max_r: int) -> tuple[float, float]:
    """The centre of a hexagon in SVG units (odd rows shifted right)."""
    x = MARGIN + HALF_WIDTH + (hex_q - min_q) * 2 * HALF_WIDTH + (hex_r & 1) * HALF_WIDTH
    y = MARGIN + SIZE + (max_r - hex_r) * 1.5 * SIZE
    return x, y


def hexagon_path(x: float, y: float) -> str:
    """A pointy-topped hexagon around (x, y) as a short SVG path."""
    w, h = round(HALF_WIDTH, 2), SIZE // 2
    return f"M{x:.1f},{y - SIZE:g}l{w},{h}v{SIZE}l-{w},{h}l-{w},-{h}v-{SIZE}z"


def count_colour(count: int) -> str:
    colour = NO_VALUE
    for least, value in COUNT_COLOURS:
        if count >= least:
            colour = value
    return colour


def layout(rows: list[dict], url_for, describe) -> dict:
    """The SVG's size and one entry per constituency: its link, label, path and colour.

    `rows` have name, slug, hex_q, hex_r and `value`; `describe(value)` gives
    (colour, words) for a value; `url_for(slug)` the constituency's address.
    """
    min_q = min(row["hex_q"] for row in rows)
    max_q = max(row["hex_q"] for row in rows)
    min_r = min(row["hex_r"] for row in rows)
    max_r = max(row["hex_r"] for row in rows)
    hexes = []
    for row in rows:
        x, y = centre(row["hex_q"], row["hex_r"], min_q, max_r)
        colour, words = describe(row["value"])
        hexes.append(
            {
                "url": url_for(row["slug"]),
                "label": f"{row['name']}: {words}" if words else row["name"],
                "path": hexagon_path(x, y),
                "colour": colour,
            }
        )
    width = 2 * MARGIN + (max_q - min_q + 1.5) * 2 * HALF_WIDTH
    height = 2 * MARGIN + 2 * SIZE + (max_r - min_r) * 1.5 * SIZE
    return {"hexes": hexes, "width": round(width), "height": round(height)}


def position_legend(labels: dict[str, str]) -> list[tuple[str, str]]:
    """(colour, words) for each position, then "no position"."""
    return [(POSITION_COLOURS[value], label) for value, label in labels.items()] + [
        (NO_VALUE, "No position recorded")
    ]


def count_legend(label: str) -> list[tuple[str, str]]:
    lower = label.lower()
    return [
        (NO_VALUE, f"No {lower}"),
        (COUNT_COLOURS[1][1], "One"),
        (COUNT_COLOURS[2][1], "Two or more"),
    ]


CREDIT = HEXMAP_CREDIT
