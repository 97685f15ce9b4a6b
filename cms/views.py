"""Views that are not Wagtail pages: the account area, search, replies, calendars, errors."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import is_ratelimited
from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap
from wagtail.models import Page

from cms.accounts import delete_account, export_personal_data
from cms.cache import reads_query
from cms.calendars import calendar_of
from cms.forms import DeleteAccountForm, ProfileForm, ReplyForm
from cms.models import EventPage
from cms.models.events import with_finish
from cms.models.pages import SitePageQuerySet
from cms.search import search_words
from cms.sitewide import navigation


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
    query = request.GET.get("query", "").strip()[:200]
    results = Page.objects.none()
    if search_words(query):
        results = SitePageQuerySet(Page).live().public().specific().search(search_words(query))
    page = Paginator(results, 10).get_page(request.GET.get("page"))
    return render(request, "cms/search.html", {"query": query, "results": page})


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


RATE_LIMITED_REPLY = (
    "You have sent several replies in a short time. Please wait a while and send this one "
    "again; what you wrote is still here."
)
NOT_A_SUPPORTER = (
    "Only supporters who have confirmed their email address can reply. Check your inbox for "
    "the confirmation link, then try again."
)


def post_reply(request, page):
    """Take a reply to `page` (a POST to the page itself); re-show the page on any error.

    Order matters: who may reply is checked first, then the per-account rate limit
    (every attempt counts, so a bot cannot probe the form), then the form itself.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(page.get_url(request))
    form = ReplyForm(request.POST, page=page)
    if not request.user.has_perm("cms.reply_to_page", page):
        form.add_error(None, NOT_A_SUPPORTER)
        return render_page_with_reply_form(request, page, form, status=403)
    limited = is_ratelimited(
        request,
        group="cms.page_reply",
        key="user",
        rate=settings.REPLY_RATE,
        method="POST",
        increment=True,
    )
    if limited:
        form.add_error(None, RATE_LIMITED_REPLY)
        return render_page_with_reply_form(request, page, form, status=429)
    if not form.is_valid():
        return render_page_with_reply_form(request, page, form, status=400)
    form.save(author=request.user)
    messages.success(
        request, "Thank you. Your reply will appear here once a moderator has read it."
    )
    return redirect(page.get_url(request) + "#replies")


def render_page_with_reply_form(request, page, form, status):
    context = page.get_context(request)
    context["reply_form"] = form
    return TemplateResponse(request, page.get_template(request), context, status=status)


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
