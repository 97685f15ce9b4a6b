"""Background work for the manifesto: recomputing rankings and telling voters of resets."""

import logging
import time

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction

from cms.models import User
from manifesto.describe import amendment_full_url
from manifesto.models import Amendment, ManifestoPage
from manifesto.ranking_store import recompute_page_rankings


@shared_task
def recompute_rankings(page_id: int | None = None) -> int:
    """Recompute and store every ranking (of one manifesto, or all). Idempotent."""
    pages = ManifestoPage.objects.all()
    if page_id is not None:
        pages = pages.filter(pk=page_id)
    return sum(recompute_page_rankings(page).amendments for page in pages)


logger = logging.getLogger(__name__)


def queue_after_commit(task, *args, fallback=None) -> None:
    """Queue `task` once the transaction commits, never failing the request that asked.

    If the broker cannot take it, the request has already committed its change: log, and
    call `fallback` (with the same arguments) where waiting for the periodic tasks would
    lose something; without one, the periodic recompute catches up.
    """

    def queue():
        try:
            task.apply_async(args, retry=False)
        except Exception:
            logger.warning("Could not queue %s", task.name, exc_info=True)
            if fallback is not None:
                fallback(*args)

    transaction.on_commit(queue)


# page id -> the time (time.time()) until which a recompute already queued will cover a
# vote made now in this process: votes then skip the cache round trip.
_covered_until: dict[int, float] = {}


def forget_queued_refreshes() -> None:
    """Forget what this process knows of queued recomputes (the cache was emptied)."""
    _covered_until.clear()


def refresh_rankings_soon(page) -> None:
    """After a vote, recompute the manifesto's rankings within a short delay.

    Votes move the counts at once; the stored rankings follow within
    MANIFESTO_RANKING_REFRESH_SECONDS, with one recompute however many votes arrive
    in that time. If the queue cannot be reached, the periodic recompute catches up.
    The queued recompute's time is kept in the cache, so each process knows how long
    it covers new votes and asks the cache again only after that.
    """
    seconds = settings.MANIFESTO_RANKING_REFRESH_SECONDS
    if time.time() < _covered_until.get(page.pk, 0):
        return

    def queue():
        key = f"manifesto:rankings-queued:{page.pk}"
        try:
            now = time.time()
            if cache.add(key, now, timeout=seconds):
                recompute_rankings.apply_async((page.pk,), countdown=seconds)
                queued_at = now
            else:
                queued_at = cache.get(key, 0)
            # The recompute runs `seconds` after it was queued and reads every vote
            # committed by then; stop relying on it a second early. A queued time already
            # that far past (another machine's clock behind this one, an entry kept longer
            # under an earlier setting) covers nothing new, and no recompute can be queued
            # while it stands: ask again in a second, not on every vote meanwhile.
            _covered_until[page.pk] = max(queued_at + seconds - 1, now + 1)
        except Exception:  # the vote is stored; the periodic recompute will catch up
            logger.warning("Could not queue a ranking recompute", exc_info=True)

    transaction.on_commit(queue)


@shared_task
def tell_voters_votes_reset(amendment_id: int, voter_ids: list[int]) -> int:
    """Email each voter whose vote was cleared because the amendment's change was rewritten."""
    amendment = Amendment.objects.select_related("page", "clause").filter(pk=amendment_id).first()
    if amendment is None:
        return 0
    url = amendment_full_url(amendment)
    sent = 0
    for voter in User.objects.filter(pk__in=voter_ids, is_active=True):
        send_mail(
            "An amendment you voted on has changed",
            f"Hello {voter.public_name},\n\nThe clause under amendment {amendment.pk} of "
            f"{amendment.page.title} was changed by a merge, and the amendment was rewritten "
            "onto the new wording in a way that changes what it proposes. Your vote on it has "
            f"been cleared so that you can look again and vote on the new version:\n\n{url}\n",
            None,
            [voter.email],
        )
        sent += 1
    return sent
