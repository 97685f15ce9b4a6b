"""Site-wide settings editors change in the admin: the main menu and the footer."""

from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Orderable


class LinkFields(models.Model):
    """A link to a page on this site or to another address."""

    label = models.CharField(max_length=60)
    page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    url = models.CharField(
        max_length=300, blank=True, help_text="Used when no page is chosen, e.g. /search/."
    )

    panels = [FieldPanel("label"), FieldPanel("page"), FieldPanel("url")]

    class Meta:
        abstract = True

    def __str__(self):
        return self.label

    def href_on(self, site) -> str:
        """The link's address as shown on `site`: a path there, a full URL to another site."""
        if self.page_id:
            return self.page.get_url(current_site=site) or "#"
        return self.url or "#"


class MenuItem(Orderable, LinkFields):
    setting = ParentalKey("NavigationSettings", related_name="menu_items")


class FooterLink(Orderable, LinkFields):
    setting = ParentalKey("NavigationSettings", related_name="footer_links")


@register_setting(icon="list-ul")
class NavigationSettings(BaseSiteSetting, ClusterableModel):
    """The main menu and footer, editable under Settings."""

    footer_text = models.TextField(
        blank=True,
        default="Alliance Hub is run by supporters of many parties and of none.",
        help_text="A short line shown in the footer of every page.",
    )

    panels = [
        InlinePanel("menu_items", label="Main menu"),
        FieldPanel("footer_text"),
        InlinePanel("footer_links", label="Footer links"),
    ]

    class Meta:
        verbose_name = "navigation"

    def as_links(self, site) -> dict:
        """Plain data for the page chrome, kept in the shared cache (see cms.sitewide)."""

        def links(items):
            return [
                {"label": link.label, "href": link.href_on(site), "page_id": link.page_id}
                for link in items.select_related("page").order_by("sort_order")
            ]

        return {
            "menu": links(self.menu_items),
            "footer": links(self.footer_links),
            "footer_text": self.footer_text,
        }


@register_setting(icon="info-circle")
class ImprintSettings(BaseSiteSetting):
    """The digital imprint and the default sharing image.

    The Elections Act 2022 asks for an imprint on a campaigner's digital material:
    the promoter's name and address, and on whose behalf it is published. It is shown
    in every page's footer, in share cards and in the feeds and calendars.
    """

    promoter_name = models.CharField(
        max_length=120,
        blank=True,
        help_text="The person or organisation that promotes the site's material.",
    )
    promoter_address = models.CharField(
        max_length=255,
        blank=True,
        help_text="A postal address where the promoter can be reached (one line).",
    )
    on_behalf_of = models.CharField(
        max_length=120,
        blank=True,
        help_text="Who the material is published for, if not the promoter themselves.",
    )
    default_social_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown when a page without its own social image is shared (1200x630).",
    )

    panels = [
        FieldPanel("promoter_name"),
        FieldPanel("promoter_address"),
        FieldPanel("on_behalf_of"),
        FieldPanel("default_social_image"),
    ]

    class Meta:
        verbose_name = "imprint and sharing"

    def imprint(self) -> str:
        """ "Promoted by ... on behalf of ..., <address>.", or "" until a promoter is named."""
        name = self.promoter_name.strip()
        if not name:
            return ""
        text = f"Promoted by {name}"
        on_behalf_of = self.on_behalf_of.strip()
        if on_behalf_of and on_behalf_of != name:
            text += f" on behalf of {on_behalf_of}"
        address = self.promoter_address.strip()
        if address:
            text += f", {address}"
        return text + "."
