"""Counts of published stories by region, and a bar chart of them drawn as SVG on the server.

The chart needs no JavaScript: the view passes plain numbers and rectangles to the
template. The table beside it carries the same data for screen readers and printing.
"""

from dataclasses import dataclass, field

from django.db.models import Count

from cms.regions import Region

# Distinguishable colours (each at least 3:1 against white); the legend and table name them.
SERIES_COLOURS = ["#5b2a86", "#a1004c", "#1f6f33", "#8a4b00", "#005b96", "#4a4a55"]


@dataclass
class CrossTable:
    """Rows are regions with at least one story; columns are the values of one field."""

    columns: list[tuple[str, str]]
    rows: list[dict] = field(default_factory=list)
    column_totals: list[int] = field(default_factory=list)
    grand_total: int = 0


def cross_table(stories, column_field: str, column_choices) -> CrossTable:
    """Story counts per region and `column_field`, in a single aggregate query."""
    counts = {
        (row["region"], row[column_field]): row["total"]
        for row in stories.order_by()
        .values("region", column_field)
        .annotate(total=Count("pk", distinct=True))
    }
    table = CrossTable(columns=list(column_choices))
    for region, region_label in Region.choices:
        cells = [counts.get((region, value), 0) for value, _ in column_choices]
        if any(cells):
            table.rows.append({"region": region_label, "cells": cells, "total": sum(cells)})
    table.column_totals = [
        sum(row["cells"][position] for row in table.rows) for position in range(len(column_choices))
    ]
    table.grand_total = sum(table.column_totals)
    return table


@dataclass
class Chart:
    width: int
    height: int
    bars: list[dict]
    legend: list[dict]
    axis_x: int
    axis_width: int


def stacked_bar_chart(table: CrossTable, width=640, row_height=28, label_width=190) -> Chart:
    """One horizontal bar per region, split into segments by column value."""
    legend_height = 24 * ((len(table.columns) + 2) // 3) + 8
    plot_width = width - label_width - 50
    largest = max((row["total"] for row in table.rows), default=0) or 1
    bars = []
    for position, row in enumerate(table.rows):
        y = legend_height + position * row_height
        x = label_width
        segments = []
        for column, count in enumerate(row["cells"]):
            segment_width = round(plot_width * count / largest)
            if count:
                segments.append(
                    {
                        "x": x,
                        "width": max(segment_width, 1),
                        "colour": SERIES_COLOURS[column % len(SERIES_COLOURS)],
                        "label": f"{table.columns[column][1]}: {count}",
                    }
                )
            x += segment_width
        bars.append(
            {
                "y": y,
                "text_y": y + row_height // 2 + 5,
                "bar_y": y + 4,
                "bar_height": row_height - 8,
                "region": row["region"],
                "total": row["total"],
                "total_x": x + 6,
                "segments": segments,
            }
        )
    legend = [
        {
            "x": 10 + (position % 3) * (width // 3),
            "y": 8 + (position // 3) * 24,
            "text_y": 8 + (position // 3) * 24 + 13,
            "colour": SERIES_COLOURS[position % len(SERIES_COLOURS)],
            "label": label,
        }
        for position, (_, label) in enumerate(table.columns)
    ]
    height = legend_height + max(len(bars), 1) * row_height + 10
    return Chart(width, height, bars, legend, label_width, plot_width)


@dataclass
class FluidChart:
    """A chart that fits any width with its text at full size (see `fluid_bar_chart`)."""

    height: int
    rows: list[dict]
    legend: list[dict]


def fluid_bar_chart(table: CrossTable, row_height=44, label_size=14) -> FluidChart:
    """One bar per region under its label, in an SVG with no viewBox.

    A chart drawn in a viewBox scales as a whole, so on a phone its 13 px labels shrank
    to 6 or 7 px. Here the positions along the bar are percentages of the drawing's
    width and the drawing is as wide as the page: bars stretch or shrink with the
    screen, while the labels keep their size. The total is part of the label, so
    nothing has to be placed after a bar of unknown length in pixels.
    """
    largest = max((row["total"] for row in table.rows), default=0) or 1
    rows = []
    for position, row in enumerate(table.rows):
        top = position * row_height
        start = 0.0
        segments = []
        for column, count in enumerate(row["cells"]):
            share = 100 * count / largest
            if count:
                segments.append(
                    {
                        "x": f"{start:.2f}%",
                        "width": f"{max(share, 0.5):.2f}%",
                        "colour": SERIES_COLOURS[column % len(SERIES_COLOURS)],
                        "label": f"{table.columns[column][1]}: {count}",
                    }
                )
            start += share
        rows.append(
            {
                "region": row["region"],
                "total": row["total"],
                "text_y": top + label_size + 2,
                "bar_y": top + label_size + 8,
                "bar_height": row_height - label_size - 14,
                "segments": segments,
            }
        )
    legend = [
        {"colour": SERIES_COLOURS[position % len(SERIES_COLOURS)], "label": label}
        for position, (_, label) in enumerate(table.columns)
    ]
    return FluidChart(height=max(len(rows), 1) * row_height, rows=rows, legend=legend)
