"""Keep what others rely on exact when things change outside the manifesto's own actions.

A supporter deleting their account deletes their votes by cascade; each deleted vote
takes itself off its amendment's counter here. What purges the shared caches is
registered in manifesto.apps (`cms.cache.purge_on`).
"""

from django.db.models import F
from django.db.models.signals import post_delete
from django.dispatch import receiver

from manifesto.models import (
    COUNTER_FIELD,
    Amendment,
    Vote,
)


@receiver(post_delete, sender=Vote, dispatch_uid="manifesto.vote_deleted")
def take_deleted_vote_off_the_counter(sender, instance, **kwargs):
    field = COUNTER_FIELD[instance.choice]
    Amendment.objects.filter(pk=instance.amendment_id, **{f"{field}__gt": 0}).update(
        **{field: F(field) - 1}
    )
