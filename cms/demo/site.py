"""Demo editorial pages: the home page and its navigation."""

from wagtail.models import Site

from cms.models import HomePage, NavigationSettings


def load_editorial_site() -> HomePage:
    home = HomePage.objects.first()
    if home.hero_text != HOME_HERO_TEXT:
        home.hero_title = "Together we are stronger"
        home.hero_text = HOME_HERO_TEXT
        home.save_revision().publish()
    site = Site.objects.get(is_default_site=True)
    navigation = NavigationSettings.for_site(site)
    if not navigation.menu_items.exists():
        navigation.menu_items.create(label="Search", url="/search/", sort_order=99)
    return home


HOME_HERO_TEXT = (
    "Labour, Green, Liberal Democrat, SNP and Plaid Cymru supporters, and many of no party, "
    "working out shared ideas in the open and learning from local alliances that already work."
)
