"""A paper's outline: the contents list from its headings and its numbered footnotes.

Pure logic (no request, no database): it walks a StreamField value once, in
order, so the contents anchors always match the rendered heading ids and the
footnote numbers follow the order in which their markers first appear in the text.

Editors cite a footnote by writing ``[^marker]`` in a paragraph and adding a
Footnote block with that marker anywhere in the body.
"""

import re
from dataclasses import dataclass, field

from django.utils.safestring import mark_safe
from django.utils.text import slugify

FOOTNOTE_MARKER = re.compile(r"\[\^([\w-]+)\]")


@dataclass
class ContentsEntry:
    text: str
    anchor: str
    level: str  # "h2" or "h3"
    children: list["ContentsEntry"] = field(default_factory=list)


@dataclass
class Footnote:
    number: int
    marker: str
    text: object  # RichText
    referenced: bool = False

    @property
    def anchor(self) -> str:
        return f"footnote-{self.number}"

    @property
    def reference_anchor(self) -> str:
        return f"footnote-ref-{self.number}"


@dataclass
class OutlineItem:
    """One body block as the paper template renders it."""

    block: object
    anchor: str = ""
    html: str = ""


@dataclass
class Outline:
    contents: list[ContentsEntry] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    items: list[OutlineItem] = field(default_factory=list)

    @property
    def contents_tree(self) -> list[ContentsEntry]:
        """Section headings with their sub-headings nested, for a properly nested list."""
        tree: list[ContentsEntry] = []
        for entry in self.contents:
            if entry.level == "h3" and tree:
                tree[-1].children.append(entry)
            else:
                tree.append(ContentsEntry(entry.text, entry.anchor, entry.level, []))
        return tree

    @property
    def footnote_numbers(self) -> dict[str, int]:
        return {note.marker: note.number for note in self.footnotes}


def unique_anchor(text: str, taken: set[str]) -> str:
    """A slug for a heading, suffixed -2, -3... when two headings share a title."""
    base = slugify(text) or "section"
    anchor, counter = base, 2
    while anchor in taken:
        anchor, counter = f"{base}-{counter}", counter + 1
    taken.add(anchor)
    return anchor


def build_outline(body) -> Outline:
    """Walk the blocks of a body (StreamValue or any iterable of blocks) in order."""
    blocks = list(body)
    notes_by_marker = {
        block.value["marker"]: block.value["text"]
        for block in blocks
        if block.block_type == "footnote"
    }
    outline = Outline()
    numbers: dict[str, int] = {}
    taken_anchors: set[str] = set()

    def cite(match: re.Match) -> str:
        marker = match.group(1)
        if marker not in notes_by_marker:
            return match.group(0)  # left visible so an editor notices the missing note
        first_time = marker not in numbers
        if first_time:
            numbers[marker] = len(numbers) + 1
        number = numbers[marker]
        ref_id = f' id="footnote-ref-{number}"' if first_time else ""
        return (
            f'<sup class="footnote-ref"{ref_id}><a href="#footnote-{number}" '
            f'aria-label="Footnote {number}">{number}</a></sup>'
        )

    for block in blocks:
        if block.block_type == "heading":
            anchor = unique_anchor(block.value["text"], taken_anchors)
            outline.contents.append(
                ContentsEntry(block.value["text"], anchor, block.value["level"])
            )
            outline.items.append(OutlineItem(block, anchor=anchor))
        elif block.block_type == "paragraph":
            html = FOOTNOTE_MARKER.sub(cite, str(block.value))
            outline.items.append(OutlineItem(block, html=mark_safe(html)))  # noqa: S308
        elif block.block_type != "footnote":
            outline.items.append(OutlineItem(block))

    for marker, number in numbers.items():
        outline.footnotes.append(Footnote(number, marker, notes_by_marker[marker], True))
    # Notes never cited still appear, after the cited ones, so nothing an editor wrote is lost.
    for marker, text in notes_by_marker.items():
        if marker not in numbers:
            outline.footnotes.append(Footnote(len(outline.footnotes) + 1, marker, text, False))
    return outline
