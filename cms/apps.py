from django.apps import AppConfig

REPLY_MODERATION_PERMISSIONS = [
    "cms.view_pagereply",
    "cms.change_pagereply",
    "cms.delete_pagereply",
]
AUTHOR_PERMISSIONS = ["cms.add_author", "cms.change_author", "cms.delete_author", "cms.view_author"]


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Site"

    def ready(self):
        from cms import auth_backends, cache, figures, roles, signals  # noqa: F401
        from cms.accounts import PERSONAL_DATA_EXPORTERS
        from cms.spreadsheets import guard_wagtail_csv_exports

        roles.grant(roles.MODERATORS, REPLY_MODERATION_PERMISSIONS)
        roles.grant(roles.EDITORS, [*REPLY_MODERATION_PERMISSIONS, *AUTHOR_PERMISSIONS])
        PERSONAL_DATA_EXPORTERS["page_replies"] = export_page_replies
        roles.connect()
        cache.connect()
        figures.connect()
        auth_backends.connect()
        guard_wagtail_csv_exports()


def export_page_replies(user) -> list[dict]:
    """Every reply a person wrote, with its moderation status (part of their data download)."""
    from cms.models import PageReply

    return [
        {
            "page": reply.page.title,
            "in_reply_to": reply.parent_id,
            "body": reply.body,
            "status": reply.status,
            "created_at": reply.created_at.isoformat(),
        }
        for reply in PageReply.objects.filter(author=user).select_related("page")
    ]
