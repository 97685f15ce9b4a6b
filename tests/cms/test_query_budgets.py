"""Query budgets for the editorial page types: the SQL queries for one anonymous view of a
page do not grow with the number of things it lists (posts, authors, tags, footnotes,
replies, steps, linked pages, menu links, search results), and stay under a ceiling.

Each test counts a page with a few items, adds many more, and counts again. The ceiling
has headroom on purpose: it catches a page that starts doing something per item or a
careless extra lookup, not a query or two moved between middleware and templates.
Other page types have theirs beside their app's tests (blog and event indexes, manifesto,
clause, amendment, crowdfund, stories).
"""

import datetime

import pytest
from django.utils import timezone
from wagtail.rich_text import RichText

from cms.models import (
    Author,
    BlogPostAuthor,
    CampaignPage,
    GuidePage,
    MenuItem,
    NavigationSettings,
    PageReply,
    PaperAuthor,
    PaperPage,
    StandardPage,
)
from tests.cms.conftest import count_queries, publish_child

CEILING = 40  # queries for one anonymous page view, page cache off


def assert_budget(few: int, many: int):
    assert many <= few, f"queries grew with the items listed: {few} -> {many}"
    assert few <= CEILING, f"{few} queries: over the ceiling of {CEILING}"


def make_authors(count: int, start: int = 0) -> list[Author]:
    return [Author.objects.create(name=f"Author {n}", role="Writer") for n in range(start, count)]


def approve_replies(page, author, count: int, start: int = 0):
    for n in range(start, count):
        top = PageReply.objects.create(
            page=page, author=author, body=f"Reply {n}", status="approved"
        )
        PageReply.objects.create(
            page=page, author=author, parent=top, body=f"Answer {n}", status="approved"
        )


def paper_body(sections: int) -> list:
    body = []
    for n in range(sections):
        body.append(("heading", {"text": f"Section {n}", "level": "h2"}))
        body.append(("paragraph", RichText(f"<p>Text of section {n} [^note{n}].</p>")))
        body.append(("footnote", {"marker": f"note{n}", "text": RichText(f"<p>Note {n}.</p>")}))
    return body


def test_home_page_queries_do_not_grow_with_menu_links(client, home):
    links = [
        publish_child(home, StandardPage(title=f"About {n}", slug=f"about-{n}")) for n in range(12)
    ]
    navigation = NavigationSettings.for_site(home.get_site())
    for n, page in enumerate(links[:2]):
        MenuItem.objects.create(setting=navigation, label=f"Link {n}", page=page, sort_order=n)
    few, _ = count_queries(client, home.url)
    for n, page in enumerate(links[2:], start=2):
        MenuItem.objects.create(setting=navigation, label=f"Link {n}", page=page, sort_order=n)
    many, response = count_queries(client, home.url)
    assert "Link 11" in response.content.decode()
    assert_budget(few, many)


def test_home_page_stays_under_the_ceiling_with_posts_and_events(
    client, home, make_post, make_event
):
    for n in range(8):
        make_post(f"Post {n}")
        make_event(f"Event {n}", 3 + n)
    queries, response = count_queries(client, home.url)
    assert "Post 7" in response.content.decode()
    assert queries <= CEILING


def test_paper_index_queries_do_not_grow_with_papers_and_authors(client, paper_index):
    authors = make_authors(6)

    def add_papers(start, stop):
        for n in range(start, stop):
            paper = PaperPage(
                title=f"Paper {n}",
                slug=f"paper-{n}",
                summary=f"Summary {n}.",
                body=paper_body(1),
                publication_date=datetime.date(2026, 1, 1) + datetime.timedelta(days=n),
            )
            for order, author in enumerate(authors[n % 3 : n % 3 + 3]):
                paper.author_links.add(PaperAuthor(author=author, sort_order=order))
            publish_child(paper_index, paper)

    add_papers(0, 2)
    few, _ = count_queries(client, paper_index.url)
    add_papers(2, 20)
    many, response = count_queries(client, paper_index.url)
    assert "Paper 19" in response.content.decode()
    assert_budget(few, many)


def test_paper_page_queries_do_not_grow_with_authors_footnotes_and_replies(
    client, paper_index, supporter
):
    paper = PaperPage(title="Long paper", slug="long-paper", summary="Long.", body=paper_body(2))
    for order, author in enumerate(make_authors(1)):
        paper.author_links.add(PaperAuthor(author=author, sort_order=order))
    publish_child(paper_index, paper)
    approve_replies(paper, supporter, 1)
    few, _ = count_queries(client, paper.url)

    paper.body = paper_body(30)
    for order, author in enumerate(make_authors(8, start=1), start=1):
        paper.author_links.add(PaperAuthor(author=author, sort_order=order))
    paper.save_revision().publish()
    approve_replies(paper, supporter, 15, start=1)
    many, response = count_queries(client, paper.url)
    html = response.content.decode()
    assert "Section 29" in html and "Author 7" in html and "Answer 14" in html
    assert_budget(few, many)


def test_blog_post_queries_do_not_grow_with_authors_tags_and_replies(client, make_post, supporter):
    post = make_post("Busy post", tags=["one"])
    post.author_links.add(BlogPostAuthor(author=make_authors(1)[0], sort_order=0))
    post.save_revision().publish()
    approve_replies(post, supporter, 1)
    few, _ = count_queries(client, post.url)

    for order, author in enumerate(make_authors(8, start=1), start=1):
        post.author_links.add(BlogPostAuthor(author=author, sort_order=order))
    post.tags.add(*[f"tag-{n}" for n in range(10)])
    post.save_revision().publish()
    approve_replies(post, supporter, 15, start=1)
    many, response = count_queries(client, post.url)
    html = response.content.decode()
    assert "Author 7" in html and "Answer 14" in html
    assert_budget(few, many)


def test_event_page_queries_do_not_grow_with_other_events(client, make_event):
    event = make_event("The meeting", 5)
    make_event("Another meeting", 6)
    few, _ = count_queries(client, event.url)
    for n in range(20):
        make_event(f"Meeting {n}", 7 + n)
        make_event(f"Old meeting {n}", -7 - n)
    many, response = count_queries(client, event.url)
    assert "The meeting" in response.content.decode()
    assert_budget(few, many)


def test_guide_queries_do_not_grow_with_steps(client, home):
    def steps(count):
        return [
            ("step", {"title": f"Step title {n}", "text": RichText(f"<p>Do {n}.</p>")})
            for n in range(count)
        ]

    guide = publish_child(home, GuidePage(title="How to", slug="how-to", steps=steps(2)))
    few, _ = count_queries(client, guide.url)
    guide.steps = steps(40)
    guide.save_revision().publish()
    many, response = count_queries(client, guide.url)
    assert "Step title 39" in response.content.decode()
    assert_budget(few, many)


def test_campaign_queries_do_not_grow_with_calls_to_action(client, home):
    targets = [
        publish_child(home, StandardPage(title=f"Target {n}", slug=f"target-{n}"))
        for n in range(15)
    ]

    def calls(pages):
        return [
            ("call_to_action", {"text": f"Go to {p.title}", "link_page": p, "button_label": "Go"})
            for p in pages
        ]

    campaign = publish_child(
        home,
        CampaignPage(title="Act", slug="act", hero_title="Act now", body=calls(targets[:1])),
    )
    few, _ = count_queries(client, campaign.url)
    campaign.body = calls(targets)
    campaign.save_revision().publish()
    many, response = count_queries(client, campaign.url)
    assert targets[14].url in response.content.decode()
    assert_budget(few, many)


@pytest.mark.parametrize("kind", ["posts", "events"])
def test_search_results_queries_do_not_grow_with_results(client, make_post, make_event, kind):
    def add(start, stop):
        for n in range(start, stop):
            if kind == "posts":
                make_post(f"Tactical voting {n}")
            else:
                make_event(f"Tactical voting meeting {n}", 3 + n)

    url = "/search/?query=tactical"
    add(0, 1)
    few, response = count_queries(client, url)
    assert "Tactical voting" in response.content.decode()
    add(1, 12)
    many, response = count_queries(client, url)
    assert response.content.decode().count("Tactical voting") >= 10
    assert_budget(few, many)


def test_blog_index_stays_under_the_ceiling_with_many_posts(client, blog_index, make_post):
    for n in range(25):
        make_post(f"Post {n}", date=timezone.localdate() - datetime.timedelta(days=n))
    queries, _ = count_queries(client, blog_index.url)
    assert queries <= CEILING
