"""Hostile inputs: the values a careless client or an attacker sends to every public form.

Each value has a name (the test id) and a line saying what it probes. `TEXT` is for text
fields and query parameters; `AMOUNTS` for money; `WRONG_TYPES` for JSON bodies, where a
scalar can arrive as a list, an object or a number. Values that cannot be encoded as UTF-8
(lone surrogates) are sent percent-encoded as raw bytes: see `urlencode_hostile`.

Stored markup is tagged with `MARKER`, so a rendered page can be searched for it: any
element, attribute or script that carries the marker means markup ran.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

MARKER = "xss7f3a"


@dataclass(frozen=True)
class Hostile:
    name: str
    value: str
    why: str

    def __str__(self):
        return self.name


TEXT = [
    Hostile("script-tag", f"<script>alert('{MARKER}')</script>", "the classic stored XSS"),
    Hostile(
        "img-onerror",
        f"<img src=x onerror=\"alert('{MARKER}')\">",
        "an event handler on a harmless-looking tag",
    ),
    Hostile(
        "attribute-break",
        f'"\' onmouseover="alert(\'{MARKER}\')" x="',
        "quotes that end an attribute the value is put in",
    ),
    Hostile(
        "tag-break",
        f"\"><svg onload=alert('{MARKER}')>",
        "closes the tag the value sits in, then opens its own",
    ),
    Hostile("javascript-url", f"javascript:alert('{MARKER}')", "a link that runs script"),
    Hostile(
        "textarea-escape",
        f"</textarea><script>alert('{MARKER}')</script>",
        "breaks out of a textarea the form re-shows",
    ),
    Hostile("sql-quote", "' OR '1'='1' --", "SQL metacharacters: a quote and a comment"),
    Hostile(
        "sql-stacked",
        "1; DROP TABLE cms_user; --",
        "a stacked statement (the ORM must bind it as a value)",
    ),
    Hostile("sql-like", "%_\\%", "LIKE wildcards and a backslash"),
    Hostile("template-syntax", "{{ 7*7 }}{% debug %}${7*7}", "template and expression syntax"),
    Hostile("long-100k", "a" * 100_000, "100,000 characters: over every max_length"),
    Hostile("long-words-10k", "word " * 2_000, "10,000 characters of words (search, slugs)"),
    Hostile("nul-byte", "before\x00after", "a NUL byte: PostgreSQL text cannot hold one"),
    Hostile("only-nul", "\x00", "nothing but a NUL byte"),
    Hostile("rtl-override", "abc\u202edcba\u202c", "right-to-left override (spoofs text)"),
    Hostile("zero-width", "a\u200bb\u200dc\ufeff", "zero-width space, joiner and BOM"),
    Hostile("combining", "Z\u0351\u0350\u0310\u0363\u036b" * 20, "stacked combining marks"),
    Hostile("emoji", "🏳️‍🌈👩🏽‍🔬🇬🇧", "multi-codepoint emoji (ZWJ sequences, flags)"),
    Hostile("astral", "𝕳𝖊𝖑𝖑𝖔 \U0010ffff", "characters outside the BMP, the last code point"),
    Hostile("lone-surrogate", "a\ud800b", "a lone surrogate: not valid UTF-8 at all"),
    Hostile("control-chars", "a\x01\x08\x0b\x1b[31mb\x7f", "control characters, ANSI escape"),
    Hostile("crlf", "a\r\nSet-Cookie: x=1\r\n\r\nb", "header injection by line breaks"),
    Hostile("whitespace-only", " \t\n\u00a0\u3000 ", "looks empty but is not"),
    Hostile("number-as-text", "1e309", "a number too large for a float"),
    Hostile("huge-int", "9" * 40, "an integer no database column holds"),
    Hostile("negative", "-1", "a negative number"),
    Hostile("superscript-digit", "²", "str.isdigit() says yes, int() says no"),
    Hostile("path-traversal", "../../../../etc/passwd", "a file path"),
]

AMOUNTS = [
    Hostile("amount-negative", "-25", "a negative gift"),
    Hostile("amount-zero", "0", "nothing at all"),
    Hostile("amount-huge", "9" * 30, "more digits than the field has"),
    Hostile("amount-exponent", "1e5", "scientific notation"),
    Hostile("amount-nan", "NaN", "not a number"),
    Hostile("amount-infinity", "Infinity", "infinity"),
    Hostile("amount-comma", "1,000.00", "a thousands separator"),
    Hostile("amount-pound-sign", "£25", "the currency sign typed in"),
    Hostile("amount-many-decimals", "25.00000001", "more decimals than pence"),
    Hostile("amount-words", "twenty", "words"),
]

# For JSON bodies and the JSON API: the wrong shape where a string or number is expected.
WRONG_TYPES = [
    Hostile("json-list", "[]", "a list"),
    Hostile("json-object", "{}", "an object"),
    Hostile("json-number", "12345678901234567890123", "a huge number"),
    Hostile("json-null", "null", "null"),
    Hostile("json-true", "true", "a boolean"),
    Hostile("json-string-nul", '"\\u0000"', "a string holding NUL (jsonb refuses it)"),
    Hostile("json-lone-surrogate", '"\\ud800"', "an escaped lone surrogate"),
    Hostile("json-deep", "[" * 5_000 + "]" * 5_000, "nesting deep enough to break a parser"),
    Hostile("json-broken", '{"id": ', "not JSON at all"),
    Hostile("json-empty", "", "an empty body"),
]

# One of each kind, for the quick sweep (every value in every field, several fields at
# once); the full sweep (HOSTILE_CORPUS=full) sends all of TEXT to each field alone.
COMPACT = [
    value
    for value in TEXT
    if value.name
    in {
        "script-tag",
        "attribute-break",
        "javascript-url",
        "sql-quote",
        "long-100k",
        "nul-byte",
        "lone-surrogate",
        "rtl-override",
        "astral",
        "control-chars",
        "superscript-digit",
        "huge-int",
    }
]

# The values that carry MARKER, for checking that stored text renders as text.
MARKUP = [value for value in TEXT if MARKER in value.value]


def as_bytes(value: str) -> bytes:
    """UTF-8, keeping lone surrogates as their raw (invalid) bytes."""
    return value.encode("utf-8", "surrogatepass")


def urlencode_hostile(data: dict) -> str:
    """Form or query-string encoding that survives lone surrogates (sent as raw bytes)."""
    return urlencode(data, doseq=True, errors="surrogatepass")
