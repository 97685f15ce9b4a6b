"""Local groups: people organising in one or more constituencies."""

from django.conf import settings
from django.db import models
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel
from wagtail.search import index

from cms.models.pages import BasePage


class LocalGroupIndexPage(BasePage):
    """Where the local groups live: one page listing them, each group a child page."""

    search_listing = True

    introduction = models.TextField(blank=True, help_text="A line or two above the list.")

    content_panels = [*BasePage.content_panels, FieldPanel("introduction")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["local.LocalGroupPage"]

    class Meta:
        verbose_name = "local group index"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["groups"] = LocalGroupPage.objects.child_of(self).live().public().order_by("title")
        return context


class LocalGroupPage(BasePage):
    """A local group covering one or more constituencies, run by its organisers."""

    description = models.TextField(help_text="Who the group is and what it does.")
    constituencies = ParentalManyToManyField(
        "cms.Constituency",
        related_name="local_groups",
        help_text="The constituencies the group covers.",
    )
    organisers = ParentalManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="organised_groups",
        help_text="Supporters who run the group; never shown with their email.",
    )

    content_panels = [
        *BasePage.content_panels,
        FieldPanel("description"),
        FieldPanel("constituencies"),
        FieldPanel("organisers"),
    ]
    search_fields = [*BasePage.search_fields, index.SearchField("description")]
    parent_page_types = ["local.LocalGroupIndexPage"]
    subpage_types: list[str] = ["meetings.MeetingPage"]

    class Meta:
        verbose_name = "local group"

    def has_organiser(self, user) -> bool:
        """Whether `user` is one of this group's organisers."""
        return bool(user and user.is_authenticated) and self.organisers.filter(pk=user.pk).exists()
