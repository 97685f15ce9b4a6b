"""Load with correctness: a mixed crowd on the production stack, then every write checked.

    make bench-load                  # 2 minutes of load
    BENCH_QUICK=1 make bench-load    # 30 seconds

Sets up a fresh PostgreSQL database (BENCH_DATABASE_URL, default hub_load) with the demo
content and LOAD_SUPPORTERS (200) verified supporters, then serves the site under gunicorn
with production settings (DEBUG off, loopback only) and a real Celery worker on Redis
(BENCH_REDIS_URL, default db 9). The Stripe stand-in from crowdfund/fake_stripe.py answers
the site's Stripe calls. For LOAD_SECONDS (120; BENCH_QUICK=1: 30) LOAD_VISITORS (16)
simulated visitors loop without pause over a mix of:

- anonymous reads across the page types (home, manifesto, clause, amendment, papers,
  blog, events, crowdfund, stories with filters and search, site search);
- signed-in supporters voting: fetch the amendment page, post the vote form with its
  CSRF token and the session cookie, as the page's script does (Accept: JSON);
- donors: the donate form, its POST (the site creates a Checkout Session on the
  stand-in and answers 303), then the signed checkout.session.completed webhook posted
  back to the site, one in five delivered twice as Stripe retries do;
- supporters sharing a story through the share form, then reading their reference.

Then the worker is drained and every accepted write is looked for exactly once: each
vote answered ok is present once with its last accepted choice and every amendment's
counters equal a recount; each donation whose webhook was accepted has one payment in
the ledger and each crowdfund's total moved by exactly the accepted gifts; each story
answered with a reference exists once; and nothing was written that was not accepted.
It prints the request mix, throughput, latency per kind, errors (5xx, connection
failures) and refusals (429) apart, then RESULT lines, and exits non-zero if any
accepted write is missing or doubled, anything extra was written, or any error occurred.

Choices, said plainly:
- A plain threaded client (requests, already in the lock) rather than locust: the run
  must know exactly which writes the site accepted, per supporter, to check them after;
  threads with their own sessions give that directly, with no extra install.
- Supporters arrive signed in: their sessions are made in setup by Django's own login()
  (the test client's force_login). Signing in 200 people through the form would spend
  the run on the password hasher, which is slow on purpose.
- All visitors share 127.0.0.1, so the per-address limits on the donate and share forms
  would count the whole crowd as one person. The run raises those two where the product
  reads them (the CROWDFUND_DONATE_RATE setting, the stories' site setting "stories one
  address may send") and leaves the per-account story limit as shipped: its 429s are
  reported as refused.

Not part of the test suite. Nothing here talks to Stripe or leaves the machine.
"""

import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hub_load")
os.environ.setdefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
os.environ.setdefault("BENCH_PORT", "8794")  # not the page benchmark's, which may be running

import requests  # noqa: E402
import run  # noqa: E402  (bench/run.py: database, site environment, gunicorn)

from tests.support import stripe_standin as fake_stripe  # noqa: E402

QUICK = os.environ.get("BENCH_QUICK") == "1"
LOAD_SECONDS = int(os.environ.get("LOAD_SECONDS", "30" if QUICK else "120"))
VISITORS = int(os.environ.get("LOAD_VISITORS", "16"))
SUPPORTERS = int(os.environ.get("LOAD_SUPPORTERS", "200"))
WEBHOOK_SECRET = fake_stripe.WEBHOOK_SECRET
BASE = f"http://127.0.0.1:{run.PORT}"
# What each visitor does next, by weight.
MIX = {"read": 70, "vote": 18, "donate": 6, "story": 6}
REDELIVERED_SHARE = 0.2
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VOTE_FORM_RE = re.compile(r'<form method="post" action="([^"]+/amendment/(\d+)/vote/)"')
REFERENCE_RE = re.compile(r"Your reference is <strong>([^<]+)</strong>")


def log(message):
    run.log(message)


# --- the site ---------------------------------------------------------------------------
def load_env(standin) -> dict:
    env = run.site_env(page_cache=True)
    env.update(
        {
            "STRIPE_SECRET_KEY": "sk_test_load_only",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": standin.base_url,
            "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            # Every visitor is 127.0.0.1: see the module docstring.
            "CROWDFUND_DONATE_RATE": "100000/h",
        }
    )
    return env


def prepare_database(env):
    log("preparing the site: fresh database, migrations, demo content, static files")
    run.recreate_database(run.DATABASE_URL)
    subprocess.run(["redis-cli", "-u", run.REDIS_URL, "flushdb"], check=True, capture_output=True)
    run.manage(env, "migrate", "--noinput")
    run.manage(env, "load_demo")
    run.manage(env, "collectstatic", "--noinput")


def raise_story_rate_per_address() -> None:
    """Every visitor is 127.0.0.1: see the module docstring."""
    from stories.models import story_limits

    limits = story_limits()
    limits.submit_rate_per_ip = "100000/h"
    limits.save(update_fields=["submit_rate_per_ip"])


def add_supporters(count: int) -> list[tuple[int, str]]:
    """Verified supporters, each with a signed-in session: [(user pk, session cookie)]."""
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.test import Client

    from cms.demo import DEMO_PASSWORD
    from cms.models import Party, User
    from cms.roles import SUPPORTERS as SUPPORTERS_GROUP

    parties = [*Party.objects.order_by("pk"), None]
    password = make_password(DEMO_PASSWORD)  # one hash for all: each costs the hasher's time
    users = User.objects.bulk_create(
        User(
            email=f"load{number:03d}@supporters.example",
            display_name=f"Load supporter {number}",
            party=parties[number % len(parties)],
            password=password,
        )
        for number in range(count)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
    )
    group = Group.objects.get(name=SUPPORTERS_GROUP)
    membership = User.groups.through
    membership.objects.bulk_create(membership(user_id=user.pk, group_id=group.pk) for user in users)
    sessions = []
    for user in users:
        client = Client()
        client.force_login(user, backend="cms.auth_backends.ModelBackend")
        sessions.append((user.pk, client.cookies[settings.SESSION_COOKIE_NAME].value))
    return sessions


@dataclass
class Plan:
    reads: dict[str, list[str]]  # page type -> addresses; each type read as often
    amendment_urls: list[str]
    donate_url: str
    share_url: str
    places: list[int]
    parties: list[int]
    supporters: list[tuple[int, str]]


def build_plan(supporters) -> Plan:
    from pages import page_urls  # bench/pages.py: one live page of each type

    from cms.models import EventPage, PaperIndexPage, Party
    from crowdfund.models import CrowdfundPage
    from manifesto.models import OPEN_STATUSES, Amendment, ManifestoPage
    from stories.models import Arrangement, Place, StoriesIndexPage

    reads = list(page_urls().items())
    for model, name in [(EventPage, "event"), (PaperIndexPage, "paper_index")]:
        page = model.objects.live().public().order_by("pk").first()
        if page is not None:
            reads.append((name, page.url))
    amendment_urls = []
    for manifesto in ManifestoPage.objects.live().public():
        if manifesto.phase not in ("amendments", "voting"):
            continue
        for clause in manifesto.live_clauses():
            reads.append(("clause", f"{manifesto.url}clause/{clause.key}/"))
        votable = Amendment.objects.filter(
            page=manifesto, status__in=OPEN_STATUSES, is_hidden=False
        ).order_by("pk")
        for amendment in votable:
            url = f"{manifesto.url}amendment/{amendment.pk}/"
            reads.append(("amendment", url))
            amendment_urls.append(url)
    stories = StoriesIndexPage.objects.live().get()
    place = Place.objects.order_by("pk").first()
    reads += [
        ("stories_filtered", f"{stories.url}?arrangement={Arrangement.values[0]}"),
        ("stories_filtered", f"{stories.url}?place={place.slug}"),
        ("stories_search", f"{stories.url}?q=council"),
        ("search", "/search/?query=manifesto"),
    ]
    crowdfund = next(page for page in CrowdfundPage.objects.live() if page.is_open())
    by_type = defaultdict(list)
    for name, url in reads:
        by_type[name].append(url)
    return Plan(
        reads=dict(by_type),
        amendment_urls=amendment_urls,
        donate_url=crowdfund.url + crowdfund.reverse_subpage("donate"),
        share_url=stories.url + stories.reverse_subpage("submit"),
        places=list(Place.objects.values_list("pk", flat=True)),
        parties=list(Party.objects.values_list("pk", flat=True)),
        supporters=supporters,
    )


# --- the crowd --------------------------------------------------------------------------
@dataclass
class Outcomes:
    """Every request's latency and status, and the writes the site accepted."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    samples: dict = field(default_factory=lambda: defaultdict(list))
    reads: Counter = field(default_factory=Counter)
    votes: dict = field(default_factory=dict)  # (voter pk, amendment pk) -> last choice
    unsure_votes: set = field(default_factory=set)  # no answer: either outcome is right
    donations: dict = field(default_factory=dict)  # reference -> pence
    stories: list = field(default_factory=list)  # references
    stories_without_reference: int = 0
    harness_problems: Counter = field(default_factory=Counter)

    def call(self, http, method, kind, path, **kwargs):
        started = time.perf_counter()
        try:
            response = http.request(
                method, BASE + path, timeout=60, allow_redirects=False, **kwargs
            )
            status = response.status_code
        except requests.RequestException:
            response, status = None, 0
        elapsed_ms = (time.perf_counter() - started) * 1000
        with self.lock:
            self.samples[kind].append((elapsed_ms, status))
        return response


def supporter_session(cookie: str) -> requests.Session:
    from django.conf import settings

    http = requests.Session()
    http.cookies.set(settings.SESSION_COOKIE_NAME, cookie)
    return http


def open_form(out, http, kind, path, what):
    """GET a page with a form: (response, its CSRF token or None)."""
    page = out.call(http, "GET", kind, path)
    match = CSRF_RE.search(page.text) if page is not None else None
    if match is None and page is not None and page.status_code == 200:
        out.harness_problems[f"{what} without a CSRF token"] += 1
    return page, match.group(1) if match else None


def read(http, plan, rng, out):
    name = rng.choice(list(plan.reads))
    path = rng.choice(plan.reads[name])
    out.call(http, "GET", "read", path)
    with out.lock:
        out.reads[name] += 1


def vote(http, voter_pk, plan, rng, out):
    page_path = rng.choice(plan.amendment_urls)
    page, token = open_form(out, http, "vote_form", page_path, "amendment page")
    form = VOTE_FORM_RE.search(page.text) if token else None
    if form is None:
        if token:
            out.harness_problems["no vote form for a signed-in supporter"] += 1
        return
    action, amendment_pk = form.group(1), int(form.group(2))
    choice = rng.choice(["agree", "disagree", "pass"])
    response = out.call(
        http,
        "POST",
        "vote",
        action,
        data={"csrfmiddlewaretoken": token, "choice": choice},
        headers={"Accept": "application/json", "Referer": BASE + page_path},
    )
    key = (voter_pk, amendment_pk)
    if response is None or response.status_code >= 500:
        out.unsure_votes.add(key)
    elif response.status_code == 200 and response.json().get("ok"):
        out.votes[key] = choice
        out.unsure_votes.discard(key)


def donate(plan, rng, out, standin):
    http = requests.Session()  # each donor is a new anonymous visitor
    _, token = open_form(out, http, "donate_form", plan.donate_url, "donate form")
    if token is None:
        return
    number = uuid.uuid4().hex[:10]
    pounds = rng.choice([5, 10, 20, 25, 50, 100])
    response = out.call(
        http,
        "POST",
        "donate",
        plan.donate_url,
        data={
            "csrfmiddlewaretoken": token,
            "amount": str(pounds),
            "frequency": "one_off",
            "name": f"Load donor {number}",
            "email": f"donor-{number}@donors.example",
            "website": "",
        },
        headers={"Referer": BASE + plan.donate_url},
    )
    if response is None or response.status_code != 303:
        return
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    session = standin.sessions[session_id]
    # What Stripe sends once the donor has paid on its Checkout page.
    completed = {**session, "status": "complete", "payment_status": "paid"}
    body = json.dumps(fake_stripe.event("checkout.session.completed", completed))
    deliveries = 2 if rng.random() < REDELIVERED_SHARE else 1
    for delivery in range(deliveries):
        signature = fake_stripe.signed_headers(body, WEBHOOK_SECRET)["HTTP_STRIPE_SIGNATURE"]
        hook = out.call(
            http,
            "POST",
            "webhook" if delivery == 0 else "webhook_redelivery",
            "/crowdfund/stripe/webhook/",
            data=body,
            headers={"Content-Type": "application/json", "Stripe-Signature": signature},
        )
        if hook is not None and hook.status_code == 200:
            with out.lock:
                out.donations[session["metadata"]["donation_reference"]] = pounds * 100


def story(http, plan, rng, out):
    _, token = open_form(out, http, "story_form", plan.share_url, "share form")
    if token is None:
        return
    marker = uuid.uuid4().hex
    body = (
        f"Our alliance began with one meeting in a library ({marker}). Supporters of three "
        "parties agreed a short local charter, shared one leaflet and knocked on doors "
        "together for six weeks. The candidates who stood aside spoke at every hustings, "
        "and the turnout in our ward was the highest anyone remembered."
    )
    response = out.call(
        http,
        "POST",
        "story",
        plan.share_url,
        data={
            "csrfmiddlewaretoken": token,
            "title": f"A library meeting {marker[:8]}",
            "group_name": "Load Test Alliance",
            "place": str(rng.choice(plan.places)),
            "parties": [str(pk) for pk in rng.sample(plan.parties, 2)],
            "arrangement": "stand-aside",
            "election": "2024 general election",
            "year": "2024",
            "outcome": "won",
            "body": body,
            "contact_email": f"group-{marker[:8]}@stories.example",
            "consent": "on",
            "website": "",
        },
        headers={"Referer": BASE + plan.share_url},
    )
    if response is None or response.status_code != 302:
        return
    thanks = out.call(http, "GET", "story_thanks", response.headers["Location"])
    match = REFERENCE_RE.search(thanks.text) if thanks is not None else None
    with out.lock:
        if match:
            out.stories.append(match.group(1))
        else:
            out.stories_without_reference += 1


def visitor(number, plan, stop_at, out, standin):
    rng = random.Random(number)
    mine = plan.supporters[number::VISITORS]  # each supporter acts on one thread only
    sessions = {pk: supporter_session(cookie) for pk, cookie in mine}
    anonymous = requests.Session()
    kinds, weights = list(MIX), list(MIX.values())
    while time.monotonic() < stop_at:
        kind = rng.choices(kinds, weights)[0]
        try:
            if kind == "read" or not mine:
                read(anonymous, plan, rng, out)
            elif kind == "vote":
                voter_pk = rng.choice(mine)[0]
                vote(sessions[voter_pk], voter_pk, plan, rng, out)
            elif kind == "donate":
                donate(plan, rng, out, standin)
            else:
                story(sessions[rng.choice(mine)[0]], plan, rng, out)
        except Exception as error:  # noqa: BLE001 - counted and reported, the visitor goes on
            with out.lock:
                out.harness_problems[f"{kind}: {type(error).__name__}: {error}"[:160]] += 1


def run_crowd(plan, standin) -> tuple[Outcomes, float]:
    out = Outcomes()
    log(f"load: {VISITORS} visitors for {LOAD_SECONDS}s")
    started = time.monotonic()
    stop_at = started + LOAD_SECONDS
    threads = [
        threading.Thread(target=visitor, args=(n, plan, stop_at, out, standin), daemon=True)
        for n in range(VISITORS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return out, time.monotonic() - started


# --- the worker -------------------------------------------------------------------------
def drain(timeout=300):
    """Wait until the queue is empty, nothing is in flight and every webhook is applied."""
    import redis

    from crowdfund.models import WebhookEvent

    broker = redis.Redis.from_url(run.REDIS_URL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        queued = broker.llen("celery") + broker.hlen("unacked")
        unapplied = WebhookEvent.objects.filter(applied_at__isnull=True).count()
        if queued == 0 and unapplied == 0:
            return
        time.sleep(0.5)
    raise SystemExit(
        f"the worker did not drain in {timeout}s ({queued} queued, {unapplied} unapplied)"
    )


# --- the checks -------------------------------------------------------------------------
@dataclass
class Baseline:
    totals: dict
    stories: int


def baseline() -> Baseline:
    from crowdfund.figures import crowdfund_totals
    from crowdfund.models import CrowdfundPage
    from stories.models import StoryPage

    return Baseline(
        totals={
            pk: crowdfund_totals(pk)["total"]
            for pk in CrowdfundPage.objects.values_list("pk", flat=True)
        },
        stories=StoryPage.objects.count(),
    )


def check_writes(out: Outcomes, before: Baseline, supporter_pks) -> dict:
    from django.db.models import Count, F, Q

    from crowdfund.figures import crowdfund_totals
    from crowdfund.models import Donation, LedgerEntry, LedgerKind
    from manifesto.models import Amendment, Vote
    from stories.models import StoryPage

    rows = {}
    # Votes: present once with the last accepted choice; nothing else by these supporters.
    stored = defaultdict(list)
    for voter, amendment, choice in Vote.objects.filter(voter_id__in=supporter_pks).values_list(
        "voter_id", "amendment_id", "choice"
    ):
        stored[(voter, amendment)].append(choice)
    present = sum(1 for key, choice in out.votes.items() if stored.get(key) == [choice])
    doubled = sum(1 for key in out.votes if len(stored.get(key, [])) > 1)
    extra = sum(1 for key in stored if key not in out.votes and key not in out.unsure_votes)
    drifted = (
        Amendment.objects.annotate(
            agree=Count("votes", filter=Q(votes__choice="agree")),
            disagree=Count("votes", filter=Q(votes__choice="disagree")),
            abstain=Count("votes", filter=Q(votes__choice="pass")),
        )
        .exclude(agree_count=F("agree"), disagree_count=F("disagree"), pass_count=F("abstain"))
        .count()
    )
    rows["votes"] = {
        "accepted": len(out.votes),
        "present": present,
        "missing": len(out.votes) - present - doubled,
        "doubled": doubled,
        "extra": extra,
        "counters_off": drifted,
    }
    # Donations: one payment per accepted webhook; totals moved by exactly those gifts.
    payments = Counter(
        LedgerEntry.objects.filter(
            kind=LedgerKind.PAYMENT, donation__reference__in=list(out.donations)
        ).values_list("donation__reference", flat=True)
    )
    references = {str(reference) for reference in out.donations}
    paid_since = LedgerEntry.objects.filter(
        kind=LedgerKind.PAYMENT, donation__name__startswith="Load donor"
    ).values_list("donation__reference", flat=True)
    accepted_by_crowdfund = Counter()
    for reference, pence in out.donations.items():
        crowdfund_id = Donation.objects.only("crowdfund_id").get(reference=reference).crowdfund_id
        accepted_by_crowdfund[crowdfund_id] += pence
    totals_off = sum(
        1
        for pk, total in before.totals.items()
        if crowdfund_totals(pk)["total"] != total + accepted_by_crowdfund[pk]
    )
    counts = {str(reference): number for reference, number in payments.items()}
    rows["donations"] = {
        "accepted": len(references),
        "present": sum(1 for r in references if counts.get(r) == 1),
        "missing": sum(1 for r in references if counts.get(r, 0) == 0),
        "doubled": sum(1 for r in references if counts.get(r, 0) > 1),
        "extra": sum(1 for r in paid_since if str(r) not in references),
        "totals_off": totals_off,
    }
    # Stories: each reference once; no story beyond the accepted submissions.
    found = Counter(
        StoryPage.objects.filter(reference__in=out.stories).values_list("reference", flat=True)
    )
    accepted_stories = len(out.stories) + out.stories_without_reference
    rows["stories"] = {
        "accepted": accepted_stories,
        "present": sum(1 for r in out.stories if found[r] == 1),
        "missing": sum(1 for r in out.stories if found[r] == 0) + out.stories_without_reference,
        "doubled": sum(1 for r in out.stories if found[r] > 1),
        "extra": max(0, StoryPage.objects.count() - before.stories - accepted_stories),
    }
    return rows


# --- the report -------------------------------------------------------------------------
def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def summarise(samples) -> dict:
    latencies = [ms for ms, _ in samples]
    statuses = [status for _, status in samples]
    return {
        "requests": len(samples),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "errors": sum(1 for s in statuses if s == 0 or s >= 500),
        "refused": sum(1 for s in statuses if s == 429),
        "rejected": sum(1 for s in statuses if 400 <= s < 500 and s != 429),
    }


def report(out: Outcomes, seconds: float, writes: dict) -> list[str]:
    """Print the figures; return what failed (nothing when the run is sound)."""
    rows = {kind: summarise(samples) for kind, samples in sorted(out.samples.items())}
    everything = summarise([s for samples in out.samples.values() for s in samples])
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"\nLoad run ({'quick' if QUICK else 'full'}): {VISITORS} visitors, {seconds:.0f}s, "
        f"gunicorn {run.WORKERS_SHOWN} workers, 1 Celery worker; "
        f"{os.cpu_count()} cores, load average now {load}\n"
    )
    header = (
        f"{'kind':<20}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}{'429':>6}{'4xx':>6}"
    )
    print(header)
    print("-" * len(header))
    for kind, row in [*rows.items(), ("all", everything)]:
        print(
            f"{kind:<20}{row['requests']:>10}{row['requests'] / seconds:>9.1f}{row['p50_ms']:>9.1f}"
            f"{row['p99_ms']:>9.1f}{row['errors']:>8}{row['refused']:>6}{row['rejected']:>6}"
        )
    print("\nAnonymous reads by page: " + ", ".join(f"{n} {c}" for n, c in out.reads.most_common()))
    print("\nWrites accepted by the site and found afterwards:")
    for kind, row in writes.items():
        print(f"  {kind:<10}" + "  ".join(f"{k}={v}" for k, v in row.items()))
    for problem, number in out.harness_problems.items():
        print(f"  harness: {problem} ({number}x)")
    print()
    for kind, row in [*rows.items(), ("all", everything)]:
        print(
            f"RESULT load_{kind} rps={row['requests'] / seconds:.1f} p50_ms={row['p50_ms']} "
            f"p99_ms={row['p99_ms']} errors={row['errors']} refused={row['refused']} "
            f"rejected={row['rejected']}"
        )
    total = {
        key: sum(row[key] for row in writes.values())
        for key in ("accepted", "present", "missing", "doubled", "extra")
    }
    print(
        f"RESULT load_writes accepted={total['accepted']} present={total['present']} "
        f"missing={total['missing']} doubled={total['doubled']} extra={total['extra']}"
    )
    failures = [
        f"{everything['errors']} requests failed (5xx or no answer)"
        if everything["errors"]
        else "",
        *(
            f"{kind}: {row[key]} {key}"
            for kind, row in writes.items()
            for key in ("missing", "doubled", "extra", "counters_off", "totals_off")
            if row.get(key)
        ),
        # A kind with nothing accepted proves nothing about it.
        *(f"{kind}: none accepted" for kind, row in writes.items() if row["accepted"] == 0),
        *(f"harness: {problem}" for problem in out.harness_problems),
    ]
    return [failure for failure in failures if failure]


def main():
    # Stopped from outside: still stop the worker, gunicorn and the stand-in.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    for command in (
        ["pg_isready", "-h", "127.0.0.1", "-q"],
        ["redis-cli", "-u", run.REDIS_URL, "ping"],
    ):
        if subprocess.run(command, capture_output=True).returncode != 0:
            raise SystemExit(f"{command[0]}: the service is not answering; start it first")
    standin = fake_stripe.StripeStandIn().start()
    env = load_env(standin)
    prepare_database(env)
    os.environ.update(env)
    import django

    django.setup()
    log(f"adding {SUPPORTERS} verified supporters, signed in")
    supporters = add_supporters(SUPPORTERS)
    raise_story_rate_per_address()
    plan = build_plan(supporters)
    before = baseline()
    from django.db import connection

    connection.close()  # the crowd runs for minutes; reconnect for the checks
    worker = run.start_celery_worker(env)
    try:
        with run.gunicorn("cms.wsgi:application", env, ROOT):
            out, seconds = run_crowd(plan, standin)
        log("draining the worker")
        drain()
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        standin.stop()
    failures = report(out, seconds, check_writes(out, before, [pk for pk, _ in supporters]))
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    if failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
