"""Testing that no JSON, feed, calendar, sitemap, search or listing shows a private page
(issue 13, finding 8).

One page of every listed type is put behind a view restriction (a password, signing
in, or a group), each carrying the word "Zebulon" in its title or text. An editor who
may see them all visits them and every listing first, with the page cache and page
parts on, so nothing they saw may reach a shared copy; then an anonymous visitor asks
every address that lists or returns page data, and never meets the word. The totals
JSON, which carries no title, must not answer at all.
"""

# ruff: noqa: F811  (fixtures imported from the apps' conftest files, used as arguments)
import datetime
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageViewRestriction

from cms.models import BlogIndexPage, BlogPostPage, EventIndexPage, EventPage, StandardPage
from crowdfund.models import CrowdfundPage
from manifesto.merge import start_text
from manifesto.models import ManifestoPage
from stories.models import StoriesIndexPage, StoryPage
from tests.cms.conftest import publish_child, rich_text
from tests.conftest import make_user
from tests.stories.conftest import places  # noqa: F401

MARKER = "Zebulon"
# Searched for (a search page repeats the words it was asked): in every private page's
# text, and in one public page, which must be found.
SEARCH_WORD = "quixotic"


@pytest.fixture
def page_cache_on(settings):
    """Both caches on (in memory), so a leak through a shared copy would show."""
    settings.PAGE_CACHE_SECONDS = 600
    settings.FRAGMENT_CACHE_SECONDS = 600


@dataclass
class Site:
    blog: BlogIndexPage
    events: EventIndexPage
    stories: StoriesIndexPage
    public_story: StoryPage
    private: dict


def restrict(page, kind: str, organisers: Group) -> None:
    restriction = PageViewRestriction.objects.create(
        page=page,
        restriction_type=kind,
        password="a-shared-secret" if kind == PageViewRestriction.PASSWORD else "",
    )
    if kind == PageViewRestriction.GROUPS:
        restriction.groups.set([organisers])


def story(index, places, title, slug):
    return publish_child(
        index,
        StoryPage(
            title=title,
            slug=slug,
            group_name=f"{title} group",
            place=places["frome"],
            arrangement="stand-aside",
            outcome="won",
            year=2019,
            body=f"How {title} worked together across parties, {SEARCH_WORD} and patient. " * 5,
        ),
    )


@pytest.fixture(
    params=[
        PageViewRestriction.PASSWORD,
        PageViewRestriction.LOGIN,
        PageViewRestriction.GROUPS,
    ]
)
def site(request, page_cache_on, home, places):
    organisers = Group.objects.create(name="Organisers")
    blog = publish_child(home, BlogIndexPage(title="Blog", slug="blog"))
    events = publish_child(home, EventIndexPage(title="Events", slug="events"))
    stories = publish_child(home, StoriesIndexPage(title="Stories", slug="stories"))
    soon = timezone.now() + datetime.timedelta(days=5)
    private = {
        "post": publish_child(
            blog,
            BlogPostPage(
                title=f"{MARKER} post",
                slug="private-post",
                date=datetime.date(2026, 6, 1),
                intro=f"{MARKER} {SEARCH_WORD} intro.",
                body=[("paragraph", rich_text(f"<p>{MARKER} body.</p>"))],
            ),
        ),
        "event": publish_child(
            events,
            EventPage(
                title=f"{MARKER} meeting",
                slug="private-meeting",
                start=soon,
                end=soon + datetime.timedelta(hours=2),
                summary=f"{MARKER} {SEARCH_WORD} summary.",
                region="london",
                town="London",
                venue="Town hall",
                organiser="Local alliance",
            ),
        ),
        "story": story(stories, places, f"{MARKER} story", "private-story"),
        "page": publish_child(
            home,
            StandardPage(title=f"{MARKER} plans", slug="plans", introduction=SEARCH_WORD),
        ),
        "crowdfund": publish_child(
            home, CrowdfundPage(title=f"{MARKER} fund", slug="fund", target_pence=100_000)
        ),
        "manifesto": publish_child(
            home, ManifestoPage(title="Organisers' manifesto", slug="ours", screening=False)
        ),
    }
    start_text(private["manifesto"], [("Plans", f"{MARKER} clause for organisers only.")])
    public_story = story(stories, places, "Frome in the open", "open-story")
    publish_child(home, StandardPage(title="Open page", slug="open", introduction=SEARCH_WORD))
    for page in private.values():
        restrict(page, request.param, organisers)
    visit_everything_as_someone_admitted(private, organisers)
    return Site(blog, events, stories, public_story, private)


def visit_everything_as_someone_admitted(private, organisers):
    """An editor in the Organisers group sees every private page and every listing."""
    editor = make_user("organiser-editor@example.com", display_name="Olu")
    editor.is_superuser = True
    editor.save(update_fields=["is_superuser"])
    editor.groups.add(organisers)
    admitted = Client()
    admitted.force_login(editor)
    for page in private.values():
        for restriction in PageViewRestriction.objects.filter(
            page=page, restriction_type=PageViewRestriction.PASSWORD
        ):
            admitted.post(
                reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, page.pk]),
                {"password": "a-shared-secret", "return_url": page.url},
            )
        response = admitted.get(page.url)
        assert response.status_code == 200, page.url
    # What an outsider must never meet is really there for whom the restriction admits.
    assert MARKER in admitted.get(private["post"].url).content.decode()
    clauses = admitted.get(f"{private['manifesto'].url}api/clauses/").content.decode()
    assert MARKER in clauses
    for url in ("/", "/blog/", "/events/", "/stories/", "/sitemap.xml", "/feeds/blog.rss"):
        admitted.get(url)


ENDPOINTS = {
    "home page listings": lambda site: "/",
    "blog listing": lambda site: site.blog.url,
    "blog RSS": lambda site: "/feeds/blog.rss",
    "blog Atom": lambda site: "/feeds/blog.atom",
    "events listing": lambda site: site.events.url,
    "events calendar feed": lambda site: "/calendar/upcoming.ics",
    "one event's .ics": lambda site: f"/calendar/events/{site.private['event'].pk}.ics",
    "sitemap": lambda site: "/sitemap.xml",
    "site search": lambda site: f"/search/?query={SEARCH_WORD}",
    "stories library": lambda site: site.stories.url,
    "stories search": lambda site: f"{site.stories.url}?q={SEARCH_WORD}",
    "stories feed": lambda site: f"{site.stories.url}feed/",
    "stories at a glance": lambda site: f"{site.stories.url}at-a-glance/",
    "a public story's related stories": lambda site: site.public_story.url,
    "crowdfund totals JSON": lambda site: f"/crowdfund/{site.private['crowdfund'].pk}/totals.json",
    "manifesto clauses JSON": lambda site: f"{site.private['manifesto'].url}api/clauses/",
    "manifesto amendments JSON": lambda site: f"{site.private['manifesto'].url}api/amendments/",
    "manifesto exports and print": lambda site: [
        f"{site.private['manifesto'].url}{route}"
        for route in ("export/manifesto/", "export/amendments/", "print/", "history/")
    ],
    "the private pages themselves": lambda site: [page.url for page in site.private.values()],
}


def test_an_anonymous_visitor_never_meets_a_private_page(site):
    """Every endpoint, twice (the second visit may come from the page cache)."""
    leaks = []
    for endpoint, address in ENDPOINTS.items():
        urls = address(site)
        for url in urls if isinstance(urls, list) else [urls]:
            for visit in ("first", "second"):
                response = Client().get(url)
                if MARKER in response.content.decode(errors="replace"):
                    leaks.append(f"{endpoint} ({url}, {visit} visit, {response.status_code})")
                assert response.status_code != 500, url
    assert leaks == []
    # The search itself works: it finds the public page with the same word.
    assert "Open page" in Client().get(f"/search/?query={SEARCH_WORD}").content.decode()


def test_the_totals_json_of_a_private_crowdfund_does_not_exist_for_outsiders(site):
    crowdfund = site.private["crowdfund"]
    response = Client().get(f"/crowdfund/{crowdfund.pk}/totals.json")
    assert response.status_code == 404


def test_the_totals_json_answers_whom_the_restriction_admits(page_cache_on, home):
    crowdfund = publish_child(home, CrowdfundPage(title="Ours", slug="ours", target_pence=1_000))
    restrict(crowdfund, PageViewRestriction.LOGIN, None)
    url = f"/crowdfund/{crowdfund.pk}/totals.json"
    assert Client().get(url).status_code == 404
    supporter = make_user("member@example.com")
    member = Client()
    member.force_login(supporter)
    response = member.get(url)
    assert response.status_code == 200
    assert response.json()["target_pence"] == 1_000


def test_a_public_crowdfunds_totals_answer_everyone(page_cache_on, home):
    crowdfund = publish_child(home, CrowdfundPage(title="Open", slug="open", target_pence=5_000))
    response = Client().get(f"/crowdfund/{crowdfund.pk}/totals.json")
    assert response.status_code == 200
    assert response.json()["target_pence"] == 5_000
