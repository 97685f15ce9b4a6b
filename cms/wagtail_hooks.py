"""Admin screens for what editors manage that is not a page, and reply moderation."""

import django_filters
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import ngettext
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.models import Page
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms import create_once
from cms.auth_backends import forget_users_after_bulk_action
from cms.dashboard import HOOK as WAITING_HOOK
from cms.dashboard import Waiting, WaitingForModeratorsPanel, waiting_items
from cms.models import Author, PageReply, Party
from cms.moderation import ModerationStatus


class PartyViewSet(SnippetViewSet):
    model = Party
    icon = "group"
    menu_label = "Parties"
    list_display = ["name", "short_name", "is_party", "sort_order"]
    search_fields = ["name", "short_name"]
    add_to_admin_menu = False


class AuthorViewSet(SnippetViewSet):
    model = Author
    icon = "user"
    menu_label = "Authors"
    list_display = ["name", "role"]
    search_fields = ["name", "role"]
    add_to_admin_menu = False


def pages_with_replies(request):
    return Page.objects.filter(replies__isnull=False).distinct().order_by("title")


class PageReplyFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(choices=ModerationStatus.choices, label="Status")
    page = django_filters.ModelChoiceFilter(queryset=pages_with_replies, label="Page")
    created_at = django_filters.DateFromToRangeFilter(
        label="Sent between", widget=DateRangePickerWidget
    )

    class Meta:
        model = PageReply
        fields = ["status", "page", "created_at"]


class PageReplyViewSet(SnippetViewSet):
    """Replies to moderate, newest first; filter by status, page and date; bulk actions."""

    model = PageReply
    icon = "comment"
    menu_label = "Replies"
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["__str__", "page", "status", "created_at", "moderated_by"]
    list_per_page = 50
    search_fields = ["body"]
    filterset_class = PageReplyFilterSet
    ordering = ["-created_at"]
    inspect_view_enabled = True

    def get_queryset(self, request):
        return PageReply.objects.select_related("author", "page", "moderated_by")


@hooks.register("after_edit_snippet")
def record_who_moderated_a_reply(request, instance):
    """Changing a reply's status on its edit screen is a moderation decision: record it."""
    if isinstance(instance, PageReply) and instance.status != ModerationStatus.PENDING:
        instance.moderate(instance.status, request.user)


register_snippet(PartyViewSet)
register_snippet(AuthorViewSet)
register_snippet(PageReplyViewSet)


class ModerateRepliesBulkAction(SnippetBulkAction):
    """Set the status of many replies at once, recording who moderated them and when."""

    models = [PageReply]
    template_name = "cms/bulk_actions/confirm_bulk_moderate.html"
    status = ""
    verb = ""

    def check_perm(self, reply):
        return self.request.user.has_perm("cms.moderate_replies", reply)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "verb": self.verb}

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        moderator = kwargs["self"].request.user
        for reply in objects:
            reply.moderate(cls.status, moderator)
        return len(objects), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)d reply %(verb)s.", "%(count)d replies %(verb)s.", num_parent_objects
        ) % {"count": num_parent_objects, "verb": self.past_tense}


@hooks.register("register_bulk_action")
class ApproveRepliesBulkAction(ModerateRepliesBulkAction):
    display_name = "Approve"
    action_type = "approve"
    aria_label = "Approve the selected replies"
    action_priority = 10
    status = ModerationStatus.APPROVED
    verb = "approve"
    past_tense = "approved"


@hooks.register("register_bulk_action")
class RejectRepliesBulkAction(ModerateRepliesBulkAction):
    display_name = "Reject"
    action_type = "reject"
    aria_label = "Reject the selected replies"
    action_priority = 20
    status = ModerationStatus.REJECTED
    verb = "reject"
    past_tense = "rejected"


@hooks.register("register_bulk_action")
class SpamRepliesBulkAction(ModerateRepliesBulkAction):
    display_name = "Mark as spam"
    action_type = "spam"
    aria_label = "Mark the selected replies as spam"
    action_priority = 25
    status = ModerationStatus.SPAM
    verb = "mark as spam"
    past_tense = "marked as spam"
    classes = {"serious"}


hooks.register("after_bulk_action", forget_users_after_bulk_action)


@hooks.register("insert_global_admin_css")
def cms_admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("cms/admin.css"))


@hooks.register("construct_homepage_panels")
def add_waiting_for_moderators_panel(request, panels):
    """One panel for everything that awaits moderators (each app adds its own items)."""
    items = waiting_items(request)
    if items:
        panels.append(WaitingForModeratorsPanel(items))


@hooks.register(WAITING_HOOK)
def replies_waiting(request):
    if not request.user.has_perm("cms.moderate_replies"):
        return []
    url = reverse("wagtailsnippets_cms_pagereply:list") + "?status=pending"
    count = PageReply.objects.pending().count()
    return [Waiting(count, "reply awaiting moderation", "replies awaiting moderation", url, 40)]


# A create form sent twice (publishing during the first autosave) makes one page.
hooks.register("before_create_page", create_once.before_create_page)
hooks.register("after_create_page", create_once.after_create_page)
