"""Views that are not Wagtail pages: the account area, search, replies, calendars, errors."""

import json
from urllib.parse import urlencode

from allauth.account import views as allauth_views
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import is_ratelimited
from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap

from cms.accounts import delete_account, export_personal_data, safe_next
from cms.cache import reads_query
from cms.calendars import calendar_of
from cms.forms import DeleteAccountForm, ProfileForm
from cms.models import EventPage
from cms.models.events import with_finish
from cms.navigation import navigation
from cms.search_results import SearchResults


@login_required
@never_cache
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your details are saved.")
        return redirect("profile")
    return render(request, "account/profile.html", {"form": form})


@login_required
@require_POST
def download_my_data(request):
    """Everything held about the signed-in person, as JSON (POST, so no link can trigger it)."""
    data = export_personal_data(request.user)
    data["exported_at"] = timezone.now().isoformat()
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="my-alliance-hub-data.json"'
    return response


@login_required
@never_cache
def delete_my_account(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        delete_account(user)
        messages.success(request, "Your account and personal data have been deleted.")
        return redirect("/")
    return render(request, "account/delete.html", {"form": form})


@reads_query("query", "page")
@require_GET
def search(request):
    """Pages matching the words, content before listings, each with a highlighted extract
    (cms.search_results: ranked once, read only when the shared list is not stored)."""
    query = request.GET.get("query", "").strip()[:200]
    results = SearchResults(query, request.GET.get("page"), request.get_host())
    return render(request, "cms/search.html", {"query": query, "results": results})


@reads_query("p")  # the sitemap's own pages (Django's sitemap view)
def sitemap(request):
    return wagtail_sitemap(request)


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /account/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def rate_limited(request, exception=None):
    """Shown when a public form is used too often (django-ratelimit)."""
    return render(request, "429.html", status=429)


def event_url(request):
    return lambda event: event.get_full_url(request)


@require_GET
def event_ics(request, page_id):
    """One event as an .ics file to add to a calendar."""
    event = get_object_or_404(EventPage.objects.live().public(), pk=page_id)
    body = calendar_of(
        [event], event_url(request), name=event.title, imprint=navigation(request)["imprint"]
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return response


@require_GET
def upcoming_events_ics(request):
    """A calendar feed of every upcoming event; calendar programs can subscribe to it."""
    events = (
        with_finish(EventPage.objects.live().public().defer_streamfields())
        .filter(finishes_at__gte=timezone.now())
        .order_by("start")
    )
    body = calendar_of(
        events,
        event_url(request),
        name="Alliance Hub: upcoming events",
        imprint=navigation(request)["imprint"],
    )
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


@login_required
@never_cache
def welcome(request):
    """Where a person lands after verifying their email without a `next` address: what to
    do first (the home page's calls to action, less joining) and their details to fill in."""
    from cms.models import HomePage

    home = HomePage.objects.live().first()
    actions = []
    if home is not None:
        signup_path = reverse("account_signup")
        for block in home.calls_to_action:
            link = block.value.get("link_page")
            href = link.url if link else block.value.get("link_url", "")
            if href and not href.startswith(signup_path):
                actions.append({**block.value, "href": href})
    return render(request, "account/welcome.html", {"actions": actions})


RESEND_RATE = "5/h"  # per visitor address
RESEND_PER_ADDRESS_RATE = "3/h"  # per email address, whoever asks


@require_POST
def resend_verification(request):
    """ "Send the email again": a fresh verification email for an unverified address.

    The answer is the same whether or not an account waits for the address, so the form
    tells no one who has signed up; it is rate-limited per visitor address and per email
    address, so no one can flood an inbox with it.
    """
    from allauth.account.models import EmailAddress
    from django import forms as django_forms

    from cms.accounts import SIGNUP_EMAIL_SESSION_KEY

    field = django_forms.EmailField(max_length=254)
    email = request.POST.get("email", "").strip()
    back = reverse("account_email_verification_sent")
    next_url = safe_next(request)
    if next_url:
        back = f"{back}?{urlencode({'next': next_url})}"
    try:
        email = field.clean(email)
    except django_forms.ValidationError:
        messages.error(request, "Enter the email address you signed up with, like name@example.com")
        return redirect(back)
    per_visitor = is_ratelimited(
        request, group="resend_verification", key="ip", rate=RESEND_RATE, increment=True
    )
    per_address = is_ratelimited(
        request,
        group="resend_verification_address",
        key=lambda group, request: email.lower(),
        rate=RESEND_PER_ADDRESS_RATE,
        increment=True,
    )
    if per_visitor or per_address:
        messages.error(request, "You have asked for several emails already. Try again in an hour.")
        return redirect(back)
    address = EmailAddress.objects.filter(email__iexact=email, verified=False).first()
    if address is not None:
        address.send_confirmation(request)
    request.session[SIGNUP_EMAIL_SESSION_KEY] = email
    messages.success(
        request,
        f"If an account is waiting for {email} to be verified, we have sent the email again. "
        "It can take a few minutes to arrive: check your spam folder too.",
    )
    return redirect(back)


class ConfirmEmailView(allauth_views.ConfirmEmailView):
    """allauth's confirmation page; a person who verifies on another device (so is not
    signed in) is asked to sign in and then taken on to their `next` address."""

    def get_redirect_url(self):
        url = super().get_redirect_url()
        next_url = safe_next(self.request)
        if next_url and not self.request.user.is_authenticated:
            return f"{reverse('account_login')}?{urlencode({'next': next_url})}"
        return url
