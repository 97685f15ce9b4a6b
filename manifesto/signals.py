"""Keep what others rely on exact when things change outside the manifesto's own actions.

A supporter deleting their account deletes their votes by cascade; each deleted vote
takes itself off its amendment's counter here. A page saved, moved or deleted, or any
change of the site-wide entry (a section made private, say), drops the cached copies of
manifesto pages that votes read (`live_manifesto_page`).
"""

from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page

from cms import sitewide
from cms.cache import purge_page_cache
from manifesto.models import (
    COUNTER_FIELD,
    Amendment,
    AmendmentStatusChange,
    ManifestoPage,
    ManifestoVersion,
    Vote,
    forget_live_manifesto_pages,
)


@receiver(post_delete, sender=Vote, dispatch_uid="manifesto.vote_deleted")
def take_deleted_vote_off_the_counter(sender, instance, **kwargs):
    field = COUNTER_FIELD[instance.choice]
    Amendment.objects.filter(pk=instance.amendment_id, **{f"{field}__gt": 0}).update(
        **{field: F(field) - 1}
    )


def forget_cached_page(sender, instance, **kwargs):
    # Any page class: a move saves the page as a plain wagtailcore Page.
    if isinstance(instance, Page):
        forget_live_manifesto_pages([instance.pk])


def forget_cached_pages(**kwargs):
    forget_live_manifesto_pages(ManifestoPage.objects.values_list("pk", flat=True))


# A new version or a decision on an amendment changes what the public pages and the
# amendment book (PDF) show: drop the shared cached copies of pages at once.
for _model in (ManifestoVersion, AmendmentStatusChange):
    post_save.connect(purge_page_cache, sender=_model, dispatch_uid=f"manifesto.purge.{_model}")
post_save.connect(forget_cached_page, dispatch_uid="manifesto.page_saved")
post_delete.connect(forget_cached_page, dispatch_uid="manifesto.page_deleted")
sitewide.forgotten.connect(forget_cached_pages, dispatch_uid="manifesto.sitewide_forgotten")
