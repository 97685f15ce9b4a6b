"""In-process helpers for the page benchmark, run with the site's settings.

python bench/pages.py urls              -> JSON {name: path} of one live page per type
python bench/pages.py queries PATH...   -> JSON {path: SQL queries for an anonymous GET}
python bench/pages.py actions           -> JSON: voters' sessions, amendments, crowdfund
python bench/pages.py action-queries    -> JSON: SQL queries for a vote, a donation, a webhook
python bench/pages.py publish PATH TEXT -> JSON {started, published: times}: the page at PATH
                                           published with TEXT in its title (purging the edge)
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.production")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

# name -> (model label, extra query string). The benchmark's own pages (slug "bench-...",
# from bench/data.py) are preferred, so a page shows benchmark-size data; types not yet in
# the code base are skipped.
PAGE_TYPES = {
    "home": ("cms.HomePage", ""),
    "paper_index": ("cms.PaperIndexPage", ""),
    "paper": ("cms.PaperPage", ""),
    "guide": ("cms.GuidePage", ""),
    "campaign": ("cms.CampaignPage", ""),
    "blog_index": ("cms.BlogIndexPage", ""),
    "blog_post": ("cms.BlogPostPage", ""),
    "event_index": ("cms.EventIndexPage", ""),
    "event": ("cms.EventPage", ""),
    "manifesto": ("manifesto.ManifestoPage", ""),
    "crowdfund": ("crowdfund.CrowdfundPage", ""),
    "stories_index": ("stories.StoriesIndexPage", ""),
    "story": ("stories.StoryPage", ""),
}
VOTER_EMAIL_SUFFIX = "@voters.bench.example"


def pick(model):
    pages = model.objects.live().public()
    return pages.filter(slug__startswith="bench-").order_by("pk").first() or (
        pages.order_by("pk").first()
    )


def page_urls() -> dict:
    urls = {}
    pages = {}
    for name, (label, query) in PAGE_TYPES.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        page = pick(model)
        if page is not None and page.url:
            pages[name] = page
            urls[name] = page.url + query
    manifesto = pages.get("manifesto")
    if manifesto is not None:
        # The clause with the most amendments, ranked by common ground; one amendment's page.
        from django.db.models import Count

        clause = (
            manifesto.live_clauses().annotate(n=Count("amendments")).order_by("-n", "pk").first()
        )
        if clause is not None:
            urls["clause_ranked"] = f"{manifesto.url}clause/{clause.key}/?sort=common"
            amendment = clause.amendments.filter(status="published").order_by("pk").first()
            if amendment is not None:
                urls["amendment"] = f"{manifesto.url}amendment/{amendment.pk}/"
    if "stories_index" in urls:
        from stories.models import StoryPage

        story = (
            StoryPage.objects.live()
            .public()
            .filter(slug__startswith="bench-")
            .select_related("place")
            .order_by("pk")
            .first()
        )
        if story is not None:
            party = story.parties.order_by("pk").first()
            urls["stories_filtered"] = (
                f"{urls['stories_index']}?region={story.region}&party={party.slug}"
                f"&arrangement={story.arrangement}"
            )
    urls.update(constituency_urls())
    extra = getattr(settings, "BENCH_EXTRA_URLS", None)
    if extra:
        urls.update(extra)
    urls["search"] = "/search/?query=alliance"
    return urls


def constituency_urls() -> dict:
    """The hexagon map coloured by a party, and the constituency with the most on its page
    (its groups and party positions), each measured cached and uncached like the pages."""
    try:
        model = apps.get_model("local.ConstituencyIndexPage")
    except LookupError:
        return {}
    index = pick(model)
    if index is None or not index.url:
        return {}
    from django.db.models import Count

    from cms.models import Constituency, Party

    urls = {}
    party = Party.objects.filter(is_party=True, positions__isnull=False).order_by("pk").first()
    urls["constituency_map"] = f"{index.url}map/" + (f"?party={party.slug}" if party else "")
    busiest = (
        Constituency.objects.annotate(
            n=Count("party_positions", distinct=True) + Count("local_groups", distinct=True)
        )
        .order_by("-n", "pk")
        .first()
    )
    if busiest is not None:
        urls["constituency"] = f"{index.url}{busiest.slug}/"
    return urls


def voter_sessions(count: int = 32) -> dict:
    """New signed-in supporters, the amendments they vote on, the crowdfund.

    Each voter is a new verified supporter (so every run starts with voters who have not
    voted), logged in the way the login view does it: a session in the session store whose
    cookie the client sends. The votes themselves go through the running site.
    """
    import uuid
    from importlib import import_module

    from allauth.account.models import EmailAddress
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group

    from cms.models import User
    from cms.roles import SUPPORTERS
    from crowdfund.models import CrowdfundPage
    from manifesto.models import Amendment, ManifestoPage

    store = import_module(settings.SESSION_ENGINE).SessionStore
    supporters = Group.objects.get(name=SUPPORTERS)
    run = uuid.uuid4().hex[:8]
    page = pick(ManifestoPage)
    voters = []
    for n in range(count):
        user = User.objects.create_user(
            email=f"voter-{run}-{n}{VOTER_EMAIL_SUFFIX}", password=None, display_name=f"Voter {n}"
        )
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        user.groups.add(supporters)
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "cms.auth_backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        voters.append({"id": user.pk, "session": session.session_key})
    amendments = list(
        Amendment.objects.filter(page=page, status="published")
        .order_by("pk")
        .values_list("pk", flat=True)[:2000]
    )
    crowdfund = pick(CrowdfundPage)
    from django.urls import reverse

    return {
        # Where the vote forms post: "{}" stands for the amendment's id.
        "vote_url": reverse("manifesto_vote", args=[page.pk, 999999999]).replace("999999999", "{}"),
        "crowdfund_id": crowdfund.pk,
        "crowdfund_url": crowdfund.url,
        "page_id": page.pk,
        "page_url": page.url,
        "voters": voters,
        "amendments": amendments,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
    }


def query_counts(paths) -> dict:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    counts = {}
    for path in paths:
        client.get(path, secure=True)  # warm caches the way a running site would be
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, secure=True)
        counts[path] = {"queries": len(queries), "status": response.status_code}
    return counts


def action_queries() -> dict:
    """SQL queries for one vote, one donate POST and one webhook delivery, as the site runs.

    The vote is by a new signed-in voter; the donation is a real one (its Checkout Session
    is created at the stand-in named by STRIPE_API_BASE) and so is its webhook event.
    """
    import stripe

    from crowdfund.models import Donation
    from tests.support import stripe_standin as fake_stripe

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    plan = voter_sessions(count=1)
    voter = Client()
    voter.cookies[settings.SESSION_COOKIE_NAME] = plan["voters"][0]["session"]
    first, second = plan["amendments"][:2]
    url = plan["vote_url"]
    voter.post(url.format(first), {"choice": "agree"}, HTTP_ACCEPT="application/json")
    with CaptureQueriesContext(connection) as vote:
        response = voter.post(
            url.format(second), {"choice": "agree"}, HTTP_ACCEPT="application/json"
        )
    counts = {"vote": {"queries": len(vote), "status": response.status_code}}

    donor = Client()
    form = {"amount": "10", "frequency": "one_off", "name": "Query Count", "email": "q@example.com"}
    donate = plan["crowdfund_url"] + "donate/"
    donor.get(donate)
    with CaptureQueriesContext(connection) as queries:
        response = donor.post(donate, form)
    counts["donate"] = {"queries": len(queries), "status": response.status_code}

    donation = Donation.objects.filter(name="Query Count").latest("pk")
    session = fake_stripe.checkout_session(
        amount=donation.amount_pence,
        reference=str(donation.reference),
        session_id=donation.stripe_checkout_session_id,
    )
    body = json.dumps(fake_stripe.event("checkout.session.completed", session))
    header = stripe.WebhookSignature.generate_signature_header(
        body, settings.STRIPE_WEBHOOK_SECRET.split(",")[0]
    )
    with CaptureQueriesContext(connection) as queries:
        response = Client().post(
            "/crowdfund/stripe/webhook/",
            body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header,
        )
    counts["donate_webhook"] = {"queries": len(queries), "status": response.status_code}
    return counts


def publish(path: str, text: str) -> dict:
    """Publish the live page at `path` with `text` in its title, as an editor would; the
    times just before the publish call and once it returned (committed and purged)."""
    import time

    from wagtail.models import Page

    slug = path.rstrip("/").rsplit("/", 1)[-1]
    page = next(
        candidate
        for candidate in Page.objects.live().filter(slug=slug).specific()
        if candidate.url == path
    )
    page.title = f"{page.title.split(' [')[0]} [{text}]"
    revision = page.save_revision()
    started = time.time()
    revision.publish()  # commits, then purges the app's cache and the edge
    return {"started": started, "published": time.time()}


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    if command == "urls":
        print(json.dumps(page_urls()))
    elif command == "actions":
        print(json.dumps(voter_sessions()))
    elif command == "action-queries":
        print(json.dumps(action_queries()))
    elif command == "publish":
        print(json.dumps(publish(*arguments)), flush=True)
    elif command == "queries":
        print(json.dumps(query_counts(arguments)))
    else:
        raise SystemExit(f"unknown command {command}")
