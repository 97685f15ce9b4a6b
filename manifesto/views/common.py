"""What every manifesto view shares: the permission check, the context, the way back."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from manifesto import rules, written_reads
from manifesto.models import Amendment
from manifesto.rules import can
from manifesto.vocabulary import words_for


def require(request, action, page, amendment=None):
    if not can(request.user, action, page, amendment):
        raise PermissionDenied(rules.refusal_message(request.user))


def page_context(request, page, **extra):
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


def amendment_or_404(request, page, pk) -> Amendment:
    """The amendment `pk` of `page` with its clause, author and version (its number, not
    its snapshot of the whole text), if this visitor may see it."""
    amendment = written_reads.amendment_on_page(page.pk, pk)
    if amendment is None:
        raise Http404("No such amendment")
    amendment.page = page
    return _visible_or_404(request, page, amendment)


def _visible_or_404(request, page, amendment) -> Amendment:
    if not rules.can_see(request.user, page, amendment):
        raise Http404("No such amendment")
    return amendment


def back(request, fallback: str):
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or fallback
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = fallback
    return HttpResponseRedirect(target)


def wants_json(request) -> bool:
    # From the environ itself: `request.headers` would first copy every header of the
    # request, on every vote.
    return "application/json" in request.META.get("HTTP_ACCEPT", "")


def refused(request, page, pk, refusal):
    """A status change the rules refuse: say why on the amendment's page, change nothing."""
    messages.error(request, str(refusal))
    return back(request, f"{page.url}amendment/{pk}/")
