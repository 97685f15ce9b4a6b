"""Template helpers for the manifesto's rankings: bars drawn on the server, scores in words.

The bars are decoration (aria-hidden): the same figures are always in a table beside them,
so nothing is said by colour or shape alone and screen readers read real numbers.
"""

from django import template
from django.utils.html import format_html, format_html_join

from manifesto import explain

register = template.Library()

# Colours with at least 3:1 contrast against white and each other's neighbours.
BAR_COLOURS = {"agree": "#1e6b34", "pass": "#8a8494", "disagree": "#b3261e"}


@register.simple_tag
def vote_bar(agree: int, passed: int, disagree: int, label: str = ""):
    """A stacked bar of agree / pass / disagree, as shares of all votes, in an inline SVG."""
    total = agree + passed + disagree
    if not total:
        return format_html(
            '<svg class="vote-bar vote-bar-empty" viewBox="0 0 100 12" '
            'preserveAspectRatio="none" aria-hidden="true" focusable="false">'
            '<rect x="0" y="0" width="100" height="12" fill="#ffffff" stroke="#8a8494" '
            'stroke-width="0.5"></rect></svg>'
        )
    segments, x = [], 0.0
    for name, count in (("agree", agree), ("pass", passed), ("disagree", disagree)):
        width = 100 * count / total
        if width:
            segments.append((f"{x:.2f}", f"{width:.2f}", BAR_COLOURS[name], name))
        x += width
    rects = format_html_join(
        "",
        '<rect x="{}" y="0" width="{}" height="12" fill="{}" class="bar-{}"></rect>',
        segments,
    )
    return format_html(
        '<svg class="vote-bar" viewBox="0 0 100 12" preserveAspectRatio="none" '
        'aria-hidden="true" focusable="false" data-label="{}">{}</svg>',
        label,
        rects,
    )


@register.filter
def percent_of(count: int, total: int) -> str:
    return f"{round(100 * count / total)}%" if total else "0%"


@register.filter
def common_ground_words(score):
    return explain.common_ground_words(score)


@register.filter
def popular_words(score):
    return explain.popular_words(score)


@register.filter
def bridging_words(score):
    return explain.bridging_words(score)


@register.filter
def percent(share) -> str:
    return "" if share is None else explain.percent_words(share)


@register.simple_tag
def support_sentence(amendment, min_votes: int) -> str:
    return explain.support_sentence(amendment.common_ground_detail, min_votes)


@register.simple_tag
def is_early(amendment, min_votes: int) -> bool:
    return explain.is_early(amendment.common_ground_detail, min_votes)


@register.simple_tag
def group_rows(amendment, min_votes: int):
    return explain.group_rows(amendment.common_ground_detail, min_votes)


@register.simple_tag
def swatch(choice: str):
    """A small square in a vote choice's colour, for the column headings of the bars' table."""
    return format_html(
        '<svg class="swatch" viewBox="0 0 10 10" aria-hidden="true" focusable="false">'
        '<rect width="10" height="10" fill="{}"></rect></svg>',
        BAR_COLOURS[choice],
    )


GROUP_COLOURS = ["#5b2a86", "#b35900"]


@register.simple_tag
def group_bars(groups):
    """Two opinion groups' agreement with one amendment as two bars from 0 to 100%."""
    rects = format_html_join(
        "",
        '<rect x="0" y="{}" width="{}" height="5" fill="{}"></rect>',
        [(i * 7, group["percent"], GROUP_COLOURS[i % 2]) for i, group in enumerate(groups)],
    )
    return format_html(
        '<svg class="group-bars" viewBox="0 0 100 12" preserveAspectRatio="none" '
        'aria-hidden="true" focusable="false">'
        '<line x1="50" y1="0" x2="50" y2="12" stroke="#8a8494" stroke-width="0.5"></line>'
        "{}</svg>",
        rects,
    )


@register.simple_tag
def group_swatch(index: int):
    return format_html(
        '<svg class="swatch" viewBox="0 0 10 10" aria-hidden="true" focusable="false">'
        '<rect width="10" height="10" fill="{}"></rect></svg>',
        GROUP_COLOURS[index % 2],
    )
