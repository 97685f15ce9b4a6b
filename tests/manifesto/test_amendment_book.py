"""The amendment book as a PDF: the text with line numbers, and the open amendments with the
lines they change. Checked by reading the PDF's own bytes (uncompressed streams)."""

import base64
import re
import zlib

import pytest

from manifesto import book
from manifesto.actions import cast_vote, propose
from manifesto.merge import merge_amendments
from manifesto.models import Amendment, AmendmentStatus

LONG = (
    "A Green New Deal to meet the climate emergency with jobs in every region, warm homes "
    "for every family, buses that run on time in every market town, clean rivers and seas, "
    "and a fair share of the cost for those with the broadest shoulders."
)


def text_of(pdf: bytes) -> str:
    """The strings drawn on the pages, in order (reportlab writes `(...) Tj` operators).

    Compressed streams (ASCII85 then Flate, as reportlab writes them) are unpacked first,
    with the standard library, so the PDF served to visitors is read the same way.
    """
    raw = pdf
    for stream in re.findall(
        rb"/ASCII85Decode /FlateDecode \].*?stream\r?\n(.*?)endstream", pdf, re.S
    ):
        raw += zlib.decompress(base64.a85decode(stream.strip(), adobe=True))
    drawn = re.findall(r"\((.*?)\) Tj", raw.decode("latin-1"))
    return " ".join(m.replace("\\(", "(").replace("\\)", ")") for m in drawn)


@pytest.fixture
def economy(manifesto):
    return manifesto.live_clauses().get(section="Economy")


def test_the_book_is_a_pdf_with_the_clauses_numbered_line_by_line(manifesto):
    pdf = book.build_pdf(manifesto, compress=False)
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    assert "Our manifesto: amendment book" in text
    assert "A Green New Deal to meet the climate emergency with jobs in every region." in text
    assert "End austerity and close the gap between rich and poor." in text
    for clause_label in ("Clause 1 (Climate)", "Clause 2 (Democracy)", "Clause 3 (Economy)"):
        assert clause_label in text
    # Three short clauses: one line each, numbered 1, 2, 3 before each line.
    assert re.search(r"1 A Green New Deal.*2 Fair votes.*3 End austerity", text)


def test_long_clauses_wrap_and_amendments_point_at_the_lines_they_change(
    manifesto, supporter, voters
):
    climate = manifesto.live_clauses().get(section="Climate")
    climate.text = LONG
    climate.save()
    lines = book.break_lines(LONG, 1)
    assert len(lines) >= 2
    assert " ".join(line.text for line in lines) == LONG
    tail = propose(
        manifesto, climate, supporter, "replace", LONG.replace("broadest", "widest"), "Plain."
    )
    head = propose(
        manifesto, climate, supporter, "replace", LONG.replace("Green New", "Great Green"), "."
    )
    after = propose(manifesto, climate, supporter, "insert_after", "Insulate every school.", ".")
    for voter in voters:
        cast_vote(tail, voter, "agree")
    text = text_of(book.build_pdf(manifesto, compress=False))
    last = lines[-1].number
    assert f"Amendment {tail.pk}" in text and f"line {last}, published" in text
    assert f"Amendment {head.pk}" in text and "line 1, published" in text
    assert f"Amendment {after.pk}" in text and f"after line {last}" in text
    assert "widest" in text and "broadest" in text  # struck and underlined both shown
    assert "3 agree, 0 disagree, 0 pass" in text
    # The next clause's lines carry on after this one's.
    assert f"{last + 1} Fair votes" in text


def test_only_open_visible_amendments_are_in_the_book(manifesto, economy, supporter):
    shown = propose(manifesto, economy, supporter, "replace", "End it all now.", "Shown.")
    hidden = propose(manifesto, economy, supporter, "replace", "Hidden words.", "Hidden.")
    rejected = propose(manifesto, economy, supporter, "replace", "Rejected words.", "No.")
    Amendment.objects.filter(pk=hidden.pk).update(is_hidden=True)
    Amendment.objects.filter(pk=rejected.pk).update(status=AmendmentStatus.REJECTED)
    text = text_of(book.build_pdf(manifesto, compress=False))
    assert f"Amendment {shown.pk}" in text
    assert f"Amendment {hidden.pk}" not in text and f"Amendment {rejected.pk}" not in text


def test_user_text_is_escaped_not_read_as_markup(manifesto, economy, supporter):
    propose(
        manifesto,
        economy,
        supporter,
        "replace",
        "End austerity <b>now</b> & <font size=40>loudly</font>.",
        'Because <a href="x">links</a> & <br/> breaks\x07.',
    )
    text = text_of(book.build_pdf(manifesto, compress=False))
    # Drawn as the characters typed (the fragments of a line are joined with spaces here).
    squeezed = text.replace(" ", "")
    assert "<b>now</b>" in squeezed and "size=40>loudly</font>." in squeezed
    assert '<ahref="x">links</a>&<br/>breaks.' in squeezed


def test_the_book_url_serves_the_pdf_and_a_merge_shows_at_once(
    client, manifesto, economy, supporter, moderator
):
    """Testing that the shared page cache (on in tests) drops the book when a merge makes
    a new version: a visitor gets the new text at once."""
    url = f"{manifesto.url}export/amendment-book/"
    amendment = propose(manifesto, economy, supporter, "replace", "Reverse cuts now.", "Why.")
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    before = text_of(response.content)
    assert f"Amendment {amendment.pk}" in before and "3 End austerity" in before
    merge_amendments(manifesto, [amendment], moderator)
    after = text_of(client.get(url).content)
    assert "3 Reverse cuts now." in after and f"Amendment {amendment.pk}" not in after


def test_the_book_follows_the_manifestos_view_rule(client, manifesto):
    from tests.manifesto.conftest import set_phase

    set_phase(manifesto, "drafting")
    assert client.get(f"{manifesto.url}export/amendment-book/").status_code == 403


@pytest.fixture
def voters(db):
    from tests.conftest import make_user

    return [make_user(f"voter{i}@example.com", "Supporters") for i in range(3)]
