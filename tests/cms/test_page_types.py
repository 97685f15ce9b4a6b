"""Testing that editors create and publish every page type through the admin, and it renders."""

import datetime

import pytest
from django.urls import reverse

from cms.models import (
    BlogIndexPage,
    BlogPostPage,
    CampaignPage,
    EventIndexPage,
    EventPage,
    GuidePage,
    HomePage,
    PaperIndexPage,
    PaperPage,
    StandardPage,
)
from tests.cms.conftest import (
    create_through_admin,
    inline_formset,
    nested_form_data,
    rich_text,
    streamfield,
)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def body(text):
    return streamfield([("paragraph", rich_text(f"<p>{text}</p>"))])


def test_editor_creates_a_paper_with_authors_footnotes_and_contents(
    editor_client, paper_index, author
):
    paper = create_through_admin(
        editor_client,
        paper_index,
        PaperPage,
        {
            "title": "Why a progressive alliance",
            "author_links": inline_formset([{"author": str(author.pk)}]),
            "publication_date": "2026-07-05",
            "summary": "Most voters backed progressive candidates.",
            "body": streamfield(
                [
                    ("heading", {"text": "The arithmetic", "level": "h2"}),
                    ("paragraph", rich_text("<p>Sixty seats went the other way[^seats].</p>")),
                    ("pull_quote", {"quote": "Smarter together.", "attribution": "A member"}),
                    ("footnote", {"marker": "seats", "text": rich_text("<p>2017 figures.</p>")}),
                ]
            ),
        },
    )
    assert paper.live
    assert paper.authors() == [author]
    html = editor_client.get(paper.url).content.decode()
    assert '<h2 id="the-arithmetic">The arithmetic</h2>' in html
    assert '<a href="#the-arithmetic">The arithmetic</a>' in html
    assert 'href="#footnote-1"' in html and 'id="footnote-ref-1"' in html
    assert "2017 figures." in html
    assert "Smarter together." in html
    assert "Asha Patel" in html
    assert '<meta property="og:type" content="article">' in html


def test_editor_creates_a_guide_with_numbered_steps(editor_client, home):
    guide = create_through_admin(
        editor_client,
        home,
        GuidePage,
        {
            "title": "Build a local alliance",
            "introduction": "Four stages.",
            "steps": streamfield(
                [
                    ("step", {"title": "Open the dialogue", "text": rich_text("<p>Talk.</p>")}),
                    ("step", {"title": "Make it last", "text": rich_text("<p>Keep going.</p>")}),
                ]
            ),
            "body": body("Good luck."),
        },
    )
    html = editor_client.get(guide.url).content.decode()
    assert "Step 1</span> Open the dialogue" in html
    assert "Step 2</span> Make it last" in html
    assert [number for number, _ in guide.numbered_steps()] == [1, 2]


def test_editor_creates_a_blog_index_and_a_tagged_post(editor_client, home, author):
    blog = create_through_admin(editor_client, home, BlogIndexPage, {"title": "News"})
    post = create_through_admin(
        editor_client,
        blog,
        BlogPostPage,
        {
            "title": "Meeting in Frome",
            "author_links": inline_formset([{"author": str(author.pk)}]),
            "date": "2026-09-01",
            "intro": "A full hall.",
            "body": body("People came from every party."),
            "tags": "frome, local groups",
        },
    )
    assert sorted(post.tags.names()) == ["frome", "local groups"]
    html = editor_client.get(post.url).content.decode()
    assert "People came from every party." in html
    assert '<meta property="og:type" content="article">' in html
    assert "Meeting in Frome" in editor_client.get(blog.url).content.decode()


def test_editor_creates_an_event_index_and_event_in_uk_time(editor_client, home):
    events = create_through_admin(editor_client, home, EventIndexPage, {"title": "Events"})
    event = create_through_admin(
        editor_client,
        events,
        EventPage,
        {
            "title": "Lancaster meeting",
            "start": "2030-07-10 19:00",
            "end": "2030-07-10 21:00",
            "venue": "Friends Meeting House",
            "town": "Lancaster",
            "region": "north-west",
            "online_link": "",
            "organiser": "Lancaster alliance",
            "summary": "Open meeting.",
            "body": body("All welcome."),
        },
    )
    # 19:00 in London in July is 18:00 UTC (British Summer Time).
    assert event.start.astimezone(datetime.UTC).hour == 18
    html = editor_client.get(event.url).content.decode()
    assert "7:00 p.m." in html or "7:00 pm" in html
    assert "Europe/London" in html
    assert "Lancaster meeting" in editor_client.get(events.url).content.decode()


def test_editor_creates_a_campaign_page(editor_client, home):
    campaign = create_through_admin(
        editor_client,
        home,
        CampaignPage,
        {
            "title": "Name the campaign",
            "hero_title": "What should we be called?",
            "hero_text": "Tell us.",
            "body": streamfield(
                [
                    (
                        "call_to_action",
                        {
                            "text": "Join and have your say",
                            "link_page": "",
                            "link_url": "/accounts/signup/",
                            "button_label": "Join",
                        },
                    )
                ]
            ),
        },
    )
    html = editor_client.get(campaign.url).content.decode()
    assert "What should we be called?" in html
    assert 'href="/accounts/signup/"' in html


def test_editor_creates_a_standard_page(editor_client, home):
    page = create_through_admin(
        editor_client,
        home,
        StandardPage,
        {"title": "About us", "introduction": "Who we are.", "body": body("Many parties.")},
    )
    assert "Many parties." in editor_client.get(page.url).content.decode()


def test_editor_creates_a_paper_index(editor_client, home):
    index = create_through_admin(editor_client, home, PaperIndexPage, {"title": "Papers"})
    assert editor_client.get(index.url).status_code == 200


@pytest.mark.parametrize(
    ("parent", "child", "allowed"),
    [
        (HomePage, PaperIndexPage, True),
        (PaperIndexPage, PaperPage, True),
        (HomePage, PaperPage, False),
        (BlogIndexPage, BlogPostPage, True),
        (HomePage, BlogPostPage, False),
        (EventIndexPage, EventPage, True),
        (HomePage, EventPage, False),
        (PaperIndexPage, BlogPostPage, False),
        (HomePage, GuidePage, True),
        (HomePage, CampaignPage, True),
    ],
)
def test_page_types_only_go_under_their_parents(db, parent, child, allowed):
    creatable = child in parent.creatable_subpage_models()
    assert (creatable and parent in child.allowed_parent_page_models()) is allowed


def test_editor_previews_an_unsaved_paper_with_its_reply_section(editor_client, paper_index):
    url = reverse("wagtailadmin_pages:preview_on_add", args=["cms", "paperpage", paper_index.pk])
    data = nested_form_data(
        {
            "title": "Preview me",
            "slug": "preview-me",
            "author_links": inline_formset([]),
            "comments": inline_formset([]),
            "publication_date": "2026-07-05",
            "summary": "Draft summary.",
            "body": streamfield([("heading", {"text": "First part", "level": "h2"})]),
        }
    )
    assert editor_client.post(url, data).json()["is_valid"]
    response = editor_client.get(url)
    assert response.status_code == 200
    assert '<a href="#first-part">First part</a>' in response.content.decode()
