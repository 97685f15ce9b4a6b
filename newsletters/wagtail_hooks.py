"""Admin: newsletters (write, preview, test, send or schedule, follow the sending), the
subscriptions and the suppressed addresses.

Sending is its own permission (`newsletters.send_newsletter`, given to editors); each view
asks `newsletters.rules` on the server, and the domain functions ask again.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button, ListingButton
from wagtail.permissions import register_permission_policy
from wagtail.snippets.views.snippets import EditView, SnippetViewSet

from cms.permission_policies import ReadOnlyPolicy
from newsletters import actions, audiences, sending
from newsletters.forms import SendForm
from newsletters.models import Newsletter, Subscription, Suppression

register_permission_policy(Subscription, ReadOnlyPolicy(Subscription))


class NewsletterEditView(EditView):
    """A newsletter that has started sending is no longer edited: its progress is shown."""

    def dispatch(self, request, *args, **kwargs):
        newsletter = Newsletter.objects.filter(pk=kwargs.get("pk")).first()
        if newsletter is not None and not newsletter.is_editable:
            messages.info(request, "This newsletter has been sent; it can no longer be changed.")
            return redirect("newsletters_progress", newsletter.pk)
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.request.user.has_perm("newsletters.send_newsletter"):
            url = reverse("newsletters_send", args=[self.object.pk])
            buttons.insert(0, Button("Test, schedule or send", url=url, icon_name="mail"))
        return buttons


class NewsletterViewSet(SnippetViewSet):
    model = Newsletter
    icon = "mail"
    menu_label = "Newsletters"
    edit_view_class = NewsletterEditView
    list_display = ["subject", "status", "audience", "send_at", "updated_at"]
    list_filter = ["status", "audience"]
    search_fields = ["subject"]


class SubscriptionViewSet(ModelViewSet):
    model = Subscription
    name = "newsletter_subscribers"
    icon = "user"
    menu_label = "Subscribers"
    list_display = ["email", "source", "opted_in_at", "confirmed_at", "unsubscribed_at"]
    list_filter = ["source"]
    search_fields = ["email"]
    inspect_view_enabled = True
    form_fields = ["email"]


class SuppressionViewSet(ModelViewSet):
    model = Suppression
    name = "newsletter_suppressions"
    icon = "warning"
    menu_label = "Suppressed addresses"
    list_display = ["email", "reason", "created_at"]
    list_filter = ["reason"]
    search_fields = ["email"]
    form_fields = ["email", "reason", "detail"]


class NewsletterGroup(ViewSetGroup):
    menu_label = "Newsletters"
    menu_icon = "mail"
    menu_order = 250
    items = (NewsletterViewSet, SubscriptionViewSet, SuppressionViewSet)


@hooks.register("register_admin_viewset")
def register_newsletter_viewsets():
    return NewsletterGroup()


# --- sending ----------------------------------------------------------------------------


def _newsletter(request, pk, permission):
    newsletter = get_object_or_404(Newsletter, pk=pk)
    if permission == "newsletters.send_this":
        if not request.user.has_perm("newsletters.send_newsletter"):
            raise PermissionDenied
    elif not request.user.has_perm(permission):
        raise PermissionDenied
    return newsletter


@require_POST
def send_test_view(request, pk):
    newsletter = _newsletter(request, pk, "newsletters.send_test")
    actions.send_test(newsletter, request.user)
    messages.success(request, f"A test is on its way to {request.user.email}.")
    return redirect("newsletters_send", newsletter.pk)


def send_view(request, pk):
    """Choose now or later, see the audience and its size, type the number to confirm."""
    newsletter = _newsletter(request, pk, "newsletters.send_this")
    if not newsletter.is_editable:
        return redirect("newsletters_progress", newsletter.pk)
    problem = audiences.audience_problem(newsletter)
    count = 0 if problem else audiences.recipients(newsletter).count()
    form = SendForm(request.POST or None, count=count)
    if request.method == "POST" and not problem and form.is_valid():
        send_at = None
        if form.cleaned_data["when"] == "later":
            send_at = form.cleaned_data["send_at"]
            if send_at <= timezone.now():
                form.add_error("send_at", "Choose a time in the future, or send it now.")
        if not form.errors:
            actions.start(newsletter, request.user, send_at)
            if send_at:
                messages.success(
                    request, f"Scheduled for {timezone.localtime(send_at):%-d %B %Y, %H:%M}."
                )
            else:
                messages.success(request, f"Sending to {count} subscribers.")
            return redirect("newsletters_progress", newsletter.pk)
    return TemplateResponse(
        request,
        "newsletters/admin/send.html",
        {
            "newsletter": newsletter,
            "form": form,
            "count": count,
            "problem": problem,
            "audience": audiences.describe(newsletter),
            "edit_url": reverse(
                "wagtailsnippets_newsletters_newsletter:edit", args=[newsletter.pk]
            ),
        },
    )


@require_POST
def cancel_view(request, pk):
    newsletter = _newsletter(request, pk, "newsletters.send_this")
    actions.cancel_schedule(newsletter, request.user)
    messages.success(request, "The schedule is cancelled; the newsletter is a draft again.")
    return redirect("newsletters_send", newsletter.pk)


def progress_view(request, pk):
    newsletter = _newsletter(request, pk, "newsletters.see_progress")
    return TemplateResponse(
        request,
        "newsletters/admin/progress.html",
        {
            "newsletter": newsletter,
            "figures": sending.progress(newsletter),
            "audience": audiences.describe(newsletter),
            "json_url": reverse("newsletters_progress_json", args=[newsletter.pk]),
        },
    )


def progress_json_view(request, pk):
    newsletter = _newsletter(request, pk, "newsletters.see_progress")
    response = JsonResponse(sending.progress(newsletter))
    response["Cache-Control"] = "no-store"
    return response


@hooks.register("register_admin_urls")
def register_newsletter_urls():
    return [
        path("newsletters/<int:pk>/send/", send_view, name="newsletters_send"),
        path("newsletters/<int:pk>/test/", send_test_view, name="newsletters_send_test"),
        path("newsletters/<int:pk>/cancel/", cancel_view, name="newsletters_cancel"),
        path("newsletters/<int:pk>/progress/", progress_view, name="newsletters_progress"),
        path(
            "newsletters/<int:pk>/progress.json",
            progress_json_view,
            name="newsletters_progress_json",
        ),
    ]


@hooks.register("register_snippet_listing_buttons")
def newsletter_listing_buttons(snippet, user, next_url=None):
    if not isinstance(snippet, Newsletter) or not user.has_perm("newsletters.send_newsletter"):
        return []
    if snippet.is_editable:
        return [
            ListingButton(
                "Test, schedule or send",
                reverse("newsletters_send", args=[snippet.pk]),
                icon_name="mail",
                priority=5,
            )
        ]
    return [
        ListingButton(
            "Progress",
            reverse("newsletters_progress", args=[snippet.pk]),
            icon_name="time",
            priority=5,
        )
    ]
