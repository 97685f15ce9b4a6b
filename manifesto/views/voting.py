"""What supporters do: vote, propose, discuss, report, withdraw and rewrite.

Every view here is POST-only with CSRF (or a form that posts to itself), asks the rules
(`manifesto.rules`) before it writes, and leaves the writing to `manifesto.actions`.
"""

from csp.decorators import csp_exempt
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from cms import sitewide
from manifesto import actions
from manifesto.forms import CommentForm, ProposeForm, ReportForm, UpdateAmendmentForm
from manifesto.models import Amendment, AmendmentStatus, Clause, live_manifesto_page
from manifesto.similarity import similar_amendments
from manifesto.tasks import refresh_rankings_soon
from manifesto.views import pages
from manifesto.views.common import (
    amendment_or_404,
    back,
    page_context,
    refused,
    require,
    wants_json,
)
from manifesto.views.listing import clause_number
from manifesto.vocabulary import words_for


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
    return record_vote(request, live_manifesto_page(page_id), amendment_id)


def record_vote(request, page, amendment_id):
    """The vote on `page` as `live_manifesto_page` found it (None: not live): the page's
    own checks (live, no view restriction that turns this visitor away), then the vote.

    Also called by the lean path (manifesto.lean_vote), which reads the page together
    with the session."""
    private = getattr(page, "in_private_section", True)  # an entry from before the flag
    if page is None or (private and not page.admits(request)):
        raise Http404("No such amendment")
    return _record_vote(request, page, amendment_id)


@require_POST
def vote_view(request, page, pk):
    """The same vote at the page's own address (older forms and links post here)."""
    return _record_vote(request, page, pk)


def _record_vote(request, page, pk):
    choice = request.POST.get("choice", "")
    try:
        fresh = actions.cast_vote_checked(page, pk, request.user, choice)
    except Amendment.DoesNotExist:
        raise Http404("No such amendment") from None
    except actions.VoteRefused as refusal:
        if wants_json(request):
            return JsonResponse({"ok": False, "error": str(refusal)}, status=400)
        messages.error(request, str(refusal))
        return back(request, f"{page.url}amendment/{pk}/")
    refresh_rankings_soon(page)
    counts = {
        "agree": fresh.agree_count,
        "disagree": fresh.disagree_count,
        "pass": fresh.pass_count,
    }
    if wants_json(request):
        return JsonResponse({"ok": True, "choice": choice, "counts": counts})
    messages.success(request, f"Your vote ({choice}) on amendment {pk} is recorded.")
    return back(request, f"{page.url}amendment/{pk}/")


@require_POST
def comment_view(request, page, pk):
    amendment = amendment_or_404(request, page, pk)
    require(request, "discuss", page, amendment)
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
        response = pages.amendment_view(request, page, pk, comment_form=form)
        response.status_code = 429 if limited else 400
        return response
    actions.comment(amendment, request.user, form.cleaned_data["body"])
    messages.success(request, "Thank you: your comment will appear once a moderator has read it.")
    return HttpResponseRedirect(f"{page.url}amendment/{pk}/#discussion")


@require_POST
def report_view(request, page, pk):
    amendment = amendment_or_404(request, page, pk)
    require(request, "report", page, amendment)
    form = ReportForm(request.POST, words=words_for(page.is_consultation))
    if not form.is_valid():
        return pages.amendment_view(request, page, pk, report_form=form)
    if actions.report(amendment, request.user, form.cleaned_data["reason"]):
        messages.success(request, "Thank you: moderators will look at this amendment.")
    else:
        messages.info(request, "You have already reported this amendment.")
    return HttpResponseRedirect(f"{page.url}clause/{amendment.clause.key}/")


@require_POST
def withdraw_view(request, page, pk):
    amendment = amendment_or_404(request, page, pk)
    require(request, "withdraw", page, amendment)
    try:
        actions.set_status(amendment, AmendmentStatus.WITHDRAWN, by=request.user)
    except actions.StatusChangeRefused as refusal:
        return refused(request, page, pk, refusal)
    messages.success(request, "Your amendment has been withdrawn.")
    return HttpResponseRedirect(f"{page.url}amendment/{pk}/")


@require_POST
def update_view(request, page, pk):
    """The author rewrites a needs-update amendment on today's text; old votes are cleared."""
    amendment = amendment_or_404(request, page, pk)
    require(request, "propose", page, amendment)
    if amendment.author_id != request.user.pk:
        raise PermissionDenied("Only the author can update an amendment that needs it.")
    form = UpdateAmendmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write the new wording.")
        return HttpResponseRedirect(f"{page.url}amendment/{pk}/")
    try:
        actions.rewrite(amendment, request.user, form.cleaned_data["text"])
    except actions.StatusChangeRefused as refusal:
        return refused(request, page, pk, refusal)
    messages.success(request, "Your amendment now applies to the current text.")
    return HttpResponseRedirect(f"{page.url}amendment/{pk}/")


def propose_view(request, page, key):
    clause = get_object_or_404(Clause, page=page, key=key, is_deleted=False)
    require(request, "propose", page)
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
        page_context(
            request, page, clause=clause, form=form, number=clause_number(clause), similar=similar
        ),
        status=200 if similar or request.method != "POST" else 400,
    )
