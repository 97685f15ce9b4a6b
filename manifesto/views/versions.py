"""The text's versions: history, comparison, print, and the exports."""

from django.http import Http404, HttpResponse
from django.shortcuts import render

from manifesto.book import build_pdf
from manifesto.diff import compare_rows
from manifesto.exports import amendment_book_rows, csv_response, manifesto_rows
from manifesto.views.common import page_context, require


def history_view(request, page):
    require(request, "view", page)
    versions = page.versions.select_related("created_by").order_by("-number")
    return render(request, "manifesto/history.html", page_context(request, page, versions=versions))


def compare_view(request, page):
    """Any two versions side by side as a word diff, clause by clause (matched by key)."""
    require(request, "view", page)
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
        page_context(
            request, page, old=old, new=new, versions=versions, rows=compare_rows(old, new)
        ),
    )


def print_view(request, page):
    require(request, "view", page)
    clauses = page.live_clauses().select_related(
        "provenance__amendment__author", "provenance__version"
    )
    return render(
        request,
        "manifesto/print.html",
        page_context(request, page, clauses=clauses, version=page.current_version),
    )


def export_manifesto_csv(request, page):
    require(request, "view", page)
    return csv_response(f"{page.slug}.csv", manifesto_rows(page))


def export_amendment_book_csv(request, page):
    require(request, "view", page)
    return csv_response(f"{page.slug}-amendments.csv", amendment_book_rows(page))


def export_amendment_book_pdf(request, page):
    """The amendment book as a PDF with line numbers (`manifesto.book`)."""

    require(request, "view", page)
    response = HttpResponse(build_pdf(page), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{page.slug}-amendment-book.pdf"'
    return response
