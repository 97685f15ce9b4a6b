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
    return sitewide.navigation(context.get("request"))


@register.tag
def pagefragment(parser, token):
    """{% pagefragment "body" [seconds] %}...{% endpagefragment %}: see cms.cache.cached_fragment.

    The part is shared by every visitor of the page until content changes, so it must
    hold nothing personal: no forms with a CSRF token, no "signed in as".
    """
    bits = token.split_contents()
    if len(bits) not in (2, 3):
        raise template.TemplateSyntaxError('usage: {% pagefragment "name" [seconds] %}')
    nodelist = parser.parse(("endpagefragment",))
    parser.delete_first_token()
    seconds = parser.compile_filter(bits[2]) if len(bits) == 3 else None
    return PageFragmentNode(nodelist, parser.compile_filter(bits[1]), seconds)


class PageFragmentNode(template.Node):
    def __init__(self, nodelist, name, seconds):
        self.nodelist = nodelist
        self.name = name
        self.seconds = seconds

    def render(self, context):
        from cms.cache import cached_fragment

        seconds = int(self.seconds.resolve(context)) if self.seconds is not None else None
        return cached_fragment(
            context.get("request"),
            context.get("page"),
            str(self.name.resolve(context)),
            lambda: self.nodelist.render(context),
            seconds,
        )
