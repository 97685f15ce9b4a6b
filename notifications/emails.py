"""The emails notifications send: one at once, or a digest; each with a way out (RFC 8058)."""

from collections import defaultdict
from functools import cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from notifications.kinds import Kind
from notifications.preferences import ALL_KINDS, unsubscribe_token

# A digest lists at most this many of each kind, then says how many more wait in the site.
MOST_PER_GROUP = 10


def absolute(path: str) -> str:
    """A full address for an email (the site's base URL, never the request's Host header)."""
    if path.startswith(("http://", "https://")):
        return path
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


SLOT = "--slot--"


@cache
def _path_with_slot(name: str) -> str:
    """The view's address with a slot for the token: `reverse` once, not once an email (a
    digest run writes tens of thousands). Tokens are URL-safe, so filling the slot gives
    what `reverse` would."""
    return reverse(name, args=[SLOT])


def way_out(user, kind: str = ALL_KINDS) -> dict:
    """The unsubscribe and preferences addresses, and the headers mail clients act on."""
    token = unsubscribe_token(user, kind)
    unsubscribe_url = absolute(_path_with_slot("notifications:unsubscribe").replace(SLOT, token))
    everything = token if kind == ALL_KINDS else unsubscribe_token(user)
    preferences_url = absolute(
        _path_with_slot("notifications:preferences_by_token").replace(SLOT, everything)
    )
    return {
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": preferences_url,
        "headers": {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    }


def _message(user, subject: str, template: str, context: dict, kind: str):
    exit_links = way_out(user, kind)
    context = {**context, **exit_links, "user": user, "absolute": absolute}
    text = render_to_string(f"notifications/email/{template}.txt", context)
    html = render_to_string(f"notifications/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers=exit_links["headers"],
    )
    message.attach_alternative(html, "text/html")
    return message


def notification_email(notification):
    """One notification, sent at once."""
    return _message(
        notification.recipient,
        notification.summary,
        "single",
        {"notification": notification, "url": absolute(notification.url or "/")},
        notification.kind,
    )


def digest_email(user, notifications, frequency_label: str):
    """Several notifications, grouped by kind in the order of the kinds' list."""
    grouped = defaultdict(list)
    for notification in notifications:
        notification.link = absolute(notification.url or "/")
        grouped[notification.kind].append(notification)
    groups = [
        {
            "label": label,
            "items": grouped[kind][:MOST_PER_GROUP],
            "more": max(0, len(grouped[kind]) - MOST_PER_GROUP),
        }
        for kind, label in Kind.choices
        if grouped.get(kind)
    ]
    count = len(notifications)
    subject = f"Your {frequency_label} summary: {count} update{'s' if count != 1 else ''}"
    return _message(
        user,
        subject,
        "digest",
        {"groups": groups, "count": count, "frequency_label": frequency_label},
        ALL_KINDS,
    )


def waiting_email(user, items, total: int):
    """The moderators' digest: each queue with its count and a link to where it is done."""
    rows = [
        {"count": item.count, "label": item.label, "link": absolute(item.url)} for item in items
    ]
    return _message(
        user,
        f"Waiting for moderators: {total} item{'s' if total != 1 else ''}",
        "waiting",
        {"items": rows, "total": total, "dashboard": absolute("/admin/")},
        Kind.WAITING,
    )
