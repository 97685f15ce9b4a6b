"""Moderation and editing (server-checked; the admin has the same actions as bulk actions)."""

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from cms.search import is_row_id
from manifesto import actions
from manifesto.forms import StatusForm
from manifesto.merge import apply_edits, clean_note, collision_report
from manifesto.models import OPEN_STATUSES, Amendment, AmendmentStatus
from manifesto.rules import can
from manifesto.views.common import amendment_or_404, back, page_context, refused, require


def moderate_view(request, page):
    require(request, "moderate", page)
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
        page_context(
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
    amendment = amendment_or_404(request, page, pk)
    require(request, "moderate", page, amendment)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(e) for e in form.errors.values()))
        return back(request, f"{page.url}amendment/{pk}/")
    try:
        actions.change_status(amendment, request.user, **form.cleaned_data)
    except actions.StatusChangeRefused as refusal:
        return refused(request, page, pk, refusal)
    except Amendment.DoesNotExist:
        raise Http404("No such amendment to point at")
    messages.success(request, f"Amendment {pk}: {amendment.get_status_display()}.")
    return back(request, f"{page.url}amendment/{pk}/")


@require_POST
def merge_view(request, page):
    """The public moderation page's merge: never in one click, it goes to the admin's
    preview of what the merge will change, where the moderator confirms (or not)."""

    require(request, "merge", page)
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


def edit_text_view(request, page):
    """Editors change wording directly or add clauses; every save is a new version."""

    require(request, "edit_text", page)
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
        page_context(request, page, clauses=clauses, errors=errors),
        status=400 if errors else 200,
    )
