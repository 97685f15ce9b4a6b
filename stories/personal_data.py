"""What the stories app holds about a person, for their data export and account deletion."""

from stories.models import StoryPage


def export_stories(user) -> list[dict]:
    return [
        {
            "reference": story.reference,
            "title": story.title,
            "group_name": story.group_name,
            "contact_email": story.contact_email,
            "published": story.live,
            "first_published_at": story.first_published_at.isoformat()
            if story.first_published_at
            else None,
        }
        for story in StoryPage.objects.filter(submitted_by=user).order_by("pk")
    ]


def forget_contact_details(user) -> None:
    """On account deletion: the stories stay (they are the group's), the email goes."""
    forgotten = StoryPage.objects.filter(
        submitted_by=user, contact_email__iexact=user.email
    ).update(contact_email="")
    if forgotten:
        # Routing keeps live pages in the shared cache (cms.routing): drop those copies too.
        from cms.cache import purge_page_cache

        purge_page_cache()
