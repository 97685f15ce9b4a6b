"""Email a new update to backers after it is saved (the task sends it once)."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from crowdfund import news
from crowdfund.emails import email_update
from crowdfund.models import CrowdfundUpdate, Milestone


@receiver(post_save, sender=CrowdfundUpdate, dispatch_uid="crowdfund.email_update")
def email_update_to_backers(sender, instance, created, raw=False, **kwargs):
    if raw or not instance.email_backers or instance.emailed_at:
        return
    transaction.on_commit(lambda: email_update.delay(instance.pk))


@receiver(post_save, sender=Milestone, dispatch_uid="crowdfund.milestone_news")
def tell_followers_of_milestone(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        news.milestone_reached(instance)
