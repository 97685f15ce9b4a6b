"""Campaign landing pages: a hero, a body and calls to action."""

from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.search import index

from cms.blocks import BodyBlock
from cms.models.pages import BasePage


class CampaignPage(BasePage):
    hero_title = models.CharField(max_length=120, help_text="The big line at the top.")
    hero_text = models.TextField(blank=True, help_text="One or two sentences under it.")
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Optional: a wide picture beside the hero text.",
    )
    body = StreamField(
        BodyBlock(), blank=True, help_text="Add 'Call to action' blocks for what readers should do."
    )

    content_panels = [
        *BasePage.content_panels,
        FieldPanel("hero_title"),
        FieldPanel("hero_text"),
        FieldPanel("hero_image"),
        FieldPanel("body"),
    ]
    search_fields = [
        *BasePage.search_fields,
        index.SearchField("hero_title"),
        index.SearchField("hero_text"),
        index.SearchField("body"),
    ]
    parent_page_types = ["cms.HomePage", "cms.CampaignPage"]
    subpage_types = ["cms.CampaignPage", "cms.StandardPage"]

    class Meta:
        verbose_name = "campaign page"
