"""Organising locally: constituency pages, local groups, where parties campaign.

The constituencies themselves are `cms.Constituency` (loaded from the hexmap file). Here:
- `ConstituencyIndexPage`, one routable page serving the list (`/`), the map (`map/`) and
  each constituency (`<slug>/`), so they all live under the editor-chosen address;
- `LocalGroupPage`, with a contact form that relays a message to the organisers by email
  (`contact/`) without showing anyone's address, and an abuse report for each relayed
  message (`report/<token>/`);
- `PartyPosition`, each party's position in a constituency, entered by moderators with a
  source.
"""

import uuid

from django.conf import settings
from django.contrib.admin import display as admin_display
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import mark_safe
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.search import index

from cms.cache import cached_fragment
from cms.models import Constituency, Party
from cms.models.pages import BasePage
from cms.places import place_counts, place_listings
from cms.regions import Region
from cms.search import query_text
from local import hexmap
from local.forms import RATE_LIMITED, AbuseReportForm, GroupContactForm, contact_rate_limited
from local.organisers import sync_organiser_group


class ConstituencyIndexPage(RoutablePageMixin, BasePage):
    """The 650 constituencies: a list by nation and region with a search, a map, a page each."""

    search_listing = True
    query_params = ("q", "party", "show")

    introduction = models.TextField(blank=True, help_text="A line or two above the list.")

    content_panels = [*BasePage.content_panels, FieldPanel("introduction")]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "constituency index"

    @path("", name="list")
    def constituency_list(self, request):
        query = query_text(request.GET.get("q", ""), max_length=80).strip()
        constituencies = Constituency.objects.only("name", "slug", "region")
        if query:
            constituencies = constituencies.filter(name__icontains=query)
        by_region = {}
        for constituency in constituencies:
            by_region.setdefault(constituency.region, []).append(constituency)
        regions = [
            (label, by_region[value]) for value, label in Region.choices if value in by_region
        ]
        context = {
            **self.get_context(request),
            "query": query,
            "regions": regions,
            "match_count": sum(len(group) for _label, group in regions),
        }
        return TemplateResponse(request, "local/constituency_index_page.html", context)

    @path("map/", name="map")
    def map(self, request):
        """The hexagon map, coloured by ?party= or ?show=; drawn once per choice and shared."""
        parties = list(Party.objects.filter(is_party=True).only("name", "slug"))
        counts = place_counts()
        choice = hexmap.MapChoice.from_query(request.GET, {p.slug for p in parties}, counts)
        party = next((p for p in parties if p.slug == choice.party), None)
        if party is not None:
            legend = hexmap.position_legend(dict(Position.choices))
            title = f"Where {party.name} campaigns"
        elif choice.show:
            legend = hexmap.count_legend(counts[choice.show].label)
            title = f"{counts[choice.show].label} by constituency"
        else:
            legend = []
            title = "The 650 constituencies"

        def render():
            rows, describe = self.map_rows(party, counts.get(choice.show))
            url_for = self.map_url_for()
            table = [
                {**row, "url": url_for(row["slug"]), "words": describe(row["value"])[1]}
                for row in sorted(rows, key=lambda row: row["name"])
                if row["value"]
            ]
            context = {
                **hexmap.layout(rows, url_for, describe),
                "title": title,
                "legend": legend,
                "credit": hexmap.CREDIT,
                "table": table,
                "table_heading": "Position" if party else "How many",
            }
            return render_to_string("local/hexmap.html", context)

        context = {
            **self.get_context(request),
            "choice": choice,
            "title": title,
            # Our own template's output, escaped when it was drawn.
            "map_html": mark_safe(cached_fragment(request, self, f"map:{choice.key}", render)),  # noqa: S308
            "parties": parties,
            "shows": [(name, count.label) for name, count in counts.items()],
        }
        return TemplateResponse(request, "local/constituency_map.html", context)

    def map_url_for(self):
        base = self.url + self.reverse_subpage("list")
        return lambda slug: f"{base}{slug}/"

    def map_rows(self, party, count):
        """Every constituency with its value for the map (one query for a party's positions;
        one for the constituencies and one for the count otherwise), and how to describe it."""
        rows = Constituency.objects.order_by("hex_r", "hex_q").values(
            "pk", "name", "slug", "region", "hex_q", "hex_r"
        )
        if party is not None:
            positions = PartyPosition.objects.filter(
                constituency=OuterRef("pk"), party=party
            ).order_by()
            rows = rows.annotate(
                position=Subquery(positions.values("position")[:1]),
                in_favour_of=Subquery(positions.values("in_favour_of__name")[:1]),
            )
            labels = dict(Position.choices)
            rows = list(rows)
            for row in rows:
                row["value"] = (row["position"], row["in_favour_of"]) if row["position"] else None

            def describe(value):
                if not value:
                    return hexmap.NO_VALUE, "no position recorded"
                position, other = value
                words = labels[position]
                if position == Position.STANDING_ASIDE and other:
                    words = f"{words} for {other}"
                return hexmap.POSITION_COLOURS[position], words

            return rows, describe
        numbers = count.counter() if count is not None else {}
        rows = list(rows)
        for row in rows:
            row["value"] = numbers.get(row["pk"], 0)

        def describe(value):
            if count is None:
                return hexmap.NO_VALUE, ""
            return hexmap.count_colour(value), count.words(value)

        return rows, describe

    @path("<slug:slug>/", name="constituency")
    def constituency(self, request, slug):
        """One constituency. Its sections are the same for every visitor, so they are drawn
        once per content generation and shared (a position saved, a page published purges)."""
        constituency = get_object_or_404(Constituency, slug=slug)

        def render():
            positions = (
                PartyPosition.objects.filter(constituency=constituency)
                .select_related("party", "in_favour_of")
                .order_by("party__sort_order", "party__name")
            )
            context = {
                "page": self,
                "constituency": constituency,
                "positions": positions,
                "listings": place_listings([constituency]),
            }
            return render_to_string("local/constituency_sections.html", context)

        context = {
            **self.get_context(request),
            "constituency": constituency,
            "sections": mark_safe(  # noqa: S308 (our own template's output, escaped when drawn)
                cached_fragment(request, self, f"constituency:{constituency.pk}", render)
            ),
        }
        return TemplateResponse(request, "local/constituency_page.html", context)

    def constituency_url(self, constituency) -> str:
        return self.url + self.reverse_subpage("constituency", kwargs={"slug": constituency.slug})


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


class LocalGroupPage(RoutablePageMixin, BasePage):
    """A local group covering one or more constituencies, run by its organisers.

    The page is shared by every visitor (the page cache); the contact form lives at
    `contact/`, never shared, since it carries a CSRF token.
    """

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
        help_text="Supporters who run the group; never shown with their email. They may edit "
        "this page and publish its meetings, and receive the messages sent with its form.",
    )

    content_panels = [
        *BasePage.content_panels,
        FieldPanel("description"),
        FieldPanel("constituencies"),
        # Organisers may edit their page, but not choose who else may.
        FieldPanel("organisers", permission="local.choose_organisers"),
    ]
    search_fields = [*BasePage.search_fields, index.SearchField("description")]
    parent_page_types = ["local.LocalGroupIndexPage"]
    subpage_types: list[str] = ["meetings.MeetingPage"]

    class Meta:
        verbose_name = "local group"
        permissions = [("choose_organisers", "Can choose a local group's organisers")]

    def save(self, *args, **kwargs):
        result = super().save(*args, **kwargs)
        # The organisers are written by the save above (modelcluster), so sync after it.
        sync_organiser_group(self)
        return result

    def has_organiser(self, user) -> bool:
        """Whether `user` is one of this group's organisers."""
        return bool(user and user.is_authenticated) and self.organisers.filter(pk=user.pk).exists()

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        constituencies = list(self.constituencies.all())
        context["constituencies"] = constituencies
        context["listings"] = place_listings(constituencies)
        context["constituency_index"] = ConstituencyIndexPage.objects.live().public().first()
        return context

    @path("contact/", name="contact")
    def contact(self, request):
        """The form; it posts back here. Rate limits first (every attempt counts), then the
        form, then the email to the organisers."""
        if not self.organisers.exists():
            raise Http404
        status = 200
        if request.method == "POST":
            form = GroupContactForm(request.POST)
            if contact_rate_limited(request):
                form.is_valid()  # so what was typed is shown again, cleaned
                form.add_error(None, RATE_LIMITED)
                status = 429
            elif form.is_valid():
                relay_to_organisers(request, self, form.cleaned_data)
                return redirect(self.url + self.reverse_subpage("contact_sent"))
            else:
                status = 400
        else:
            form = GroupContactForm()
        context = {**self.get_context(request), "form": form}
        response = TemplateResponse(request, "local/group_contact.html", context, status=status)
        add_never_cache_headers(response)
        return response

    @path("contact/sent/", name="contact_sent")
    def contact_sent(self, request):
        context = {**self.get_context(request), "sent": True}
        return TemplateResponse(request, "local/group_contact.html", context)

    @path("report/<uuid:token>/", name="report")
    def report(self, request, token):
        """An organiser who received an abusive message reports it to the moderators."""
        message = get_object_or_404(RelayedMessage, token=token, group=self)
        done = False
        if request.method == "POST":
            form = AbuseReportForm(request.POST)
            if form.is_valid():
                AbuseReport.objects.get_or_create(
                    message=message, defaults={"reason": form.cleaned_data["reason"]}
                )
                done = True
        else:
            form = AbuseReportForm()
        context = {**self.get_context(request), "form": form, "done": done, "message": message}
        response = TemplateResponse(request, "local/group_report.html", context)
        add_never_cache_headers(response)
        return response


class Position(models.TextChoices):
    STANDING = "standing", "Standing"
    STANDING_ASIDE = "standing-aside", "Standing aside"
    TARGET = "target", "Target seat"
    JOINT = "joint", "Joint candidate"
    ENDORSED = "endorsed", "Endorsed candidate"


class PartyPosition(models.Model):
    """One party's position in one constituency, with the date it was true and a source."""

    constituency = models.ForeignKey(
        Constituency, on_delete=models.CASCADE, related_name="party_positions"
    )
    party = models.ForeignKey(
        "cms.Party",
        on_delete=models.CASCADE,
        related_name="positions",
        limit_choices_to={"is_party": True},
    )
    position = models.CharField(max_length=20, choices=Position.choices, db_index=True)
    in_favour_of = models.ForeignKey(
        "cms.Party",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"is_party": True},
        help_text="Only for 'standing aside': the party it stands aside for.",
    )
    as_of = models.DateField(help_text="The date the position was announced or last checked.")
    source_url = models.URLField(
        max_length=500, help_text="Where it was announced: a public web page anyone can check."
    )
    note = models.CharField(max_length=255, blank=True, help_text="Shown beside the position.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["constituency__name", "party__sort_order", "party__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["constituency", "party"], name="local_one_position_per_party_and_seat"
            ),
            models.CheckConstraint(
                condition=~Q(source_url=""), name="local_party_position_has_source"
            ),
        ]

    def __str__(self):
        return f"{self.party}: {self.describe()} in {self.constituency}"

    def describe(self) -> str:
        if self.position == Position.STANDING_ASIDE and self.in_favour_of_id:
            return f"Standing aside for {self.in_favour_of}"
        return self.get_position_display()

    def clean(self):
        if self.position == Position.STANDING_ASIDE:
            if not self.in_favour_of_id:
                raise ValidationError({"in_favour_of": "Say which party it stands aside for."})
            if self.in_favour_of_id == self.party_id:
                raise ValidationError({"in_favour_of": "A party cannot stand aside for itself."})
        elif self.in_favour_of_id:
            raise ValidationError({"in_favour_of": "Only a party standing aside names another."})


class RelayedMessage(models.Model):
    """A message sent to a group's organisers with its form, kept so it can be reported.

    The sender's address is kept for the moderators who look at a report; it is never shown
    on the site, and the organisers see it only as the Reply-To of the email they received.
    """

    group = models.ForeignKey(LocalGroupPage, on_delete=models.CASCADE, related_name="messages")
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sender_name = models.CharField(max_length=100)
    sender_email = models.EmailField()
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self):
        return f"Message to {self.group} from {self.sender_name}"


class AbuseReport(models.Model):
    """An organiser's report that a relayed message was abusive, for the moderators."""

    message = models.OneToOneField(
        RelayedMessage, on_delete=models.CASCADE, related_name="abuse_report"
    )
    reason = models.TextField(max_length=2000)
    reported_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(default=False, help_text="Tick once a moderator has acted.")

    class Meta:
        ordering = ["resolved", "-reported_at"]

    def __str__(self):
        return f"Report on {self.message}"

    @admin_display(description="Message")
    def message_body(self) -> str:
        return self.message.body[:300]

    @admin_display(description="Sender")
    def sender_details(self) -> str:
        return f"{self.message.sender_name} <{self.message.sender_email}>"


def relay_to_organisers(request, group: LocalGroupPage, cleaned_data: dict) -> RelayedMessage:
    """Store the message and email it to each organiser, the sender as Reply-To.

    One email per organiser, so no organiser sees another's address; the sender receives
    nothing from here, so never sees an organiser's. Each email ends with a link to report
    the message to the moderators.
    """
    user = request.user if request.user.is_authenticated else None
    message = RelayedMessage.objects.create(
        group=group,
        sender_name=cleaned_data["name"],
        sender_email=cleaned_data["email"],
        sender=user,
        body=cleaned_data["message"],
    )
    report_url = request.build_absolute_uri(
        group.url + group.reverse_subpage("report", kwargs={"token": message.token})
    )
    body = (
        f"{cleaned_data['name']} wrote to {group.title} with the form on the group's page.\n"
        "Reply to this email to answer them: your reply goes to them directly.\n\n"
        f"{cleaned_data['message']}\n\n"
        "--\nIf this message is abusive, report it to the moderators:\n"
        f"{report_url}\n"
    )
    prefix = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX
    for email in group.organisers.filter(is_active=True).values_list("email", flat=True):
        EmailMessage(
            subject=f"{prefix}{group.title}: a message from {cleaned_data['name']}",
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email],
            reply_to=[cleaned_data["email"]],
        ).send()
    return message
