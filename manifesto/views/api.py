"""The read-only JSON API: the live clauses and the public amendments, paginated."""

from django.core.paginator import Paginator
from django.http import JsonResponse

from cms.search import query_text
from manifesto.models import Amendment
from manifesto.views.common import require

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
    require(request, "view", page)
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
    require(request, "view", page)
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
