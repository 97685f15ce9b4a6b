from django.utils.functional import SimpleLazyObject

from notifications.notify import unread_count


def notifications(request):
    """`unread_notifications` for the header: counted only when a template shows it."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
