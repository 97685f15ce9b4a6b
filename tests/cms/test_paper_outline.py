"""Testing that a paper's contents list and footnote numbers follow its headings and markers."""

import pytest
from django.core.files.base import ContentFile
from wagtail.documents.models import Document

from cms.models import PaperPage
from tests.cms.conftest import publish_child, rich_text

# Building pages (even unsaved) looks up content types and locales.
pytestmark = pytest.mark.django_db


def paper_with(blocks):
    return PaperPage(title="Paper", slug="paper", summary="S.", body=blocks)


def footnote(marker, text):
    return ("footnote", {"marker": marker, "text": rich_text(f"<p>{text}</p>")})


def paragraph(html):
    return ("paragraph", rich_text(f"<p>{html}</p>"))


def heading(text, level="h2"):
    return ("heading", {"text": text, "level": level})


def test_contents_list_has_one_entry_per_heading_in_order_with_unique_anchors():
    paper = paper_with(
        [
            heading("Why an alliance"),
            paragraph("Text."),
            heading("Shared values", "h3"),
            heading("Why an alliance"),
        ]
    )
    contents = paper.outline().contents
    assert [(entry.text, entry.anchor, entry.level) for entry in contents] == [
        ("Why an alliance", "why-an-alliance", "h2"),
        ("Shared values", "shared-values", "h3"),
        ("Why an alliance", "why-an-alliance-2", "h2"),
    ]
    tree = paper.outline().contents_tree
    assert [(entry.text, [child.text for child in entry.children]) for entry in tree] == [
        ("Why an alliance", ["Shared values"]),
        ("Why an alliance", []),
    ]


def test_footnotes_are_numbered_by_first_appearance_not_by_block_order():
    paper = paper_with(
        [
            footnote("first-defined", "Defined first, cited second."),
            footnote("second-defined", "Defined second, cited first."),
            paragraph("A claim[^second-defined] and another[^first-defined]."),
            paragraph("The first claim again[^second-defined]."),
        ]
    )
    outline = paper.outline()
    assert outline.footnote_numbers == {"second-defined": 1, "first-defined": 2}
    assert [note.number for note in outline.footnotes] == [1, 2]
    first_paragraph = outline.items[0].html
    assert first_paragraph.index('href="#footnote-1"') < first_paragraph.index('href="#footnote-2"')
    # A second citation reuses the number and does not repeat the back-link target id.
    second_paragraph = outline.items[1].html
    assert 'href="#footnote-1"' in second_paragraph
    assert 'id="footnote-ref-1"' not in second_paragraph


def test_uncited_footnote_is_listed_last_and_unknown_marker_stays_visible():
    paper = paper_with(
        [
            paragraph("Cited[^a] and missing[^nope]."),
            footnote("lonely", "Never cited."),
            footnote("a", "Cited note."),
        ]
    )
    outline = paper.outline()
    assert [(note.marker, note.number, note.referenced) for note in outline.footnotes] == [
        ("a", 1, True),
        ("lonely", 2, False),
    ]
    assert "[^nope]" in outline.items[0].html


def test_rendered_paper_lists_notes_at_the_end_with_back_links(client, paper_index):
    paper = publish_child(
        paper_index,
        paper_with(
            [
                heading("Values"),
                paragraph("Inequality harms everyone[^harm]."),
                footnote("harm", "See the evidence."),
                heading("Next steps"),
            ]
        ),
    )
    html = client.get(paper.url).content.decode()
    contents = html[
        html.index('id="contents-heading"') : html.index(
            "</nav>", html.index('id="contents-heading"')
        )
    ]
    assert contents.index("#values") < contents.index("#next-steps")
    notes = html[html.index('id="footnotes"') :]
    assert '<li id="footnote-1"' in notes
    assert 'href="#footnote-ref-1"' in notes
    # The note text is listed once, at the end, not where the block stood.
    assert html.count("See the evidence.") == 1
    assert html.index("See the evidence.") > html.index('<h2 id="next-steps">')


def test_paper_offers_its_pdf_copy(client, paper):
    paper.pdf = Document.objects.create(
        title="PDF copy", file=ContentFile(b"%PDF-1.4 demo", name="paper.pdf")
    )
    paper.save_revision().publish()
    html = client.get(paper.url).content.decode()
    assert f'href="{paper.pdf.url}"' in html
    assert "Download the PDF" in html
