"""The menu, the footer and the trust details of each site, kept in the site-wide entry.

Built once per content generation for every site (`build`, registered with
`cms.sitewide.add_part` at start-up) and read by every page (`navigation`): the menu and
footer links editors set, the live legal and contact pages, the imprint and the default
sharing image.
"""

from wagtail.models import Page, Site

from cms import sitewide
from cms.models import ContactPage, ImprintSettings, LegalPage, NavigationSettings


def build(sites) -> dict:
    """{site id: its navigation} for every site (the entry's "navigation" part)."""
    return {
        site.pk: {**navigation_settings(site).as_links(site), **trust_details(site)}
        for site in sites
    }


def trust_details(site) -> dict:
    """The footer's legal pages, the digital imprint and the default sharing image of `site`.

    The legal and contact pages are found, not chosen: every live, public one is in the
    footer, so publishing a notice is enough to link it from every page.
    """
    # Wagtail's own queryset: this site's private_q would read this very entry.
    pages = (
        Page.objects.live()
        .public()
        .descendant_of(site.root_page, inclusive=True)
        .type(LegalPage, ContactPage)
        .order_by("path")
    )
    imprint = ImprintSettings.objects.filter(site=site).select_related("default_social_image")
    imprint = imprint.first() or ImprintSettings(site=site)
    return {
        "legal": [
            {"label": page.title, "href": page.get_url(current_site=site), "page_id": page.pk}
            for page in pages
        ],
        "imprint": imprint.imprint(),
        "share_image": share_image(imprint.default_social_image),
    }


def share_image(image) -> dict | None:
    """What a share card needs of an image: the 1200x630 rendition's path, size and alt text."""
    if image is None:
        return None
    try:
        rendition = image.get_rendition("fill-1200x630")
    except (OSError, ValueError):  # the file is missing or unreadable: share without it
        return None
    return {
        "url": rendition.url,
        "width": rendition.width,
        "height": rendition.height,
        "alt": image.default_alt_text,
    }


def navigation_settings(site):
    """The site's menu settings, or the defaults if an editor never saved any.

    Unlike `NavigationSettings.for_site`, reading never creates the row: a page view
    writes nothing.
    """
    found = NavigationSettings.objects.filter(site=site).first()
    return found if found is not None else NavigationSettings(site=site)


NO_NAVIGATION = {
    "menu": [],
    "footer": [],
    "footer_text": "",
    "legal": [],
    "imprint": "",
    "share_image": None,
}


def navigation(request) -> dict:
    """The menu and footer of the request's site: labels, addresses and the footer line."""
    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        return NO_NAVIGATION
    return sitewide.entry()["navigation"].get(site.pk, NO_NAVIGATION)
