"""A clause's amendments as a listing: the orders, the fair random seed, one page of cards.

Listings pre-load what they show, so their query count does not grow with the rows.
"""

import functools

from django.core.paginator import Paginator
from django.db.models import F
from django.utils import timezone
from django.utils.http import urlencode

from manifesto import ranking_maths as ranking
from manifesto.collisions import collisions_for
from manifesto.models import OPEN_STATUSES, Amendment, Clause, Phase, Vote

AMENDMENTS_PER_PAGE = 20


SORTS = {
    "random": ("Fair random order", None),
    "common": ("Common ground", "common_ground_score"),
    "popular": ("Popular", "popular_score"),
    "bridging": ("Bridging", "bridging_score"),
    "newest": ("Newest", "created_at"),
}


# What each order means, in one line under the order links.
SORT_EXPLAINED = {
    "random": "Shown in a fair random order while voting is open, so that the first {items} "
    "get no head start: the order is shuffled again every hour (yours stays the same while "
    "you are signed in).",
    "common": "{Items} supported in the most parties first, counting each party only once "
    "enough of its supporters have voted.",
    "popular": "{Items} most voters agree with first, allowing for how few votes some have.",
    "bridging": "{Items} liked by people who usually disagree with each other first.",
    "newest": "The newest {items} first.",
}


def amendment_card_queryset(page):
    """What an amendment card shows, in one query."""
    return (
        Amendment.objects.public()
        .filter(page=page)
        .select_related("author", "author__party", "clause")
        .defer("base_text", "diff", "bridging_detail", "reason")
    )


SEED_HOURS = 1  # an address without a seed is shuffled afresh each hour


def order_seed(request) -> int:
    """The seed of a fair random order: from the address, so the page stays shareable and
    cacheable and no session is made for it.

    An address without one (the clause's plain link) takes a seed that changes every
    hour, the same for everyone meanwhile, so the plain page is cacheable too; every
    link on the page (pagination, the order links) carries the seed, so a visitor's order
    holds while they page through it.
    """
    seed = request.GET.get("seed", "")
    if seed.isascii() and seed.isdigit() and len(seed) <= 9:
        return int(seed)
    if request.user.is_authenticated:
        return request.user.pk  # the same order for a supporter on every visit
    return int(timezone.now().timestamp() // (3600 * SEED_HOURS)) % 1_000_000_000


def ordered_amendments(request, page, queryset, sort, seed=None):
    if sort == "random":
        seed = order_seed(request) if seed is None else seed
        multiplier, offset = ranking.fair_order_key(seed)
        return queryset.annotate(shuffle=(F("id") * multiplier + offset) % ranking.PRIME).order_by(
            "shuffle"
        )
    field = SORTS[sort][1]
    return queryset.order_by(F(field).desc(nulls_last=True), "-pk")


def default_sort(page) -> str:
    return "random" if page.phase in (Phase.AMENDMENTS, Phase.VOTING) else "common"


def clause_number(clause) -> int:
    return (
        Clause.objects.filter(
            page=clause.page_id, is_deleted=False, position__lt=clause.position
        ).count()
        + 1
    )


def my_votes(request, amendment_ids) -> dict[int, str]:
    if not request.user.is_authenticated:
        return {}
    return dict(
        Vote.objects.filter(voter=request.user, amendment_id__in=amendment_ids).values_list(
            "amendment_id", "choice"
        )
    )


class AmendmentListing:
    """One page of a clause's amendments in the chosen order, read only when shown."""

    def __init__(self, request, page, clause, sort, status, seed):
        self.request, self.page, self.clause = request, page, clause
        self.sort, self.status, self.seed = sort, status, seed

    @functools.cached_property
    def page_obj(self):
        queryset = amendment_card_queryset(self.page).filter(clause=self.clause).defer(None)
        queryset = queryset.defer("bridging_detail")
        if self.status == "open":
            queryset = queryset.filter(status__in=OPEN_STATUSES)
        ordered = ordered_amendments(self.request, self.page, queryset, self.sort, self.seed)
        return Paginator(ordered, AMENDMENTS_PER_PAGE).get_page(self.request.GET.get("page"))

    @functools.cached_property
    def amendments(self):
        shown = list(self.page_obj.object_list)
        votes = my_votes(self.request, [a.pk for a in shown])
        collisions = collisions_for(shown, self.clause)
        for amendment in shown:
            amendment.my_vote = votes.get(amendment.pk)
            amendment.collides = collisions.get(amendment.pk, [])
        return shown


def shared_listing_part(clause, sort, status, number, can_vote) -> str | None:
    """The name under which this list is a shared page part, or None when it is personal.

    A list with vote buttons (a voter's own choices and a CSRF token) or in a visitor's
    own random order is never shared; nor is a page number that is not a small one.
    """
    number = number or "1"
    if can_vote or sort == "random" or not number.isdigit() or len(number) > 4:
        return None
    return f"clause-{clause.pk}-{sort}-{status}-{number}"


def listing_query(sort, status, seed, **more) -> str:
    """The query string of one listing, with the seed of a random order carried along."""
    params = {"sort": sort, "status": status, **more}
    if seed is not None:
        params["seed"] = seed
    return "?" + urlencode(params)


def order_links(sort, status, seed) -> dict:
    """Links (not a form) to each order and to each status filter, marking the current."""
    return {
        "sorts": [
            (label, listing_query(key, status, seed if key == "random" else None), key == sort)
            for key, (label, _) in SORTS.items()
        ],
        "statuses": [
            (label, listing_query(sort, key, seed), key == status)
            for key, label in (("open", "Open for voting"), ("all", "All, including closed"))
        ],
    }
