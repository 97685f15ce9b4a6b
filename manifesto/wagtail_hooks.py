"""Admin for the manifesto: amendments (filters, search, bulk decisions), votes (read-only),
versions, discussion moderation, and a collision report with merge and ranking buttons.

Every decision goes through the same functions as the public moderation page
(`manifesto.actions.change_status`, `manifesto.merge.merge_amendments`), which ask
`manifesto.rules` themselves; bulk actions also offer only the amendments the transition
table lets this person move.
"""

import django_filters
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_list_or_404, render
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.permissions import register_permission_policy
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from cms.dashboard import HOOK as WAITING_HOOK
from cms.dashboard import Waiting
from cms.moderation import ModerationStatus
from cms.permission_policies import ReadOnlyPolicy
from manifesto import actions, admin_views, describe, rules
from manifesto.admin_forms import AmendmentAdminForm, DuplicateForm, ReasonForm, RejectForm
from manifesto.models import (
    Amendment,
    AmendmentComment,
    Clause,
    ManifestoPage,
    ManifestoVersion,
    Phase,
    Vote,
)
from manifesto.rules import can


def clause_choices():
    """Each clause as moderators know it: "Our manifesto: 3. Economy: End austerity…"."""
    choices = []
    for page in ManifestoPage.objects.order_by("title"):
        numbers = describe.clause_numbers(page)
        for clause in Clause.objects.filter(page=page).order_by("is_deleted", "position"):
            label = describe.clause_label(clause, numbers.get(clause.pk))
            choices.append((clause.pk, f"{page.title}: {label}: {describe.quote(clause.text, 6)}"))
    return choices


class AmendmentFilterSet(WagtailFilterSet):
    phase = django_filters.ChoiceFilter(
        label="Manifesto phase", choices=Phase.choices, method="filter_phase"
    )
    clause = django_filters.TypedChoiceFilter(
        label="Clause", choices=clause_choices, coerce=int, field_name="clause"
    )
    flagged = django_filters.BooleanFilter(
        label="Burst of new accounts flagged", method="filter_flagged"
    )
    reported = django_filters.BooleanFilter(
        label="Reported by supporters", method="filter_reported"
    )
    author = django_filters.NumberFilter(label="Author (account number)", field_name="author")
    min_common_ground = django_filters.NumberFilter(
        label="Common ground at least", field_name="common_ground_score", lookup_expr="gte"
    )
    min_popular = django_filters.NumberFilter(
        label="Popular at least", field_name="popular_score", lookup_expr="gte"
    )

    class Meta:
        model = Amendment
        fields = ["status", "kind", "page", "is_hidden"]

    def filter_flagged(self, queryset, name, value):
        flagged = Amendment.objects.flagged_for_bursts().values("pk")
        return queryset.filter(pk__in=flagged) if value else queryset.exclude(pk__in=flagged)

    def filter_reported(self, queryset, name, value):
        return queryset.filter(report_count__gt=0) if value else queryset.filter(report_count=0)

    def filter_phase(self, queryset, name, value):
        pages = [p.pk for p in ManifestoPage.objects.all() if p.phase == value]
        return queryset.filter(page__in=pages)


def score_column(field: str, label: str, places: int = 2) -> Column:
    """A score rounded for reading (the export keeps every decimal), sortable."""
    return Column(
        field,
        label=label,
        accessor=lambda amendment: describe.rounded(getattr(amendment, field), places),
        sort_key=field,
    )


class AmendmentViewSet(SnippetViewSet):
    model = Amendment
    icon = "edit"
    menu_label = "Amendments"
    index_view_class = admin_views.AmendmentIndexView
    inspect_view_class = admin_views.AmendmentInspectView
    inspect_view_enabled = True
    list_display = [
        "__str__",  # shown as describe.row_title: which clause, what changes
        "status",
        "agree_count",
        "disagree_count",
        score_column("popular_score", "Popular"),
        score_column("common_ground_score", "Common ground"),
        score_column("bridging_score", "Bridging", places=3),
        BooleanColumn("is_hidden", label="Hidden"),
    ]
    list_export = [
        "pk",
        "status",
        "text",
        "reason",
        "agree_count",
        "disagree_count",
        "pass_count",
        "popular_score",
        "common_ground_score",
        "bridging_score",
    ]
    filterset_class = AmendmentFilterSet
    search_fields = ["text", "reason"]
    search_backend_name = None
    ordering = ["-created_at"]
    edit_handler = ObjectList(
        [
            admin_views.AmendmentFactsPanel(heading="The amendment"),
            FieldPanel("status"),
            FieldPanel("status_reason"),
            FieldPanel("duplicate_of"),
            FieldPanel("is_hidden"),
        ],
        base_form_class=AmendmentAdminForm,
    )

    def get_queryset(self, request):
        return describe.with_clause_numbers(Amendment.objects.select_related("clause", "page"))


# Nobody adds, edits or deletes a vote in the admin, the superuser included: only the voter
# changes a vote, through `actions.cast_vote`, which moves the amendment's counters with it.
register_permission_policy(Vote, ReadOnlyPolicy(Vote))


class VoteViewSet(SnippetViewSet):
    """Read-only: moderators may look, nobody edits a vote but its voter."""

    model = Vote
    icon = "tick"
    menu_label = "Votes"
    list_display = ["amendment", "choice", "created_at", "updated_at"]
    list_filter = ["choice", "amendment__page"]
    ordering = ["-updated_at"]
    inspect_view_enabled = True

    def get_queryset(self, request):
        return Vote.objects.select_related("amendment__clause")


class VersionViewSet(SnippetViewSet):
    model = ManifestoVersion
    icon = "history"
    menu_label = "Versions"
    list_display = ["__str__", "number", "created_at", "note"]
    list_filter = ["page"]
    inspect_view_enabled = True
    edit_handler = ObjectList([FieldPanel("note")])

    def get_queryset(self, request):
        return ManifestoVersion.objects.select_related("page")


class AmendmentCommentViewSet(SnippetViewSet):
    model = AmendmentComment
    icon = "comment"
    menu_label = "Discussion"
    list_display = ["body", "amendment", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["body"]
    search_backend_name = None
    ordering = ["status", "-created_at"]
    edit_handler = ObjectList([FieldPanel("status")])

    def get_queryset(self, request):
        return AmendmentComment.objects.select_related("amendment")


class ManifestoGroup(SnippetViewSetGroup):
    menu_label = "Manifesto"
    menu_icon = "list-ol"
    menu_order = 250
    items = [AmendmentViewSet, VoteViewSet, VersionViewSet, AmendmentCommentViewSet]


register_snippet(ManifestoGroup)


# --- Bulk decisions on amendments --------------------------------------------------


class AmendmentStatusBulkAction(SnippetBulkAction):
    template_name = "manifesto/admin/confirm_bulk_status.html"
    action = ""
    action_priority = 20

    models = [Amendment]

    @classmethod
    def get_queryset(cls, model, object_ids):
        return get_list_or_404(model.objects.select_related("clause", "page"), pk__in=object_ids)

    def check_perm(self, amendment):
        """Moderators, and only amendments this decision may move (see rules.TRANSITIONS)."""
        return can(self.request.user, "moderate", amendment.page) and rules.can_move(
            self.request.user, amendment, actions.DECISIONS[self.action]
        )

    def get_execution_context(self):
        return {"user": self.request.user, "data": self.cleaned_form.cleaned_data}

    @classmethod
    def execute_action(cls, objects, user=None, data=None, **kwargs):
        data = data or {}
        done = 0
        for amendment in objects:
            try:
                actions.change_status(
                    amendment,
                    user,
                    cls.action,
                    reason=data.get("reason", ""),
                    duplicate_of=data.get("duplicate_of"),
                )
            except (actions.StatusChangeRefused, Amendment.DoesNotExist):
                continue  # moved by someone else meanwhile, or no such duplicate: unchanged
            done += 1
        return done, 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return f"{num_parent_objects} amendment(s): {self.display_name.lower()} done."

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "action_label": self.display_name}


class PublishBulkAction(AmendmentStatusBulkAction):
    display_name = "Publish"
    action_type = "manifesto_publish"
    aria_label = "Publish selected amendments"
    action = "publish"
    form_class = ReasonForm


class AcceptBulkAction(AmendmentStatusBulkAction):
    display_name = "Accept"
    action_type = "manifesto_accept"
    aria_label = "Accept selected amendments"
    action = "accept"
    form_class = ReasonForm


class RejectBulkAction(AmendmentStatusBulkAction):
    display_name = "Reject"
    action_type = "manifesto_reject"
    aria_label = "Reject selected amendments"
    action = "reject"
    form_class = RejectForm


class DuplicateBulkAction(AmendmentStatusBulkAction):
    display_name = "Mark duplicate"
    action_type = "manifesto_duplicate"
    aria_label = "Mark selected amendments as duplicates"
    action = "duplicate"
    form_class = DuplicateForm


for _action in (PublishBulkAction, AcceptBulkAction, RejectBulkAction, DuplicateBulkAction):
    hooks.register("register_bulk_action", _action)


class CommentBulkAction(SnippetBulkAction):
    template_name = "manifesto/admin/confirm_bulk_status.html"
    models = [AmendmentComment]
    status = ""

    def check_perm(self, comment):
        return self.request.user.has_perm("manifesto.change_amendmentcomment")

    def get_execution_context(self):
        return {"user": self.request.user}

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        for comment in objects:
            comment.moderate(cls.status, user)
        return len(objects), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return f"{num_parent_objects} comment(s): {self.display_name.lower()}."

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "action_label": self.display_name}


class ApproveComments(CommentBulkAction):
    display_name = "Approve"
    action_type = "manifesto_comment_approve"
    aria_label = "Approve selected comments"
    status = ModerationStatus.APPROVED


class RejectComments(CommentBulkAction):
    display_name = "Reject"
    action_type = "manifesto_comment_reject"
    aria_label = "Reject selected comments"
    status = ModerationStatus.REJECTED


class SpamComments(CommentBulkAction):
    display_name = "Mark as spam"
    action_type = "manifesto_comment_spam"
    aria_label = "Mark selected comments as spam"
    status = ModerationStatus.SPAM


for _action in (ApproveComments, RejectComments, SpamComments):
    hooks.register("register_bulk_action", _action)


# --- Collision report, merge (preview, then confirm) and ranking recompute ---------------


def manifestos_view(request):
    if not request.user.has_perm("manifesto.change_amendment"):
        raise PermissionDenied
    return render(
        request,
        "manifesto/admin/manifestos.html",
        {"pages": ManifestoPage.objects.all(), "header_title": "Merge amendments"},
    )


@hooks.register("register_admin_urls")
def register_manifesto_admin_urls():
    return [
        path("manifesto/merge/", manifestos_view, name="manifesto_merge_index"),
        path(
            "manifesto/merge/<int:page_id>/",
            admin_views.collision_report_view,
            name="manifesto_collisions",
        ),
        path(
            "manifesto/amendment/<int:pk>/clear-burst/",
            admin_views.clear_burst_view,
            name="manifesto_clear_burst",
        ),
        path(
            "manifesto/merge/<int:page_id>/preview/",
            admin_views.merge_preview_view,
            name="manifesto_merge_preview",
        ),
    ]


class MergeMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("manifesto.change_amendment")


@hooks.register("insert_global_admin_css")
def manifesto_admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("manifesto/admin.css"))


@hooks.register("register_admin_menu_item")
def register_merge_menu_item():
    return MergeMenuItem(
        "Merge amendments", reverse("manifesto_merge_index"), icon_name="resubmit", order=251
    )


@hooks.register(WAITING_HOOK)
def manifesto_waiting(request):
    """Amendments to screen, reported or flagged, and discussion to moderate (two queries)."""
    if not request.user.has_perm("manifesto.change_amendment"):
        return []
    counts = admin_views.waiting_counts()
    amendments = reverse("wagtailsnippets_manifesto_amendment:list")
    comments = reverse("wagtailsnippets_manifesto_amendmentcomment:list")
    return [
        Waiting(
            counts["to_screen"],
            "amendment to screen",
            "amendments to screen",
            f"{amendments}?status=submitted",
            10,
        ),
        Waiting(
            counts["reported"],
            "amendment reported by supporters",
            "amendments reported by supporters",
            f"{amendments}?reported=true",
            20,
        ),
        Waiting(
            counts["bursts"],
            "amendment with a burst of votes from new accounts",
            "amendments with a burst of votes from new accounts",
            f"{amendments}?flagged=true",
            25,
        ),
        Waiting(
            counts["comments"],
            "amendment comment awaiting moderation",
            "amendment comments awaiting moderation",
            f"{comments}?status=pending",
            30,
        ),
    ]
