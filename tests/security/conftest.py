"""A small site with one page of every public type, built once per module.

The world is made inside a transaction that is rolled back when the module ends, so
each test still starts from it (its own changes roll back with the test) and the rest
of the suite never sees it.
"""

import datetime
import logging
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.core.signals import got_request_exception
from django.db import transaction
from django.test import Client
from django.utils import timezone

from cms.models import (
    BlogIndexPage,
    BlogPostPage,
    CampaignPage,
    Constituency,
    ContactPage,
    EventIndexPage,
    EventPage,
    GuidePage,
    HomePage,
    LegalPage,
    PaperIndexPage,
    PaperPage,
    Party,
    StandardPage,
)
from cms.roles import EDITORS, MODERATORS, SUPPORTERS
from local.models import ConstituencyIndexPage, LocalGroupIndexPage, LocalGroupPage
from meetings.models import MeetingIndexPage, MeetingPage
from stories.models import Place
from tests.cms.conftest import rich_text
from tests.conftest import make_user
from tests.manifesto.conftest import AMENDMENTS as AMENDMENTS_PHASE
from tests.manifesto.conftest import CLAUSES, set_phase
from tests.security.corpus import MARKER, as_bytes
from tests.support.factories import (
    AmendmentFactory,
    CrowdfundPageFactory,
    ManifestoPageFactory,
    StoriesIndexPageFactory,
    StoryPageFactory,
)
from tests.support.fixtures import built_once

FORM_STATUSES = {200, 400, 403, 422, 429}


@dataclass
class World:
    home: HomePage
    pages: dict
    users: dict
    places: dict
    parties: dict
    clause_key: str
    amendment_id: int
    extra: dict = field(default_factory=dict)


def _publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def build_world() -> World:
    home = HomePage.objects.get()
    pages = {"home": home}
    pages["standard"] = _publish(home, StandardPage(title="About", slug="about"))
    pages["guide"] = _publish(home, GuidePage(title="A guide", slug="guide", introduction="How."))
    pages["legal"] = _publish(home, LegalPage(title="Privacy notice", slug="privacy"))
    pages["contact"] = _publish(home, ContactPage(title="Contact us", slug="contact"))
    pages["campaign"] = _publish(
        home, CampaignPage(title="Meet locally", slug="meet", hero_title="Meet")
    )
    pages["blog_index"] = _publish(home, BlogIndexPage(title="Blog", slug="blog"))
    pages["blog_post"] = _publish(
        pages["blog_index"],
        BlogPostPage(
            title="Why we stand aside",
            slug="why",
            date=datetime.date(2026, 6, 1),
            intro="Intro.",
            body=[("paragraph", rich_text("<p>Body.</p>"))],
        ),
    )
    pages["blog_post"].tags.add("tactics")
    pages["paper_index"] = _publish(home, PaperIndexPage(title="Papers", slug="papers"))
    pages["paper"] = _publish(
        pages["paper_index"],
        PaperPage(title="Five values", slug="five", summary="What we agree on."),
    )
    pages["event_index"] = _publish(home, EventIndexPage(title="Events", slug="events"))
    start = timezone.now() + datetime.timedelta(days=3)
    pages["event"] = _publish(
        pages["event_index"],
        EventPage(
            title="Town meeting",
            slug="town-meeting",
            start=start,
            end=start + datetime.timedelta(hours=2),
            summary="A meeting.",
            town="Frome",
            region="london",
            organiser="Local alliance",
        ),
    )
    manifesto = ManifestoPageFactory(parent=home, clauses=CLAUSES)
    set_phase(manifesto, AMENDMENTS_PHASE)
    pages["manifesto"] = manifesto
    pages["crowdfund"] = CrowdfundPageFactory(parent=home, slug="build")
    pages["stories_index"] = StoriesIndexPageFactory(parent=home)
    places = {
        "frome": Place.objects.create(
            name="Frome", slug="frome", region="south-west", kind="council"
        ),
        "lancaster": Place.objects.create(
            name="Lancaster", slug="lancaster", region="north-west", kind="council"
        ),
    }
    parties = {party.slug: party for party in Party.objects.all()}
    pages["story"] = StoryPageFactory(
        parent=pages["stories_index"],
        title="Frome together",
        group_name="Frome Together",
        place=places["frome"],
        parties=[parties["green"], parties["labour"]],
    )
    pages["meeting_index"] = _publish(home, MeetingIndexPage(title="Meetings", slug="meetings"))
    meeting_start = timezone.now() + datetime.timedelta(days=7)
    pages["meeting"] = _publish(
        pages["meeting_index"],
        MeetingPage(
            title="A meeting in Frome",
            slug="frome-meeting",
            start=meeting_start,
            end=meeting_start + datetime.timedelta(hours=2),
            venue="Frome Library",
            capacity=10,
            constituency=Constituency.objects.get(name="Frome and East Somerset"),
            summary="A participatory evening.",
        ),
    )
    users = {
        "supporter": make_user(
            "supporter@example.com", SUPPORTERS, party_slug="green", display_name="Sam"
        ),
        "other": make_user("other@example.com", SUPPORTERS, party_slug="labour"),
        "moderator": make_user("moderator@example.com", MODERATORS, SUPPORTERS),
        "editor": make_user("editor@example.com", EDITORS, SUPPORTERS),
    }
    frome = Constituency.objects.get(name="Frome and East Somerset")
    pages["constituencies"] = _publish(
        home, ConstituencyIndexPage(title="Constituencies", slug="constituencies")
    )
    pages["groups"] = _publish(home, LocalGroupIndexPage(title="Local groups", slug="groups"))
    group = LocalGroupPage(title="Frome alliance", slug="frome", description="We meet monthly.")
    group.constituencies = [frome]
    group.organisers = [users["other"]]
    pages["group"] = _publish(pages["groups"], group)
    clause = manifesto.live_clauses().first()
    amendment = AmendmentFactory(page=manifesto, clause=clause, author=users["other"])
    return World(
        home=home,
        pages=pages,
        users=users,
        places=places,
        parties=parties,
        clause_key=clause.key,
        amendment_id=amendment.pk,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, build_world)


@pytest.fixture
def on_world(world, db):
    """The module's world, inside this test's own transaction."""
    return world


class ErrorRecorder(logging.Handler):
    """Catches every error logged and every exception a view raised, during one request."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records = []
        self.exceptions = []

    def emit(self, record):
        self.records.append(record)

    def on_exception(self, sender, request=None, **kwargs):
        import sys

        self.exceptions.append(repr(sys.exc_info()[1]))


@dataclass
class Sent:
    """One request and what came of it."""

    label: str
    status: int
    response: object
    errors: list

    @property
    def failed(self) -> str | None:
        if self.status >= 500 or self.errors:
            return f"{self.label}: {self.status} {self.errors[:2]}"
        return None


class HostileClient:
    """Sends one request at a time from a fresh address, with rate limits reset.

    Each request runs in its own savepoint, rolled back when it ends: a database error
    in one request (the thing we are looking for) cannot poison the next one on
    PostgreSQL, and what one request changed (a stored row, a reset password) cannot
    change what the next one is testing.
    """

    def __init__(self):
        self.client = Client(raise_request_exception=False)
        self.user = None
        self.address = 0

    def login(self, user):
        self.client = Client(raise_request_exception=False)
        self.user = user
        if user is not None:
            self.client.force_login(user)
        return self

    def _still_signed_in(self):
        """Sign in again if the last request ended the session (a sign-out, a new login)."""
        if self.user is not None and "_auth_user_id" not in self.client.session:
            self.client.force_login(self.user)

    def send(self, label, method, path, *, query="", body=None, content_type=None, **extra):
        cache.clear()
        self._still_signed_in()
        self.address += 1
        extra.setdefault(
            "REMOTE_ADDR",
            f"10.{self.address // 65536 % 256}.{self.address // 256 % 256}.{self.address % 256}",
        )
        recorder = ErrorRecorder()
        root = logging.getLogger()
        root.addHandler(recorder)
        got_request_exception.connect(recorder.on_exception)
        try:
            with transaction.atomic():
                if method == "GET":
                    response = self.client.generic("GET", path, QUERY_STRING=query, **extra)
                else:
                    response = self.client.generic(
                        method,
                        path + (f"?{query}" if query else ""),
                        data=body if body is not None else b"",
                        content_type=content_type or "application/x-www-form-urlencoded",
                        **extra,
                    )
                transaction.set_rollback(True)
        finally:
            root.removeHandler(recorder)
            got_request_exception.disconnect(recorder.on_exception)
        errors = recorder.exceptions + [
            f"{r.name}: {r.getMessage()[:200]}" for r in recorder.records
        ]
        return Sent(label, response.status_code, response, errors)


@pytest.fixture
def hostile_client(on_world):
    return HostileClient()


class MarkupFinder(HTMLParser):
    """What in a page could run: script, on* handlers, javascript: links, and the marker."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}

    def __init__(self, marker=MARKER):
        super().__init__(convert_charrefs=True)
        self.marker = marker
        self.live = []  # markup that would run
        self.text = []  # the marker shown as text
        self._in_script = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.live.append(f"<{tag} {name}={value[:60]!r}>")
            if name in self.URL_ATTRIBUTES and value.strip().lower().startswith("javascript:"):
                self.live.append(f"<{tag} {name}={value[:60]!r}>")
            if self.marker in name:
                self.live.append(f"<{tag}> has an attribute named from user text: {name!r}")
        if self.marker in tag:
            self.live.append(f"a tag named from user text: <{tag}>")
        if tag in ("script", "svg", "iframe", "object", "embed"):
            kind = dict(attrs).get("type", "")
            self._in_script = None if kind == "application/json" else tag

    def handle_endtag(self, tag):
        if tag == self._in_script:
            self._in_script = None

    def handle_data(self, data):
        if self.marker in data:
            if self._in_script:
                self.live.append(f"<{self._in_script}> holding user text: {data[:80]!r}")
            else:
                self.text.append(data)


def live_markup(html: str) -> MarkupFinder:
    finder = MarkupFinder()
    finder.feed(html)
    finder.close()
    return finder


def has_visible_error(html: str) -> bool:
    """A message a person would see: a field error, a form error or an alert."""
    signs = ("invalid-feedback", "errorlist", 'role="alert"', "alert-danger", "alert-block")
    return any(sign in html for sign in signs)


__all__ = ["as_bytes", "FORM_STATUSES", "has_visible_error", "live_markup"]
