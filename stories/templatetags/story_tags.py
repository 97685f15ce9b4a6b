"""Template helpers for stories: safe rendering of the plain text people send."""

from django import template

from stories.text import render_story_text

register = template.Library()


@register.filter
def story_text(value):
    """Paragraphs of escaped text with web addresses made into nofollow links."""
    return render_story_text(value)
