"""The page benchmark: our pages beside the stack's own limits, measured in one run.

    make bench                  # full run
    BENCH_QUICK=1 make bench    # a few minutes, smaller data

It needs PostgreSQL and Redis on 127.0.0.1 (BENCH_DATABASE_URL, BENCH_REDIS_URL
override) and `wrk` (Debian package). It serves, one after another, under the same
gunicorn settings:
  1. a bare Django view returning "ok" (the stack limit),
  2. a fresh `wagtail start` site's home page, uncached, persistent connections,
  3. each of our page types, anonymous, with the page cache on and then off (bench/data.py
     first loads benchmark-size content: hundreds of posts, papers, events and stories,
     thousands of donations, and the manifesto at 10,000 amendments and 1,000,000 votes),
  4. voting and donating under concurrency, through the same gunicorn:
     - `vote`: 32 signed-in supporters, one wrk connection each, POST real votes (with
       their session cookie and CSRF token) to amendments of the benchmark manifesto; the
       stored votes and counters are then checked against what the answered requests said;
     - `donate`: 32 connections POST the donate form; each creates a donation and a
       Checkout Session at the local Stripe stand-in (crowdfund/fake_stripe.py) and is sent
       on with a 303; then `donate_webhook`: every session's signed
       checkout.session.completed event (plus 20% duplicate deliveries, shuffled) is posted
       to the webhook endpoint and a real Celery worker applies them; every donation must
       end paid with exactly one ledger entry,
  5. the edge: a real varnishd with deploy/varnish/default.vcl in front of the same
     gunicorn (page cache on, the app purging Varnish as EDGE_CACHE_URL sets up):
     - `edge_<page>`: each cached page type answered by Varnish;
     - `edge_home_cachebuster`: the home page with a new `?v=<n>` on every request, so
       Varnish never has it and the site's own page cache answers (what is left of its job
       behind an edge);
     - `edge_publish_to_visible`: the time from a publish (the call, in another process) to
       its new title answered by Varnish,
and prints requests/s, p50, p99, SQL queries per request and the ratios to (1) and (2),
then one machine-readable RESULT line per measurement.

Rate limits in the run: every client here comes from 127.0.0.1, so the per-address donate
limit (CROWDFUND_DONATE_RATE, 10/h in production) is raised to 1000000/h for the run; the
limit is still checked (a Redis increment) on every donation, so its cost is measured.
Voting has no request rate limit (a manifesto may cap new votes per supporter per day with
votes_per_day; the benchmark manifesto leaves it empty, as the default is). Email goes to
Django's dummy backend. Nothing here talks to Stripe.
"""

import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support import stripe_standin as fake_stripe  # noqa: E402  (no Django here)

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
QUICK = os.environ.get("BENCH_QUICK") == "1"
DURATION = int(os.environ.get("BENCH_SECONDS", "3" if QUICK else "12"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
# gunicorn's processes: gunicorn.conf.py's (one per core) unless BENCH_WORKERS is set.
WORKERS = os.environ.get("BENCH_WORKERS", "")
WORKERS_SHOWN = WORKERS or f"{len(os.sched_getaffinity(0))} (one per core)"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hub_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
PORT = int(os.environ.get("BENCH_PORT", "8790"))
# Varnish's port in front of gunicorn, for the edge measurements.
EDGE_PORT = int(os.environ.get("BENCH_EDGE_PORT", str(PORT + 1)))
VOTERS = 32
# While tuning one page: BENCH_ONLY=manifesto_uncached,vote measures just those (a page name
# alone means cached and uncached) beside the two baselines, and BENCH_REUSE_DATA=1 keeps the
# database an earlier run loaded instead of loading it again.
ONLY = {name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()}
REUSE_DATA = os.environ.get("BENCH_REUSE_DATA") == "1"
WEBHOOK_SECRET = fake_stripe.WEBHOOK_SECRET
STRIPE = fake_stripe.StripeStandIn()


def log(message):
    print(message, file=sys.stderr, flush=True)


def require_tools():
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    for command in (
        ["pg_isready", "-h", "127.0.0.1", "-q"],
        ["redis-cli", "-u", REDIS_URL, "ping"],
    ):
        if subprocess.run(command, capture_output=True).returncode != 0:
            raise SystemExit(f"{command[0]}: the service is not answering; start it first")


def recreate_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def site_env(page_cache: bool) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "cms.settings.production",
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "PAGE_CACHE_SECONDS": "600" if page_cache else "0",
            "LOG_LEVEL": "ERROR",
            # Donations: Checkout Sessions at the local stand-in, webhooks signed with this.
            "STRIPE_SECRET_KEY": "sk_test_benchmark_only",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": STRIPE.base_url,
            # All benchmark clients share one address: see the module docstring.
            "CROWDFUND_DONATE_RATE": "1000000/h",
            "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        }
    )
    return env


def manage(env, *args):
    subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def prepare_site():
    log("preparing the site: database, migrations, demo and benchmark data, static files")
    recreate_database(DATABASE_URL)
    subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], check=True, capture_output=True)
    env = site_env(page_cache=True)
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    data = ROOT / "bench" / "data.py"
    if data.exists():
        subprocess.run(
            [PYTHON, str(data)],
            cwd=ROOT,
            env={**env, "BENCH_QUICK": "1" if QUICK else "0"},
            stdout=sys.stderr,  # progress; stdout keeps only the table and RESULT lines
            check=True,
        )
    manage(env, "collectstatic", "--noinput")


@contextlib.contextmanager
def gunicorn(app: str, env: dict, chdir: Path):
    command = [
        str(BIN / "gunicorn"),
        app,
        "--chdir",
        str(chdir),
        "--bind",
        f"127.0.0.1:{PORT}",
        *(["--workers", WORKERS] if WORKERS else []),
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", PORT)) == 0:
            raise SystemExit(f"port {PORT} is in use: set BENCH_PORT to a free one")
    process = subprocess.Popen(command, env=env, start_new_session=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if process.poll() is not None:
                # It could not start (the port taken?): never measure another server.
                raise SystemExit(f"gunicorn {app} exited with {process.returncode}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/robots.txt", timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.3)
        else:
            raise SystemExit(f"gunicorn {app} did not start")
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def start_celery_worker(env: dict, concurrency: int = 2) -> subprocess.Popen:
    """A real Celery worker on the environment's broker (stop it with terminate())."""
    return subprocess.Popen(
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "cms",
            "worker",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
# wrk gives up on a request after 2 s by default and leaves it out of the figures: a slow
# page would then show no latency at all. Wait for every answer instead.
TIMEOUT = ["--timeout", "60s"]


def parse_wrk(output: str) -> dict:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))

    def percentile(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        return round(float(match.group(1)) * UNITS[match.group(2)], 2)

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    timeouts = re.search(r"Socket errors: .*timeout (\d+)", output)
    return {
        "rps": round(rps, 1),
        "p50_ms": percentile(50),
        "p99_ms": percentile(99),
        "errors": (int(errors.group(1)) if errors else 0)
        + (int(timeouts.group(1)) if timeouts else 0),
    }


# What every browser says it accepts; the edge keeps text compressed and sends it so.
BROWSER_HEADERS = ["-H", "Accept-Encoding: gzip, deflate, br, zstd"]


def wrk(path: str, port: int = PORT) -> dict:
    url = f"http://127.0.0.1:{port}{path}"
    # Warm up: fill caches and open persistent connections before measuring.
    subprocess.run(["wrk", "-t2", "-c4", "-d1s", *BROWSER_HEADERS, url], capture_output=True)
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency", *TIMEOUT]
        + [*BROWSER_HEADERS, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(output)


def wrk_script(path: str, script: str, connections: int, port: int = PORT) -> tuple[dict, str]:
    """wrk with a Lua script, one thread per connection (so each has its own state)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        output = subprocess.run(
            [
                "wrk",
                f"-t{connections}",
                f"-c{connections}",
                f"-d{DURATION}s",
                "--latency",
                *TIMEOUT,  # a request given up on might still be applied: never give up
                "-s",
                handle.name,
                f"http://127.0.0.1:{port}{path}",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(handle.name)
    if output.stderr.strip():  # a Lua error: wrk would otherwise go on without the script
        raise SystemExit(f"wrk script failed: {output.stderr.strip()}")
    return parse_wrk(output.stdout), output.stdout


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string of ASCII is a valid Lua string


def csrf_token(path: str, cookie: str = "") -> str:
    """The CSRF cookie the site sets on a page with a form, as a browser would get it."""
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}")
    if cookie:
        request.add_header("Cookie", cookie)
    with urllib.request.urlopen(request, timeout=30) as response:
        for header in response.headers.get_all("Set-Cookie") or []:
            match = re.match(r"csrftoken=([A-Za-z0-9]+)", header)
            if match:
                return match.group(1)
    raise SystemExit(f"{path} set no CSRF cookie")


def db(sql: str, params=()) -> list:
    with psycopg.connect(DATABASE_URL) as connection:
        return connection.execute(sql, params).fetchall()


# Each wrk thread is one voter (one connection). Request k of voter i votes on amendment
# number (i + k) mod M with choice k mod 3, so neighbouring voters keep meeting on the same
# amendments (their row locks and counters are contended) and every vote is a new one. The
# counts of requests sent and answered are printed per voter for the check afterwards.
VOTE_LUA = r"""
local voters = {%(voters)s}
local amendments = {%(amendments)s}
local vote_prefix, vote_suffix = %(vote_prefix)s, %(vote_suffix)s
local choices = {"agree", "disagree", "pass"}
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
  table.insert(threads, thread)
end

function init(args)
  me = voters[index]
  sent, ok, failed = 0, 0, 0
  headers = {
    ["Cookie"] = me.cookie,
    ["X-CSRFToken"] = me.csrf,
    ["Accept"] = "application/json",
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
end

function request()
  local k = sent
  sent = sent + 1
  local amendment = amendments[((index - 1 + k) %% #amendments) + 1]
  local choice = choices[(k %% 3) + 1]
  return wrk.format("POST", vote_prefix .. amendment .. vote_suffix, headers, "choice=" .. choice)
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else failed = failed + 1 end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    io.write(string.format("VOTER %%d sent=%%d ok=%%d failed=%%d\n", thread:get("index"),
      thread:get("sent"), thread:get("ok"), thread:get("failed")))
  end
end
"""


def planned_votes(index: int, count: int, amendments: list) -> dict:
    """The (amendment -> choice) of a voter's first `count` requests (all new votes)."""
    return {
        amendments[(index - 1 + k) % len(amendments)]: ["agree", "disagree", "pass"][k % 3]
        for k in range(count)
    }


def measure_vote(env, before_voting=None) -> dict:
    """Votes through the running site, checked afterwards; `before_voting()` is called once
    the voters are signed in and hold their CSRF tokens, just before the first vote."""
    log(f"measuring voting: {VOTERS} signed-in supporters voting at once")
    plan = pages_helper(env, "actions")
    voters = plan["voters"][:VOTERS]
    amendments = plan["amendments"]
    if len(voters) < VOTERS or len(amendments) < VOTERS:
        raise SystemExit("bench/data.py made too few voters or amendments")
    for voter in voters:
        session = f"{plan['session_cookie']}={voter['session']}"
        voter["csrf"] = csrf_token(f"{plan['page_url']}amendment/{amendments[0]}/", session)
        voter["cookie"] = f"{session}; {plan['csrf_cookie']}={voter['csrf']}"
    script = VOTE_LUA % {
        "voters": ",".join(
            f"{{cookie={lua_string(v['cookie'])}, csrf={lua_string(v['csrf'])}}}" for v in voters
        ),
        "amendments": ",".join(str(a) for a in amendments),
        "vote_prefix": lua_string(plan["vote_url"].split("{}")[0]),
        "vote_suffix": lua_string(plan["vote_url"].split("{}")[1]),
    }
    voted_before = {
        voter["id"]: dict(
            db(
                "SELECT amendment_id, choice FROM manifesto_vote WHERE voter_id = %s",
                [voter["id"]],
            )
        )
        for voter in voters
    }
    if before_voting is not None:
        before_voting()
    result, output = wrk_script(plan["page_url"], script, VOTERS)
    counts = {
        int(m.group(1)): (int(m.group(2)), int(m.group(3)), int(m.group(4)))
        for m in re.finditer(r"^VOTER (\d+) sent=(\d+) ok=(\d+) failed=(\d+)$", output, re.M)
    }
    # None lost: each voter has at least as many new votes stored as requests answered (a
    # request still in flight when wrk stopped may or may not have been applied), each one
    # a vote they sent, with the choice they sent. None doubled: the counters of every
    # amendment equal a recount of its votes (and a voter has one row per amendment).
    lost = 0
    for index, voter in enumerate(voters, start=1):
        sent, ok, failed = counts[index]
        if sent > len(amendments):
            raise SystemExit("more votes per voter than amendments: load more (bench/data.py)")
        before = voted_before[voter["id"]]
        stored = db(
            "SELECT amendment_id, choice FROM manifesto_vote WHERE voter_id = %s",
            [voter["id"]],
        )
        new = {a: c for a, c in stored if a not in before}
        planned = planned_votes(index, sent, amendments)
        if failed or not ok <= len(new) <= sent or any(planned.get(a) != c for a, c in new.items()):
            lost += 1
            log(f"  voter {index}: sent {sent}, answered {ok}, refused {failed}; new {new}")
    mismatched = db(
        """
        SELECT a.id FROM manifesto_amendment a
        LEFT JOIN (SELECT amendment_id,
                     count(*) FILTER (WHERE choice = 'agree') AS agree,
                     count(*) FILTER (WHERE choice = 'disagree') AS disagree,
                     count(*) FILTER (WHERE choice = 'pass') AS pass
                   FROM manifesto_vote WHERE amendment_id = ANY(%s) GROUP BY amendment_id) v
          ON v.amendment_id = a.id
        WHERE a.id = ANY(%s) AND (a.agree_count, a.disagree_count, a.pass_count)
          IS DISTINCT FROM (coalesce(v.agree, 0), coalesce(v.disagree, 0), coalesce(v.pass, 0))
        """,
        [amendments, amendments],
    )
    doubled = len(mismatched)
    answered = sum(ok for _, ok, _ in counts.values())
    in_flight = sum(sent - ok for sent, ok, _ in counts.values())
    failed = sum(f for _, _, f in counts.values())
    log(
        f"  {answered:,} votes answered ({failed} refused, {in_flight} unanswered when wrk "
        f"stopped); voters whose stored votes differ from what they were told: {lost}; "
        f"amendments whose counters differ from a recount: {doubled}"
    )
    if lost or doubled or failed:
        raise SystemExit("voting lost, refused or doubled votes: see above")
    return {**result, "name": "vote", "path": "(POST vote)", "queries": None, "status": 200}


# Each wrk thread is one donor's browser: it POSTs the donate form again and again with its
# CSRF cookie; each answer is a 303 to the stand-in's Checkout page.
DONATE_LUA = r"""
local cookie = %(cookie)s
local token = %(token)s
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
  table.insert(threads, thread)
end

function init(args)
  sent, redirected, other = 0, 0, 0
  headers = {["Cookie"] = cookie, ["Content-Type"] = "application/x-www-form-urlencoded"}
end

function request()
  sent = sent + 1
  local body = "csrfmiddlewaretoken=" .. token .. "&amount=" .. (5 + sent %% 20)
    .. "&frequency=one_off&name=Bench+Web+Donor+" .. index .. "-" .. sent
    .. "&email=web" .. index .. "-" .. sent .. "%%40donors.bench.example&show_name=on"
  return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
  if status == 303 then redirected = redirected + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    io.write(string.format("DONOR %%d sent=%%d redirected=%%d other=%%d\n",
      thread:get("index"), thread:get("sent"), thread:get("redirected"), thread:get("other")))
  end
end
"""


def post_webhooks(bodies: list[str], threads: int = 8) -> dict:
    """POST each signed body (as Stripe does, several at once); rate and latencies."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor

    def deliver(share):
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        times = []
        for body in share:
            header = fake_stripe.stripe.WebhookSignature.generate_signature_header(
                body, WEBHOOK_SECRET
            )
            start = time.perf_counter()
            connection.request(
                "POST",
                "/crowdfund/stripe/webhook/",
                body=body,
                headers={"Content-Type": "application/json", "Stripe-Signature": header},
            )
            response = connection.getresponse()
            response.read()
            times.append(time.perf_counter() - start)
            if response.status != 200:
                raise SystemExit(f"the webhook endpoint answered {response.status}")
        connection.close()
        return times

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        times = sorted(
            t
            for share in pool.map(deliver, [bodies[n::threads] for n in range(threads)])
            for t in share
        )
    seconds = time.perf_counter() - started
    return {
        "rps": round(len(bodies) / seconds, 1),
        "p50_ms": round(times[len(times) // 2] * 1000, 2),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))] * 1000, 2),
        "errors": 0,
    }


@contextlib.contextmanager
def celery_worker(env):
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "cms",
            "worker",
            "--concurrency",
            "2",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def measure_donate(env) -> list[dict]:
    plan = pages_helper(env, "actions")
    crowdfund_id, path = plan["crowdfund_id"], plan["crowdfund_url"] + "donate/"
    log(f"measuring donating: {CONNECTIONS} donors at once, then the signed webhooks")
    (total_before, last_entry_before) = db(
        "SELECT coalesce(sum(amount_pence), 0), coalesce(max(id), 0) FROM crowdfund_ledgerentry"
        " WHERE crowdfund_id = %s",
        [crowdfund_id],
    )[0]
    token = csrf_token(path)
    script = DONATE_LUA % {
        "cookie": lua_string(f"csrftoken={token}"),
        "token": lua_string(token),
    }
    sessions_before = set(STRIPE.sessions)
    result, output = wrk_script(path, script, CONNECTIONS)
    counts = [
        tuple(int(g) for g in m.groups())
        for m in re.finditer(r"^DONOR \d+ sent=(\d+) redirected=(\d+) other=(\d+)$", output, re.M)
    ]
    redirected = sum(c[1] for c in counts)
    other = sum(c[2] for c in counts)
    sessions = [STRIPE.sessions[key] for key in STRIPE.sessions if key not in sessions_before]
    rows = [{**result, "name": "donate", "path": path + " (POST)", "queries": None, "status": 303}]

    # Stripe's side: every session paid, its event delivered once, a fifth of them twice.
    rng = random.Random(7)
    events = [
        json.dumps(
            fake_stripe.event(
                "checkout.session.completed",
                {**session, "status": "complete", "payment_status": "paid"},
            )
        )
        for session in sessions
    ]
    deliveries = events + rng.sample(events, len(events) // 5)
    rng.shuffle(deliveries)
    ids = [s["id"] for s in sessions]
    with celery_worker(env):
        webhook = post_webhooks(deliveries)
        deadline = time.time() + 300
        while time.time() < deadline:
            # This run's events only: a database kept from an earlier run (BENCH_REUSE_DATA)
            # may hold events no worker was there to apply.
            (pending,) = db(
                "SELECT count(*) FROM crowdfund_webhookevent WHERE applied_at IS NULL"
                " AND payload->'data'->'object'->>'id' = ANY(%s)",
                [ids],
            )[0]
            if not pending:
                break
            time.sleep(0.5)
    rows.append(
        {
            **webhook,
            "name": "donate_webhook",
            "path": "/crowdfund/stripe/webhook/",
            "queries": None,
            "status": 200,
        }
    )
    (donations, paid, entries, one_entry_each, money) = db(
        """
        SELECT count(*), count(*) FILTER (WHERE d.status = 'paid'),
               coalesce(sum(e.n), 0), count(*) FILTER (WHERE e.n = 1 AND e.total = d.amount_pence),
               coalesce(sum(d.amount_pence), 0)
        FROM crowdfund_donation d
        LEFT JOIN (SELECT donation_id, count(*) AS n, sum(amount_pence) AS total
                   FROM crowdfund_ledgerentry GROUP BY donation_id) e ON e.donation_id = d.id
        WHERE d.stripe_checkout_session_id = ANY(%s)
        """,
        [ids],
    )[0]
    (total_after,) = db(
        "SELECT coalesce(sum(amount_pence), 0) FROM crowdfund_ledgerentry WHERE crowdfund_id = %s",
        [crowdfund_id],
    )[0]
    # A database kept from an earlier run (BENCH_REUSE_DATA) may hold that run's last events,
    # applied now by this run's worker: their money is counted apart, and each such donation
    # must still have exactly one entry (applied once, never twice).
    (earlier_money, earlier_doubled) = db(
        """
        SELECT coalesce(sum(e.amount_pence), 0),
               count(*) FILTER (WHERE (SELECT count(*) FROM crowdfund_ledgerentry o
                                       WHERE o.donation_id = e.donation_id) <> 1)
        FROM crowdfund_ledgerentry e JOIN crowdfund_donation d ON d.id = e.donation_id
        WHERE e.crowdfund_id = %s AND e.id > %s
          AND NOT d.stripe_checkout_session_id = ANY(%s)
        """,
        [crowdfund_id, last_entry_before, ids],
    )[0]
    log(
        f"  {redirected:,} donations sent to Checkout ({other} other answers), "
        f"{len(sessions):,} sessions at the stand-in, {donations:,} donations with a session; "
        f"{len(deliveries):,} webhook deliveries ({len(deliveries) - len(events)} duplicates): "
        f"{paid:,} paid, {entries:,} ledger entries, {one_entry_each:,} with exactly one of "
        f"the right amount; total moved by {total_after - total_before - earlier_money:,} "
        f"pence (expected {money:,})"
        + (f", and {earlier_money:,} by an earlier run's last events" if earlier_money else "")
    )
    in_flight = len(sessions) - redirected
    if (
        other
        or not 0 <= in_flight <= CONNECTIONS
        or donations != len(sessions)
        or paid != donations
        or entries != donations
        or one_entry_each != donations
        or total_after - total_before - earlier_money != money
        or earlier_doubled
    ):
        raise SystemExit("donating lost or doubled money: see above")
    return rows


def pages_helper(env, *args) -> dict:
    output = subprocess.run(
        [PYTHON, "bench/pages.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def measure_django_ok() -> dict:
    log("measuring the bare Django view")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "bench")}
    with gunicorn("ok_project:application", env, ROOT / "bench"):
        return wrk("/")


def measure_wagtail_default() -> dict:
    log("measuring a fresh `wagtail start` site (uncached, persistent connections)")
    folder = Path(tempfile.mkdtemp(prefix="wagtail-start-"))
    try:
        subprocess.run(
            [str(BIN / "wagtail"), "start", "benchsite", str(folder)],
            check=True,
            capture_output=True,
        )
        database = DATABASE_URL + "_wagtail"
        recreate_database(database)
        (folder / "bench_settings.py").write_text(
            "from benchsite.settings.production import *  # noqa\n"
            "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql',"
            f" 'NAME': '{database.rsplit('/', 1)[1]}', 'USER': 'postgres', 'HOST': '127.0.0.1',"
            " 'PORT': 5432, 'CONN_MAX_AGE': 600, 'CONN_HEALTH_CHECKS': True}}\n"
            "SECRET_KEY = 'bench-only'\nALLOWED_HOSTS = ['*']\nDEBUG = False\n"
        )
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench_settings", "PYTHONPATH": str(folder)}
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput"],
            cwd=folder,
            env=env,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--noinput"],
            cwd=folder,
            env=env,
            check=True,
            capture_output=True,
        )
        with gunicorn("benchsite.wsgi:application", env, folder):
            return wrk("/")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def wanted(name: str, suffix: str = "") -> bool:
    return not ONLY or name in ONLY or f"{name}_{suffix}" in ONLY


# Every request a new address Varnish has never seen: `?v=<thread>-<n>` (a parameter no page
# reads, so the site's page cache answers it from the plain page's entry).
CACHEBUSTER_LUA = r"""
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
end
function init(args)
  sent = 0
end
function request()
  sent = sent + 1
  return wrk.format("GET", wrk.path .. "?v=" .. index .. "-" .. sent)
end
"""


def measure_edge(urls: dict, env: dict) -> list[dict]:
    """Each cached page through Varnish, a cache-buster flood, and a publish's way through."""
    from tests.edge.varnish import varnish, varnishd_path

    if varnishd_path() is None:
        log("varnishd is not installed (apt-get install varnish): no edge measurements")
        return []
    rows = []
    with tempfile.TemporaryDirectory() as folder, varnish(PORT, Path(folder), port=EDGE_PORT):
        log("measuring our pages through Varnish")
        for name, path in urls.items():
            result = wrk(path, EDGE_PORT)
            result.update(name=f"edge_{name}", path=path, queries=0, status=200)
            rows.append(result)
        if "home" in urls:
            result, _output = wrk_script(urls["home"], CACHEBUSTER_LUA, 4, port=EDGE_PORT)
            result.update(name="edge_home_cachebuster", path=urls["home"] + "?v=<n>")
            rows.append({**result, "queries": 0, "status": 200})
        publish = measure_publish_to_visible(env, urls)
        if publish is not None:
            rows.append(publish)
    return rows


def measure_publish_to_visible(env: dict, urls: dict) -> dict | None:
    """Publish a page in another process (as an editor would) and time its new title's
    arrival through Varnish, from the moment the publish call returned (the change
    committed, the app's cache and the edge purged); three times. The publish call's own
    time (Wagtail's revision, log and search index work) is logged beside it."""
    path = urls.get("blog_post") or urls.get("paper") or urls.get("home")
    if path is None:
        return None
    url = f"http://127.0.0.1:{EDGE_PORT}{path}"
    times, calls, polls, renders = [], [], [], []
    for attempt in range(3):
        urllib.request.urlopen(url, timeout=30).read()  # kept by Varnish
        marker = f"Edge-{os.getpid()}-{attempt}-{random.randrange(10**9)}"
        helper = subprocess.Popen(
            [PYTHON, "bench/pages.py", "publish", path, marker],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        # Read the answer as soon as it is printed: the helper's own exit (a second or
        # two on a busy machine) is no part of the publish.
        line = ""
        while not line.startswith("{"):
            line = helper.stdout.readline()
            if not line:
                raise SystemExit("bench/pages.py publish printed no answer")
        published = json.loads(line)
        calls.append((published["published"] - published["started"]) * 1000)
        asked = 0
        while True:
            asked += 1
            sent = time.time()
            body = urllib.request.urlopen(url, timeout=30).read().decode()
            if marker in body:
                times.append((time.time() - published["published"]) * 1000)
                renders.append((time.time() - sent) * 1000)
                polls.append(asked)
                break
            if time.time() - published["published"] > 60:
                raise SystemExit(f"a publish of {path} did not show through Varnish in 60 s")
            time.sleep(0.01)
        helper.stdout.read()
        if helper.wait() != 0:
            raise SystemExit("bench/pages.py publish failed")

    def listed(values):
        return ", ".join(f"{value:.0f}" for value in values)

    # When the first request after the publish already shows it, the time is that one
    # request's: Varnish fetching the page and the site rendering it afresh.
    log(
        f"  publish to visible through Varnish: {listed(times)} ms after the publish call "
        f"returned (requests until visible: {listed(polls)}; the last one took "
        f"{listed(renders)} ms; the publish call itself: {listed(calls)} ms)"
    )
    return {
        "name": "edge_publish_to_visible",
        "path": path,
        "rps": 0.0,
        "p50_ms": round(sorted(times)[1], 1),
        "p99_ms": round(max(times), 1),
        "errors": 0,
        "queries": None,
        "status": 200,
        "best_ms": round(min(times), 1),
        "publish_call_ms": round(sorted(calls)[1], 1),
    }


def measure_site(urls: dict) -> list[dict]:
    rows = []
    for cached in (True, False):
        suffix = "cached" if cached else "uncached"
        chosen = {name: path for name, path in urls.items() if wanted(name, suffix)}
        actions = [name for name in ("vote", "donate") if not cached and wanted(name)]
        if not chosen and not actions:
            continue
        env = site_env(page_cache=cached)
        if cached:
            # The app purges the Varnish measure_edge starts in front of this gunicorn.
            env["EDGE_CACHE_URL"] = f"http://127.0.0.1:{EDGE_PORT}"
        subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], check=True, capture_output=True)
        queries = pages_helper(env, "queries", *chosen.values()) if chosen else {}
        log(f"measuring our pages, {suffix}")
        with gunicorn("cms.wsgi:application", env, ROOT):
            for name, path in chosen.items():
                result = wrk(path)
                result.update(
                    name=f"{name}_{suffix}",
                    path=path,
                    queries=queries[path]["queries"],
                    status=queries[path]["status"],
                )
                rows.append(result)
            edge = {
                name: path
                for name, path in urls.items()
                if wanted(name, "cached") or wanted("edge_" + name)
            }
            if cached and edge:
                rows += measure_edge(edge, env)
            if actions:
                measured = [measure_vote(env)] if "vote" in actions else []
                if "donate" in actions:
                    measured += measure_donate(env)
                # Counted after the checks: the donation it makes must not enter their sums.
                counted = pages_helper(env, "action-queries")
                for row in measured:
                    row["queries"] = counted[row["name"]]["queries"]
                    rows.append(row)
    return rows


def main():
    require_tools()
    STRIPE.start()
    if REUSE_DATA:
        log(f"reusing the data already in {DATABASE_URL.rsplit('/', 1)[1]} (BENCH_REUSE_DATA=1)")
    else:
        prepare_site()
    urls = pages_helper(site_env(page_cache=False), "urls")
    baseline_django = measure_django_ok()
    baseline_wagtail = measure_wagtail_default()
    rows = [
        {**baseline_django, "name": "django_ok", "path": "/", "queries": 0, "status": 200},
        {
            **baseline_wagtail,
            "name": "wagtail_default",
            "path": "/",
            "queries": None,
            "status": 200,
        },
        *measure_site(urls),
    ]
    print(
        f"\nPage benchmark ({'quick' if QUICK else 'full'}): wrk {CONNECTIONS} connections, "
        f"{DURATION}s each, gunicorn {WORKERS_SHOWN} workers\n"
    )
    header = (
        f"{'name':<28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'queries':>9}"
        f"{'vs django':>11}{'vs wagtail':>12}{'errors':>8}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        row["vs_django"] = round(row["rps"] / baseline_django["rps"], 3)
        row["vs_wagtail"] = round(row["rps"] / baseline_wagtail["rps"], 3)
        queries = "-" if row["queries"] is None else row["queries"]
        print(
            f"{row['name']:<28}{row['rps']:>9.1f}{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}"
            f"{queries:>9}{row['vs_django']:>11.3f}{row['vs_wagtail']:>12.3f}{row['errors']:>8}"
        )
    print()
    for row in rows:
        queries = -1 if row["queries"] is None else row["queries"]
        extra = "".join(
            f" {name}={row[name]}" for name in ("best_ms", "publish_call_ms") if name in row
        )
        print(
            f"RESULT {row['name']} rps={row['rps']} p50_ms={row['p50_ms']} p99_ms={row['p99_ms']} "
            f"queries={queries} vs_django={row['vs_django']} vs_wagtail={row['vs_wagtail']}{extra}"
        )


if __name__ == "__main__":
    main()
