"""CSV exports (the manifesto, the amendment book) and a person's manifesto data."""

import csv

from django.http import StreamingHttpResponse

from cms.spreadsheets import safe_row
from manifesto.diff import tokenize
from manifesto.models import Amendment, AmendmentComment, ManifestoPage


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, rows) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(safe_row(row)) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def manifesto_rows(page: ManifestoPage):
    yield ["number", "key", "section", "text", "source", "agree", "disagree", "pass"]
    clauses = page.live_clauses().select_related("provenance__version")
    for number, clause in enumerate(clauses, start=1):
        origin = clause.provenance
        source = "original text"
        if origin and origin.amendment_id:
            source = f"amendment {origin.amendment_id}"
        elif origin and origin.version.number > 1:
            source = "editor's edit"
        yield [
            number,
            clause.key,
            clause.section,
            clause.text,
            source,
            origin.agree if origin else "",
            origin.disagree if origin else "",
            origin.abstain if origin else "",
        ]


def amendment_book_rows(page: ManifestoPage):
    """Every public amendment: what it changes (as [-deleted-] {+inserted+}), why, figures."""
    yield [
        "id",
        "clause",
        "kind",
        "status",
        "author",
        "change",
        "proposed text",
        "reason",
        "agree",
        "disagree",
        "pass",
        "popular",
        "common ground",
        "bridging",
    ]
    amendments = (
        Amendment.objects.public()
        .filter(page=page)
        .select_related("clause", "author")
        .order_by("clause__position", "pk")
    )
    for a in amendments.iterator(chunk_size=1000):
        base = tokenize(a.base_text if a.kind != "insert_after" else "")
        change = []
        for tag, i1, i2, inserted in a.diff:
            if tag == "equal":
                change.append("".join(base[i1:i2]))
                continue
            if i2 > i1:
                change.append("[-" + "".join(base[i1:i2]) + "-]")
            if inserted:
                change.append("{+" + inserted + "+}")
        yield [
            a.pk,
            a.clause.key,
            a.get_kind_display(),
            a.get_status_display(),
            a.author.public_name if a.author_id else "A former supporter",
            "".join(change),
            a.text,
            a.reason,
            a.agree_count,
            a.disagree_count,
            a.pass_count,
            _fmt(a.popular_score),
            _fmt(a.common_ground_score),
            _fmt(a.bridging_score),
        ]


def _fmt(value):
    return "" if value is None else f"{value:.3f}"


def personal_data(user) -> dict:
    return {
        "amendments": [
            {
                "id": a.pk,
                "clause": a.clause.key,
                "text": a.text,
                "reason": a.reason,
                "status": a.status,
                "created_at": a.created_at.isoformat(),
            }
            for a in user.manifesto_amendments.select_related("clause")
        ],
        "votes": [
            {"amendment": v.amendment_id, "choice": v.choice, "at": v.updated_at.isoformat()}
            for v in user.manifesto_votes.all()
        ],
        "comments": [
            {
                "amendment": c.amendment_id,
                "body": c.body,
                "status": c.status,
                "created_at": c.created_at.isoformat(),
            }
            for c in AmendmentComment.objects.filter(author=user)
        ],
        "reports": [
            {"amendment": r.amendment_id, "reason": r.reason} for r in user.manifesto_reports.all()
        ],
    }
