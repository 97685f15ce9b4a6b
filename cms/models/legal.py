"""The pages that earn trust: legal notices (privacy, cookies, accessibility) and contact.

Editors manage them like any page. Every live, public one is linked from each page's
footer by itself (`cms.sitewide`), so a notice can never be left out of the footer.
"""

from django.conf import settings
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import StreamField
from wagtail.search import index

from cms.blocks import BodyBlock
from cms.contact import RATE_LIMITED, ContactForm, contact_rate_limited, relay_message
from cms.models.pages import BasePage


class LegalPage(BasePage):
    """A notice people rely on: privacy, cookies, accessibility, terms."""

    introduction = models.TextField(blank=True)
    last_updated = models.DateField(
        null=True,
        blank=True,
        help_text="Shown as 'Last updated'. Change it when the notice changes.",
    )
    body = StreamField(BodyBlock(), blank=True)

    content_panels = [
        *BasePage.content_panels,
        FieldPanel("introduction"),
        FieldPanel("last_updated"),
        FieldPanel("body"),
    ]
    search_fields = [
        *BasePage.search_fields,
        index.SearchField("introduction"),
        index.SearchField("body"),
    ]
    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = []

    class Meta:
        verbose_name = "legal page"


class ContactPage(RoutablePageMixin, BasePage):
    """How to reach us, with a form that relays messages by email; no address on the page.

    The page itself is shared by every visitor (the page cache); the form lives at
    `write/`, which is never shared, since it carries a CSRF token.
    """

    introduction = models.TextField(blank=True)
    body = StreamField(BodyBlock(), blank=True, help_text="Other ways to reach you, shown under.")
    recipient_email = models.EmailField(
        blank=True,
        help_text="Where messages go. Never shown on the site. "
        "Leave blank to use the site's contact address (CONTACT_EMAIL).",
    )
    thank_you_text = models.CharField(
        max_length=255,
        default="Thank you. Your message is on its way and we aim to answer within five "
        "working days.",
    )

    content_panels = [
        *BasePage.content_panels,
        FieldPanel("introduction"),
        FieldPanel("body"),
        FieldPanel("recipient_email"),
        FieldPanel("thank_you_text"),
    ]
    search_fields = [*BasePage.search_fields, index.SearchField("introduction")]
    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = []

    class Meta:
        verbose_name = "contact page"

    def recipient(self) -> str:
        return self.recipient_email or settings.CONTACT_EMAIL

    @path("write/", name="write")
    def write(self, request):
        """The form; it posts back here. Rate limit first (every attempt counts), then
        the form, then the email."""
        status = 200
        if request.method == "POST":
            form = ContactForm(request.POST)
            if contact_rate_limited(request):
                form.is_valid()  # so what was typed is shown again, cleaned
                form.add_error(None, RATE_LIMITED)
                status = 429
            elif form.is_valid():
                relay_message(form.cleaned_data, self.recipient(), self.title)
                return redirect(self.url + self.reverse_subpage("sent"))
            else:
                status = 400
        else:
            form = ContactForm()
        context = {**self.get_context(request), "form": form}
        response = TemplateResponse(request, "cms/contact_form.html", context, status=status)
        add_never_cache_headers(response)
        return response

    @path("sent/", name="sent")
    def sent(self, request):
        """Where the form leads once the message is on its way (nothing personal shown)."""
        context = {**self.get_context(request), "sent": True}
        return TemplateResponse(request, self.get_template(request), context)
