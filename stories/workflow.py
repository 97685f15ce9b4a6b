"""The "Story review" workflow: who approves stories, and where it applies.

A data migration creates the workflow and its group-approval task (Editors and
Moderators). `assign_story_workflow()` attaches it to a stories index, and runs whenever
a stories index is created, so every story under it goes through review.

Wagtail lets members of the task's groups open the editor, edit, approve or request
changes while a story is on that task. Approving the last task publishes the page *as
the approver*, which Wagtail allows only with the "publish" page permission, so Moderators
get exactly that one permission, on the stories index only (they can also unpublish a
story there, which suits moderation; they cannot add, edit or delete other pages).
"""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.models import (
    GroupPagePermission,
    Workflow,
    WorkflowPage,
    WorkflowState,
    WorkflowTask,
)

from cms.roles import EDITORS, MODERATORS
from stories.models import StoryPage, StoryReviewTask

WORKFLOW_NAME = "Story review"
TASK_NAME = "Editors or moderators approve the story"


@transaction.atomic
def story_review_workflow() -> Workflow:
    """Find (or re-create, if someone deleted it) the workflow with its one task."""
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    if not workflow.workflow_tasks.exists():
        task = StoryReviewTask.objects.filter(name=TASK_NAME).first()
        if task is None:
            task = StoryReviewTask.objects.create(name=TASK_NAME)
            task.groups.set(Group.objects.filter(name__in=[EDITORS, MODERATORS]))
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    return workflow


def assign_story_workflow(index) -> Workflow:
    """Make the stories index use the review workflow (unless editors chose another one)."""
    let_moderators_publish_stories(index)
    existing = WorkflowPage.objects.filter(page=index).select_related("workflow").first()
    if existing:
        return existing.workflow
    workflow = story_review_workflow()
    WorkflowPage.objects.create(page=index, workflow=workflow)
    return workflow


def let_moderators_publish_stories(index) -> None:
    moderators = Group.objects.filter(name=MODERATORS).first()
    publish = Permission.objects.filter(
        content_type__app_label="wagtailcore", codename="publish_page"
    ).first()
    if moderators and publish:
        GroupPagePermission.objects.get_or_create(group=moderators, page=index, permission=publish)


def stories_in_review():
    """The ids of stories waiting in a review workflow (as strings, like Wagtail keeps them)."""
    return WorkflowState.objects.filter(
        status=WorkflowState.STATUS_IN_PROGRESS,
        content_type=ContentType.objects.get_for_model(StoryPage),
    ).values_list("object_id", flat=True)
