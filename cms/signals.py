"""Account events that change a person's role."""

from allauth.account.signals import email_confirmed
from django.contrib.auth.models import Group
from django.dispatch import receiver

from cms.roles import SUPPORTERS


@receiver(email_confirmed)
def make_verified_people_supporters(sender, request, email_address, **kwargs):
    """Confirming an email address is what makes someone a supporter."""
    group, _ = Group.objects.get_or_create(name=SUPPORTERS)
    email_address.user.groups.add(group)
