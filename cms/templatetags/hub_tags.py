"""Small template helpers shared by every app."""

from django import template

from cms import sitewide

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters changed, e.g. for pagination links.

    Keeps every filter the visitor chose; a value of None removes that parameter.
    """
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def site_navigation(context):
    """The menu, footer links and footer line of the current site (see cms.sitewide)."""
    request = context.get("request")
    if request is None:
        return {"menu": [], "footer": [], "footer_text": ""}
    return sitewide.navigation(request)
