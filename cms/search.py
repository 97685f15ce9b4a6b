"""Turning what a visitor types into something safe to hand to the database."""

import re

WORD = re.compile(r"\w+")
MAX_ID_DIGITS = 18  # a 64-bit key holds any 18-digit number


def search_words(query: str) -> str:
    """The words of a search, without the punctuation a search backend may parse.

    SQLite's full-text search reads quotes, brackets and operators as its own syntax
    and fails on them (a 500 for a search like `"><b`); PostgreSQL text cannot hold a
    NUL. Words are all a visitor's search means, so only the words are searched for.
    """
    return " ".join(WORD.findall(query))


def query_text(value: str, max_length: int = 200) -> str:
    """A text parameter from a query string, or "" if the database could not hold it.

    Query strings can carry a NUL (`?tag=%00`), which PostgreSQL refuses in any text
    comparison: a filter on it is a 500 unless it is dropped first.
    """
    value = value[:max_length]
    return "" if "\x00" in value else value


def is_row_id(value) -> bool:
    """Whether a value from a request can be a primary key: ASCII digits that fit in 64 bits.

    `str.isdigit` is not enough: it accepts '²', which `int()` refuses, and any length.
    """
    text = str(value or "")
    return text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS


# --- Results: content pages before listing pages, with highlighted snippets -----------

MAX_RESULTS = 500
SNIPPET_LENGTH = 220


def content_first(hits) -> list:
    """The hits in the backend's relevance order, content pages before listing pages.

    Index and listing pages (a blog's index, the home page) repeat the titles of the pages
    they list, so they often match best; a visitor wants the paper or post itself. A page
    type says it is a listing with `search_listing = True`. The sort is stable: relevance
    decides within each group.
    """
    from django.contrib.contenttypes.models import ContentType

    def is_listing(hit) -> bool:
        model = ContentType.objects.get_for_id(hit.content_type_id).model_class()
        return bool(getattr(model, "search_listing", False))

    return sorted(hits, key=is_listing)


def page_text(page) -> str:
    """The words of a page a snippet can quote: its summary, then its body's text."""
    from django.utils.html import strip_tags

    parts = []
    for name in ("search_description", "introduction", "intro", "summary", "hero_text"):
        value = getattr(page, name, "")
        if isinstance(value, str) and value:
            parts.append(value)
    for field in page._meta.get_fields():
        if field.name not in ("body", "steps"):
            continue
        value = getattr(page, field.name, None)
        if value is None:
            continue
        if hasattr(field, "get_searchable_content"):
            parts.extend(str(piece) for piece in field.get_searchable_content(value))
        else:
            parts.append(str(value))
    return " ".join(strip_tags(" ".join(parts)).split())


def snippet(text: str, query: str, length: int = SNIPPET_LENGTH):
    """An escaped extract of `text` around the first matched word, matches in <mark>.

    Words match at the start of a word and by their beginning ("alliance" finds
    "alliances"), case-insensitively, as the search itself does near enough. Everything
    from the page is escaped; only the <mark> tags are markup.
    """
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    words = sorted({word for word in WORD.findall(query) if len(word) > 1}, key=len, reverse=True)
    if not text:
        return ""
    if not words:
        return escape(shorten(text, 0, length))
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(word) for word in words) + r")\w*", re.I)
    first = pattern.search(text)
    start = 0 if first is None else max(0, first.start() - length // 4)
    extract = shorten(text, start, length)
    pieces, position = [], 0
    for match in pattern.finditer(extract):
        pieces.append(escape(extract[position : match.start()]))
        pieces.append(f"<mark>{escape(match.group(0))}</mark>")
        position = match.end()
    pieces.append(escape(extract[position:]))
    return mark_safe("".join(pieces))  # noqa: S308  (every piece escaped above)


def shorten(text: str, start: int, length: int) -> str:
    """`length` characters of `text` from about `start`, cut at spaces, with ellipses."""
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 30 else start
    end = start + length
    extract = text[start:end]
    if end < len(text) and " " in extract:
        extract = extract.rsplit(" ", 1)[0]
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return f"{prefix}{extract}{suffix}"
