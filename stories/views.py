"""The public sub-views of the stories index: the library, the form and the summary.

They are plain functions called from `StoriesIndexPage`'s routes, so the index page
stays a thin list of URLs and each view can be read (and tested) on its own.
"""

import functools
import re
from functools import partial

from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Prefetch, When
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject
from django_ratelimit.core import is_ratelimited

from cms.models import Party
from cms.regions import Region
from cms.search import search_words
from stories import charts
from stories.forms import FILES_NOT_KEPT, StoryFilterForm, StorySubmissionForm
from stories.models import (
    Arrangement,
    Outcome,
    Place,
    StoryPage,
    facet_counts,
    story_limits,
    with_card_photos,
)
from stories.submission import DuplicateStory
from stories.submission import submit_story as create_story_in_review

# Filter name -> the field its values are counted on.
FACET_FIELDS = {
    "region": "region",
    "place": "place",
    "party": "parties",
    "arrangement": "arrangement",
    "outcome": "outcome",
    "year": "year",
}
MAX_SEARCH_HITS = 1000


def apply_filters(queryset, filters: dict, skip: str | None = None):
    """Narrow the stories by every chosen filter (AND), leaving out `skip` (for its counts)."""
    for name, lookup in FACET_FIELDS.items():
        value = filters.get(name)
        if name != skip and value not in (None, ""):
            queryset = queryset.filter(**{lookup: value})
    return queryset


def restrict_to_search(queryset, query: str):
    """Stories matching the words, ordered by relevance (Wagtail search on the live stories)."""
    words = search_words(query)
    if not words:
        return queryset.none(), None
    hits = StoryPage.objects.live().public().only("pk").search(words)[:MAX_SEARCH_HITS]
    ids = [hit.pk for hit in hits]
    if not ids:
        return queryset.none(), None
    relevance = Case(
        *[When(pk=pk, then=position) for position, pk in enumerate(ids)],
        output_field=IntegerField(),
    )
    return queryset.filter(pk__in=ids), relevance


def listing_queryset(queryset):
    """What each row of the library shows, loaded in a fixed number of queries."""
    return with_card_photos(
        queryset.select_related("place").prefetch_related(
            Prefetch("parties", queryset=Party.objects.order_by("sort_order", "name"))
        )
    )


def story_library(request, index):
    """The library: filters with counts, and the matching stories, a page at a time.

    With only plain filters in the address (no search words), everything below the
    page's introduction is a shared page part, and its queries run only when it is
    rendered: every value in the context is read lazily from `library_listing`.
    """
    listing = functools.cache(lambda: library_listing(request, index))
    context = {
        "page": index,
        "self": index,
        **{name: SimpleLazyObject(partial(lambda n: listing()[n], name)) for name in LISTED},
        "library_part": shared_library_part(request.GET),
    }
    return TemplateResponse(request, "stories/stories_index_page.html", context)


LISTED = ("filter_form", "stories", "query", "facets", "any_filter")
PLAIN_VALUE = re.compile(r"[-\w]{1,60}")


def shared_library_part(params) -> str | None:
    """The shared part for these filters, or None if the address has anything else.

    Only the filters and the page number, one plain value each: search words and odd
    values render afresh, so no visitor's text reaches a part others are shown.
    """
    allowed = {*FACET_FIELDS, "page"}
    if not set(params) <= allowed or any(len(params.getlist(name)) != 1 for name in params):
        return None
    if not all(PLAIN_VALUE.fullmatch(params[name]) for name in params):
        return None
    return "library:" + "&".join(f"{name}={params[name]}" for name in sorted(params))


def library_listing(request, index) -> dict:
    published = index.published_stories()
    years = published.order_by("-year").values_list("year", flat=True).distinct()
    form = StoryFilterForm(request.GET or None, years=list(years))
    form.is_valid()
    filters = getattr(form, "cleaned_data", {})  # the valid filters; a bad one is ignored alone
    query = filters.get("q", "")

    scope, relevance = published, None
    if query:
        scope, relevance = restrict_to_search(published, query)
    stories = apply_filters(scope, filters)
    ordering = [relevance, "-first_published_at"] if relevance is not None else []
    stories = listing_queryset(stories).order_by(*ordering, "-first_published_at", "-pk")
    return {
        "filter_form": form,
        "stories": Paginator(stories, story_limits(request).per_page).get_page(
            request.GET.get("page")
        ),
        "query": query,
        "facets": facet_options(
            scope, filters, {name: request.GET.get(name, "") for name in FACET_FIELDS}
        ),
        "any_filter": any(filters.get(name) not in (None, "") for name in FACET_FIELDS),
    }


def facet_options(scope, filters: dict, chosen: dict) -> dict:
    """For each filter, its values with how many stories each would give (one query per filter).

    Counts for a filter take every *other* chosen filter into account, so each number is
    what choosing that value would show. `chosen` holds the raw values from the URL.
    """
    counts = {
        name: facet_counts(apply_filters(scope, filters, skip=name), field)
        for name, field in FACET_FIELDS.items()
    }
    places = Place.objects.filter(pk__in=counts["place"].keys())
    parties = Party.objects.filter(pk__in=counts["party"].keys())
    values = {
        "region": [
            (value, label, counts["region"].get(value, 0)) for value, label in Region.choices
        ],
        "place": [(place.slug, place.name, counts["place"][place.pk]) for place in places],
        "party": [(party.slug, party.name, counts["party"][party.pk]) for party in parties],
        "arrangement": [
            (value, label, counts["arrangement"].get(value, 0))
            for value, label in Arrangement.choices
        ],
        "outcome": [
            (value, label, counts["outcome"].get(value, 0)) for value, label in Outcome.choices
        ],
        "year": [
            (year, year, total) for year, total in sorted(counts["year"].items(), reverse=True)
        ],
    }
    return {
        name: [
            {
                "value": value,
                "label": label,
                "count": count,
                "selected": str(value) == chosen.get(name, ""),
            }
            for value, label, count in options
        ]
        for name, options in values.items()
    }


def submission_rate_limited(request) -> bool:
    """Count this POST against the per-address and (if signed in) per-account limits."""
    limits = story_limits(request)
    by_address = is_ratelimited(
        request,
        group="stories.submit.ip",
        key="ip",
        rate=limits.submit_rate_per_ip,
        method="POST",
        increment=True,
    )
    by_account = request.user.is_authenticated and is_ratelimited(
        request,
        group="stories.submit.account",
        key="user",
        rate=limits.submit_rate_per_account,
        method="POST",
        increment=True,
    )
    return bool(by_address or by_account)


def submit_story(request, index):
    story_settings = story_limits(request)
    if not request.user.has_perm("stories.submit_story", story_settings):
        response = TemplateResponse(
            request,
            "stories/submission_closed.html",
            {"page": index, "self": index},
            status=403 if request.method == "POST" else 200,
        )
        add_never_cache_headers(response)
        return response

    status = 200
    if request.method == "POST":
        limited = submission_rate_limited(request)
        # Over the limit, the photos are not even opened: the form only shows what was typed.
        files = None if limited else request.FILES
        form = StorySubmissionForm(request.POST, files, user=request.user, limits=story_settings)
        if limited:
            status = 429
            form.add_error(
                None,
                "You have sent several stories in a short time, so this one was not sent. "
                "Please wait an hour and send it again: what you typed is still here."
                + FILES_NOT_KEPT,
            )
        elif form.is_valid():
            try:
                story = create_story_in_review(index, form.cleaned_data, request.user)
            except DuplicateStory:
                form.add_error("body", "We already have a story with exactly this text.")
            else:
                request.session["stories_last_reference"] = story.reference
                return redirect(index.url + index.reverse_subpage("thanks"))
        if form.has_error("website"):
            form.add_error(None, "This form could not be accepted. Please try again later.")
        form.add_files_not_kept_note()
    else:
        form = StorySubmissionForm(user=request.user, limits=story_settings)

    response = TemplateResponse(
        request,
        "stories/submit.html",
        {"page": index, "self": index, "form": form, "story_settings": story_settings},
        status=status,
    )
    add_never_cache_headers(response)
    return response


def story_thanks(request, index):
    """After sending a story: its reference, shown only to the visitor who sent it."""
    reference = request.session.get("stories_last_reference")
    if not reference:
        return redirect(index.url + index.reverse_subpage("submit"))
    response = TemplateResponse(
        request, "stories/thanks.html", {"page": index, "reference": reference}
    )
    add_never_cache_headers(response)  # it shows this visitor's own reference
    return response


def alliances_at_a_glance(request, index):
    published = index.published_stories()
    by_arrangement = charts.cross_table(published, "arrangement", Arrangement.choices)
    by_outcome = charts.cross_table(published, "outcome", Outcome.choices)
    context = {
        "page": index,
        "self": index,
        "by_arrangement": by_arrangement,
        "by_outcome": by_outcome,
        "chart": charts.fluid_bar_chart(by_arrangement),
    }
    return TemplateResponse(request, "stories/at_a_glance.html", context)
