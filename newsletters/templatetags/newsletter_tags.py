from django import template

from notifications.emails import absolute as absolute_url

register = template.Library()


@register.filter
def absolute(path: str) -> str:
    """A full address for an email, from the site's base URL."""
    return absolute_url(str(path))
