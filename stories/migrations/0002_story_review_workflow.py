"""The "Story review" workflow: one story review task (group approval) for Editors and Moderators.

It is attached to the stories index when that page is created (stories.signals).
"""

from django.db import migrations

WORKFLOW_NAME = "Story review"
TASK_NAME = "Editors or moderators approve the story"


def create_story_review_workflow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Group = apps.get_model("auth.Group")
    Workflow = apps.get_model("wagtailcore.Workflow")
    WorkflowTask = apps.get_model("wagtailcore.WorkflowTask")
    StoryReviewTask = apps.get_model("stories.StoryReviewTask")

    task_type, _ = ContentType.objects.get_or_create(app_label="stories", model="storyreviewtask")
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    task = StoryReviewTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = StoryReviewTask.objects.create(
            name=TASK_NAME, active=True, content_type=task_type
        )
    task.groups.set(Group.objects.filter(name__in=["Editors", "Moderators"]))
    if not WorkflowTask.objects.filter(workflow=workflow).exists():
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0001_initial"),
        ("cms", "0003_roles_parties_homepage"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.RunPython(create_story_review_workflow, migrations.RunPython.noop),
    ]
