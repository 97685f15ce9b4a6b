"""The manifesto's reading pages: the text, a clause, an amendment, where we agree."""

import functools

from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from manifesto import agreement, rules, written_reads
from manifesto import ranking_maths as ranking
from manifesto.collisions import listed_collisions
from manifesto.forms import CommentForm, ReportForm, StatusForm, UpdateAmendmentForm
from manifesto.models import (
    OPEN_STATUSES,
    PUBLIC_STATUSES,
    Amendment,
    AmendmentStatus,
    Clause,
    ManifestoPage,
)
from manifesto.rules import can
from manifesto.views.common import amendment_or_404, page_context, require
from manifesto.views.listing import (
    SORT_EXPLAINED,
    SORTS,
    AmendmentListing,
    amendment_card_queryset,
    clause_number,
    default_sort,
    listing_query,
    my_votes,
    order_links,
    order_seed,
    shared_listing_part,
)
from manifesto.vocabulary import words_for


def manifesto_index(request, page: ManifestoPage):
    """The text with, per clause, its open-amendment count and leading amendments.

    The leading amendments are the ones the ranking task stored on each clause, so this
    page costs the same few queries however many amendments there are. The clause list
    holds nothing personal, so it is a shared page part for a few seconds (its figures
    stay that fresh): its queries run only when it is rendered (`clauses` is lazy).
    """
    require(request, "view", page)
    return render(
        request,
        "manifesto/manifesto_page.html",
        page_context(
            request,
            page,
            clauses=functools.cache(lambda: clauses_with_leading_amendments(page)),
            version=page.current_version,
            can_edit_text=can(request.user, "edit_text", page),
            can_moderate=can(request.user, "moderate", page),
        ),
    )


def clauses_with_leading_amendments(page: ManifestoPage) -> list[Clause]:
    clauses = list(
        page.live_clauses().select_related("provenance__amendment__author", "provenance__version")
    )
    counts = dict(
        Amendment.objects.filter(page=page, status__in=OPEN_STATUSES, is_hidden=False)
        .values_list("clause_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    leading_ids = [pk for clause in clauses for pk in clause.leading_amendment_ids]
    leading = {
        a.pk: a
        for a in amendment_card_queryset(page).filter(pk__in=leading_ids, status__in=OPEN_STATUSES)
    }
    for clause in clauses:
        clause.open_amendments = counts.get(clause.pk, 0)
        clause.leading = [leading[pk] for pk in clause.leading_amendment_ids if pk in leading]
    return clauses


def clause_view(request, page: ManifestoPage, key: str):
    require(request, "view", page)
    clause = written_reads.numbered_clause_on_page(page.pk, key)
    if clause is None:
        raise Http404("No such clause")
    sort = request.GET.get("sort") or default_sort(page)
    if sort not in SORTS:
        sort = default_sort(page)
    status = "open" if request.GET.get("status", "open") == "open" else "all"
    seed = order_seed(request) if sort == "random" else None
    can_vote = can(request.user, "vote", page)
    mine_pending = []
    if request.user.is_authenticated:
        mine_pending = list(
            Amendment.objects.filter(
                clause=clause,
                author=request.user,
                status__in=[AmendmentStatus.SUBMITTED, AmendmentStatus.NEEDS_UPDATE],
            ).only("pk", "status", "text", "kind")
        )
    return render(
        request,
        "manifesto/clause.html",
        page_context(
            request,
            page,
            clause=clause,
            number=clause.number,
            listing=AmendmentListing(request, page, clause, sort, status, seed),
            listing_part=shared_listing_part(
                clause, sort, status, request.GET.get("page"), can_vote
            ),
            sort=sort,
            order_links=order_links(sort, status, seed),
            sort_explained=SORT_EXPLAINED[sort].format(
                items=words_for(page.is_consultation)["items"],
                Items=words_for(page.is_consultation)["Items"],
            ),
            listing_query=listing_query(sort, status, seed),
            status=status,
            mine_pending=mine_pending,
            can_vote=can_vote,
            can_propose=can(request.user, "propose", page),
        ),
    )


def amendment_view(request, page, pk, comment_form=None, report_form=None):
    require(request, "view", page)
    amendment = amendment_or_404(request, page, pk)
    user = request.user
    reader_id = user.pk if user.is_authenticated else None
    comments = written_reads.comments_shown(amendment.pk, reader_id)
    groups = (amendment.common_ground_detail or {}).get("groups", {})
    amendment.my_vote = my_votes(request, [amendment.pk]).get(amendment.pk)
    can_vote = rules.can_vote(user, page, amendment)
    shared = shared_amendment_part(amendment, can_vote)
    return render(
        request,
        "manifesto/amendment.html",
        page_context(
            request,
            page,
            amendment=amendment,
            clause=amendment.clause,
            comments=comments,
            party_groups=sorted(groups.items()),
            collisions=functools.cache(lambda: listed_collisions(amendment)),
            change_part=shared and f"{shared}-change",
            results_part=shared and f"{shared}-results",
            # The forms are built only if the page shows them (most visitors see none).
            comment_form=comment_form or functools.cache(CommentForm),
            report_form=report_form
            or functools.cache(lambda: ReportForm(words=words_for(page.is_consultation))),
            update_form=functools.cache(
                lambda: UpdateAmendmentForm(initial={"text": amendment.clause.text})
            ),
            can_vote=can_vote,
            can_discuss=can(user, "discuss", page, amendment),
            can_report=can(user, "report", page, amendment),
            can_withdraw=rules.can_withdraw(user, page, amendment),
            can_update=rules.can_rewrite(user, page, amendment),
            can_moderate=can(user, "moderate", page, amendment),
            status_form=functools.cache(StatusForm),
            not_enough=ranking.NOT_ENOUGH_CROSS_PARTY,
        ),
    )


def shared_amendment_part(amendment, can_vote) -> str | None:
    """The name under which an amendment's change and figures are a shared page part, or None.

    Shared, for a few seconds (its figures stay that fresh), with everyone who sees it
    without vote buttons; only while it is public, since a change to an amendment the
    public cannot see purges nothing (`manifesto.apps`). Its collisions are read only
    when the part is rendered.
    """
    if can_vote or amendment.is_hidden or amendment.status not in PUBLIC_STATUSES:
        return None
    return f"amendment-{amendment.pk}"


def where_we_agree_view(request, page, key=None):
    """Broad agreement, what divides, and how the opinion groups vote, for a manifesto or
    one of its clauses (manifesto.agreement)."""
    require(request, "view", page)
    clause = get_object_or_404(Clause, page=page, key=key) if key else None
    amendments = list(agreement.open_amendments(page, clause))
    broad, divided = agreement.broad_and_divided(amendments, page.common_ground_min_votes_per_party)
    figures = agreement.opinion_group_figures(page, clause)
    return render(
        request,
        "manifesto/where_we_agree.html",
        page_context(
            request,
            page,
            clause=clause,
            number=clause_number(clause) if clause else None,
            broad=broad,
            divided=divided,
            group_sizes=figures["sizes"],
            group_rows=agreement.opinion_group_rows(figures, amendments),
        ),
    )


def how_ranking_works_view(request, page):
    """The ranking method in plain words, with this manifesto's own thresholds, and the maths."""
    require(request, "view", page)
    return render(
        request,
        "manifesto/how_ranking_works.html",
        page_context(
            request,
            page,
            credible_percent=round(ranking.CREDIBLE_LEVEL * 100),
            lower_percent=round((1 - ranking.CREDIBLE_LEVEL) * 100),
            factor_lambda=ranking.FACTOR_LAMBDA,
            intercept_lambda=round(ranking.FACTOR_LAMBDA * ranking.INTERCEPT_MULTIPLIER, 2),
            intercept_multiplier=round(ranking.INTERCEPT_MULTIPLIER),
            tolerance=ranking.TOLERANCE,
            max_iterations=ranking.MAX_ITERATIONS,
            axis_low=round(ranking.AXIS_QUANTILES[0] * 100),
            axis_high=round(ranking.AXIS_QUANTILES[1] * 100),
        ),
    )
