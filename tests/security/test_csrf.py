"""CSRF protection on every view that changes something.

Two checks:

1. No view in the whole URL tree is `csrf_exempt` except the documented exceptions
   (`CSRF_EXEMPT_VIEWS`: the Stripe webhook, which proves who sent it by its signature,
   and the one-click unsubscribe, authorised by its signed token).
2. Every state-changing public URL, POSTed by a signed-in person (or a visitor, for the
   sign-in forms) with CSRF checks enforced and no token, answers 403 and changes nothing
   in the database. Each one is then POSTed again with a valid token, to prove the data was
   right and that the 403 came from the missing token, not from a refusal for another reason.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from wagtail.contrib.routable_page.models import RoutablePageMixin

from cms.models import BlogIndexPage, BlogPostPage, Constituency
from crowdfund.models import CrowdfundPage
from local.models import (
    ConstituencyIndexPage,
    LocalGroupIndexPage,
    LocalGroupPage,
    RelayedMessage,
)
from manifesto.actions import propose
from manifesto.merge import start_text
from manifesto.models import Amendment, AmendmentStatus, ManifestoPage
from meetings.bookings import book_signed_in
from meetings.models import MeetingIndexPage, MeetingPage
from meetings.tokens import CANCEL, make_token
from newsletters import consent as newsletter_consent
from newsletters.tokens import confirmation_token as newsletter_confirmation
from newsletters.tokens import way_out_token as newsletter_way_out
from notifications.following import target_token as follow_target
from notifications.kinds import Kind
from notifications.preferences import unsubscribe_token as email_token
from stories.models import Place, StoriesIndexPage
from tests.conftest import PASSWORD
from tests.manifesto.conftest import CLAUSES, set_phase

# module.function of each view allowed to skip CSRF checks, and why.
CSRF_EXEMPT_VIEWS = {
    "crowdfund.views.stripe_webhook": "Stripe's calls carry no cookie; verified by signature",
    # RFC 8058: mail providers POST the one-click unsubscribe without cookies; the signed
    # token authorises it, and all it can do is stop email to the token's owner.
    "notifications.views.unsubscribe": "one-click unsubscribe; authorised by a signed token",
    "newsletters.views.unsubscribe": "the newsletter's one-click unsubscribe; a signed token",
    # The mail provider posts bounces and complaints without cookies; django-anymail checks
    # the provider's signature instead.
    "newsletters.views.mail_provider_events": "a mail provider's webhook; verified by signature",
    # Django REST framework marks its views exempt and checks CSRF itself for anyone signed
    # in by session (SessionAuthentication); the admin API uses only that, see
    # test_the_admin_api_still_refuses_a_post_without_a_token.
    "wagtail.admin.api.views.PagesAdminAPIViewSet": "REST framework checks CSRF itself",
    "wagtail.images.api.admin.views.ImagesAdminAPIViewSet": "REST framework checks CSRF itself",
    "wagtail.documents.api.admin.views.DocumentsAdminAPIViewSet": "REST framework checks CSRF",
}


def all_views(resolver=None, prefix=""):
    """(route, view) for every URL pattern, following every include()."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from all_views(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def view_name(view) -> str:
    view = getattr(view, "view_class", view)
    return f"{view.__module__}.{getattr(view, '__qualname__', type(view).__name__)}"


def test_no_view_skips_csrf_checks_but_the_documented_exceptions():
    exempt = {
        view_name(view): route for route, view in all_views() if getattr(view, "csrf_exempt", False)
    }
    assert set(exempt) - set(CSRF_EXEMPT_VIEWS) == set(), f"csrf_exempt views: {exempt}"
    assert set(CSRF_EXEMPT_VIEWS) <= set(exempt), "an exception listed here no longer exists"


def test_the_admin_api_still_refuses_a_post_without_a_token(home, superuser):
    """The admin API's own CSRF check (REST framework's) holds for a signed-in admin."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    blog_index = BlogIndexPage(title="Blog", slug="blog")
    home.add_child(instance=blog_index)
    url = reverse("wagtailadmin_api:pages:action", args=[blog_index.pk, "copy"])
    body = {"destination_page_id": home.pk, "new_title": "Copy", "new_slug": "copy"}
    before = database_state()
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert changed_tables(before, database_state()) == []
    client.cookies["csrftoken"] = CSRF_SECRET
    response = client.post(
        url, body, content_type="application/json", headers={"X-CSRFToken": CSRF_SECRET}
    )
    assert response.status_code in (200, 201), response.content


def test_the_url_walk_sees_the_whole_site():
    """Guard for the test above: the walk reaches admin, accounts and app URLs."""
    names = {view_name(view) for _, view in all_views()}
    for expected in (
        "crowdfund.views.stripe_webhook",
        "cms.views.delete_my_account",
        "allauth.account.views.LogoutView",
        "wagtail.views.serve",
    ):
        assert expected in names


# --- POSTs without a token ----------------------------------------------------------------


def database_state(ignore=()) -> dict[str, str]:
    """A digest of every row of each table: equal states mean nothing was written."""
    state = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed or model._meta.label in ignore:
            continue
        digest = hashlib.sha256()
        for values in model._base_manager.order_by("pk").values_list():
            digest.update(repr(values).encode())
        state[model._meta.label] = digest.hexdigest()
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(label for label in before if before[label] != after.get(label))


NOTIFICATION_KINDS = Kind.values


@dataclass
class Post:
    """One state-changing URL: who posts, where, what; and how to see that it worked."""

    what: str
    who: str  # a key of `world`, or "anonymous"
    url: object  # callable(world) -> str
    data: object  # callable(world) -> dict
    worked: object = None  # callable(response) -> bool; default: the database changed


def manifesto_url(suffix):
    """A manifesto sub-URL; {key} is the clause's key, {name} the pk of world[name]."""

    def url(w):
        ids = {name: obj.pk for name, obj in w.items() if hasattr(obj, "pk")}
        return w["manifesto"].url + suffix.format(key=w["clause"].key, **ids)

    return url


POSTS = [
    # Accounts (django-allauth and the profile page)
    Post("sign in", "anonymous", lambda w: reverse("account_login"),
         lambda w: {"login": "supporter@example.com", "password": PASSWORD}),
    Post("sign up", "anonymous", lambda w: reverse("account_signup"),
         lambda w: {"email": "new@example.com", "password1": "a-long-passphrase-2026",
                    "password2": "a-long-passphrase-2026"}),
    Post("ask for a password reset", "anonymous", lambda w: reverse("account_reset_password"),
         lambda w: {"email": "supporter@example.com"},
         worked=lambda r: r.status_code == 302),
    Post("confirm an email address", "unverified",
         lambda w: reverse("account_confirm_email", args=[w["confirmation_key"]]),
         lambda w: {}),
    Post("sign out", "supporter", lambda w: reverse("account_logout"), lambda w: {}),
    Post("add an email address", "supporter", lambda w: reverse("account_email"),
         lambda w: {"action_add": "", "email": "second@example.com"}),
    Post("change password", "supporter", lambda w: reverse("account_change_password"),
         lambda w: {"oldpassword": PASSWORD, "password1": "another-long-passphrase",
                    "password2": "another-long-passphrase"}),
    Post("edit profile", "supporter", lambda w: reverse("profile"),
         lambda w: {"display_name": "Samantha", "first_name": "", "last_name": "",
                    "party": "", "home_area": ""}),
    Post("download my data", "supporter", lambda w: reverse("download_my_data"),
         lambda w: {}, worked=lambda r: r.status_code == 200 and r.json()),
    Post("delete account", "supporter", lambda w: reverse("delete_my_account"),
         lambda w: {"confirm": "on", "password": PASSWORD}),
    # Replies to posts and papers
    Post("reply to a blog post", "supporter", lambda w: w["blog_post"].url,
         lambda w: {"body": "Count me in.", "website": ""}),
    Post("send a message through the contact page", "anonymous",
         lambda w: w["contact"].url + "write/",
         lambda w: {"name": "Ada", "email": "ada@example.com", "topic": "general",
                    "message": "Hello there.", "website": ""}),
    # Manifesto
    Post("propose an amendment", "supporter", manifesto_url("clause/{key}/propose/"),
         lambda w: {"kind": "replace", "text": "Free buses in every market town by 2030.",
                    "reason": "Why", "website": ""}),
    Post("vote", "supporter",
         lambda w: reverse("manifesto_vote", args=[w["manifesto"].pk, w["amendment"].pk]),
         lambda w: {"choice": "agree"}),
    Post("vote at the page's address", "supporter",
         manifesto_url("amendment/{amendment}/vote/"), lambda w: {"choice": "agree"}),
    Post("comment", "supporter", manifesto_url("amendment/{amendment}/comment/"),
         lambda w: {"body": "I like this.", "website": ""}),
    Post("report an amendment", "supporter", manifesto_url("amendment/{amendment}/report/"),
         lambda w: {"reason": "Abuse"}),
    Post("withdraw my amendment", "supporter", manifesto_url("amendment/{own}/withdraw/"),
         lambda w: {}),
    Post("update my amendment", "supporter", manifesto_url("amendment/{needs_update}/update/"),
         lambda w: {"text": "Rewritten on today's text."}),
    Post("moderate an amendment", "moderator", manifesto_url("amendment/{amendment}/status/"),
         lambda w: {"action": "accept", "reason": ""}),
    Post("merge amendments (site): on to the admin's preview", "moderator",
         manifesto_url("moderate/merge/"), lambda w: {"amendment": [w["amendment"].pk]},
         worked=lambda r: r.status_code == 303 and "/preview/" in r["Location"]),
    Post("edit the manifesto text", "editor", manifesto_url("edit/"),
         lambda w: {**{f"clause-{c.key}": c.text for c in w["manifesto"].live_clauses()},
                    f"clause-{w['clause'].key}": "Shorter words.", "note": "Shorter"}),
    Post("dismiss a burst flag (admin)", "moderator",
         lambda w: reverse("manifesto_clear_burst", args=[w["amendment"].pk]), lambda w: {}),
    Post("merge amendments (admin), confirming the preview", "moderator",
         lambda w: reverse("manifesto_merge_preview", args=[w["manifesto"].pk]),
         lambda w: {"amendment": [w["amendment"].pk], "version": "1"}),
    Post("bulk-approve replies (admin)", "moderator",
         lambda w: reverse("wagtail_bulk_action", args=["cms", "pagereply", "approve"])
         + f"?id={w['reply'].pk}", lambda w: {}),
    # Crowdfund and stories
    Post("donate", "supporter",
         lambda w: w["crowdfund"].url + w["crowdfund"].reverse_subpage("donate"),
         lambda w: {"amount": "10", "frequency": "one_off", "name": "Ada L",
                    "email": "ada@example.com", "website": ""}),
    Post("share a story", "supporter",
         lambda w: w["stories_index"].url + w["stories_index"].reverse_subpage("submit"),
         lambda w: {"title": "How Frome stood together", "group_name": "Frome Together",
                    "place": str(w["place"].pk), "parties": [str(w["green"].pk)],
                    "arrangement": "stand-aside", "election": "2019 general election",
                    "year": "2019", "outcome": "won",
                    "body": "We met, we talked, and the Labour candidate stood aside. " * 3,
                    "contact_email": "group@example.org", "consent": "on", "website": ""}),
    # Meetings
    Post("propose a meeting", "supporter", lambda w: reverse("meetings_propose"),
         lambda w: {"title": "An evening in Frome", "start": "2030-05-01T19:00",
                    "end": "2030-05-01T21:00", "venue": "Frome Library", "capacity": "20",
                    "group": "", "constituency": "Frome and East Somerset",
                    "summary": "Small groups, then a plan."}),
    Post("book a place with one click", "supporter",
         lambda w: reverse("meetings_book", args=[w["meeting"].pk]), lambda w: {}),
    Post("book a place by email", "anonymous",
         lambda w: reverse("meetings_book", args=[w["meeting"].pk]),
         lambda w: {"name": "Ada", "email": "ada@example.com"}),
    Post("cancel my booking", "other_supporter",
         lambda w: reverse("meetings_cancel_mine", args=[w["meeting"].pk]), lambda w: {}),
    Post("cancel a booking by its emailed link", "anonymous",
         lambda w: reverse("meetings_cancel_booking", args=[w["booking_cancel_token"]]),
         lambda w: {}),
    # Local groups
    Post("write to a local group", "anonymous",
         lambda w: w["group"].url + "contact/",
         lambda w: {"name": "Ada", "email": "ada@example.com", "message": "Can I help?",
                    "website": ""}),
    Post("report a relayed message", "other_supporter",
         lambda w: w["group"].url + f"report/{w['relayed'].token}/",
         lambda w: {"reason": "Abuse"}),
    # Following and notifications
    Post("follow a post's replies", "supporter", lambda w: reverse("notifications:follow"),
         lambda w: {"target": follow_target(w["blog_post"]), "action": "follow"}),
    Post("mark notifications read", "supporter", lambda w: reverse("notifications:mark_all_read"),
         lambda w: {}, worked=lambda r: r.status_code == 302),
    Post("choose how often to be emailed", "supporter",
         lambda w: reverse("notifications:preferences"),
         lambda w: dict.fromkeys(NOTIFICATION_KINDS, "weekly")),
    Post("choose by the link in an email, signed out", "anonymous",
         lambda w: reverse("notifications:preferences_by_token",
                           args=[email_token(w["supporter"])]),
         lambda w: dict.fromkeys(NOTIFICATION_KINDS, "never")),
    # Newsletters
    Post("sign up for the newsletter", "anonymous", lambda w: reverse("newsletters:sign_up"),
         lambda w: {"email": "reader@example.com", "constituency": "", "consent": "on",
                    "website": ""}),
    Post("confirm a newsletter sign-up", "anonymous",
         lambda w: reverse("newsletters:confirm",
                           args=[newsletter_confirmation(w["newsletter_pending"])]),
         lambda w: {}),
    Post("newsletter settings by the link in an email, signed out", "anonymous",
         lambda w: reverse("newsletters:preferences",
                           args=[newsletter_way_out(w["newsletter_subscriber"].pk)]),
         lambda w: {"action": "unsubscribe"}),
    Post("opt in to the newsletter on the account page", "supporter",
         lambda w: reverse("newsletters:account"), lambda w: {"consent": "on"}),
]  # fmt: skip


@pytest.fixture
def world(home, unverified, supporter, moderator, editor, other_supporter, stripe_standin):
    from cms.models import Party

    blog_index = BlogIndexPage(title="Blog", slug="blog")
    home.add_child(instance=blog_index)
    blog_index.save_revision().publish()
    blog_post = BlogPostPage(title="Hello", slug="hello", date=date(2026, 6, 1), intro="Hi.")
    blog_index.add_child(instance=blog_post)
    blog_post.save_revision().publish()

    manifesto = ManifestoPage(title="Our manifesto", slug="manifesto", screening=False)
    home.add_child(instance=manifesto)
    manifesto.save_revision().publish()
    start_text(manifesto, CLAUSES)
    set_phase(manifesto, "amendments")
    clause = manifesto.live_clauses().first()
    amendment = propose(manifesto, clause, other_supporter, "replace", "Fairer words.", "Why.")
    own = propose(manifesto, clause, supporter, "replace", "My words.", "Mine.")
    needs_update = propose(manifesto, clause, supporter, "replace", "Old words.", "Old.")
    Amendment.objects.filter(pk=needs_update.pk).update(status=AmendmentStatus.NEEDS_UPDATE)

    crowdfund = CrowdfundPage(title="Build the hub", slug="build-the-hub", target_pence=500_000)
    home.add_child(instance=crowdfund)
    crowdfund.save_revision().publish()

    stories_index = StoriesIndexPage(title="Stories", slug="stories")
    home.add_child(instance=stories_index)
    stories_index.save_revision().publish()

    from cms.models import ContactPage, PageReply

    contact = ContactPage(title="Contact us", slug="contact")
    home.add_child(instance=contact)
    contact.save_revision().publish()

    meeting_index = MeetingIndexPage(title="Meetings", slug="meetings")
    home.add_child(instance=meeting_index)
    meeting_index.save_revision().publish()
    meeting = MeetingPage(
        title="A meeting", slug="a-meeting", start=datetime(2030, 5, 1, 19, tzinfo=UTC),
        end=datetime(2030, 5, 1, 21, tzinfo=UTC), venue="A hall", capacity=10,
        constituency=Constituency.objects.get(name="Frome and East Somerset"), summary="Talk.",
    )  # fmt: skip
    meeting_index.add_child(instance=meeting)
    meeting.save_revision().publish()
    booking = book_signed_in(meeting, other_supporter)

    constituencies = ConstituencyIndexPage(title="Constituencies", slug="constituencies")
    home.add_child(instance=constituencies)
    constituencies.save_revision().publish()
    groups = LocalGroupIndexPage(title="Local groups", slug="groups")
    home.add_child(instance=groups)
    groups.save_revision().publish()
    group = LocalGroupPage(title="Frome alliance", slug="frome", description="We meet.")
    group.constituencies = [Constituency.objects.get(name="Frome and East Somerset")]
    group.organisers = [other_supporter]
    groups.add_child(instance=group)
    group.save_revision().publish()
    relayed = RelayedMessage.objects.create(
        group=group, sender_name="Ada", sender_email="ada@example.com", body="Hello."
    )

    newsletter_subscriber, _ = newsletter_consent.sign_up_publicly("subscriber@example.com")
    newsletter_consent.confirm(newsletter_subscriber)

    return {
        "newsletter_pending": newsletter_consent.sign_up_publicly("pending@example.com")[0],
        "newsletter_subscriber": newsletter_subscriber,
        "constituencies": constituencies,
        "group": LocalGroupPage.objects.get(pk=group.pk),
        "relayed": relayed,
        "contact": contact,
        "unverified": unverified,
        "confirmation_key": EmailConfirmationHMAC(EmailAddress.objects.get(user=unverified)).key,
        "supporter": supporter,
        "moderator": moderator,
        "editor": editor,
        "blog_post": blog_post,
        "manifesto": manifesto,
        "clause": clause,
        "amendment": amendment,
        "own": own,
        "needs_update": needs_update,
        "reply": PageReply.objects.create(page=blog_post, author=other_supporter, body="Hi"),
        "crowdfund": CrowdfundPage.objects.get(pk=crowdfund.pk),
        "stories_index": stories_index,
        "place": Place.objects.create(
            name="Frome", slug="frome", region="south-west", kind="council"
        ),
        "green": Party.objects.get(slug="green"),
        "meeting": meeting,
        "other_supporter": other_supporter,
        "booking_cancel_token": make_token(booking, CANCEL),
    }


CSRF_SECRET = "a" * 32  # an unmasked secret: Django accepts it as cookie and as token


def client_for(world, post: Post, with_token: bool) -> Client:
    client = Client(enforce_csrf_checks=True)
    if post.who != "anonymous":
        client.force_login(world[post.who])
    if with_token:
        client.cookies["csrftoken"] = CSRF_SECRET
    return client


@pytest.mark.parametrize("post", POSTS, ids=[p.what for p in POSTS])
def test_a_post_without_a_csrf_token_is_refused_and_changes_nothing(post, world):
    client = client_for(world, post, with_token=False)
    before = database_state()
    response = client.post(post.url(world), post.data(world))
    assert response.status_code == 403
    assert b"CSRF" in response.content
    assert changed_tables(before, database_state()) == []

    with transaction.atomic():  # the control: with a token the same POST does its work
        client = client_for(world, post, with_token=True)
        before = database_state()
        data = {**post.data(world), "csrfmiddlewaretoken": CSRF_SECRET}
        response = client.post(post.url(world), data)
        assert response.status_code != 403, response.content[:500]
        if post.worked is None:
            assert changed_tables(before, database_state()), f"{post.what}: nothing changed"
        else:
            assert post.worked(response)
        transaction.set_rollback(True)


def test_a_token_from_the_sites_own_form_is_accepted(world):
    """The control's own check: a token made by the site (from a page's form) is accepted."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["supporter"])
    page = client.get(reverse("profile"))
    token = page.context["csrf_token"]
    response = client.post(
        reverse("profile"),
        {"display_name": "Samantha", "party": "", "home_area": "", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    world["supporter"].refresh_from_db()
    assert world["supporter"].display_name == "Samantha"


# Every sub-page route of the routable pages: POSTed above, or read-only.
POSTED_ROUTES = {
    "ManifestoPage.propose",
    "ManifestoPage.amendment_vote",
    "ManifestoPage.amendment_comment",
    "ManifestoPage.amendment_report",
    "ManifestoPage.amendment_withdraw",
    "ManifestoPage.amendment_update",
    "ManifestoPage.amendment_status",
    "LocalGroupPage.contact",
    "LocalGroupPage.report",
    "ManifestoPage.edit_text",
    "ManifestoPage.merge",
    "CrowdfundPage.donate",
    "StoriesIndexPage.submit",
    "ContactPage.write",
}
READ_ONLY_ROUTES = {
    "ManifestoPage.index": "",
    "ManifestoPage.clause": "clause/{key}/",
    "ManifestoPage.amendment": "amendment/{amendment}/",
    "ManifestoPage.history": "history/",
    "ManifestoPage.compare": "history/compare/",
    "ManifestoPage.print": "print/",
    "ManifestoPage.how_ranking_works": "how-ranking-works/",
    "ManifestoPage.where_we_agree": "where-we-agree/",
    "ManifestoPage.clause_where_we_agree": "clause/{key}/where-we-agree/",
    "ManifestoPage.export_manifesto": "export/manifesto/",
    "ManifestoPage.export_amendments": "export/amendments/",
    "ManifestoPage.export_amendment_book": "export/amendment-book/",
    "ManifestoPage.moderate": "moderate/",
    "ManifestoPage.api_clauses": "api/clauses/",
    "ManifestoPage.api_amendments": "api/amendments/",
    "CrowdfundPage.index_route": "",
    "CrowdfundPage.success": "thank-you/",
    "CrowdfundPage.cancel": "cancelled/",
    "StoriesIndexPage.library": "",
    "StoriesIndexPage.index_route": "",
    "StoriesIndexPage.thanks": "share/thanks/",
    "StoriesIndexPage.at_a_glance": "at-a-glance/",
    "StoriesIndexPage.feed": "feed/",
    "ContactPage.index_route": "",
    "ContactPage.sent": "sent/",
    "ConstituencyIndexPage.list": "",
    "ConstituencyIndexPage.index_route": "",
    "ConstituencyIndexPage.map": "map/",
    "ConstituencyIndexPage.constituency": "frome-and-east-somerset/",
    "LocalGroupPage.index_route": "",
    "LocalGroupPage.contact_sent": "contact/sent/",
}


def test_every_route_of_a_routable_page_is_either_posted_above_or_read_only():
    routes = {
        f"{model.__name__}.{pattern.name}"
        for model in apps.get_models()
        if issubclass(model, RoutablePageMixin)
        for pattern in model.get_subpage_urls()
    }
    assert routes == POSTED_ROUTES | set(READ_ONLY_ROUTES)


def test_a_read_only_route_changes_nothing_even_when_posted_with_a_token(world):
    """An editor (who may do the most) POSTs with a valid token to each read-only route."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["editor"])
    client.cookies["csrftoken"] = CSRF_SECRET
    pages = {
        "ManifestoPage": world["manifesto"],
        "CrowdfundPage": world["crowdfund"],
        "StoriesIndexPage": world["stories_index"],
        "ContactPage": world["contact"],
        "ConstituencyIndexPage": world["constituencies"],
        "LocalGroupPage": world["group"],
    }
    ids = {name: obj.pk for name, obj in world.items() if hasattr(obj, "pk")}
    for page in pages.values():  # the first render creates the site's settings rows
        client.get(page.url)
    # Reading may keep something in the visitor's session (the order of a shuffled list).
    before = database_state(ignore={"sessions.Session"})
    for route, suffix in READ_ONLY_ROUTES.items():
        page = pages[route.split(".")[0]]
        url = page.url + suffix.format(key=world["clause"].key, **ids)
        response = client.post(url, {"csrfmiddlewaretoken": CSRF_SECRET})
        assert response.status_code < 500, route
        after = database_state(ignore={"sessions.Session"})
        assert changed_tables(before, after) == [], f"POST to {route} ({url})"
