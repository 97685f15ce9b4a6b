"""What stories tell people, in the transaction of each review decision.

A story's sender (when signed in) follows it and finds each decision in their
notifications; the email about it stays `stories.notifications`', so it is not sent twice.
A first publication is news for the followers of its place, its constituency and its region.
"""

from wagtail import hooks

from notifications.activity import HOOK as ACTIVITY_HOOK
from notifications.activity import Item, Section
from notifications.following import follow_automatically, followers_of_any, region_target
from notifications.kinds import Kind
from notifications.notify import notify
from stories.models import ReviewDecision, StoryPage


def story_published(story: StoryPage) -> None:
    if story.submitted_by_id:
        follow_automatically(story.submitted_by_id, story)
        notify(
            [story.submitted_by_id],
            kind=Kind.DECISION,
            key=f"story-decision:{story.pk}:published",
            summary=f"Your story “{story.title}” is published",
            url=story.url or "",
            emailed_elsewhere=True,
        )
    followers = followers_of_any([story.place, story.constituency, region_target(story.region)])
    notify(
        followers,
        kind=Kind.STORY_PUBLISHED,
        key=f"story-published:{story.pk}",
        summary=f"A new story from {story.place.name}: “{story.title}”",
        url=story.url or "",
        exclude=[story.submitted_by_id],
    )


def story_turned_down(story: StoryPage, task_state_id) -> None:
    """Declined, or sent back for changes: the sender sees which in the site."""
    if not story.submitted_by_id:
        return
    declined = story.review_decision == ReviewDecision.DECLINED
    notify(
        [story.submitted_by_id],
        kind=Kind.DECISION,
        key=f"story-decision:{story.pk}:{task_state_id}",
        summary=(
            f"Your story “{story.title}” will not be published"
            if declined
            else f"Your story “{story.title}” needs changes before it can be published"
        ),
        url="",
        emailed_elsewhere=True,
    )


@hooks.register(ACTIVITY_HOOK)
def stories_activity(user) -> Section:
    """The stories you sent in, published or in review (one query)."""
    stories = StoryPage.objects.filter(submitted_by=user).order_by("-pk")[:20]
    words = {
        ReviewDecision.DECLINED: "Not published",
        ReviewDecision.CHANGES_REQUESTED: "Changes asked for",
    }
    return Section(
        "Your stories",
        [
            Item(
                story.title,
                story.url if story.live else "",
                "Published" if story.live else words.get(story.review_decision, "In review"),
            )
            for story in stories
        ],
        empty="You have not sent in a story yet.",
        order=30,
    )
