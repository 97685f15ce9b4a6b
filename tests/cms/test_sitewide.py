"""Testing that the site-wide cache entry gives exactly what Wagtail's own queries give.

The request's site, the routing, the view restrictions and the menus come from one
cached entry (cms/sitewide.py) instead of queries; every change that could alter
them must drop it, and the answers must match Wagtail's.
"""

import itertools

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import Http404
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.models.sites import get_site_for_hostname

from cms import sitewide
from cms.models import BlogIndexPage, BlogPostPage, MenuItem, NavigationSettings, StandardPage
from cms.redis_cache import ResilientRedisCache
from tests.cms.conftest import publish_child

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def navigation_settings(home):
    # Site settings are created on first use, which itself purges: do it before the tests.
    NavigationSettings.for_site(home.get_site())


@pytest.fixture
def about(home):
    return publish_child(home, StandardPage(title="About us", slug="about", introduction="Us."))


def test_making_a_section_private_takes_effect_on_the_next_view(client, settings, about):
    settings.PAGE_CACHE_SECONDS = 600
    team = publish_child(about, StandardPage(title="Team", slug="team", introduction="Names."))
    assert client.get("/about/team/").status_code == 200
    assert client.get("/about/team/")["X-Page-Cache"] == "hit"
    PageViewRestriction.objects.create(page=about, restriction_type=PageViewRestriction.LOGIN)
    response = client.get("/about/team/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    # And listings leave the private pages out at once.
    assert not StandardPage.objects.live().public().filter(pk=team.pk).exists()
    PageViewRestriction.objects.filter(page=about).delete()
    assert client.get("/about/team/").status_code == 200


def test_an_alias_of_a_private_page_is_private_too(client, home, about):
    PageViewRestriction.objects.create(page=about, restriction_type=PageViewRestriction.LOGIN)
    alias = about.create_alias(parent=home, update_slug="about-copy")
    assert alias.alias_of_id == about.pk
    response = client.get("/about-copy/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_page_view_reads_no_site_restriction_or_menu_rows(client, settings, about):
    # The work behind the page and route caches, which would answer the path's queries too.
    settings.PAGE_CACHE_SECONDS = 0
    settings.ROUTE_CACHE_SECONDS = 0
    client.get("/about/")  # fills the site-wide entry
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/about/").status_code == 200
    tables = " ".join(query["sql"] for query in queries.captured_queries)
    for table in ("wagtailcore_site", "pageviewrestriction", "cms_menuitem", "cms_footerlink"):
        assert table not in tables
    # The pages on the path, then the page itself (the home page Wagtail routes from is
    # in the site-wide entry).
    assert len(queries.captured_queries) == 2


def test_renaming_a_menu_page_changes_the_menu_address(client, home, about):
    navigation = NavigationSettings.for_site(home.get_site())
    MenuItem.objects.create(setting=navigation, label="Who we are", page=about)
    assert 'href="/about/"' in client.get("/").content.decode()
    about.slug = "who-we-are"
    about.save_revision().publish()
    html = client.get("/").content.decode()
    assert 'href="/who-we-are/"' in html and 'href="/about/"' not in html


def test_the_request_site_matches_wagtails_choice_for_every_host_and_port(home):
    """Every combination of sites and requests that Wagtail's own lookup distinguishes."""
    Site.objects.create(hostname="alliance.example", port=443, root_page=home)
    Site.objects.create(hostname="alliance.example", port=8080, root_page=home)
    Site.objects.create(hostname="local.example", port=80, root_page=home)
    sites = list(Site.objects.select_related("root_page"))
    hosts = ["localhost", "alliance.example", "local.example", "elsewhere.example"]
    for default in [None, *sites]:
        Site.objects.update(is_default_site=False)
        if default is not None:
            Site.objects.filter(pk=default.pk).update(is_default_site=True)
        sites = list(Site.objects.select_related("root_page"))
        for hostname, port in itertools.product(hosts, [80, 443, 8080, 8000]):
            try:
                expected = get_site_for_hostname(hostname, port).pk
            except Site.DoesNotExist:
                expected = None
            chosen = sitewide.match_site(sites, hostname, port)
            assert (chosen.pk if chosen else None) == expected, (hostname, port, default)


@pytest.fixture
def tree(home):
    """Live and draft pages at several depths, for routing."""
    about = publish_child(home, StandardPage(title="About", slug="about", introduction="."))
    team = publish_child(about, StandardPage(title="Team", slug="team", introduction="."))
    publish_child(team, StandardPage(title="Board", slug="board", introduction="."))
    draft = StandardPage(title="Draft", slug="draft", introduction=".", live=False)
    about.add_child(instance=draft)
    draft.add_child(instance=StandardPage(title="Under draft", slug="under", introduction="."))
    Page.objects.get(pk=draft.pk).get_children().update(live=True)
    return home


PATHS = [
    "",
    "about",
    "about/team",
    "about/team/board",
    "about/team/board/nope",
    "about/draft",
    "about/draft/under",
    "about/nope",
    "nope",
    "team",
    "about/board",
]


@pytest.mark.parametrize("shared_cache", [False, True], ids=["database", "shared-cache"])
@pytest.mark.parametrize("path", PATHS)
def test_routing_finds_the_page_wagtail_finds(settings, tree, path, shared_cache):
    settings.ROUTE_CACHE_SECONDS = 600 if shared_cache else 0
    components = [part for part in path.split("/") if part]
    request = RequestFactory().get("/" + path)

    def outcome(route):
        try:
            return route(request, components).page.pk
        except Http404:
            return "404"

    wagtails = outcome(lambda request, parts: Page.route(tree, request, parts))
    assert outcome(tree.specific.route) == wagtails
    assert outcome(tree.specific.route) == wagtails  # the second time from the cache


def test_with_the_shared_cache_a_page_view_reads_no_page_rows(client, settings, about):
    settings.ROUTE_CACHE_SECONDS = 600
    settings.PAGE_CACHE_SECONDS = 0  # the page itself rendered, behind the page cache
    client.get("/about/")  # fills the site-wide entry and the pages along the path
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/about/").status_code == 200
    assert "wagtailcore_page" not in " ".join(q["sql"] for q in queries.captured_queries)


def rename(page, slug):
    page.slug = slug
    page.save_revision().publish()


@pytest.mark.parametrize(
    "change, old_path, new_path",
    [
        (lambda page: page.unpublish(), "/about/team/", None),
        (
            lambda page: setattr(page, "slug", "people") or page.save_revision().publish(),
            "/about/team/",
            "/about/people/",
        ),
        (
            lambda page: page.move(Page.objects.get(slug="home"), pos="last-child"),
            "/about/team/",
            "/team/",
        ),
        (lambda page: rename(page.get_parent().specific, "who"), "/about/team/", "/who/team/"),
    ],
    ids=["unpublished", "slug-changed", "moved", "parent-renamed"],
)
def test_a_cached_route_follows_every_change_at_once(
    client, settings, tree, change, old_path, new_path
):
    settings.ROUTE_CACHE_SECONDS = 600
    team = StandardPage.objects.get(slug="team")
    for _ in range(2):  # the second time from the shared cache
        assert client.get(old_path).status_code == 200
        assert client.get("/about/team/board/").status_code == 200
    change(team)
    gone = client.get(old_path)
    if new_path:  # Wagtail's own redirect from the old address, or nothing there
        assert client.get(new_path).status_code == 200
        assert gone.status_code == 404 or gone["Location"] == new_path
    else:
        assert gone.status_code == 404


def test_the_redis_cache_reuses_one_client_per_connection_pool():
    backend = ResilientRedisCache("redis://127.0.0.1:6379/15", {})
    assert backend._cache.get_client() is backend._cache.get_client()
    assert backend._cache.get_client(write=True) is backend._cache.get_client()


def test_outside_a_request_the_entry_is_read_afresh_every_time(home):
    first = sitewide.entry()
    cache.delete(sitewide.entry_key())
    Site.objects.filter(pk=home.get_site().pk).update(site_name="Renamed")
    assert sitewide.entry() is not first
    assert sitewide.entry()["sites"][0].site_name == "Renamed"


@pytest.fixture
def fragments_on(settings):
    settings.FRAGMENT_CACHE_SECONDS = 600
    # The parts are what a page-cache miss renders: measured here without the page cache.
    settings.PAGE_CACHE_SECONDS = 0


def publish_news(home, intro: str) -> BlogPostPage:
    """A blog post at /blog/news/ whose intro is in its shared part ("post")."""
    blog = publish_child(home, BlogIndexPage(title="Blog", slug="blog"))
    return publish_child(blog, BlogPostPage(title="News", slug="news", intro=intro))


def test_a_cached_part_changes_when_the_page_is_published_again(client, fragments_on, home):
    post = publish_news(home, "First words.")
    assert "First words." in client.get("/blog/news/").content.decode()
    assert "First words." in client.get("/blog/news/").content.decode()  # from the part cache
    post.intro = "Second words."
    post.save_revision().publish()
    html = client.get("/blog/news/").content.decode()
    assert "Second words." in html and "First words." not in html


def test_a_preview_never_shows_or_stores_the_cached_part(client, fragments_on, home):
    post = publish_news(home, "Live words.")
    client.get("/blog/news/")
    post.intro = "Draft words."
    post.save_revision()
    draft = post.get_latest_revision_as_object()
    preview = draft.make_preview_request(preview_mode=draft.default_preview_mode)
    preview.render()
    assert "Draft words." in preview.content.decode()
    anonymous = Client().get("/blog/news/").content.decode()
    assert "Live words." in anonymous and "Draft words." not in anonymous


def test_signed_in_visitors_share_the_part_but_not_their_name(
    client, fragments_on, home, supporter
):
    publish_news(home, "Shared words.")
    client.force_login(supporter)
    mine = client.get("/blog/news/").content.decode()
    assert supporter.public_name in mine and 'name="csrfmiddlewaretoken"' in mine
    theirs = Client().get("/blog/news/").content.decode()
    assert "Shared words." in theirs
    assert supporter.public_name not in theirs and 'name="csrfmiddlewaretoken"' not in theirs


def test_each_blog_listing_page_and_tag_has_its_own_shared_part(client, fragments_on, home):
    import datetime

    blog = publish_child(home, BlogIndexPage(title="Blog", slug="blog"))
    for number in range(12):
        post = BlogPostPage(
            title=f"Post {number}",
            slug=f"post-{number}",
            intro=".",
            date=datetime.date(2026, 1, 1) + datetime.timedelta(days=number),
        )
        if number == 0:
            post.tags.add("first")
        publish_child(blog, post)
    for _ in range(2):  # the second time from the part cache
        assert "Post 11" in client.get("/blog/").content.decode()
        second = client.get("/blog/", {"page": 2}).content.decode()
        assert "Post 1<" in second and "Post 11" not in second
        tagged = client.get("/blog/", {"tag": "first"}).content.decode()
        assert "Post 0<" in tagged and "Post 11" not in tagged
    # A query with anything else is never shared: its links repeat the query.
    odd = client.get("/blog/", {"page": 2, "ref": "newsletter"}).content.decode()
    assert "ref=newsletter" in odd
    assert "ref=newsletter" not in client.get("/blog/", {"page": 2}).content.decode()


def test_events_share_their_listings_for_a_minute_per_region_and_page(
    client, fragments_on, home, part_lifetimes
):
    import datetime

    from django.utils import timezone

    from cms.models import EventIndexPage, EventPage

    events = publish_child(home, EventIndexPage(title="Events", slug="events"))
    soon = timezone.now() + datetime.timedelta(days=3)
    for region, town in (("london", "Camden"), ("wales", "Cardiff")):
        publish_child(
            events,
            EventPage(
                title=f"Meeting in {town}",
                slug=town.lower(),
                start=soon,
                summary="Come along.",
                town=town,
                region=region,
                organiser="Local alliance",
            ),
        )
    for _ in range(2):  # the second time from the shared part
        welsh = client.get("/events/", {"region": "wales"}).content.decode()
        assert "Meeting in Cardiff" in welsh and "Meeting in Camden" not in welsh
        assert "Meeting in Camden" in client.get("/events/").content.decode()
    assert part_lifetimes == {"events:wales:1": 60, "events:all:1": 60}
    odd = client.get("/events/", {"region": "atlantis"}).content.decode()
    assert "Meeting in Camden" in odd  # an unknown region shows everything, afresh
    assert "events:atlantis:1" not in part_lifetimes


def test_the_paper_list_is_shared_until_a_paper_is_published(client, fragments_on, home):
    from cms.models import PaperIndexPage, PaperPage

    papers = publish_child(home, PaperIndexPage(title="Papers", slug="papers"))
    publish_child(papers, PaperPage(title="Fair votes", slug="fair-votes", summary="Why PR."))
    assert "Fair votes" in client.get("/papers/").content.decode()
    publish_child(papers, PaperPage(title="Green deal", slug="green-deal", summary="Jobs."))
    html = client.get("/papers/").content.decode()
    assert "Fair votes" in html and "Green deal" in html


def test_an_expired_part_is_shown_while_one_request_renders_it_again(
    client, fragments_on, home, clock
):
    from cms.cache import claim_refresh, content_generation

    post = publish_news(home, "First words.")
    html = client.get("/blog/news/").content.decode()
    key = f"fragment:{content_generation()}:{post.pk}:post"
    first_deadline = cache.get(key)[0]
    clock.advance(601)
    assert claim_refresh(key)  # another worker is rendering the part again
    assert client.get("/blog/news/").content.decode() == html
    assert cache.get(key)[0] == first_deadline  # the stored copy was shown, not replaced
    cache.delete(f"{key}:refreshing")  # that worker gave up: the next request renders it
    client.get("/blog/news/")
    assert cache.get(key)[0] > clock.time()


def test_a_part_is_kept_in_the_process_while_fresh_and_never_past_a_purge(
    client, fragments_on, home, clock
):
    from cms.cache import content_generation

    post = publish_news(home, "First words.")
    html = client.get("/blog/news/").content.decode()
    key = f"fragment:{content_generation()}:{post.pk}:post"
    cache.delete(key)  # this process's copy answers while it is fresh: no round trip
    assert client.get("/blog/news/").content.decode() == html
    assert cache.get(key) is None
    clock.advance(601)  # past its lifetime: read again (here: rendered again and stored)
    assert "First words." in client.get("/blog/news/").content.decode()
    assert cache.get(key) is not None
    post.intro = "Second words."
    post.save_revision().publish()  # a purge: the kept copy is never shown again
    html = client.get("/blog/news/").content.decode()
    assert "Second words." in html and "First words." not in html


def test_the_menu_marks_the_page_shown_and_follows_every_change(client, settings, home, about):
    # The menus and footer are rendered once per generation, site and page in each process
    # (cms.cache.SiteChrome): each page still marks itself, and an edit shows at once.
    settings.PAGE_CACHE_SECONDS = 0
    contact = publish_child(
        home, StandardPage(title="Contact", slug="contact", introduction="Mail.")
    )
    navigation = NavigationSettings.for_site(home.get_site())
    MenuItem.objects.create(setting=navigation, label="About", page=about, sort_order=0)
    MenuItem.objects.create(setting=navigation, label="Contact", page=contact, sort_order=1)
    for _ in range(2):  # rendered, then kept
        about_html = client.get("/about/").content.decode()
        contact_html = client.get("/contact/").content.decode()
        # Both copies of the menu (the phone menu and the wide-screen fallback).
        assert about_html.count('href="/about/" aria-current="page"') == 2
        assert 'href="/contact/" aria-current' not in about_html
        assert contact_html.count('href="/contact/" aria-current="page"') == 2
        assert 'href="/about/" aria-current' not in contact_html
    MenuItem.objects.filter(label="Contact").update(label="Write to us")
    navigation.save()  # an editor's save of the navigation setting
    html = client.get("/about/").content.decode()
    assert ">Write to us<" in html and ">Contact<" not in html


def test_the_kept_menu_is_each_sites_own(client, settings, home, about):
    settings.PAGE_CACHE_SECONDS = 0
    MenuItem.objects.create(
        setting=NavigationSettings.for_site(home.get_site()), label="Main site menu", page=about
    )
    other_root = publish_child(
        Page.objects.get(depth=1), StandardPage(title="Local", slug="local", introduction="Here.")
    )
    other = Site.objects.create(hostname="local.example", root_page=other_root)
    MenuItem.objects.create(
        setting=NavigationSettings.for_site(other), label="Local menu", page=other_root
    )
    settings.ALLOWED_HOSTS = ["*"]
    assert "Main site menu" in client.get("/").content.decode()
    local = client.get("/", HTTP_HOST="local.example").content.decode()
    assert "Local menu" in local and "Main site menu" not in local
    assert "Main site menu" in client.get("/").content.decode()
