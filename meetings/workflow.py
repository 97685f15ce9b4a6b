"""The "Meeting review" workflow: moderators approve meetings proposed by supporters.

Like stories' review (stories.workflow): one group-approval task for Editors and
Moderators. The workflow is started on each proposed meeting directly, so it applies
wherever the meeting lives (under a local group or under the meetings index). Approving
publishes the page as the approver, which Wagtail allows only with the "publish" page
permission: Moderators get exactly that, on the meeting itself and on the meetings index.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import GroupApprovalTask, GroupPagePermission, Workflow, WorkflowTask

from cms.roles import EDITORS, MODERATORS

WORKFLOW_NAME = "Meeting review"
TASK_NAME = "Editors or moderators approve the meeting"


@transaction.atomic
def meeting_review_workflow() -> Workflow:
    """Find (or create) the workflow with its one task."""
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    if not workflow.workflow_tasks.exists():
        task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
        if task is None:
            task = GroupApprovalTask.objects.create(name=TASK_NAME)
            task.groups.set(Group.objects.filter(name__in=[EDITORS, MODERATORS]))
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    return workflow


def let_moderators_publish(page) -> None:
    moderators = Group.objects.filter(name=MODERATORS).first()
    publish = Permission.objects.filter(
        content_type__app_label="wagtailcore", codename="publish_page"
    ).first()
    if moderators and publish:
        GroupPagePermission.objects.get_or_create(group=moderators, page=page, permission=publish)


def start_review(meeting) -> None:
    """Put a draft meeting into review (no Wagtail email to the proposer: we write ourselves)."""
    let_moderators_publish(meeting)
    meeting_review_workflow().start(meeting, None)
