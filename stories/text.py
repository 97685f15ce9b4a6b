"""Rules for the plain text people send in stories: fingerprints, link counts, safe rendering.

Stories are stored as the plain text the public typed (never HTML) and turned into
paragraphs with escaped text and auto-linked addresses only when shown. Keeping this
logic free of requests and models makes it easy to test on its own.
"""

import hashlib
import re
import unicodedata

from django.utils.html import linebreaks, urlize
from django.utils.safestring import SafeString, mark_safe

# Addresses people write: with a scheme, or starting with www.
LINK_PATTERN = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_for_fingerprint(text: str) -> str:
    """The words of a text, in order, ignoring case, accents' forms, punctuation and spacing.

    Two submissions that differ only in whitespace, capitals or punctuation count as the same.
    """
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(NON_WORD.sub(" ", text).split())


def fingerprint(text: str) -> str:
    """A SHA-256 hex digest of the normalised text ('' for a text with no words)."""
    normalised = normalise_for_fingerprint(text)
    if not normalised:
        return ""
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def count_links(text: str) -> int:
    return len(LINK_PATTERN.findall(text or ""))


def render_story_text(text: str) -> SafeString:
    """Plain text as HTML paragraphs: everything escaped, addresses made into nofollow links."""
    linked = urlize(text or "", nofollow=True, autoescape=True)
    linked = linked.replace('rel="nofollow"', 'rel="nofollow ugc noopener"')
    return mark_safe(linebreaks(linked, autoescape=False))  # noqa: S308 (escaped by urlize)
