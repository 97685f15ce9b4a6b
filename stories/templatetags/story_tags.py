"""Template helpers for stories: safe rendering of the plain text people send."""

from django import template

from stories.models import latest_stories as newest_stories
from stories.text import render_story_text

register = template.Library()


@register.filter
def story_text(value):
    """Paragraphs of escaped text with web addresses made into nofollow links."""
    return render_story_text(value)


@register.simple_tag
def latest_stories(count=3):
    """{% latest_stories 3 as stories %}: the newest stories, ready for story cards."""
    return newest_stories(int(count))
