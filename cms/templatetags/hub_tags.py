"""Small template helpers shared by every app."""

import functools

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

from cms.cache import kept_query
from cms.navigation import navigation, share_image

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters changed, e.g. for pagination links.

    Keeps every filter the visitor chose; a value of None removes that parameter. On a
    request the page cache may answer, `request.GET` holds only the parameters that key
    it (cms.cache), so a stored page never repeats one visitor's `utm_*` to the next.
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
def kept_full_path(context):
    """The request's path and the query parameters some page reads (for `?next=` links)."""
    request = context["request"]
    encoded = kept_query(request).urlencode()
    return f"{request.path}?{encoded}" if encoded else request.path


@register.simple_tag(takes_context=True)
def site_navigation(context):
    """The menu, footer links and footer line of the current site (see cms.sitewide)."""
    return navigation(context.get("request"))


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


@register.simple_tag
def address_of(view_name):
    """`{% url view_name %}` for a view that takes no arguments, reversed once per process
    (for each URL configuration and script prefix). Reversing costs about 25 µs, and the
    header and the sign-in prompts ask for the same few addresses on every page."""
    return _address_of(view_name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@functools.lru_cache(maxsize=256)
def _address_of(view_name, urlconf, script_prefix):
    return reverse(view_name, urlconf=urlconf)


@register.tag
def sitechrome(parser, token):
    """{% sitechrome "name" %}...{% endsitechrome %}: a part of the site's own menus or
    footer, rendered once per content generation, site and current page (cms.cache.SiteChrome).

    What is inside may depend only on the site's navigation and which page is shown:
    nothing about the visitor, no CSRF token, no query string.
    """
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError('usage: {% sitechrome "name" %}')
    nodelist = parser.parse(("endsitechrome",))
    parser.delete_first_token()
    return SiteChromeNode(nodelist, parser.compile_filter(bits[1]))


class SiteChromeNode(template.Node):
    def __init__(self, nodelist, name):
        self.nodelist = nodelist
        self.name = name

    def render(self, context):
        from cms.cache import site_chrome

        request = context.get("request")
        site = getattr(request, "_wagtail_site", None)
        if request is None or site is None or getattr(request, "is_preview", False):
            return self.nodelist.render(context)
        page = context.get("page")
        key = (str(self.name.resolve(context)), site.pk, getattr(page, "pk", None))
        return site_chrome.get(key, lambda: self.nodelist.render(context))


# Fields a page type may have that say what it is about, in the order to try them.
SUMMARY_FIELDS = ("search_description", "introduction", "intro", "summary", "hero_text")


@register.simple_tag(takes_context=True)
def share_card(context, page):
    """What the Open Graph and Twitter tags say of `page`: title, text, image and imprint.

    The image is the page's own social image or the site's default (Settings, Imprint and
    sharing); the description ends with the digital imprint, as shared material must
    carry it (Elections Act 2022).
    """
    request = context.get("request")
    site_links = navigation(request)
    description = next(
        (str(value) for name in SUMMARY_FIELDS if (value := getattr(page, name, ""))), ""
    )
    description = " ".join(description.split())
    if len(description) > 200:
        description = description[:199].rsplit(" ", 1)[0] + "…"
    image = share_image(page.social_image) if getattr(page, "social_image_id", None) else None
    image = image or site_links["share_image"]
    if image and request is not None:
        image = {**image, "url": request.build_absolute_uri(image["url"])}
    imprint = site_links["imprint"]
    return {
        "title": page.seo_title or page.title,
        "description": description,
        "description_with_imprint": " ".join(part for part in (description, imprint) if part),
        "image": image,
        "imprint": imprint,
    }


@register.simple_tag
def participation_figures():
    """{% participation_figures as figures %}: see cms.figures (only inside a shared part)."""
    from cms.figures import participation_figures as figures

    return figures()


@register.simple_tag
def percent_of(part, whole) -> int:
    """Whole percent of `whole` that `part` is, 0 to 100 (for progress bars)."""
    try:
        part, whole = int(part), int(whole)
    except (TypeError, ValueError):
        return 0
    return max(0, min(100, part * 100 // whole)) if whole > 0 else 0


@register.filter
def intcomma_plain(value) -> str:
    """12345 -> '12,345' (British digit grouping; no locale machinery)."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return ""


@register.simple_tag
def field_input(field):
    """A form field's input, tied to its hint and errors (aria-describedby) for screen readers.

    Django marks a field with errors `aria-invalid`; the ids match templates/account/
    includes/field.html, which shows the errors right under the input they are about.
    """
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    if field.errors:
        described_by.append(f"{field.auto_id}_errors")
    attrs = {}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if field.errors:
        attrs["class"] = f"{field.field.widget.attrs.get('class', '')} is-invalid".strip()
    return field.as_widget(attrs=attrs)


@register.simple_tag(takes_context=True)
def privacy_notice(context):
    """The privacy notice's footer link ({"label", "href"}), or None: the legal page whose
    title says "privacy" (the footer's list, from the shared cache: no query)."""
    legal = navigation(context.get("request")).get("legal", [])
    return next((link for link in legal if "privacy" in link["label"].lower()), None)


@register.simple_tag(takes_context=True)
def account_next(context):
    """The address to come back to after signing in or joining from this page ("" on the
    account pages themselves, on pages reached by POST and on "page not found")."""
    request = context.get("request")
    if request is None or request.method != "GET" or context.get("no_way_back"):
        return ""
    if request.path.startswith(("/accounts/", "/account/")) or request.path == "/":
        return ""
    # Only the parameters a page reads: a shared cached copy never carries a visitor's own.
    return kept_full_path(context)


@register.simple_tag(takes_context=True)
def share_links(context, address, text):
    """Plain share links for `address` (a path or URL): no third-party script is loaded.

    {"url": the absolute address to copy, "links": [{"label", "href"}]} for email, X,
    Bluesky, Facebook and WhatsApp, each opening that service's own share form.
    """
    from urllib.parse import quote, urlencode

    request = context.get("request")
    url = request.build_absolute_uri(address) if request is not None else address
    message = f"{text} {url}"
    links = [
        ("Email", f"mailto:?{urlencode({'subject': text, 'body': message}, quote_via=quote)}"),
        ("X", f"https://x.com/intent/post?{urlencode({'text': text, 'url': url})}"),
        ("Bluesky", f"https://bsky.app/intent/compose?{urlencode({'text': message})}"),
        ("Facebook", f"https://www.facebook.com/sharer/sharer.php?{urlencode({'u': url})}"),
        ("WhatsApp", f"https://wa.me/?{urlencode({'text': message})}"),
    ]
    return {"url": url, "links": [{"label": label, "href": href} for label, href in links]}
