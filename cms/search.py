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
