"""Guides: practical how-tos made of numbered steps, with free text around them."""

from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.search import index

from cms.blocks import BodyBlock, StepsBlock
from cms.models.pages import BasePage


class GuidePage(BasePage):
    """Steps are numbered by their order; drag them in the admin to renumber."""

    introduction = models.TextField(
        blank=True, help_text="Who the guide is for and what it covers."
    )
    steps = StreamField(
        StepsBlock(), help_text="Each step has a title and text; numbers follow the order."
    )
    body = StreamField(BodyBlock(), blank=True, help_text="Anything after the steps.")

    content_panels = [
        *BasePage.content_panels,
        FieldPanel("introduction"),
        FieldPanel("steps"),
        FieldPanel("body"),
    ]
    search_fields = [
        *BasePage.search_fields,
        index.SearchField("introduction"),
        index.SearchField("steps"),
        index.SearchField("body"),
    ]
    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "guide"

    def numbered_steps(self) -> list[tuple[int, dict]]:
        """(number, step) pairs, numbered from 1 in the order the editor set."""
        return list(enumerate((block.value for block in self.steps), start=1))
