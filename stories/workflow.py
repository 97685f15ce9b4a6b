"""The "Story review" workflow: who approves stories, and where it applies.

A data migration creates the workflow and its group-approval task (Editors and
Moderators). `assign_story_workflow()` attaches it to a stories index, and runs whenever
a stories index is created, so every story under it goes through review. Moderators need
no page permissions: Wagtail lets members of the task's groups open the editor, edit,
approve or request changes while a story is on that task.
"""

from django.contrib.auth.models import Group
from django.db import transaction
from wagtail.models import GroupApprovalTask, Workflow, WorkflowPage, WorkflowTask

from cms.roles import EDITORS, MODERATORS

WORKFLOW_NAME = "Story review"
TASK_NAME = "Editors or moderators approve the story"


@transaction.atomic
def story_review_workflow() -> Workflow:
    """Find (or re-create, if someone deleted it) the workflow with its one task."""
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    if not workflow.workflow_tasks.exists():
        task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
        if task is None:
            task = GroupApprovalTask.objects.create(name=TASK_NAME)
            task.groups.set(Group.objects.filter(name__in=[EDITORS, MODERATORS]))
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    return workflow


def assign_story_workflow(index) -> Workflow:
    """Make the stories index use the review workflow, unless editors chose another."""
    existing = WorkflowPage.objects.filter(page=index).select_related("workflow").first()
    if existing:
        return existing.workflow
    workflow = story_review_workflow()
    WorkflowPage.objects.create(page=index, workflow=workflow)
    return workflow
