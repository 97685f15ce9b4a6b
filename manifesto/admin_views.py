"""The moderators' admin screens for the manifesto: what they see before they decide.

- The amendment's own screen (a Wagtail inspect view, and the same facts as a panel on its
  edit form): its text with the diff against the clause, reason, author, status history,
  votes by party (the public page's sentence and bars), rounded scores, reports and
  collisions. Decisions are made on the edit form, through `actions.set_status`.
- The merge, in two steps: a preview (`merge.plan_merge`: the merge done and rolled back)
  of what will change, then a confirmation POST that merges. A GET never merges.

Who may do what is asked of `manifesto.rules` on the server for every request.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST
from wagtail.admin.panels import Panel
from wagtail.snippets.views.snippets import IndexView, InspectView

from cms.search import is_row_id
from manifesto import actions, describe, explain
from manifesto.merge import (
    LITTLE_SUPPORT_AGREE_VOTES,
    MergeBlocked,
    clean_note,
    collision_report,
    has_little_support,
    merge_amendments,
    plan_merge,
)
from manifesto.models import (
    OPEN_STATUSES,
    Amendment,
    AmendmentComment,
    AmendmentStatus,
    ManifestoPage,
)
from manifesto.rules import can
from manifesto.tasks import queue_after_commit, recompute_rankings

# --- The amendment's facts ------------------------------------------------------------


def amendment_facts(amendment: Amendment, viewer) -> dict:
    """Everything a moderator looks at before deciding on one amendment (a fixed number
    of queries: the clause number, history, reports, collisions)."""
    page = amendment.page
    clause = amendment.clause
    number = describe.clause_numbers(page).get(clause.pk)
    min_votes = page.common_ground_min_votes_per_party
    detail = amendment.common_ground_detail
    others = list(
        Amendment.objects.filter(clause=clause, status__in=OPEN_STATUSES)
        .exclude(pk=amendment.pk)
        .select_related("clause")
        .order_by("pk")
    )
    author = amendment.author
    return {
        "amendment": amendment,
        "page": page,
        "clause": clause,
        "clause_label": describe.clause_label(clause, number),
        "summary": describe.change_summary(amendment),
        "author": author,
        "author_url": _author_url(author, viewer),
        "author_amendments_url": (
            reverse("wagtailsnippets_manifesto_amendment:list") + f"?author={author.pk}"
            if author
            else ""
        ),
        "history": list(
            amendment.status_changes.select_related("changed_by").order_by("changed_at", "pk")
        ),
        "reports": list(amendment.reports.select_related("reporter").order_by("created_at")),
        "collisions": [other for other in others if amendment.collides_with(other)],
        "pending_comments": AmendmentComment.objects.filter(
            amendment=amendment, status="pending"
        ).count(),
        "min_votes": min_votes,
        "base": page.url or "",
        "early": explain.is_early(detail, min_votes),
        "sentence": explain.support_sentence(detail, min_votes),
        "scores": [
            (
                "Across parties (common ground)",
                explain.common_ground_words(amendment.common_ground_score),
                describe.rounded(amendment.common_ground_score),
            ),
            (
                "All voters (popular)",
                explain.popular_words(amendment.popular_score),
                describe.rounded(amendment.popular_score),
            ),
            (
                "Across viewpoints (bridging)",
                explain.bridging_words(amendment.bridging_score),
                describe.rounded(amendment.bridging_score, 3),
            ),
        ],
        "little_support": has_little_support(amendment),
        "public_url": f"{page.url}amendment/{amendment.pk}/" if page.url else "",
    }


def _author_url(author, viewer) -> str:
    """The author's account in the admin, for those who may manage accounts."""
    if author is None or not viewer.has_perm("cms.change_user"):
        return ""
    return reverse("wagtailusers_users:edit", args=[author.pk])


class AmendmentFactsPanel(Panel):
    """The amendment's facts at the top of its edit form, above the decision fields."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "manifesto/admin/_amendment_facts.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context.update(amendment_facts(self.instance, self.request.user))
            context["in_edit_form"] = True  # no form of its own inside the edit form
            return context


class AmendmentIndexView(IndexView):
    """Rows say which clause and what changes: "Amendment 17 · Clause 3 (Economy): replace…"."""

    def _get_title_column(self, *args, **kwargs):
        return super()._get_title_column(*args, accessor=describe.row_title, **kwargs)


class AmendmentInspectView(InspectView):
    template_name = "manifesto/admin/amendment_inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Amendment.objects.select_related(
                "clause", "page", "author", "author__party", "duplicate_of", "base_version"
            ),
            pk=self.pk,
        )

    def get_page_subtitle(self):
        return f"Amendment {self.object.pk}"

    def get_fields_context(self):
        return []  # the template shows the facts below instead of a list of raw fields

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not can(self.request.user, "moderate", self.object.page):
            raise PermissionDenied
        context.update(amendment_facts(self.object, self.request.user))
        context["edit_url"] = self.get_edit_url()
        return context


@require_POST
def clear_burst_view(request, pk):
    """A moderator has looked at a burst of new accounts' votes: dismiss the flag (only
    later votes can raise it again). The votes stay counted and unscored either way."""
    amendment = get_object_or_404(Amendment.objects.select_related("page"), pk=pk)
    if not can(request.user, "moderate", amendment.page, amendment):
        raise PermissionDenied
    amendment.clear_burst_flag()
    messages.success(request, f"Amendment {amendment.pk}: the burst flag is dismissed.")
    return redirect("wagtailsnippets_manifesto_amendment:inspect", amendment.pk)


# --- The merge: choose, preview, confirm --------------------------------------------------


def _page_for(request, page_id: int, action: str) -> ManifestoPage:
    page = get_object_or_404(ManifestoPage, pk=page_id)
    if not can(request.user, action, page):
        raise PermissionDenied
    return page


def _chosen(page, values) -> list[Amendment]:
    """The chosen open amendments of this manifesto, in text order (the merge order)."""
    ids = [int(value) for value in values if is_row_id(value)]
    return list(
        Amendment.objects.filter(page=page, pk__in=ids, status__in=OPEN_STATUSES)
        .select_related("clause", "author", "page")
        .order_by("clause__position", "pk")
    )


def preview_url(page, amendment_ids, note="") -> str:
    query = urlencode({"amendment": list(amendment_ids), "note": note}, doseq=True)
    return reverse("manifesto_merge_preview", args=[page.pk]) + "?" + query


def collision_report_view(request, page_id):
    """Step 0: which accepted and open amendments touch the same words; choose what to merge.

    Choosing leads to the preview (step 1); nothing is merged from this page.
    """
    page = _page_for(request, page_id, "moderate")
    if request.method == "POST":
        if request.POST.get("recompute"):
            queue_after_commit(recompute_rankings, page.pk)
            messages.success(request, "Rankings are being recomputed.")
            return redirect(request.path)
        if not can(request.user, "merge", page):
            raise PermissionDenied
        chosen = [a.pk for a in _chosen(page, request.POST.getlist("amendment"))]
        return HttpResponseRedirect(
            preview_url(page, chosen, clean_note(request.POST.get("note", ""))), status=303
        )
    accepted = list(
        describe.with_clause_numbers(
            Amendment.objects.filter(page=page, status=AmendmentStatus.ACCEPTED)
        )
        .select_related("clause")
        .order_by("clause__position", "pk")
    )
    open_amendments = list(
        describe.with_clause_numbers(Amendment.objects.filter(page=page, status__in=OPEN_STATUSES))
        .select_related("clause")
        .order_by("clause__position", "pk")
    )
    for amendment in accepted:
        amendment.little_support = has_little_support(amendment)
    return TemplateResponse(
        request,
        "manifesto/admin/collisions.html",
        {
            "page": page,
            "accepted": accepted,
            "accepted_collisions": collision_report(accepted),
            "all_collisions": collision_report(open_amendments),
            "can_merge": can(request.user, "merge", page),
            "little_support_votes": LITTLE_SUPPORT_AGREE_VOTES,
            "preview_action": reverse("manifesto_merge_preview", args=[page.pk]),
            "header_title": f"Merge amendments: {page.title}",
            "breadcrumbs_items": _breadcrumbs(page),
        },
    )


def _breadcrumbs(page, *more) -> list[dict]:
    return [
        {"url": reverse("wagtailadmin_home"), "label": "Dashboard"},
        {"url": reverse("manifesto_merge_index"), "label": "Merge amendments"},
        {"url": reverse("manifesto_collisions", args=[page.pk]), "label": page.title},
        *more,
    ]


def merge_preview_view(request, page_id):
    """Step 1 (GET): what the merge will change, from `plan_merge`; step 2 (POST): merge.

    The confirmation carries the version the preview was made on and the amendments it
    showed: if the text has moved on since (another merge, an editor's edit) or one of them
    may no longer be merged (rejected, withdrawn meanwhile), nothing is merged and the new
    preview is shown, so a moderator only ever confirms what they saw.
    """
    page = _page_for(request, page_id, "merge")
    data = request.POST if request.method == "POST" else request.GET
    chosen = _chosen(page, data.getlist("amendment"))
    note = clean_note(data.get("note", ""))
    back = reverse("manifesto_collisions", args=[page.pk])
    if not chosen:
        messages.error(request, "Choose at least one published or accepted amendment to merge.")
        return redirect(back)
    version = page.current_version
    if request.method == "POST":
        posted = {value for value in request.POST.getlist("amendment") if is_row_id(value)}
        if str(version.number if version else 0) != request.POST.get("version", "") or (
            posted != {str(a.pk) for a in chosen}
        ):
            messages.warning(
                request,
                "The text or the amendments changed since this preview was made: nothing "
                "was merged. Check the new preview below.",
            )
            return HttpResponseRedirect(preview_url(page, [a.pk for a in chosen], note))
        try:
            result = merge_amendments(page, chosen, request.user, note)
        except (MergeBlocked, actions.StatusChangeRefused) as error:
            messages.error(request, f"Nothing merged: {error}")
            return redirect(back)
        messages.success(request, merge_message(result))
        return redirect(back)
    plan, blocked = None, None
    try:
        plan = plan_merge(page, chosen, request.user, note)
    except (MergeBlocked, actions.StatusChangeRefused) as error:
        blocked = error
    numbers = describe.clause_numbers(page)
    changes = [
        (_change_label(change, numbers), change.before, change.after)
        for change in (plan.clauses if plan else [])
    ]
    return TemplateResponse(
        request,
        "manifesto/admin/merge_preview.html",
        {
            "page": page,
            "changes": changes,
            "chosen": chosen,
            "weak": [a for a in chosen if has_little_support(a)],
            "little_support_votes": LITTLE_SUPPORT_AGREE_VOTES,
            "note": note,
            "plan": plan,
            "blocked": blocked,
            "version": version,
            "header_title": f"Merge preview: {page.title}",
            "breadcrumbs_items": _breadcrumbs(page, {"url": "", "label": "Preview"}),
            "back": back,
        },
    )


def _change_label(change, numbers) -> str:
    section = f" ({change.clause.section})" if change.clause.section else ""
    if change.inserted:
        return f"A new clause{section}"
    label = describe.clause_label(change.clause, numbers.get(change.clause.pk))
    return f"{label}: deleted" if change.deleted else label


def merge_message(result) -> str:
    return (
        f"Version {result.version.number}: {len(result.merged)} merged, "
        f"{len(result.rewritten)} rewritten, {len(result.reset)} with votes reset "
        f"({result.voters_told} voters emailed), {len(result.needs_update)} need updating, "
        f"{len(result.contained)} already in the text, {len(result.closed)} closed."
    )


# --- The dashboard -------------------------------------------------------------------


def waiting_counts() -> dict[str, int]:
    """The manifesto's share of "Waiting for moderators", in two queries."""
    amendments = Amendment.objects.aggregate(
        to_screen=Count("pk", filter=Q(status=AmendmentStatus.SUBMITTED)),
        reported=Count("pk", filter=Q(report_count__gt=0, status__in=_REPORT_STATUSES)),
        bursts=Count("pk", filter=Q(burst_flagged_at__isnull=False)),
    )
    amendments["comments"] = AmendmentComment.objects.pending().count()
    return amendments


# Reports still worth a look: on amendments that are not closed one way or another.
_REPORT_STATUSES = [
    AmendmentStatus.SUBMITTED,
    AmendmentStatus.PUBLISHED,
    AmendmentStatus.ACCEPTED,
    AmendmentStatus.NEEDS_UPDATE,
]
