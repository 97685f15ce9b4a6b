"""Demo editorial pages: the home page and its navigation."""

from wagtail.models import Site

from cms.models import HomePage, NavigationSettings


def load_editorial_site() -> HomePage:
    home = HomePage.objects.first()
    if home.hero_text != HOME_HERO_TEXT:
        home.hero_title = "Together we are stronger"
        home.hero_text = HOME_HERO_TEXT
        home.save_revision().publish()
    add_menu_link("Search", url="/search/", sort_order=99)
    return home


def add_menu_link(label, page=None, url="", sort_order=10):
    """Put a link in the main menu once (matched by label), for each app's demo content."""
    navigation = NavigationSettings.for_site(Site.objects.get(is_default_site=True))
    if not navigation.menu_items.filter(label=label).exists():
        navigation.menu_items.create(label=label, page=page, url=url, sort_order=sort_order)


HOME_HERO_TEXT = (
    "Labour, Green, Liberal Democrat, SNP and Plaid Cymru supporters, and many of no party, "
    "working out shared ideas in the open and learning from local alliances that already work."
)
