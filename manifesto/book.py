"""The amendment book: the manifesto's current text with line numbers, as a real PDF, and
under each clause the open amendments with the lines they change.

Like a conference's motion book: the lines are numbered through the whole text, so a
reader can say "amendment 17, lines 12-13". Lines are broken here, word by word, by the
font's own widths, so each line knows which words (tokens of `manifesto.diff`) it holds
and an amendment's changed span (`span_start`/`span_end`, in tokens of the text it was
written on) maps to the lines it touches. An amendment written on older wording than
today's says so instead of pointing at the wrong lines.

Every piece of user text is escaped before it goes into reportlab's Paragraph markup
(which would otherwise read "<b>" or "&" in a supporter's text as markup).

Fonts: DejaVu Sans (Debian's fonts-dejavu-core) when it is installed, which has the
Welsh letters (ŵ, ŷ); otherwise Bitstream Vera, which ships inside reportlab's wheel.
"""

import io
import re
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from manifesto import describe
from manifesto import diff as worddiff
from manifesto.models import OPEN_STATUSES, Amendment, AmendmentKind, ManifestoPage

FONT_CANDIDATES = [
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    ("Vera.ttf", "VeraBd.ttf"),  # found on reportlab's own font path
]
FONT, BOLD = "BookSans", "BookSans-Bold"
TEXT_SIZE = 10
LINE_HEIGHT = 13
PAGE_MARGIN = 18 * mm
NUMBER_COLUMN = 12 * mm
TEXT_COLUMN = A4[0] - 2 * PAGE_MARGIN - NUMBER_COLUMN - 4 * mm

# Characters that are not text (control characters) are dropped from user text.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for regular, bold in FONT_CANDIDATES:
        if regular.startswith("/") and not Path(regular).exists():
            continue
        pdfmetrics.registerFont(TTFont(FONT, regular))
        pdfmetrics.registerFont(TTFont(BOLD, bold))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)
        return


def safe(text: str) -> str:
    """User text as Paragraph markup: control characters dropped, &, < and > escaped."""
    return escape(CONTROL.sub("", text or ""))


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    start: int  # first token of the clause's text on this line
    end: int  # one past the last token


def break_lines(text: str, first_number: int, width: float = TEXT_COLUMN) -> list[Line]:
    """The clause's text broken into lines that fit `width`, numbered from `first_number`."""
    register_fonts()  # the widths are the book's font's, whoever asks first
    tokens = worddiff.tokenize(text)
    lines, start, current = [], None, []
    for index, token in enumerate(tokens):
        if token.isspace():
            if "\n" in token and current:  # a line break in the text ends the line
                lines.append((start, index, current))
                start, current = None, []
            continue
        candidate = " ".join([*current, token])
        if current and pdfmetrics.stringWidth(candidate, FONT, TEXT_SIZE) > width:
            lines.append((start, index, current))
            start, current = None, []
        if start is None:
            start = index
        current.append(token)
    if current:
        lines.append((start, len(tokens), current))
    return [
        Line(first_number + offset, " ".join(words), begin, end)
        for offset, (begin, end, words) in enumerate(lines)
    ]


def lines_touched(amendment: Amendment, clause_text: str, lines: list[Line]) -> str:
    """Which lines an amendment changes, in words: "line 4", "lines 4-6", "after line 9"."""
    if not lines:
        return ""
    if amendment.kind == AmendmentKind.INSERT_AFTER:
        return f"after line {lines[-1].number}"
    if amendment.kind == AmendmentKind.DELETE:
        return _span_words(lines[0].number, lines[-1].number)
    if amendment.base_text != clause_text or amendment.span_start is None:
        return "written on earlier wording"
    start, end = amendment.span_start, amendment.span_end
    touched = [
        line.number
        for line in lines
        if (start < line.end and line.start < end)
        or (start == end and line.start <= start <= line.end)
    ]
    if not touched:  # an addition at the very end of the text
        touched = [lines[-1].number]
    return _span_words(touched[0], touched[-1])


def _span_words(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}–{last}"


def change_markup(amendment: Amendment) -> str:
    """The change as Paragraph markup: removed words struck through, added ones underlined."""
    if amendment.kind == AmendmentKind.INSERT_AFTER:
        return f"New clause: <u>{safe(amendment.text)}</u>"
    if amendment.kind == AmendmentKind.DELETE:
        return f"Delete the clause: <strike>{safe(amendment.base_text)}</strike>"
    base = worddiff.tokenize(amendment.base_text)
    parts = []
    for tag, i1, i2, inserted in amendment.diff or []:
        removed = "".join(base[i1:i2])
        if tag == "equal":
            parts.append(safe(removed))
            continue
        if removed.strip():
            parts.append(f"<strike>{safe(removed)}</strike>")
        if inserted.strip():
            parts.append(f"<u>{safe(inserted)}</u>")
    return "".join(parts)


def styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("text", fontName=FONT, fontSize=TEXT_SIZE, leading=LINE_HEIGHT)
    return {
        "title": ParagraphStyle("title", base, fontName=BOLD, fontSize=20, leading=24),
        "meta": ParagraphStyle("meta", base, textColor=colors.HexColor("#444444")),
        "section": ParagraphStyle(
            "section", base, fontName=BOLD, fontSize=13, leading=16, spaceBefore=10
        ),
        "line": base,
        "number": ParagraphStyle("number", base, textColor=colors.HexColor("#555555"), alignment=2),
        "amendment": ParagraphStyle("amendment", base, leftIndent=NUMBER_COLUMN, spaceBefore=4),
        "reason": ParagraphStyle(
            "reason",
            base,
            leftIndent=NUMBER_COLUMN + 4 * mm,
            fontSize=9,
            leading=12,
            textColor=colors.HexColor("#333333"),
        ),
    }


def open_amendments(page: ManifestoPage):
    """The open, visible amendments of the manifesto, by clause, in one query."""
    return (
        Amendment.objects.votable()
        .filter(page=page, status__in=OPEN_STATUSES, clause__is_deleted=False)
        .select_related("author")
        .defer("common_ground_detail", "bridging_detail", "diff_html")
        .order_by("clause_id", "pk")
    )


def build_pdf(page: ManifestoPage, compress: bool = True) -> bytes:
    """The amendment book of `page` as PDF bytes (uncompressed streams for tests)."""
    register_fonts()
    style = styles()
    version = page.current_version
    clauses = list(page.live_clauses())
    by_clause: dict[int, list[Amendment]] = {}
    for amendment in open_amendments(page):
        by_clause.setdefault(amendment.clause_id, []).append(amendment)

    story = [
        Paragraph(f"{safe(page.title)}: amendment book", style["title"]),
        Spacer(1, 4),
        Paragraph(
            safe(
                f"Version {version.number if version else 1}"
                f"{', ' + version.created_at.strftime('%-d %B %Y') if version else ''}. "
                f"Printed {timezone.localtime().strftime('%-d %B %Y %H:%M')}. "
                "Lines are numbered through the whole text; under each clause are the open "
                "amendments to it and the lines they change (removed words struck through, "
                "added words underlined)."
            ),
            style["meta"],
        ),
    ]
    if page.introduction:
        story += [Spacer(1, 6), Paragraph(safe(page.introduction), style["line"])]
    next_line = 1
    for number, clause in enumerate(clauses, start=1):
        lines = break_lines(clause.text, next_line)
        next_line += len(lines)
        label = describe.clause_label(clause, number)
        story.append(Paragraph(safe(label), style["section"]))
        rows = [
            [
                Paragraph(str(line.number), style["number"]),
                Paragraph(safe(line.text), style["line"]),
            ]
            for line in lines
        ]
        if rows:
            table = Table(rows, colWidths=[NUMBER_COLUMN, TEXT_COLUMN + 4 * mm])
            table.setStyle(
                TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("LEFTPADDING", (0, 0), (-1, -1), 0),
                        ("RIGHTPADDING", (0, 0), (0, -1), 3 * mm),
                        ("TOPPADDING", (0, 0), (-1, -1), 0),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                    ]
                )
            )
            story.append(table)
        amendments = by_clause.get(clause.pk, [])
        if not amendments:
            story.append(Paragraph("No open amendments.", style["amendment"]))
        for amendment in amendments:
            author = amendment.author.public_name if amendment.author_id else "A former supporter"
            where = lines_touched(amendment, clause.text, lines)
            story.append(
                KeepTogether(
                    [
                        Paragraph(
                            f"<b>Amendment {amendment.pk}</b> ({safe(where)}, "
                            f"{safe(amendment.get_status_display().lower())}): "
                            f"{change_markup(amendment)}",
                            style["amendment"],
                        ),
                        Paragraph(
                            f"Why: {safe(amendment.reason)} · By {safe(author)} · "
                            f"{amendment.agree_count} agree, {amendment.disagree_count} "
                            f"disagree, {amendment.pass_count} pass",
                            style["reason"],
                        ),
                    ]
                )
            )
    if not clauses:
        story.append(Paragraph("The text has no clauses yet.", style["line"]))

    buffer = io.BytesIO()
    footer = f"{page.title}: amendment book, version {version.number if version else 1}"

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawString(PAGE_MARGIN, 10 * mm, footer)
        canvas.drawRightString(A4[0] - PAGE_MARGIN, 10 * mm, f"Page {doc.page}")
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=PAGE_MARGIN,
        rightMargin=PAGE_MARGIN,
        topMargin=PAGE_MARGIN,
        bottomMargin=PAGE_MARGIN,
        title=f"{page.title}: amendment book",
        author="Alliance Hub",
        lang="en-GB",
        pageCompression=1 if compress else 0,
        invariant=rl_config.invariant,
    )
    document.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
