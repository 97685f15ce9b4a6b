"""The 650 UK Parliament constituencies (2024 boundaries), from the hexmap file in cms/data.

The file is Open Innovations' hexmap (MIT licence, credited where the map is shown): each
constituency's ONS code, name, region or nation, and its place on an equal-area hexagon grid.
"""

import json
from pathlib import Path

from django.utils.text import slugify

from cms.regions import Region

HEXMAP_FILE = (
    Path(__file__).resolve().parent / "data" / "uk-westminster-constituencies-2024.hexjson"
)
HEXMAP_CREDIT = "Hexagon layout: Open Innovations, MIT licence"

# ONS codes of the English regions and the three other nations, as the file gives them.
REGION_BY_ONS_CODE = {
    "E12000001": Region.NORTH_EAST,
    "E12000002": Region.NORTH_WEST,
    "E12000003": Region.YORKSHIRE,
    "E12000004": Region.EAST_MIDLANDS,
    "E12000005": Region.WEST_MIDLANDS,
    "E12000006": Region.EAST,
    "E12000007": Region.LONDON,
    "E12000008": Region.SOUTH_EAST,
    "E12000009": Region.SOUTH_WEST,
    "S92000003": Region.SCOTLAND,
    "W92000004": Region.WALES,
    "N92000002": Region.NORTHERN_IRELAND,
}


def read_hexmap(path: Path = HEXMAP_FILE) -> list[dict]:
    """One dict per constituency: code, name, slug, region, hex_q, hex_r (file order kept)."""
    hexes = json.loads(path.read_text(encoding="utf-8"))["hexes"]
    return [
        {
            "code": code,
            "name": entry["n"],
            "slug": slugify(entry["n"]),
            "region": REGION_BY_ONS_CODE[entry["region"]].value,
            "hex_q": entry["q"],
            "hex_r": entry["r"],
        }
        for code, entry in hexes.items()
    ]


def load_constituencies(model, rows: list[dict] | None = None) -> int:
    """Create the constituencies missing from `model`'s table and update the others by code.

    Takes the model as an argument so a migration can pass its historical model.
    Returns how many rows were created.
    """
    rows = read_hexmap() if rows is None else rows
    existing = {c.code: c for c in model.objects.all()}
    created = [model(**row) for row in rows if row["code"] not in existing]
    model.objects.bulk_create(created)
    changed = []
    for row in rows:
        current = existing.get(row["code"])
        if current and any(getattr(current, k) != v for k, v in row.items()):
            for k, v in row.items():
                setattr(current, k, v)
            changed.append(current)
    if changed:
        model.objects.bulk_update(changed, ["name", "slug", "region", "hex_q", "hex_r"])
    return len(created)
