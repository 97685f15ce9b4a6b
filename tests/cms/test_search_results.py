"""Testing that search shows content before listing pages, with escaped, highlighted
extracts, and says what to do when nothing matches."""

from cms.models import BlogIndexPage, BlogPostPage, PaperIndexPage, PaperPage
from cms.search import content_first, snippet
from tests.cms.conftest import publish_child, rich_text


def test_listing_pages_come_after_the_pages_they_list(client, home):
    blog = publish_child(home, BlogIndexPage(title="Tactical voting blog", slug="blog"))
    papers = publish_child(home, PaperIndexPage(title="Tactical voting papers", slug="papers"))
    publish_child(
        blog,
        BlogPostPage(
            title="A night in Frome",
            slug="frome",
            date="2026-01-05",
            intro="How tactical voting worked in one town.",
        ),
    )
    publish_child(
        papers,
        PaperPage(
            title="Why tactical voting is not enough",
            slug="enough",
            summary="Tactical voting, and what comes after it.",
        ),
    )
    html = client.get("/search/", {"query": "tactical voting"}).content.decode()
    titles = [
        "A night in Frome",
        "Why tactical voting is not enough",
        "Tactical voting blog",
        "Tactical voting papers",
    ]
    positions = {title: html.index(title) for title in titles}
    last_content = max(positions["A night in Frome"], positions[titles[1]])
    assert last_content < positions["Tactical voting blog"]
    assert last_content < positions["Tactical voting papers"]


def test_the_order_within_content_and_within_listings_is_the_backends(home):
    class Hit:
        def __init__(self, name, model):
            from django.contrib.contenttypes.models import ContentType

            self.name = name
            self.content_type_id = ContentType.objects.get_for_model(model).pk

    hits = [
        Hit("index 1", BlogIndexPage),
        Hit("post 1", BlogPostPage),
        Hit("index 2", PaperIndexPage),
        Hit("paper", PaperPage),
        Hit("post 2", BlogPostPage),
    ]
    assert [hit.name for hit in content_first(hits)] == [
        "post 1",
        "paper",
        "post 2",
        "index 1",
        "index 2",
    ]


def test_results_show_an_extract_with_the_matched_words_marked(client, home):
    papers = publish_child(home, PaperIndexPage(title="Papers", slug="papers"))
    body = (
        "<p>"
        + "Opening words about something else entirely. " * 12
        + "A proportional voting system is the heart of democratic renewal.</p>"
    )
    publish_child(
        papers,
        PaperPage(
            title="Fair votes",
            slug="fair-votes",
            summary="A paper.",
            body=[("paragraph", rich_text(body))],
        ),
    )
    html = client.get("/search/", {"query": "proportional"}).content.decode()
    assert "<mark>proportional</mark> voting system" in html
    assert "… " in html  # the extract starts near the match, not at the top of the page


def test_an_extract_escapes_the_page_text_and_the_query():
    text = 'Stand-asides <script>alert("x")</script> in Frome & Wealden'
    html = str(snippet(text, "Frome <b>"))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<mark>Frome</mark>" in html
    assert "&amp; Wealden" in html
    assert "<b>" not in html


def test_words_match_by_their_beginning_and_case():
    assert "<mark>Alliances</mark>" in str(snippet("Local Alliances grow.", "alliance"))


def test_nothing_found_says_what_to_try_and_offers_the_menu(client, home):
    html = client.get("/search/", {"query": "zzqqxx"}).content.decode()
    assert "0 results" in html
    assert "Nothing matched" in html and "Try fewer words" in html


def test_an_empty_search_invites_a_search_rather_than_listing_nothing(client, home):
    html = client.get("/search/").content.decode()
    assert "Type a word or two" in html
    assert "result" not in html.split("<main")[1].split("</main>")[0]
