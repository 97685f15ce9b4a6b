"""The public side of newsletters: sign up, confirm, the signed way out, the account page."""

from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import is_ratelimited

from newsletters import consent
from newsletters.emails import absolute, already_subscribed_email, confirmation_email
from newsletters.forms import AccountOptInForm, SignUpForm
from newsletters.tokens import (
    confirmation_token,
    read_confirmation_token,
    read_way_out_token,
    way_out_token,
)


def _too_often(request, email: str) -> bool:
    per_visitor = is_ratelimited(
        request,
        group="newsletters.signup",
        key="ip",
        rate=settings.NEWSLETTER_SIGNUP_RATE,
        method="POST",
        increment=True,
    )
    per_address = is_ratelimited(
        request,
        group="newsletters.signup_address",
        key=lambda group, request: email,
        rate=settings.NEWSLETTER_SIGNUP_PER_ADDRESS_RATE,
        method="POST",
        increment=True,
    )
    return per_visitor or per_address


@never_cache
def sign_up(request):
    """Anyone may ask for the newsletter; it starts only once the address is confirmed."""
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = consent.normalise(form.cleaned_data["email"])
        if _too_often(request, email):
            return render(request, "429.html", status=429)
        subscription, to_send = consent.sign_up_publicly(email, form.cleaned_data["constituency"])
        if to_send == "confirm":
            url = absolute(reverse("newsletters:confirm", args=[confirmation_token(subscription)]))
            confirmation_email(subscription, url).send()
        else:
            url = absolute(
                reverse("newsletters:preferences", args=[way_out_token(subscription.pk)])
            )
            already_subscribed_email(subscription, url).send()
        return redirect("newsletters:check_email")
    return render(request, "newsletters/sign_up.html", {"form": form})


def check_email(request):
    return render(request, "newsletters/check_email.html")


@never_cache
def confirm(request, token: str):
    """GET: a page with one button (link scanners confirm nothing). POST: confirmed."""
    subscription = read_confirmation_token(token)
    if subscription is None:
        return render(request, "newsletters/bad_link.html", {"confirming": True}, status=400)
    if request.method == "POST":
        consent.confirm(subscription)
        return render(
            request,
            "newsletters/confirmed.html",
            {"preferences_token": way_out_token(subscription.pk)},
        )
    return render(request, "newsletters/confirm.html", {"subscription": subscription})


@csrf_exempt
@never_cache
def unsubscribe(request, token: str):
    """GET: a page with one button. POST: unsubscribed at once (RFC 8058 one-click, or that
    button). Exempt from CSRF because mail providers post here without cookies; the signed
    token authorises it, and all it can do is stop the newsletter to its owner."""
    found = read_way_out_token(token)
    if found is None:
        return render(request, "newsletters/bad_link.html", status=400)
    subscription, newsletter_pk = found
    if request.method == "POST":
        how = "one-click" if "List-Unsubscribe" in request.POST else "email link"
        consent.withdraw(subscription, how, newsletter_pk)
        return render(request, "newsletters/unsubscribed.html", {"token": token, "done": True})
    return render(request, "newsletters/unsubscribed.html", {"token": token, "done": False})


@never_cache
def preferences(request, token: str):
    """The subscription from a link in an email, without signing in: see it, stop it, or
    start it again."""
    found = read_way_out_token(token)
    if found is None:
        return render(request, "newsletters/bad_link.html", status=400)
    subscription, newsletter_pk = found
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "unsubscribe":
            consent.withdraw(subscription, "preferences page", newsletter_pk)
            messages.success(request, "You are unsubscribed. We will send no more newsletters.")
        elif action == "subscribe" and request.POST.get("consent"):
            _, to_send = consent.sign_up_publicly(subscription.email)
            if to_send == "confirm":
                subscription.refresh_from_db()
                consent.confirm(subscription)  # the link proves the address
            messages.success(request, "You receive the newsletter again.")
        else:
            messages.error(request, "Tick the box to say you want the newsletter.")
        return redirect(request.path)
    subscription.refresh_from_db()
    return render(
        request,
        "newsletters/preferences.html",
        {"subscription": subscription, "wording": consent.PUBLIC_WORDING},
    )


@login_required
@never_cache
def account(request):
    """The supporter's own opt-in, separate from their account: see it, give it, withdraw it."""
    if not request.user.has_perm("newsletters.subscribe_from_account"):
        raise PermissionDenied
    subscription = getattr(request.user, "newsletter_subscription", None)
    form = AccountOptInForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("action") == "unsubscribe":
            if subscription is not None:
                consent.withdraw(subscription, "account page")
            messages.success(request, "You are unsubscribed. We will send no more newsletters.")
            return redirect("newsletters:account")
        if form.is_valid():
            consent.opt_in_from_account(request.user)
            messages.success(request, "You will receive the newsletter.")
            return redirect("newsletters:account")
    return render(
        request,
        "newsletters/account.html",
        {"subscription": subscription, "form": form},
    )


_mailgun_events = MailgunTrackingWebhookView.as_view()


@csrf_exempt
def mail_provider_events(request):
    """Mailgun's bounce, complaint and unsubscribe reports (newsletters.bounces applies them).

    Exempt from CSRF because the provider posts without cookies; django-anymail checks the
    provider's signature (MAILGUN_WEBHOOK_SIGNING_KEY) instead. Without a key configured
    there is no provider, and no such address.
    """
    if not getattr(settings, "ANYMAIL", {}).get("MAILGUN_WEBHOOK_SIGNING_KEY"):
        raise Http404
    return _mailgun_events(request)
