"""The meetings' share of the admin: proposed meetings waiting for review on the dashboard."""

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from wagtail import hooks
from wagtail.models import WorkflowState

from cms.dashboard import HOOK as WAITING_HOOK
from cms.dashboard import Waiting
from meetings.models import MeetingPage


@hooks.register(WAITING_HOOK)
def meetings_waiting(request):
    """Meetings supporters proposed, waiting in the review workflow (one query)."""
    if not request.user.has_perm("cms.moderate_replies"):  # Moderators and Editors
        return []
    count = WorkflowState.objects.filter(
        status=WorkflowState.STATUS_IN_PROGRESS,
        content_type=ContentType.objects.get_for_model(MeetingPage),
    ).count()
    url = reverse("wagtailadmin_reports:workflow")
    return [Waiting(count, "proposed meeting to review", "proposed meetings to review", url, 55)]
