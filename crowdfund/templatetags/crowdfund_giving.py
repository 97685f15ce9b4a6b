"""Giving in emails: the signed "change or cancel your monthly gift" link of a receipt."""

from django import template
from django.conf import settings

from crowdfund import giving

register = template.Library()


@register.simple_tag
def portal_url(donation) -> str:
    return giving.portal_url(donation)


@register.simple_tag
def portal_link_days() -> int:
    return settings.CROWDFUND_PORTAL_LINK_DAYS
