"""The supporter's notifications, following, and the signed way out of every email."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications import activity, following
from notifications.forms import EmailPreferencesForm
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.preferences import ALL_KINDS, read_unsubscribe_token, stop_emails

PER_PAGE = 25


def _back(request, fallback: str = "/") -> str:
    """Where to go after a form: a path on this site only (never a view name or a host)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@never_cache
def notification_list(request):
    notifications = Notification.objects.filter(recipient=request.user)
    items = Paginator(notifications, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"items": items, "unread": notifications.filter(read_at__isnull=True).count()},
    )


@login_required
def open_notification(request, pk: int):
    """Mark one notification read and go to what it is about."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    target = notification.url or "/"
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        target = "/"
    return HttpResponseRedirect(target)


@login_required
@require_POST
def mark_all_read(request):
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    messages.success(request, "All notifications are marked as read.")
    return redirect("notifications:list")


@login_required
@never_cache
def preferences(request):
    return _preferences_page(request, request.user, signed_in=True)


@never_cache
def preferences_by_token(request, token: str):
    """The same choices from a link in an email, without signing in."""
    found = read_unsubscribe_token(token)
    if found is None:
        return _bad_link(request)
    return _preferences_page(request, found[0], signed_in=False)


def _preferences_page(request, user, *, signed_in: bool):
    form = EmailPreferencesForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your email choices are saved.")
        return redirect(request.path)
    return render(request, "notifications/preferences.html", {"form": form, "signed_in": signed_in})


@csrf_exempt
@never_cache
def unsubscribe(request, token: str):
    """GET: a page with one button. POST: stop at once (RFC 8058 one-click, or that button).

    Exempt from CSRF because a mail provider posts here without cookies; the signed token is
    what authorises the change, and all it can do is stop email to the token's owner.
    """
    found = read_unsubscribe_token(token)
    if found is None:
        return _bad_link(request)
    user, kind = found
    label = "all emails about activity" if kind == ALL_KINDS else Kind(kind).label.lower()
    if request.method == "POST":
        stop_emails(user, kind)
        return render(
            request,
            "notifications/unsubscribed.html",
            {"label": label, "token": token, "done": True},
        )
    return render(
        request, "notifications/unsubscribed.html", {"label": label, "token": token, "done": False}
    )


def _bad_link(request):
    return render(request, "notifications/bad_link.html", status=400)


@login_required
@require_POST
def follow_or_unfollow(request):
    """Follow or stop following what the page showed (a signed target), then go back."""
    target = following.target_from_token(request.POST.get("target", ""))
    action = request.POST.get("action")
    if target is None or action not in ("follow", "unfollow"):
        return render(request, "notifications/follow_refused.html", status=400)
    if action == "follow":
        following.follow(request.user, target)
        messages.success(request, f"You now follow {target}.")
    else:
        following.unfollow(request.user, target)
        messages.success(request, f"You no longer follow {target}.")
    return HttpResponseRedirect(_back(request, getattr(target, "url", None) or "/"))


@login_required
@never_cache
def follow_list(request):
    """What the supporter follows, each with a way to stop (things since deleted are left out)."""
    follows = [(record, record.target) for record in following.follows_of(request.user)]
    follows = [(record, target) for record, target in follows if target is not None]
    return render(request, "notifications/following.html", {"follows": follows})


@login_required
@never_cache
def my_activity(request):
    """What the supporter did here, app by app, and how many things they follow."""
    return render(
        request,
        "notifications/activity.html",
        {
            "sections": activity.sections_for(request.user),
            "follow_count": following.follows_of(request.user).count(),
        },
    )
