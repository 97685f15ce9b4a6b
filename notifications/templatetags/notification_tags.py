from django import template

from notifications.following import is_following, region_target, target_token

register = template.Library()


@register.inclusion_tag("notifications/includes/follow_button.html", takes_context=True)
def follow_button(context, obj, label="this", hint=True):
    """Follow / Following button for `obj`; a sign-in link for visitors (safe to cache).

    `hint=False` leaves out the line that says what following does, for a second button
    beside a first that already says it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "signed_in": signed_in,
        "following": signed_in and is_following(user, obj),
        "token": target_token(obj) if signed_in else "",
        "label": label,
        "hint": hint,
        "next": request.get_full_path() if request else "/",
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def region_to_follow(code):
    """The followable row of a region or nation, for `{% follow_button %}`."""
    return region_target(code)
