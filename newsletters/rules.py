"""Who may do what with newsletters, asked by every view, admin view and task caller."""

import rules

from cms.roles import is_supporter
from newsletters.models import Status

SEND_PERMISSION = "newsletters.send_newsletter"


@rules.predicate
def may_send_newsletters(user) -> bool:
    """Editors (given the permission in AppConfig.ready) and superusers."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(SEND_PERMISSION))


@rules.predicate
def not_sent_yet(user, newsletter) -> bool:
    return newsletter is not None and newsletter.status in (Status.DRAFT, Status.SCHEDULED)


# Send now, schedule, cancel a schedule: only before it has started.
may_send_this_newsletter = may_send_newsletters & not_sent_yet

rules.add_perm("newsletters.send_this", may_send_this_newsletter)
rules.add_perm("newsletters.send_test", may_send_newsletters)
rules.add_perm("newsletters.see_progress", may_send_newsletters)
# Opting in on the account page: a verified supporter (their address is proven).
rules.add_perm("newsletters.subscribe_from_account", is_supporter)
