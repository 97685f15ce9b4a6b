"""The manifesto's public pages, served as routes of `ManifestoPage` (RoutablePageMixin).

Every state-changing view is POST-only with CSRF and asks `manifesto.rules.can` first;
listings pre-load what they show so their query count does not grow with the rows.
"""

import functools

from csp.decorators import csp_exempt
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from cms import sitewide
from cms.search import is_row_id, query_text
from manifesto import actions, agreement
from manifesto import diff as worddiff
from manifesto import ranking_maths as ranking
from manifesto.exports import amendment_book_rows, csv_response, manifesto_rows
from manifesto.forms import (
    CommentForm,
    ProposeForm,
    ReportForm,
    StatusForm,
    UpdateAmendmentForm,
)
from manifesto.merge import clean_note, collision_report
from manifesto.models import (
    OPEN_STATUSES,
    Amendment,
    AmendmentComment,
    AmendmentStatus,
    Clause,
    ManifestoPage,
    Phase,
    Vote,
    live_manifesto_page,
    spans_collide,
)
from manifesto.rules import can
from manifesto.similarity import similar_amendments
from manifesto.tasks import refresh_rankings_soon
from manifesto.vocabulary import words_for

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


def _require(request, action, page, amendment=None):
    if not can(request.user, action, page, amendment):
        raise PermissionDenied(_refusal_message(request.user))


def _refusal_message(user) -> str:
    if not user.is_authenticated:
        return "Sign in as a verified supporter to do this."
    return "This is not open to you in the current phase."


def _context(request, page, **extra):
    words = words_for(page.is_consultation)
    phase = page.phase
    return {
        "page": page,
        "self": page,
        "request": request,
        "base": page.get_url(request),
        "phase": phase,
        "phase_label": words["phases"][phase],
        "words": words,
        "min_votes": page.common_ground_min_votes_per_party,
        **extra,
    }


def amendment_card_queryset(page):
    """What an amendment card shows, in one query."""
    return (
        Amendment.objects.public()
        .filter(page=page)
        .select_related("author", "author__party", "clause")
        .defer("base_text", "diff", "bridging_detail", "reason")
    )


def manifesto_index(request, page: ManifestoPage):
    """The text with, per clause, its open-amendment count and leading amendments.

    The leading amendments are the ones the ranking task stored on each clause, so this
    page costs the same few queries however many amendments there are. The clause list
    holds nothing personal, so it is a shared page part for a few seconds (its figures
    stay that fresh): its queries run only when it is rendered (`clauses` is lazy).
    """
    _require(request, "view", page)
    return render(
        request,
        "manifesto/manifesto_page.html",
        _context(
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


def collisions_for(amendments, clause) -> dict[int, list[int]]:
    """For each shown amendment, the other open amendments of the clause it collides with."""
    others = list(
        Amendment.objects.filter(clause=clause, status__in=OPEN_STATUSES, is_hidden=False)
        .values_list("pk", "base_text", "kind", "span_start", "span_end")
        .order_by("pk")
    )
    result = {}
    for amendment in amendments:
        mine = (amendment.base_text, amendment.kind, amendment.span_start, amendment.span_end)
        result[amendment.pk] = [
            pk
            for pk, *theirs in others
            if pk != amendment.pk and spans_collide(mine, tuple(theirs))
        ]
    return result


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


def clause_view(request, page: ManifestoPage, key: str):
    _require(request, "view", page)
    clause = get_object_or_404(
        Clause.objects.select_related("provenance__amendment__author", "provenance__version"),
        page=page,
        key=key,
    )
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
        _context(
            request,
            page,
            clause=clause,
            number=clause_number(clause),
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


def _amendment_or_404(request, page, pk) -> Amendment:
    amendment = get_object_or_404(
        Amendment.objects.select_related("clause", "author", "author__party", "duplicate_of"),
        page=page,
        pk=pk,
    )
    amendment.page = page
    return _visible_or_404(request, page, amendment)


def _visible_or_404(request, page, amendment) -> Amendment:
    if not _may_see(request.user, amendment, lambda: can(request.user, "moderate", page)):
        raise Http404("No such amendment")
    return amendment


def _may_see(user, amendment, may_moderate) -> bool:
    """Submitted or hidden amendments exist only for their author and the moderators."""
    visible = amendment.status != AmendmentStatus.SUBMITTED and not amendment.is_hidden
    is_author = user.is_authenticated and amendment.author_id == user.pk
    return visible or is_author or may_moderate()


def amendment_view(request, page, pk, comment_form=None, report_form=None):
    _require(request, "view", page)
    amendment = _amendment_or_404(request, page, pk)
    user = request.user
    comments = AmendmentComment.objects.filter(amendment=amendment).select_related("author")
    if user.is_authenticated:
        comments = comments.filter(Q(status="approved") | Q(author=user))
    else:
        comments = comments.visible()
    groups = (amendment.common_ground_detail or {}).get("groups", {})
    collisions = collisions_for([amendment], amendment.clause)[amendment.pk]
    amendment.my_vote = my_votes(request, [amendment.pk]).get(amendment.pk)
    return render(
        request,
        "manifesto/amendment.html",
        _context(
            request,
            page,
            amendment=amendment,
            clause=amendment.clause,
            comments=comments,
            party_groups=sorted(groups.items()),
            collisions=Amendment.objects.filter(pk__in=collisions).only("pk", "text"),
            comment_form=comment_form or CommentForm(),
            report_form=report_form or ReportForm(words=words_for(page.is_consultation)),
            update_form=UpdateAmendmentForm(initial={"text": amendment.clause.text}),
            can_vote=can(user, "vote", page, amendment) and amendment.status in OPEN_STATUSES,
            can_discuss=can(user, "discuss", page, amendment),
            can_report=can(user, "report", page, amendment),
            can_withdraw=can(user, "withdraw", page, amendment)
            and amendment.status
            in (AmendmentStatus.SUBMITTED, AmendmentStatus.PUBLISHED, AmendmentStatus.NEEDS_UPDATE),
            can_update=amendment.status == AmendmentStatus.NEEDS_UPDATE
            and amendment.author_id == user.pk
            and can(user, "propose", page, amendment),
            can_moderate=can(user, "moderate", page, amendment),
            status_form=StatusForm(),
            not_enough=ranking.NOT_ENOUGH_CROSS_PARTY,
        ),
    )


def _back(request, fallback: str):
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or fallback
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = fallback
    return HttpResponseRedirect(target)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@csp_exempt()  # answers with JSON or a redirect: no page whose content needs a policy
@sitewide.not_used
@require_POST
def vote(request, page_id, amendment_id):
    """Record a vote: the forms post here, on a plain URL rather than a route of the page.

    Voting is the busiest write on the site, so it skips page routing: the live manifesto
    page comes from the shared cache, the page's own checks are made here (live, no view
    restriction that turns this visitor away), and the amendment is checked and voted on
    in one round trip (`actions.cast_vote_checked`).
    """
    page = live_manifesto_page(page_id)
    private = getattr(page, "in_private_section", True)  # an entry from before the flag
    if page is None or (private and not page.admits(request)):
        raise Http404("No such amendment")
    return _record_vote(request, page, amendment_id)


@require_POST
def vote_view(request, page, pk):
    """The same vote at the page's own address (older forms and links post here)."""
    return _record_vote(request, page, pk)


def _vote_refusal(request, page):
    """What stops this visitor voting on an amendment in a given state (None: nothing).

    Asked about every state an amendment can be in on each vote, so what does not depend
    on the amendment is worked out once: the phase, moderation rights, and the vote
    permission itself, which the rules make depend on the amendment only through whether
    this person wrote it (manifesto.rules.roles_of).
    """
    user, phase = request.user, page.phase
    may_moderate = can(user, "moderate", page, phase=phase)
    may_vote = {}  # is the author -> allowed

    def refusal(amendment):
        if not _may_see(user, amendment, lambda: may_moderate):
            return Http404("No such amendment")
        is_author = user.is_authenticated and amendment.author_id == user.pk
        if is_author not in may_vote:
            may_vote[is_author] = can(user, "vote", page, amendment, phase=phase)
        if not may_vote[is_author]:
            return PermissionDenied(_refusal_message(user))
        if amendment.status not in OPEN_STATUSES:
            return PermissionDenied("This amendment is not open for voting.")
        return None

    return refusal


def _record_vote(request, page, pk):
    choice = request.POST.get("choice", "")
    try:
        fresh = actions.cast_vote_checked(
            page, pk, request.user, choice, _vote_refusal(request, page)
        )
    except Amendment.DoesNotExist:
        raise Http404("No such amendment") from None
    except actions.VoteRefused as refusal:
        if _wants_json(request):
            return JsonResponse({"ok": False, "error": str(refusal)}, status=400)
        messages.error(request, str(refusal))
        return _back(request, f"{page.url}amendment/{pk}/")
    refresh_rankings_soon(page)
    counts = {
        "agree": fresh.agree_count,
        "disagree": fresh.disagree_count,
        "pass": fresh.pass_count,
    }
    if _wants_json(request):
        return JsonResponse({"ok": True, "choice": choice, "counts": counts})
    messages.success(request, f"Your vote ({choice}) on amendment {pk} is recorded.")
    return _back(request, f"{page.url}amendment/{pk}/")


@require_POST
def comment_view(request, page, pk):
    amendment = _amendment_or_404(request, page, pk)
    _require(request, "discuss", page, amendment)
    form = CommentForm(request.POST)
    limited = is_ratelimited(
        request,
        group="manifesto-comment",
        key="user",
        rate=settings.MANIFESTO_COMMENT_RATE,
        increment=True,
    )
    if limited:
        form.add_error(None, "You have commented a lot in the last hour. Please wait a while.")
    if limited or not form.is_valid():
        response = amendment_view(request, page, pk, comment_form=form)
        response.status_code = 429 if limited else 400
        return response
    AmendmentComment.objects.create(
        amendment=amendment, author=request.user, body=form.cleaned_data["body"]
    )
    messages.success(request, "Thank you: your comment will appear once a moderator has read it.")
    return HttpResponseRedirect(f"{page.url}amendment/{pk}/#discussion")


@require_POST
def report_view(request, page, pk):
    amendment = _amendment_or_404(request, page, pk)
    _require(request, "report", page, amendment)
    form = ReportForm(request.POST, words=words_for(page.is_consultation))
    if not form.is_valid():
        return amendment_view(request, page, pk, report_form=form)
    if actions.report(amendment, request.user, form.cleaned_data["reason"]):
        messages.success(request, "Thank you: moderators will look at this amendment.")
    else:
        messages.info(request, "You have already reported this amendment.")
    return HttpResponseRedirect(f"{page.url}clause/{amendment.clause.key}/")


@require_POST
def withdraw_view(request, page, pk):
    amendment = _amendment_or_404(request, page, pk)
    _require(request, "withdraw", page, amendment)
    try:
        actions.set_status(amendment, AmendmentStatus.WITHDRAWN, by=request.user)
    except actions.StatusChangeRefused as refused:
        return _refused(request, page, pk, refused)
    messages.success(request, "Your amendment has been withdrawn.")
    return HttpResponseRedirect(f"{page.url}amendment/{pk}/")


def _refused(request, page, pk, refused):
    """A status change the rules refuse: say why on the amendment's page, change nothing."""
    messages.error(request, str(refused))
    return _back(request, f"{page.url}amendment/{pk}/")


@require_POST
def update_view(request, page, pk):
    """The author rewrites a needs-update amendment on today's text; old votes are cleared."""
    amendment = _amendment_or_404(request, page, pk)
    _require(request, "propose", page, amendment)
    if amendment.author_id != request.user.pk:
        raise PermissionDenied("Only the author can update an amendment that needs it.")
    form = UpdateAmendmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write the new wording.")
        return HttpResponseRedirect(f"{page.url}amendment/{pk}/")
    try:
        actions.rewrite(amendment, request.user, form.cleaned_data["text"])
    except actions.StatusChangeRefused as refused:
        return _refused(request, page, pk, refused)
    messages.success(request, "Your amendment now applies to the current text.")
    return HttpResponseRedirect(f"{page.url}amendment/{pk}/")


def propose_view(request, page, key):
    clause = get_object_or_404(Clause, page=page, key=key, is_deleted=False)
    _require(request, "propose", page)
    form = ProposeForm(
        request.POST or None, current_text=clause.text, consultation=page.is_consultation
    )
    similar = []
    if request.method == "POST":
        limited = is_ratelimited(
            request,
            group="manifesto-propose",
            key="user",
            rate=settings.MANIFESTO_PROPOSE_RATE,
            increment=True,
        )
        if limited:
            form.add_error(None, "You have proposed many amendments today. Please wait a while.")
        if not limited and form.is_valid() and not request.POST.get("despite_similar"):
            similar = similar_amendments(
                clause, form.cleaned_data["kind"], form.cleaned_data["text"]
            )
        if not limited and form.is_valid() and not similar:
            amendment = actions.propose(
                page,
                clause,
                request.user,
                form.cleaned_data["kind"],
                form.cleaned_data["text"],
                form.cleaned_data["reason"],
            )
            if page.screening:
                messages.success(request, "Thank you: a moderator will publish it shortly.")
            else:
                item = words_for(page.is_consultation)["item"]
                messages.success(request, f"Thank you: your {item} is published.")
            return HttpResponseRedirect(f"{page.url}amendment/{amendment.pk}/")
    return render(
        request,
        "manifesto/propose.html",
        _context(
            request, page, clause=clause, form=form, number=clause_number(clause), similar=similar
        ),
        status=200 if similar or request.method != "POST" else 400,
    )


def where_we_agree_view(request, page, key=None):
    """Broad agreement, what divides, and how the opinion groups vote, for a manifesto or
    one of its clauses (manifesto.agreement)."""
    _require(request, "view", page)
    clause = get_object_or_404(Clause, page=page, key=key) if key else None
    amendments = list(agreement.open_amendments(page, clause))
    broad, divided = agreement.broad_and_divided(amendments, page.common_ground_min_votes_per_party)
    figures = agreement.opinion_group_figures(page, clause)
    return render(
        request,
        "manifesto/where_we_agree.html",
        _context(
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


def history_view(request, page):
    _require(request, "view", page)
    versions = page.versions.select_related("created_by").order_by("-number")
    return render(request, "manifesto/history.html", _context(request, page, versions=versions))


def compare_view(request, page):
    """Any two versions side by side as a word diff, clause by clause (matched by key)."""
    _require(request, "view", page)
    versions = list(page.versions.order_by("number"))
    if not versions:
        raise Http404("No versions yet")
    by_number = {v.number: v for v in versions}

    def pick(name, default):
        try:
            return by_number[int(request.GET.get(name, default))]
        except (KeyError, ValueError):
            return by_number[default]

    old = pick("from", max(1, versions[-1].number - 1))
    new = pick("to", versions[-1].number)
    return render(
        request,
        "manifesto/compare.html",
        _context(request, page, old=old, new=new, versions=versions, rows=compare_rows(old, new)),
    )


def compare_rows(old, new) -> list[dict]:
    """Clauses of both versions in the new order (deleted ones where they were)."""
    old_texts = {c["key"]: c["text"] for c in old.snapshot}
    new_keys = {c["key"] for c in new.snapshot}
    rows = []
    for clause in new.snapshot:
        before = old_texts.get(clause["key"])
        rows.append(
            {
                "key": clause["key"],
                "section": clause["section"],
                "state": "added"
                if before is None
                else ("same" if before == clause["text"] else "changed"),
                "html": worddiff.compare_html(before or "", clause["text"]),
            }
        )
    for clause in old.snapshot:
        if clause["key"] not in new_keys:
            rows.append(
                {
                    "key": clause["key"],
                    "section": clause["section"],
                    "state": "deleted",
                    "html": worddiff.compare_html(clause["text"], ""),
                }
            )
    return rows


def print_view(request, page):
    _require(request, "view", page)
    clauses = page.live_clauses().select_related(
        "provenance__amendment__author", "provenance__version"
    )
    return render(
        request,
        "manifesto/print.html",
        _context(request, page, clauses=clauses, version=page.current_version),
    )


def export_manifesto_csv(request, page):
    _require(request, "view", page)
    return csv_response(f"{page.slug}.csv", manifesto_rows(page))


def export_amendment_book_csv(request, page):
    _require(request, "view", page)
    return csv_response(f"{page.slug}-amendments.csv", amendment_book_rows(page))


def export_amendment_book_pdf(request, page):
    """The amendment book as a PDF with line numbers (`manifesto.book`)."""
    from django.http import HttpResponse

    from manifesto.book import build_pdf

    _require(request, "view", page)
    response = HttpResponse(build_pdf(page), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{page.slug}-amendment-book.pdf"'
    return response


def edit_text_view(request, page):
    """Editors change wording directly or add clauses; every save is a new version."""
    from manifesto.merge import apply_edits

    _require(request, "edit_text", page)
    clauses = list(page.live_clauses())
    errors = {}

    def posted(name, default=""):
        # A NUL cannot be typed or seen, and PostgreSQL cannot store it: drop it.
        return request.POST.get(name, default).replace("\x00", "").strip()

    if request.method == "POST":
        changes = {}
        for clause in clauses:
            text = posted(f"clause-{clause.key}", clause.text)
            if not text:
                errors[clause.key] = "A clause cannot be empty (propose a deletion instead)."
            changes[clause.key] = text
            clause.text = text  # keep what was typed if the form comes back
        new_text = posted("new_text")
        new_section = posted("new_section")[:120]
        if not errors:
            result = apply_edits(
                page,
                request.user,
                changes,
                posted("note")[:255],
                [(new_section, new_text)] if new_text else [],
            )
            if result is None:
                messages.info(request, "Nothing changed, so no new version was made.")
            else:
                messages.success(request, f"Version {result.version.number} saved.")
            return HttpResponseRedirect(page.get_url(request))
    return render(
        request,
        "manifesto/edit_text.html",
        _context(request, page, clauses=clauses, errors=errors),
        status=400 if errors else 200,
    )


# --- Moderation (server-checked; the admin has the same actions as bulk actions) ------


def moderate_view(request, page):
    _require(request, "moderate", page)
    pending = Amendment.objects.filter(
        Q(status=AmendmentStatus.SUBMITTED) | Q(is_hidden=True), page=page
    ).select_related("clause", "author")
    accepted = list(
        Amendment.objects.filter(page=page, status=AmendmentStatus.ACCEPTED)
        .select_related("clause", "author")
        .order_by("clause__position", "pk")
    )
    report = collision_report(accepted)
    return render(
        request,
        "manifesto/moderate.html",
        _context(
            request,
            page,
            pending=pending,
            accepted=accepted,
            collision_report=report,
            can_merge=can(request.user, "merge", page),
            status_form=StatusForm(),
        ),
    )


@require_POST
def status_view(request, page, pk):
    amendment = _amendment_or_404(request, page, pk)
    _require(request, "moderate", page, amendment)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(e) for e in form.errors.values()))
        return _back(request, f"{page.url}amendment/{pk}/")
    try:
        actions.change_status(amendment, request.user, **form.cleaned_data)
    except actions.StatusChangeRefused as refused:
        return _refused(request, page, pk, refused)
    except Amendment.DoesNotExist:
        raise Http404("No such amendment to point at")
    messages.success(request, f"Amendment {pk}: {amendment.get_status_display()}.")
    return _back(request, f"{page.url}amendment/{pk}/")


@require_POST
def merge_view(request, page):
    """The public moderation page's merge: never in one click, it goes to the admin's
    preview of what the merge will change, where the moderator confirms (or not)."""
    from django.urls import reverse

    _require(request, "merge", page)
    ids = [int(i) for i in request.POST.getlist("amendment") if is_row_id(i)]
    chosen = list(
        Amendment.objects.filter(page=page, pk__in=ids, status__in=OPEN_STATUSES).values_list(
            "pk", flat=True
        )
    )
    if not chosen:
        messages.error(request, "Choose at least one accepted amendment to merge.")
        return HttpResponseRedirect(f"{page.url}moderate/")
    query = urlencode({"amendment": chosen, "note": clean_note(request.POST.get("note", ""))}, True)
    url = reverse("manifesto_merge_preview", args=[page.pk])
    return HttpResponseRedirect(f"{url}?{query}", status=303)


# --- Read-only JSON API -------------------------------------------------------------

API_PAGE_SIZE = 50


def _paginated(request, queryset, serialise):
    try:
        size = max(1, min(200, int(request.GET.get("page_size", API_PAGE_SIZE))))
    except ValueError:
        size = API_PAGE_SIZE
    paginator = Paginator(queryset, size)
    page_obj = paginator.get_page(request.GET.get("page"))
    base = request.build_absolute_uri(request.path)

    def link(number):
        return f"{base}?page={number}&page_size={size}"

    return JsonResponse(
        {
            "count": paginator.count,
            "page": page_obj.number,
            "pages": paginator.num_pages,
            "next": link(page_obj.next_page_number()) if page_obj.has_next() else None,
            "previous": link(page_obj.previous_page_number()) if page_obj.has_previous() else None,
            "results": [serialise(item) for item in page_obj.object_list],
        }
    )


def api_clauses(request, page):
    _require(request, "view", page)
    clauses = page.live_clauses().select_related("provenance")

    def serialise(clause):
        origin = clause.provenance
        return {
            "key": clause.key,
            "section": clause.section,
            "text": clause.text,
            "source_amendment": origin.amendment_id if origin else None,
            "url": f"{page.url}clause/{clause.key}/",
        }

    return _paginated(request, clauses, serialise)


def api_amendments(request, page):
    _require(request, "view", page)
    amendments = (
        Amendment.objects.public()
        .filter(page=page)
        .select_related("clause")
        .defer("diff", "base_text")
        .order_by("pk")
    )
    if request.GET.get("clause"):
        amendments = amendments.filter(clause__key=query_text(request.GET["clause"]))

    def serialise(a):
        return {
            "id": a.pk,
            "clause": a.clause.key,
            "kind": a.kind,
            "status": a.status,
            "text": a.text,
            "reason": a.reason,
            "votes": {"agree": a.agree_count, "disagree": a.disagree_count, "pass": a.pass_count},
            "scores": {
                "popular": a.popular_score,
                "common_ground": a.common_ground_score,
                "common_ground_groups": a.common_ground_detail.get("groups", {}),
                "bridging": a.bridging_score,
            },
        }

    return _paginated(request, amendments, serialise)


def how_ranking_works_view(request, page):
    """The ranking method in plain words, with this manifesto's own thresholds, and the maths."""
    _require(request, "view", page)
    return render(
        request,
        "manifesto/how_ranking_works.html",
        _context(
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
