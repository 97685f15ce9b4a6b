from django.apps import AppConfig


class ManifestoConfig(AppConfig):
    name = "manifesto"
    verbose_name = "Manifesto"

    def ready(self):
        from cms.accounts import PERSONAL_DATA_EXPORTERS
        from cms.roles import EDITORS, MODERATORS, grant
        from manifesto import rules, signals  # noqa: F401  (registers permissions, receivers)
        from manifesto.exports import personal_data
        from manifesto.models import ManifestoPage
        from manifesto.views import ROUTES

        moderation = [
            "manifesto.view_amendment",
            "manifesto.change_amendment",
            "manifesto.merge_amendment",
            "manifesto.view_vote",
            "manifesto.view_manifestoversion",
            "manifesto.view_amendmentcomment",
            "manifesto.change_amendmentcomment",
            "manifesto.view_report",
        ]
        grant(MODERATORS, moderation)
        grant(EDITORS, [*moderation, "manifesto.change_manifestoversion"])
        PERSONAL_DATA_EXPORTERS["manifesto"] = personal_data
        register_public_text()
        ManifestoPage.route_to(ROUTES)


def register_public_text() -> None:
    """What the manifesto shows the public besides its pages: a change purges the page cache.

    An amendment is public once screened and not hidden; its discussion once approved.
    Clauses and versions change only by merges and editors' edits (rare): any save
    purges. Votes do not: the pages that show vote figures live a few seconds.
    """
    from cms.cache import purge_on
    from cms.moderation import PUBLIC_TEXT_FIELDS, is_public_text
    from manifesto.models import (
        PUBLIC_STATUSES,
        Amendment,
        AmendmentComment,
        AmendmentStatusChange,
        Clause,
        ManifestoPage,
        ManifestoVersion,
    )

    def amendment_shown(amendment) -> bool:
        return amendment.status in PUBLIC_STATUSES and not amendment.is_hidden

    purge_on(
        Amendment,
        [
            "status",
            "is_hidden",
            "text",
            "reason",
            "kind",
            "author",
            "status_reason",
            "duplicate_of",
            "clause",
        ],
        shown=amendment_shown,
    )
    purge_on(AmendmentComment, PUBLIC_TEXT_FIELDS, shown=is_public_text)
    purge_on(Clause)
    purge_on(ManifestoVersion)
    # A decision on an amendment changes the public pages and the amendment book (PDF).
    purge_on(AmendmentStatusChange)
    # A saved manifesto page (its phase dates, its rules) is what every vote reads
    # (`live_manifesto_page`), even before it is published again.
    purge_on(ManifestoPage)
