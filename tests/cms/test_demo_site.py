"""Testing that the demo editorial content is complete and every public page renders."""

import pytest
from wagtail.models import Page

from cms.models import EventPage, PageReply, PaperPage, User


@pytest.fixture
def demo(demo_site):
    """The demo, loaded once for this module (tests/support/fixtures.py)."""


def test_every_public_demo_page_renders(client, demo):
    for page in Page.objects.live().public().filter(depth__gt=1).specific():
        assert client.get(page.url).status_code == 200, page.url


def test_demo_events_are_five_past_and_three_upcoming(client, demo):
    events = {event.town: event.is_past for event in EventPage.objects.all()}
    past = {town for town, is_past in events.items() if is_past}
    assert past == {"London", "Brighton", "Frome", "Liverpool", "Uckfield"}
    assert set(events) - past == {"Birmingham", "Lancaster", "Godalming"}
    launch = EventPage.objects.get(slug="london-launch")
    assert (launch.start.month, launch.start.day) == (7, 5)


def test_demo_paper_has_contents_footnotes_and_authors(demo):
    paper = PaperPage.objects.get()
    outline = paper.outline()
    assert len(outline.contents) == 8
    assert [note.marker for note in outline.footnotes] == ["seats", "charter", "guide"]
    assert len(paper.authors()) == 2
    assert [block.block_type for block in paper.body].count("image") == 1
    assert paper.social_image is not None


def test_demo_replies_are_approved_and_threaded(client, demo):
    assert PageReply.objects.exclude(status="approved").count() == 0
    assert PageReply.objects.filter(parent__isnull=False).exists()
    html = client.get("/blog/over-a-thousand-in-london/").content.decode()
    assert "Frome would host one too." in html
    assert "alliancehub.example" not in html


def test_demo_organisers_area_is_private(client, demo):
    assert client.get("/organisers/").status_code == 302
    client.force_login(User.objects.get(email="organiser@alliancehub.example"))
    assert client.get("/organisers/").status_code == 200


def test_demo_paper_has_a_downloadable_pdf_copy(client, demo):
    paper = PaperPage.objects.get()
    assert paper.pdf is not None
    response = client.get(paper.pdf.url)
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF-1.4") and content.rstrip().endswith(b"%%EOF")


def test_demo_paper_shows_its_figure_and_sharing_image(client, demo):
    html = client.get(PaperPage.objects.get().url).content.decode()
    assert 'alt="Five overlapping coloured circles, one for each shared value."' in html
    assert '<meta property="og:image"' in html
    assert '<meta property="og:type" content="article">' in html
