"""Who a newsletter goes to: its audience, always within the subscriptions that may receive it.

People with an account are placed by their account (constituency, party, what they follow);
people without one by the constituency they gave when signing up, if any.
"""

from django.db.models import Q

from newsletters.models import Audience, Newsletter, Subscription
from notifications.following import follower_ids


def audience_filter(newsletter: Newsletter) -> Q:
    kind = newsletter.audience
    if kind == Audience.REGION:
        return Q(user__constituency__region=newsletter.region) | Q(
            user__isnull=True, constituency__region=newsletter.region
        )
    if kind == Audience.CONSTITUENCY:
        return Q(user__constituency_id=newsletter.constituency_id) | Q(
            user__isnull=True, constituency_id=newsletter.constituency_id
        )
    if kind == Audience.PARTY:
        return Q(user__party_id=newsletter.party_id)
    if kind == Audience.FOLLOWERS:
        page = newsletter.followed_page
        return Q(user_id__in=follower_ids(page)) if page else Q(pk__in=[])
    return Q()


def recipients(newsletter: Newsletter):
    """The subscriptions this newsletter goes to now (a lazy queryset)."""
    return Subscription.objects.receiving().filter(audience_filter(newsletter))


def audience_problem(newsletter: Newsletter) -> str:
    """Why this audience cannot be sent to yet ("" when it can)."""
    kind = newsletter.audience
    if kind == Audience.REGION and not newsletter.region:
        return "Choose the region or nation."
    if kind == Audience.CONSTITUENCY and not newsletter.constituency_id:
        return "Choose the constituency."
    if kind == Audience.PARTY and not newsletter.party_id:
        return "Choose the party."
    if kind == Audience.FOLLOWERS and not newsletter.followed_page_id:
        return "Choose the manifesto or crowdfund whose followers receive it."
    return ""


def describe(newsletter: Newsletter) -> str:
    kind = newsletter.audience
    if kind == Audience.REGION:
        return f"subscribers in {newsletter.get_region_display()}"
    if kind == Audience.CONSTITUENCY and newsletter.constituency:
        return f"subscribers in {newsletter.constituency}"
    if kind == Audience.PARTY and newsletter.party:
        return f"subscribers who support {newsletter.party}"
    if kind == Audience.FOLLOWERS and newsletter.followed_page:
        return f"subscribers who follow {newsletter.followed_page.title}"
    return "all subscribers"
