"""Site search: the pages matching a visitor's words, ranked once, shown ten at a time.

The cost of a search is the ranking: PostgreSQL scores every page that matches (a common
word matches nearly all of them), so the ranked list is read as bare (id, page type) rows,
never as page objects, and only the ten pages shown are then read in full for their
extracts. The whole list of results for one search and page number holds nothing personal,
so the template keeps it as a shared page part (`shared_part`) until content changes:
a second visitor, signed in or not, asking the same thing reads it from the cache.
(The page cache already stores one search page per query for anonymous visitors, so a
part per query adds no new way to fill the cache.)
"""

import hashlib
from dataclasses import dataclass
from functools import cached_property

from django.core.paginator import Paginator
from django.utils.http import urlencode
from wagtail.models import Page

from cms.models.pages import SitePageQuerySet
from cms.search import MAX_RESULTS, content_first, page_text, search_words, snippet

RESULTS_PER_PAGE = 10
SHARED_PAGE_NUMBERS = 4  # digits: a page number longer than this is rendered afresh


@dataclass(frozen=True)
class Hit:
    """One matching page as the ranking returns it: enough to order and to count."""

    pk: int
    content_type_id: int


def ranked_hits(words: str) -> list[Hit]:
    """The live, public pages matching `words`, best first, content before listings.

    Wagtail's database backend ranks in SQL; its queryset (`get_queryset`, on the
    PostgreSQL and SQLite backends alike) is read as two columns, which spares building
    up to MAX_RESULTS page objects (each a ClusterableModel, costly to construct) that
    the page would throw away. Another backend's results are read as it gives them.
    """
    found = SitePageQuerySet(Page).live().public().search(words)[:MAX_RESULTS]
    ranked = getattr(found, "get_queryset", None)
    if ranked is None:
        rows = [(page.pk, page.content_type_id) for page in found]
    else:
        rows = ranked().values_list("pk", "content_type_id")
    return content_first([Hit(pk, content_type_id) for pk, content_type_id in rows])


class SearchResults:
    """One page of results for what a visitor typed, read only when shown."""

    def __init__(self, query: str, number: str | None, host: str = ""):
        self.query, self.host = query, host
        self.words = search_words(query)
        self.number = number

    @cached_property
    def shared_part(self) -> str | None:
        """The name of this page of results as a shared page part, or None.

        Keyed by the host (links to another site's pages are absolute, and the menu is
        the site's own), the whole query (the extracts mark its words and the page
        repeats it) and the page number; a page number that is not a few digits is
        rendered afresh.
        """
        number = self.number or "1"
        if not self.words or not number.isdigit() or len(number) > SHARED_PAGE_NUMBERS:
            return None
        digest = hashlib.sha256(f"{self.host}\0{self.query}\0{number}".encode()).hexdigest()[:32]
        return f"search-{digest}"

    @cached_property
    def page_obj(self):
        hits = ranked_hits(self.words) if self.words else []
        return Paginator(hits, RESULTS_PER_PAGE).get_page(self.number)

    @cached_property
    def shown(self) -> list[dict]:
        """The shown pages, each with its extract: one query per page type among them."""
        ids = [hit.pk for hit in self.page_obj]
        pages = {page.pk: page for page in SitePageQuerySet(Page).filter(pk__in=ids).specific()}
        return [
            {"page": pages[pk], "snippet": snippet(page_text(pages[pk]), self.query)}
            for pk in ids
            if pk in pages
        ]

    def link(self, number: int) -> str:
        """A page of these results: only the query and the page number, whatever else the
        address carried, since the list is shared."""
        return "?" + urlencode({"query": self.query, "page": number})

    @property
    def previous_link(self) -> str | None:
        page = self.page_obj
        return self.link(page.previous_page_number()) if page.has_previous() else None

    @property
    def next_link(self) -> str | None:
        page = self.page_obj
        return self.link(page.next_page_number()) if page.has_next() else None
