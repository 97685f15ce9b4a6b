"""Template helpers for the manifesto's admin screens."""

from django import template
from django.utils.safestring import mark_safe

from manifesto import diff as worddiff

register = template.Library()


@register.simple_tag
def word_diff(before: str, after: str):
    """Two wordings as one, removed words in <del> and added in <ins> (all text escaped)."""
    return mark_safe(worddiff.compare_html(before or "", after or ""))  # noqa: S308  (escaped)
