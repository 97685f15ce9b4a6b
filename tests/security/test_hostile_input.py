"""Every public form and query endpoint, sent the hostile corpus (tests/security/corpus.py).

What must hold for every value, in every field, on every endpoint:
- never a 500, and nothing logged at ERROR (no exception a view let through);
- a form that refuses a value answers with a status the product uses for it (200, 400,
  403, 422, 429) and a message the person can see;
- a query endpoint answers 200 (ignoring the bad value), 400 or 404.

`ENDPOINTS` below is the one table of what is covered. `test_every_public_url_is_in_the_table`
fails when a URL pattern or page route is added without a row here (or a stated reason
in `EXCLUDED`). See docs/testing.md, "Hostile input".
"""

import datetime
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.models import get_page_models

from notifications.following import target_token as follow_target
from notifications.kinds import Kind
from notifications.preferences import unsubscribe_token as email_token
from tests.security.conftest import FORM_STATUSES, World, has_visible_error
from tests.security.corpus import (
    AMOUNTS,
    COMPACT,
    TEXT,
    WRONG_TYPES,
    as_bytes,
    urlencode_hostile,
)
from tests.stories.conftest import set_story_limits
from tests.support.stripe_standin import WEBHOOK_SECRET, signed_headers

QUERY_STATUSES = {200, 400, 404}
NOTIFICATION_KINDS = Kind.values
REDIRECTS = {301, 302, 303}

# Values for fields that are not free text (choices, ids, checkboxes): the ones most
# likely to reach the database unconverted.
SHORT = [
    value
    for value in TEXT
    if value.name
    in {
        "sql-quote",
        "long-100k",
        "nul-byte",
        "lone-surrogate",
        "huge-int",
        "negative",
        "number-as-text",
        "emoji",
        "whitespace-only",
        "superscript-digit",
        "template-syntax",
    }
]
ALONE = [value for value in TEXT if value.name in {"nul-byte", "long-100k"}]
# For choices, ids and checkboxes: what reaches the database or int() unconverted.
TINY = [
    value
    for value in TEXT
    if value.name in {"nul-byte", "lone-surrogate", "huge-int", "superscript-digit", "long-100k"}
]


@dataclass(frozen=True)
class Endpoint:
    """One public endpoint and the valid request the corpus is mixed into.

    `covers` names the URL pattern (as the resolver spells it) or the page route
    (`PageClass:route name`) this row stands for. Every value of the corpus is sent in
    every field at once; then each field of `valid` is replaced, one at a time, by the
    values most likely to break it alone: `SHORT` for the fields in `text_fields`,
    `AMOUNTS` for `amount_fields`, `TINY` for the others (choices, ids, checkboxes), and
    the field sent twice (a list where one value is expected).
    """

    name: str
    covers: tuple[str, ...]
    method: str
    path: Callable[[World], str]
    valid: Callable[[World], dict] = lambda world: {}
    user: str | None = None
    text_fields: tuple[str, ...] = ()
    amount_fields: tuple[str, ...] = ()
    statuses: frozenset = field(default=frozenset())
    baseline: frozenset = frozenset({200, 302, 303})
    prepare: Callable[[World], str] | None = None  # a page to visit first (session state)

    def __str__(self):
        return self.name


def page(name, route=None, *args):
    def path(world):
        target = world.pages[name]
        url = target.url
        if route:
            url += target.specific.reverse_subpage(route, args=[a(world) for a in args])
        return url

    return path


def reset_uid(world):
    from allauth.account.utils import user_pk_to_url_str

    return user_pk_to_url_str(world.users["other"])


def reset_token(world):
    from allauth.account.forms import default_token_generator

    return default_token_generator.make_token(world.users["other"])


def clause_key(world):
    return world.clause_key


def amendment_id(world):
    return world.amendment_id


VOTE_PATTERN = "manifesto/<int:page_id>/votes/<int:amendment_id>/"


def vote_url(world):
    from django.urls import reverse

    return reverse("manifesto_vote", args=[world.pages["manifesto"].pk, world.amendment_id])


def story_data(world):
    return {
        "title": "How Frome's parties stood together",
        "group_name": "Frome Together",
        "place": str(world.places["frome"].pk),
        "parties": [str(world.parties["green"].pk), str(world.parties["labour"].pk)],
        "arrangement": "stand-aside",
        "election": "2019 general election",
        "year": "2019",
        "outcome": "won",
        "body": "We met in the back room of a pub and agreed a shared charter. " * 5,
        "contact_email": "group@example.org",
        "consent": "on",
        "website": "",
    }


def donate_data(world):
    return {
        "amount": "25",
        "frequency": "one_off",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "message": "Good luck",
        "show_name": "on",
        "address": "",
        "website": "",
    }


GET, POST = "GET", "POST"

ENDPOINTS = [
    # --- accounts (allauth and our own) ------------------------------------------------
    Endpoint(
        "sign-up",
        ("accounts/signup/",),
        POST,
        lambda w: "/accounts/signup/",
        lambda w: {
            "email": "new@example.com",
            "password1": "a long enough password 1",
            "password2": "a long enough password 1",
            "display_name": "New person",
            "party": str(w.parties["green"].pk),
            "home_area": "Frome",
        },
        text_fields=("email", "password1", "display_name", "home_area"),
    ),
    Endpoint(
        "log-in",
        ("accounts/login/",),
        POST,
        lambda w: "/accounts/login/",
        lambda w: {"login": "supporter@example.com", "password": "wrong password"},
        text_fields=("login", "password"),
    ),
    Endpoint(
        "password-reset",
        ("accounts/password/reset/",),
        POST,
        lambda w: "/accounts/password/reset/",
        lambda w: {"email": "supporter@example.com"},
        text_fields=("email",),
    ),
    Endpoint(
        "password-reset-from-key",
        ("accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",),
        POST,
        lambda w: f"/accounts/password/reset/key/{reset_uid(w)}-set-password/",
        # Two different passwords: refused, so the reset link stays good for the sweep.
        lambda w: {"password1": "a new password 22", "password2": "another password 33"},
        text_fields=("password1",),
        baseline=frozenset({200}),
        prepare=lambda w: f"/accounts/password/reset/key/{reset_uid(w)}-{reset_token(w)}/",
    ),
    Endpoint(
        "confirm-email",
        # allauth's pattern, and the site's own view in front of it (cms.views)
        (
            "accounts/^confirm-email/(?P<key>[-:\\w]+)/$",
            "^accounts/confirm-email/(?P<key>[-:\\w]+)/$",
        ),
        POST,
        lambda w: "/accounts/confirm-email/not-a-key/",
        statuses=frozenset({404}),  # an unknown key
        baseline=frozenset({404}),
    ),
    Endpoint(
        "send-verification-again",
        ("accounts/send-verification-again/",),
        POST,
        lambda w: "/accounts/send-verification-again/",
        lambda w: {"email": "supporter@example.com", "next": "/stories/"},
        text_fields=("email", "next"),
    ),
    Endpoint(
        "welcome",
        ("account/welcome/",),
        GET,
        lambda w: "/account/welcome/",
        user="supporter",
    ),
    Endpoint(
        "email-addresses",
        ("accounts/email/",),
        POST,
        lambda w: "/accounts/email/",
        lambda w: {"email": "second@example.com", "action_add": ""},
        user="supporter",
        text_fields=("email",),
    ),
    Endpoint(
        "password-change",
        ("accounts/password/change/",),
        POST,
        lambda w: "/accounts/password/change/",
        lambda w: {"oldpassword": "wrong", "password1": "new pass 3x", "password2": "new pass 3x"},
        user="supporter",
        text_fields=("oldpassword", "password1"),
    ),
    Endpoint(
        "reauthenticate",
        ("accounts/reauthenticate/",),
        POST,
        lambda w: "/accounts/reauthenticate/",
        lambda w: {"password": "wrong"},
        user="supporter",
        text_fields=("password",),
    ),
    Endpoint(
        "profile",
        ("account/",),
        POST,
        lambda w: "/account/",
        lambda w: {
            "display_name": "Sam",
            "first_name": "Sam",
            "last_name": "Smith",
            "party": str(w.parties["green"].pk),
            "home_area": "Frome",
        },
        user="supporter",
        text_fields=("display_name", "first_name", "last_name", "home_area"),
    ),
    Endpoint(
        "delete-account",
        ("account/delete/",),
        POST,
        lambda w: "/account/delete/",
        lambda w: {"confirm": "on", "password": "not the password"},
        user="supporter",
        text_fields=("password",),
    ),
    Endpoint(
        "download-my-data",
        ("account/data/",),
        POST,
        lambda w: "/account/data/",
        lambda w: {"format": "json"},
        user="supporter",
    ),
    # --- editorial pages: search, filters, pagination, replies ------------------------
    Endpoint(
        "search",
        ("search/",),
        GET,
        lambda w: "/search/",
        lambda w: {"query": "alliance", "page": "1"},
        text_fields=("query", "page"),
    ),
    Endpoint(
        "blog-index",
        ("wagtail_serve",),
        GET,
        page("blog_index"),
        lambda w: {"tag": "tactics", "page": "1"},
        text_fields=("tag", "page"),
    ),
    Endpoint(
        "event-index",
        ("wagtail_serve",),
        GET,
        page("event_index"),
        lambda w: {"region": "london", "page": "1"},
        text_fields=("region", "page"),
    ),
    Endpoint(
        "reply-link",
        ("wagtail_serve",),
        GET,
        page("blog_post"),
        lambda w: {"reply_to": "1"},
        user="supporter",
        text_fields=("reply_to",),
    ),
    Endpoint(
        "reply-to-blog-post",
        ("wagtail_serve",),
        POST,
        page("blog_post"),
        lambda w: {"body": "A thoughtful reply.", "parent": "", "website": ""},
        user="supporter",
        text_fields=("body", "parent", "website"),
    ),
    Endpoint(
        "contact",
        ("ContactPage:write",),
        POST,
        page("contact", "write"),
        lambda w: {
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "topic": "general",
            "message": "A question about local meetings.",
            "website": "",
        },
        text_fields=("name", "email", "topic", "message", "website"),
    ),
    Endpoint("contact-sent", ("ContactPage:sent",), GET, page("contact", "sent")),
    Endpoint(
        "reply-to-paper",
        ("wagtail_serve",),
        POST,
        page("paper"),
        lambda w: {"body": "A thoughtful reply.", "parent": "", "website": ""},
        user="supporter",
        text_fields=("body",),
    ),
    Endpoint(
        "every-page-with-junk-params",
        ("wagtail_serve",),
        GET,
        page("home"),
        lambda w: {"page": "1", "preview": "1", "q": "x"},
        text_fields=("page",),
    ),
    Endpoint("sitemap", ("sitemap.xml",), GET, lambda w: "/sitemap.xml", lambda w: {"p": "1"}),
    Endpoint("robots", ("robots.txt",), GET, lambda w: "/robots.txt"),
    Endpoint("blog-rss", ("feeds/blog.rss",), GET, lambda w: "/feeds/blog.rss"),
    Endpoint("blog-atom", ("feeds/blog.atom",), GET, lambda w: "/feeds/blog.atom"),
    Endpoint("calendar", ("calendar/upcoming.ics",), GET, lambda w: "/calendar/upcoming.ics"),
    Endpoint(
        "event-calendar",
        ("calendar/events/<int:page_id>.ics",),
        GET,
        lambda w: f"/calendar/events/{w.pages['event'].pk}.ics",
    ),
    Endpoint(
        "wagtail-login",
        ("_util/login/",),
        GET,
        lambda w: "/_util/login/",
        lambda w: {"next": "/"},
        text_fields=("next",),
    ),
    # --- manifesto ----------------------------------------------------------------------
    Endpoint(
        "manifesto",
        ("ManifestoPage:index",),
        GET,
        page("manifesto"),
        lambda w: {"page": "1"},
    ),
    Endpoint(
        "clause-filters",
        ("ManifestoPage:clause",),
        GET,
        page("manifesto", "clause", clause_key),
        lambda w: {"sort": "random", "status": "open", "seed": "17", "page": "1"},
        text_fields=("sort", "status", "seed", "page"),
    ),
    Endpoint(
        "where-we-agree",
        ("ManifestoPage:where_we_agree",),
        GET,
        page("manifesto", "where_we_agree"),
    ),
    Endpoint(
        "clause-where-we-agree",
        ("ManifestoPage:clause_where_we_agree",),
        GET,
        page("manifesto", "clause_where_we_agree", clause_key),
    ),
    Endpoint(
        "propose",
        ("ManifestoPage:propose",),
        POST,
        page("manifesto", "propose", clause_key),
        lambda w: {
            "kind": "replace",
            "text": "A different wording for every region.",
            "reason": "It reads better.",
            "website": "",
        },
        user="supporter",
        text_fields=("text", "reason", "kind"),
    ),
    Endpoint(
        "amendment",
        ("ManifestoPage:amendment",),
        GET,
        page("manifesto", "amendment", amendment_id),
        lambda w: {"page": "1"},
    ),
    Endpoint(
        "vote",
        (VOTE_PATTERN,),
        POST,
        vote_url,
        lambda w: {"choice": "agree", "next": "/"},
        user="supporter",
        text_fields=("choice", "next"),
    ),
    Endpoint(
        "vote-json",
        (VOTE_PATTERN,),
        POST,
        vote_url,
        lambda w: {"choice": "agree"},
        user="supporter",
        text_fields=("choice",),
    ),
    Endpoint(
        "vote-at-the-page-address",
        ("ManifestoPage:amendment_vote",),
        POST,
        page("manifesto", "amendment_vote", amendment_id),
        lambda w: {"choice": "agree", "next": "/"},
        user="supporter",
        text_fields=("choice", "next"),
    ),
    Endpoint(
        "comment",
        ("ManifestoPage:amendment_comment",),
        POST,
        page("manifesto", "amendment_comment", amendment_id),
        lambda w: {"body": "I agree with this.", "website": ""},
        user="supporter",
        text_fields=("body",),
    ),
    Endpoint(
        "report",
        ("ManifestoPage:amendment_report",),
        POST,
        page("manifesto", "amendment_report", amendment_id),
        lambda w: {"reason": "Off topic."},
        user="supporter",
        text_fields=("reason",),
    ),
    Endpoint(
        "moderate-status",
        ("ManifestoPage:amendment_status",),
        POST,
        page("manifesto", "amendment_status", amendment_id),
        lambda w: {"action": "reject", "reason": "Not clear.", "duplicate_of": ""},
        user="moderator",
        text_fields=("action", "reason", "duplicate_of"),
    ),
    Endpoint(
        "history-compare",
        ("ManifestoPage:compare",),
        GET,
        page("manifesto", "compare"),
        lambda w: {"from": "1", "to": "1"},
        text_fields=("from", "to"),
    ),
    Endpoint("history", ("ManifestoPage:history",), GET, page("manifesto", "history")),
    Endpoint("print", ("ManifestoPage:print",), GET, page("manifesto", "print")),
    Endpoint(
        "how-ranking-works",
        ("ManifestoPage:how_ranking_works",),
        GET,
        page("manifesto", "how_ranking_works"),
    ),
    Endpoint(
        "export-manifesto",
        ("ManifestoPage:export_manifesto",),
        GET,
        page("manifesto", "export_manifesto"),
    ),
    Endpoint(
        "export-amendments",
        ("ManifestoPage:export_amendments",),
        GET,
        page("manifesto", "export_amendments"),
    ),
    Endpoint(
        "export-amendment-book-pdf",
        ("ManifestoPage:export_amendment_book",),
        GET,
        page("manifesto", "export_amendment_book"),
    ),
    Endpoint(
        "edit-text",
        ("ManifestoPage:edit_text",),
        POST,
        page("manifesto", "edit_text"),
        lambda w: {
            f"clause-{w.clause_key}": "A reworded clause.",
            "new_text": "",
            "new_section": "",
            "note": "Tidy",
        },
        user="editor",
        text_fields=("new_text", "new_section", "note"),
    ),
    Endpoint(
        "moderate",
        ("ManifestoPage:moderate",),
        GET,
        page("manifesto", "moderate"),
        user="moderator",
    ),
    Endpoint(
        "merge",
        ("ManifestoPage:merge",),
        POST,
        page("manifesto", "merge"),
        lambda w: {"amendment": [str(w.amendment_id)], "note": "Merged"},
        user="editor",
        text_fields=("amendment", "note"),
    ),
    Endpoint(
        "api-clauses",
        ("ManifestoPage:api_clauses",),
        GET,
        page("manifesto", "api_clauses"),
        lambda w: {"page": "1", "page_size": "10"},
        text_fields=("page", "page_size"),
    ),
    Endpoint(
        "api-amendments",
        ("ManifestoPage:api_amendments",),
        GET,
        page("manifesto", "api_amendments"),
        lambda w: {"clause": w.clause_key, "page": "1", "page_size": "10"},
        text_fields=("clause", "page", "page_size"),
    ),
    # --- crowdfund ----------------------------------------------------------------------
    Endpoint(
        "donate",
        ("CrowdfundPage:donate",),
        POST,
        page("crowdfund", "donate"),
        donate_data,
        text_fields=("name", "email", "message", "address"),
        amount_fields=("amount",),
    ),
    Endpoint(
        "donate-thanks",
        ("CrowdfundPage:success",),
        GET,
        page("crowdfund", "success"),
        lambda w: {"session_id": "cs_test_123"},
        text_fields=("session_id",),
    ),
    Endpoint("donate-cancelled", ("CrowdfundPage:cancel",), GET, page("crowdfund", "cancel")),
    Endpoint(
        "crowdfund-totals",
        ("crowdfund/<int:page_id>/totals.json",),
        GET,
        lambda w: f"/crowdfund/{w.pages['crowdfund'].pk}/totals.json",
        lambda w: {"callback": "x"},
        text_fields=("callback",),
    ),
    Endpoint(
        "monthly-gift-portal",
        ("crowdfund/monthly/<str:token>/",),
        POST,
        lambda w: "/crowdfund/monthly/not-a-signed-token/",
        statuses=frozenset({403}),  # a forged link: a kind refusal page
        baseline=frozenset({403}),
    ),
    Endpoint(
        "monthly-gift-portal-return",
        ("crowdfund/monthly/<str:token>/back/",),
        GET,
        lambda w: "/crowdfund/monthly/not-a-signed-token/back/",
        statuses=frozenset({403}),
        baseline=frozenset({403}),
    ),
    # --- stories ------------------------------------------------------------------------
    Endpoint(
        "story-library",
        ("StoriesIndexPage:library",),
        GET,
        page("stories_index"),
        lambda w: {
            "q": "Frome",
            "region": "south-west",
            "place": "frome",
            "party": "green",
            "arrangement": "stand-aside",
            "outcome": "won",
            "year": "2019",
            "page": "1",
        },
        text_fields=("q", "place", "party", "year", "page"),
    ),
    Endpoint(
        "share-story",
        ("StoriesIndexPage:submit",),
        POST,
        page("stories_index", "submit"),
        story_data,
        user="supporter",  # anonymous stories are off unless an editor turns them on
        text_fields=("title", "group_name", "election", "body", "contact_email", "year"),
    ),
    Endpoint("story-thanks", ("StoriesIndexPage:thanks",), GET, page("stories_index", "thanks")),
    Endpoint(
        "at-a-glance", ("StoriesIndexPage:at_a_glance",), GET, page("stories_index", "at_a_glance")
    ),
    Endpoint(
        "stories-feed",
        ("StoriesIndexPage:feed",),
        GET,
        page("stories_index", "feed"),
        lambda w: {"page": "1"},
    ),
]


def meeting_path(suffix):
    return lambda w: f"/meetings/{w.pages['meeting'].pk}/{suffix}"


def proposal_data(world):
    start = timezone.localtime() + datetime.timedelta(days=10)
    return {
        "title": "An evening in Frome",
        "start": start.strftime("%Y-%m-%dT%H:%M"),
        "end": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "venue": "Frome Library",
        "accessibility": "Step-free.",
        "online_link": "",
        "capacity": "20",
        "group": "",
        "constituency": "Frome and East Somerset",
        "summary": "Small groups, then a plan.",
    }


# A forged signed link: the meetings' booking links answer it with 404.
FORGED = frozenset({404})
ENDPOINTS += [
    Endpoint(
        "meeting-index",
        ("wagtail_serve",),
        GET,
        page("meeting_index"),
        lambda w: {"region": "south-west", "constituency": "frome-and-east-somerset"},
        text_fields=("region", "constituency"),
    ),
    Endpoint(
        "propose-meeting",
        ("meetings/propose/",),
        POST,
        lambda w: "/meetings/propose/",
        proposal_data,
        user="supporter",
        text_fields=(
            "title", "start", "end", "venue", "accessibility", "online_link", "capacity",
            "group", "constituency", "summary",
        ),
    ),
    Endpoint(
        "meeting-proposed",
        ("meetings/propose/thanks/",),
        GET,
        lambda w: "/meetings/propose/thanks/",
    ),
    Endpoint(
        "book-meeting-by-email",
        ("meetings/<int:meeting_id>/book/",),
        POST,
        meeting_path("book/"),
        lambda w: {"name": "Ada", "email": "ada@example.com"},
        text_fields=("name", "email"),
    ),
    Endpoint(
        "cancel-my-booking",
        ("meetings/<int:meeting_id>/cancel/",),
        POST,
        meeting_path("cancel/"),
        user="supporter",
    ),
    Endpoint(
        "meeting-attendees",
        ("meetings/<int:meeting_id>/attendees/",),
        GET,
        meeting_path("attendees/"),
        user="moderator",
    ),
    Endpoint(
        "meeting-attendees-csv",
        ("meetings/<int:meeting_id>/attendees.csv",),
        GET,
        meeting_path("attendees.csv"),
        user="moderator",
    ),
    Endpoint(
        "confirm-booking-link",
        ("meetings/bookings/confirm/<str:token>/",),
        POST,
        lambda w: "/meetings/bookings/confirm/not-a-signed-token/",
        statuses=FORGED,
        baseline=FORGED,
    ),
    Endpoint(
        "cancel-booking-link",
        ("meetings/bookings/cancel/<str:token>/",),
        POST,
        lambda w: "/meetings/bookings/cancel/not-a-signed-token/",
        statuses=FORGED,
        baseline=FORGED,
    ),
    Endpoint(
        "booking-calendar-link",
        ("meetings/bookings/<str:token>.ics",),
        GET,
        lambda w: "/meetings/bookings/not-a-signed-token.ics",
        statuses=FORGED,
        baseline=FORGED,
    ),
]  # fmt: skip


ENDPOINTS += [
    Endpoint(
        "notifications",
        ("account/notifications/",),
        GET,
        lambda w: "/account/notifications/",
        lambda w: {"page": "2"},
        user="supporter",
        text_fields=("page",),
    ),
    Endpoint(
        "mark-notifications-read",
        ("account/notifications/read/",),
        POST,
        lambda w: "/account/notifications/read/",
        user="supporter",
    ),
    Endpoint(
        "open-a-notification",
        ("account/notifications/<int:pk>/",),
        GET,
        lambda w: "/account/notifications/999999/",
        user="supporter",
        statuses=FORGED,
        baseline=FORGED,
    ),
    Endpoint(
        "email-choices",
        ("account/notifications/email/",),
        POST,
        lambda w: "/account/notifications/email/",
        lambda w: dict.fromkeys(NOTIFICATION_KINDS, "weekly"),
        user="supporter",
        text_fields=tuple(NOTIFICATION_KINDS),
    ),
    Endpoint(
        "email-choices-by-link",
        ("email/choices/<str:token>/",),
        POST,
        lambda w: f"/email/choices/{email_token(w.users['supporter'])}/",
        lambda w: dict.fromkeys(NOTIFICATION_KINDS, "daily"),
        text_fields=tuple(NOTIFICATION_KINDS),
    ),
    Endpoint(
        "one-click-unsubscribe",
        ("email/unsubscribe/<str:token>/",),
        POST,
        lambda w: f"/email/unsubscribe/{email_token(w.users['other'])}/",
        lambda w: {"List-Unsubscribe": "One-Click"},
        text_fields=("List-Unsubscribe",),
    ),
    Endpoint(
        "what-i-follow",
        ("account/following/",),
        GET,
        lambda w: "/account/following/",
        user="supporter",
    ),
    Endpoint(
        "my-activity",
        ("account/activity/",),
        GET,
        lambda w: "/account/activity/",
        user="supporter",
    ),
    Endpoint(
        "follow",
        ("follow/",),
        POST,
        lambda w: "/follow/",
        lambda w: {"target": follow_target(w.home), "action": "follow", "next": "/"},
        user="supporter",
        text_fields=("target", "action", "next"),
    ),
]  # fmt: skip


def newsletter_subscription(world):
    from newsletters import consent

    subscription, _ = consent.sign_up_publicly("hostile-reader@example.com")
    return subscription


def newsletter_way_out(world):
    from newsletters.tokens import way_out_token

    return way_out_token(newsletter_subscription(world).pk)


def newsletter_confirmation(world):
    from newsletters.tokens import confirmation_token

    return confirmation_token(newsletter_subscription(world))


ENDPOINTS += [
    Endpoint(
        "newsletter-sign-up",
        ("newsletter/",),
        POST,
        lambda w: "/newsletter/",
        lambda w: {"email": "reader@example.com", "constituency": "Frome and East Somerset",
                   "consent": "on", "website": ""},
        text_fields=("email", "constituency", "website"),
    ),
    Endpoint(
        "newsletter-check-your-email",
        ("newsletter/check-your-email/",),
        GET,
        lambda w: "/newsletter/check-your-email/",
    ),
    Endpoint(
        "newsletter-confirm",
        ("newsletter/confirm/<str:token>/",),
        POST,
        lambda w: f"/newsletter/confirm/{newsletter_confirmation(w)}/",
        statuses=frozenset({400}),
        baseline=frozenset({200, 400}),
    ),
    Endpoint(
        "newsletter-one-click-unsubscribe",
        ("newsletter/unsubscribe/<str:token>/",),
        POST,
        lambda w: f"/newsletter/unsubscribe/{newsletter_way_out(w)}/",
        lambda w: {"List-Unsubscribe": "One-Click"},
        text_fields=("List-Unsubscribe",),
    ),
    Endpoint(
        "newsletter-settings-by-link",
        ("newsletter/preferences/<str:token>/",),
        POST,
        lambda w: f"/newsletter/preferences/{newsletter_way_out(w)}/",
        lambda w: {"action": "subscribe", "consent": "yes"},
        text_fields=("action", "consent"),
    ),
    Endpoint(
        "newsletter-on-the-account-page",
        ("account/newsletter/",),
        POST,
        lambda w: "/account/newsletter/",
        lambda w: {"consent": "on"},
        user="supporter",
        text_fields=("consent", "action"),
    ),
]  # fmt: skip


ENDPOINTS += [
    Endpoint(
        "constituency-list",
        ("ConstituencyIndexPage:list",),
        GET,
        page("constituencies"),
        lambda w: {"q": "frome"},
        text_fields=("q",),
    ),
    Endpoint(
        "constituency-map",
        ("ConstituencyIndexPage:map",),
        GET,
        page("constituencies", "map"),
        lambda w: {"party": "green", "show": "groups"},
        text_fields=("party", "show"),
    ),
    Endpoint(
        "constituency-page",
        ("ConstituencyIndexPage:constituency",),
        GET,
        page("constituencies", "constituency", lambda w: "frome-and-east-somerset"),
    ),
    Endpoint(
        "write-to-a-local-group",
        ("LocalGroupPage:contact",),
        POST,
        page("group", "contact"),
        lambda w: {"name": "Ada", "email": "ada@example.com",
                   "message": "Can I help with leaflets?", "website": ""},
        text_fields=("name", "email", "message"),
    ),
    Endpoint(
        "local-group-message-sent",
        ("LocalGroupPage:contact_sent",),
        GET,
        page("group", "contact_sent"),
    ),
    Endpoint(
        "report-a-relayed-message",
        ("LocalGroupPage:report",),
        POST,
        page("group", "report", lambda w: "7c9e6679-7425-40de-944b-e07fc1f90ae7"),
        lambda w: {"reason": "Abuse"},
        text_fields=("reason",),
        statuses=FORGED,
        baseline=FORGED,
    ),
]  # fmt: skip


ENDPOINTS += [
    Endpoint(
        "withdraw-my-amendment",
        ("ManifestoPage:amendment_withdraw",),
        POST,
        page("manifesto", "amendment_withdraw", amendment_id),
        user="other",
    ),
    Endpoint(
        "rewrite-my-amendment",
        ("ManifestoPage:amendment_update",),
        POST,
        page("manifesto", "amendment_update", amendment_id),
        lambda w: {"text": "Free buses in every market town."},
        user="other",
        text_fields=("text",),
        baseline=frozenset({200, 302, 303, 403}),  # refused: it does not need an update
    ),
]  # fmt: skip


# Patterns with no row above, and why.
EXCLUDED = {
    "newsletter/mail-events/mailgun/": (
        "a mail provider's signed JSON, not form fields: tests/newsletters/test_public.py"
    ),
    "crowdfund/stripe/webhook/": (
        "a JSON body, not form fields: test_stripe_webhook_refuses_bad_signatures_and_garbage"
    ),
    "admin/": "Wagtail's admin: staff only, Wagtail's own forms and tests",
    "documents/^(\\d+)/(.*)$": "serves a stored file by id; no input but the id and name",
    "documents/authenticate_with_password/<int:restriction_id>/": (
        "Wagtail's password form for private documents (none are public)"
    ),
    "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/": (
        "Wagtail's password form for private pages; takes only ids from the path"
    ),
    "accounts/logout/": "takes no input",
    "accounts/inactive/": "a static message",
    "accounts/confirm-email/": "a static message",
    "accounts/password/set/": "only for accounts without a password (none here)",
    "accounts/password/reset/done/": "a static message",
    "accounts/password/reset/key/done/": "a static message",
    "accounts/login/code/confirm/": "login by code is off (ACCOUNT_LOGIN_BY_CODE_ENABLED)",
    "CrowdfundPage:index_route": "the crowdfund page itself: no input (covered by wagtail_serve)",
    "StoriesIndexPage:index_route": "Wagtail's alias of the library route",
    "ContactPage:index_route": "the contact page itself: no input (covered by wagtail_serve)",
    "ConstituencyIndexPage:index_route": "Wagtail's alias of the list route",
    "LocalGroupPage:index_route": "the group page itself: no input (covered by wagtail_serve)",
}


def public_patterns() -> set[str]:
    """Every URL pattern the site answers, and every sub-page route of its page types."""
    found = set()

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if route == "admin/":
                    found.add(route)
                    continue
                walk(pattern.url_patterns, route)
            elif pattern.name == "wagtail_serve":
                found.add("wagtail_serve")
            else:
                found.add(route)

    walk(get_resolver().url_patterns)
    for model in get_page_models():
        if issubclass(model, RoutablePageMixin):
            for route in model.get_subpage_urls():
                found.add(f"{model.__name__}:{route.name}")
    return found


def test_every_public_url_is_in_the_table():
    """A new URL pattern or page route needs a row in ENDPOINTS (or a reason in EXCLUDED)."""
    covered = {name for endpoint in ENDPOINTS for name in endpoint.covers}
    missing = public_patterns() - covered - set(EXCLUDED)
    assert not missing, f"add these to ENDPOINTS in {__name__} (or to EXCLUDED, with a reason)"
    stale = (covered | set(EXCLUDED)) - public_patterns()
    assert not stale, f"no longer a URL pattern: {sorted(stale)}"


def test_every_page_type_is_in_the_world_the_table_is_sent_to(on_world):
    """A new page type needs a page in build_world (tests/security/conftest.py)."""
    ours = {
        model.__name__
        for model in get_page_models()
        if model._meta.app_label
        in {"cms", "manifesto", "crowdfund", "stories", "meetings", "local"}
    }
    built = {type(page.specific).__name__ for page in on_world.pages.values()}
    assert ours <= built, f"build a page of each type in build_world: {sorted(ours - built)}"


FULL_SWEEP = os.environ.get("HOSTILE_CORPUS") == "full"


def requests_for(endpoint: Endpoint, world: World, full: bool = FULL_SWEEP):
    """(label, data) pairs: the endpoint's valid request with hostile values put in.

    Quick sweep (the default): request i puts COMPACT[(i + j) % n] in field j, so every
    field receives every compact value once in n requests; then one request with every
    field sent twice (a list), each amount field with each of AMOUNTS alone, and each
    field alone with a NUL and with 100,000 characters.
    Full sweep: every value of TEXT in every field at once, then each field alone with
    SHORT or TINY values (see `Endpoint`).
    """
    valid = endpoint.valid(world)
    names = list(valid)
    if not names:
        for value in TINY:
            yield f"junk={value}", {"junk": value.value}
        return
    for name in endpoint.amount_fields:
        for value in AMOUNTS:
            yield f"{name}={value}", {**valid, name: value.value}
    yield "every field a list", {name: [valid[name] or "x", "second"] for name in names}
    if not full:
        for i in range(len(COMPACT)):
            mixed = {name: COMPACT[(i + j) % len(COMPACT)] for j, name in enumerate(names)}
            label = ", ".join(f"{name}={value}" for name, value in mixed.items())
            yield label, {name: value.value for name, value in mixed.items()}
        # Alone, so no other field's error stops the view before it uses this one: the
        # two values PostgreSQL refuses most often (a NUL, more than a column holds).
        for name in names:
            for value in ALONE:
                yield f"{name}={value}", {**valid, name: value.value}
        return
    for value in TEXT:
        yield f"all={value}", dict.fromkeys(valid, value.value)
    for name in names:
        values = SHORT if name in endpoint.text_fields else TINY
        for value in values:
            yield f"{name}={value}", {**valid, name: value.value}


FORM_NAMES = ("form", "reply_form", "comment_form", "report_form")


def refused_form(response) -> bool:
    """Whether the page re-shows a form that has errors (a 200 can be a refusal too)."""
    context = response.context
    if context is None:
        return False
    return any(getattr(context.get(name), "errors", None) for name in FORM_NAMES)


def send(hostile_client, endpoint, world, label, data):
    path = endpoint.path(world)
    encoded = urlencode_hostile(data)
    if endpoint.method == GET:
        return hostile_client.send(label, GET, path, query=encoded)
    extra = {}
    if endpoint.name == "vote-json":
        extra["HTTP_ACCEPT"] = "application/json"
    return hostile_client.send(label, POST, path, body=as_bytes(encoded), **extra)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_hostile_values_never_break_an_endpoint(endpoint, on_world, hostile_client, stripe_standin):
    """Every field of every public endpoint, with every hostile value: no 500, errors shown."""
    user = on_world.users.get(endpoint.user) if endpoint.user else None
    hostile_client.login(user)
    if endpoint.prepare:
        hostile_client.client.get(endpoint.prepare(on_world))
    baseline = send(hostile_client, endpoint, on_world, "valid", endpoint.valid(on_world))
    assert baseline.status in endpoint.baseline, (
        f"the valid request gets {baseline.status}: the corpus would test the wrong thing"
    )
    if endpoint.prepare:  # the visit let the form through (a refusal, not a dead end)
        assert refused_form(baseline.response)
    problems = []
    for label, data in requests_for(endpoint, on_world):
        sent = send(hostile_client, endpoint, on_world, label, data)
        if sent.failed:
            problems.append(sent.failed)
            continue
        allowed = (FORM_STATUSES if endpoint.method == POST else QUERY_STATUSES) | REDIRECTS
        allowed |= endpoint.statuses
        if sent.status not in allowed:
            problems.append(f"{label}: unexpected status {sent.status}")
        elif (
            endpoint.method == POST
            and (sent.status in {400, 422, 429} or refused_form(sent.response))
            and "text/html" in sent.response.get("Content-Type", "")
            and not has_visible_error(sent.response.content.decode())
        ):
            problems.append(f"{label}: {sent.status} with no message the person can see")
    assert not problems, "\n".join(problems[:40])


WEBHOOK = "/crowdfund/stripe/webhook/"


def webhook_bodies():
    for value in WRONG_TYPES:
        yield f"body={value}", value.value
        yield (
            f"id={value}",
            '{"id": %s, "type": "checkout.session.completed"}' % (value.value or '""'),
        )
        yield f"type={value}", '{"id": "evt_1", "type": %s}' % (value.value or '""')
        yield (
            f"data={value}",
            '{"id": "evt_2", "type": "checkout.session.completed", "data": %s}'
            % (value.value or '""'),
        )
    for value in TEXT:
        yield f"id-text={value}", json.dumps({"id": value.value, "type": "charge.refunded"})


def test_stripe_webhook_refuses_bad_signatures_and_garbage(
    on_world, hostile_client, stripe_standin
):
    """Unsigned or wrongly signed bodies get a 400; signed garbage never a 500."""
    problems = []
    for label, body in webhook_bodies():
        raw = as_bytes(body)
        for signature in ("", "t=1,v1=deadbeef", "garbage\x00", "t=abc,v1=" + "f" * 64):
            sent = hostile_client.send(
                f"{label} unsigned",
                POST,
                WEBHOOK,
                body=raw,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=signature,
            )
            if sent.failed or sent.status != 400:
                problems.append(sent.failed or f"{label}: {sent.status} for a bad signature")
        headers = signed_headers(raw.decode("utf-8", "surrogatepass"), WEBHOOK_SECRET)
        sent = hostile_client.send(
            f"{label} signed", POST, WEBHOOK, body=raw, content_type="application/json", **headers
        )
        if sent.failed:
            problems.append(sent.failed)
    assert not problems, "\n".join(problems[:40])


# Form -> the status it answers with once over its limit (the donate form re-shows
# itself with the message; the propose form counts it as a form error).
RATE_LIMITED_FORMS = {
    "donate": 200,
    "share-story": 429,
    "comment": 429,
    "propose": 400,
    "reply-to-blog-post": 429,
    "contact": 429,
    "password-reset": 429,  # allauth's own limit, shown with templates/429.html
}


@pytest.mark.parametrize("name", RATE_LIMITED_FORMS)
def test_a_rate_limited_form_explains_itself(name, on_world, stripe_standin, settings):
    """Sent too often from one address and account, a form says to wait: never a 500."""
    settings.CROWDFUND_DONATE_RATE = "2/h"
    set_story_limits(submit_rate_per_ip="2/h", submit_rate_per_account="2/h")
    settings.MANIFESTO_COMMENT_RATE = "2/h"
    settings.MANIFESTO_PROPOSE_RATE = "2/h"
    settings.REPLY_RATE = "2/h"
    settings.CONTACT_RATE = "2/h"
    endpoint = next(e for e in ENDPOINTS if e.name == name)
    client = Client(raise_request_exception=False)
    client.force_login(on_world.users["supporter"])
    data = {**endpoint.valid(on_world), "body": "x"}  # invalid, so nothing is stored
    responses = [
        client.post(endpoint.path(on_world), data, REMOTE_ADDR="10.9.9.9") for _ in range(8)
    ]
    last = responses[-1]
    assert last.status_code == RATE_LIMITED_FORMS[name]
    page_text = last.content.decode()
    assert has_visible_error(page_text) or "Please slow down" in page_text
    assert any(word in page_text for word in ("wait", "slow down", "Too many"))
