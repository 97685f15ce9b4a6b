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
        from cms import (
            auth_backends,
            cache,
            figures,
            navigation,
            roles,
            signals,  # noqa: F401  (registers its receivers)
            sitewide,
        )
        from cms.accounts import PERSONAL_DATA_EXPORTERS
        from cms.image_limits import limit_decoded_pixels
        from cms.spreadsheets import guard_wagtail_csv_exports

        roles.grant(roles.MODERATORS, REPLY_MODERATION_PERMISSIONS)
        roles.grant(roles.EDITORS, [*REPLY_MODERATION_PERMISSIONS, *AUTHOR_PERMISSIONS])
        PERSONAL_DATA_EXPORTERS["page_replies"] = export_page_replies
        roles.connect()
        cache.connect()
        register_public_text()
        sitewide.add_part("navigation", navigation.build)
        figures.connect()
        auth_backends.connect()
        guard_wagtail_csv_exports()
        limit_decoded_pixels()


def register_public_text() -> None:
    """What this app shows the public besides pages: a change purges the page cache.

    A person's public name is on every reply, amendment and comment they wrote: a new
    name, or a deleted account (its text then reads "A former supporter"), purges.
    """
    from django.contrib.auth import get_user_model
    from wagtail.documents import get_document_model
    from wagtail.models import CollectionViewRestriction, PageViewRestriction, Site

    from cms.cache import purge_on
    from cms.models import (
        Author,
        FooterLink,
        ImprintSettings,
        MenuItem,
        NavigationSettings,
        PageReply,
        Party,
    )
    from cms.moderation import PUBLIC_TEXT_FIELDS, is_public_text

    purge_on(get_user_model(), ["display_name", "first_name"], on_create=False)
    purge_on(PageReply, PUBLIC_TEXT_FIELDS, shown=is_public_text)
    # The sites, their menus, footers and imprint: on every page.
    for model in (Site, NavigationSettings, MenuItem, FooterLink, ImprintSettings):
        purge_on(model)
    # Names shown beside what people and parties wrote.
    purge_on(Party)
    purge_on(Author)
    # A section or a collection made private (or public again) changes what anonymous
    # visitors may see; a receipt made private drops the page linking it.
    purge_on(PageViewRestriction)
    purge_on(CollectionViewRestriction)
    purge_on(get_document_model())


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
