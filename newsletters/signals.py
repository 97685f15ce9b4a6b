"""Keeping an account's subscription on the account's address when the address changes."""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver

from newsletters.consent import follow_email_change


@receiver(post_save, sender=get_user_model(), dispatch_uid="newsletters.follow_email_change")
def user_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if created or raw or (update_fields is not None and "email" not in update_fields):
        return  # a sign-in saves last_login only: no query
    follow_email_change(instance)
