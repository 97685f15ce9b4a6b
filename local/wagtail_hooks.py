"""Admin screens for local organising: where parties campaign, and reported messages.

Moderators enter party positions (with a source) and act on abuse reports; both are
snippets, so Wagtail checks the model permissions the Moderators role holds (local/apps.py).
"""

from django.urls import reverse
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.dashboard import HOOK as WAITING_HOOK
from cms.dashboard import Waiting
from local.models import AbuseReport, PartyPosition


class PartyPositionViewSet(SnippetViewSet):
    model = PartyPosition
    icon = "flag"
    menu_label = "Where parties campaign"
    list_display = ["constituency", "party", "describe", "as_of"]
    list_filter = ["party", "position", "constituency__region"]
    search_fields = ["constituency__name"]
    ordering = ["constituency__name", "party__sort_order"]
    panels = [
        FieldPanel("constituency"),
        FieldPanel("party"),
        MultiFieldPanel([FieldPanel("position"), FieldPanel("in_favour_of")], heading="Position"),
        FieldPanel("as_of"),
        FieldPanel("source_url"),
        FieldPanel("note"),
    ]


class AbuseReportViewSet(SnippetViewSet):
    model = AbuseReport
    icon = "warning"
    menu_label = "Reported messages"
    list_display = ["message", "message_body", "sender_details", "reported_at", "resolved"]
    list_filter = ["resolved"]
    panels = [FieldPanel("reason", read_only=True), FieldPanel("resolved")]


class LocalViewSetGroup(ViewSetGroup):
    menu_label = "Local organising"
    menu_icon = "group"
    items = (PartyPositionViewSet, AbuseReportViewSet)


register_snippet(LocalViewSetGroup)


@hooks.register(WAITING_HOOK)
def reported_messages_waiting(request):
    """Messages organisers reported as abusive, not yet acted on (one query)."""
    if not request.user.has_perm("local.change_abusereport"):
        return []
    count = AbuseReport.objects.filter(resolved=False).count()
    url = reverse("wagtailsnippets_local_abusereport:list") + "?resolved=false"
    return [Waiting(count, "reported message to look at", "reported messages to look at", url, 45)]
