"""PostgreSQL restarted under traffic: requests fail cleanly, the same server recovers.

The shared PostgreSQL is never touched: a private cluster is made with `initdb` in a
temporary folder (its own port and socket folder) and the site runs against it as a
real gunicorn server with the production settings (persistent connections with health
checks, DEBUG off). Threads read pages and write (replies by a signed-in supporter,
signed Stripe webhooks completing donations) while PostgreSQL is stopped, left down
for a moment, and started again. Then:

- every answer during the outage is the project's error page (503, Retry-After, no
  traceback), given quickly: nothing hangs; except a page read wholly from the shared
  caches (the home page), which still serves;
- every request sent after PostgreSQL is back succeeds, served by the same gunicorn
  worker processes (nobody restarted the site);
- every write that was confirmed is stored exactly once, and once Stripe redelivers
  the webhooks that failed (as it does), the crowdfund total is exact.

Skipped when PostgreSQL's server binaries (Debian's postgresql package) are missing.
A second test needs no server: a database host that never answers gets the same 503
page once DATABASE_CONNECT_TIMEOUT has passed, instead of hanging the request.
"""

import contextlib
import glob
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support import stripe_standin as fake_stripe
from tests.support.stripe_standin import WEBHOOK_SECRET
from tests.support.template_db import migrated_template_url

ROOT = Path(__file__).resolve().parents[2]
SESSION_COOKIE = "sessionid"
CSRF_TOKEN = "restarttest" + "x" * 21  # 32 characters: Django accepts an unmasked secret
CLIENT_TIMEOUT = 10.0
OUTAGE_SECONDS = 2.0
DONATIONS = 400
GIFT_PENCE = 1_500


def postgres_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian keeps them off PATH)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parent.parent.name.split(".")[0]),
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateCluster:
    """A throwaway PostgreSQL cluster: trust auth, 127.0.0.1 and a free port only."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.port = free_port()
        # Not under pytest's tmp folders: those are private to root, and the server
        # runs as the postgres user when the tests run as root.
        self.folder = Path(tempfile.mkdtemp(prefix="hub-private-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.run_as = None
        if os.geteuid() == 0:
            self.run_as = "postgres"
            owner = pwd.getpwnam(self.run_as)
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)

    def command(self, tool: str, *args) -> list[str]:
        argv = [str(self.bin_dir / tool), *args]
        return ["runuser", "-u", self.run_as, "--", *argv] if self.run_as else argv

    def run(self, tool: str, *args, timeout=60):
        subprocess.run(
            self.command(tool, *args),
            check=True,
            timeout=timeout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def init(self):
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        return self

    def start(self):
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} "
            "-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        )
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode="fast"):
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def load_from(self, source_url: str, database="hub"):
        """Copy a database from another server into this one (pg_dump piped to psql)."""
        dump = subprocess.Popen(
            [str(self.bin_dir / "pg_dump"), "--no-owner", "--no-privileges", source_url],
            stdout=subprocess.PIPE,
        )
        subprocess.run(
            [str(self.bin_dir / "psql"), "-q", "-v", "ON_ERROR_STOP=1", self.url(database)],
            stdin=dump.stdout,
            stdout=subprocess.DEVNULL,
            check=True,
            timeout=120,
        )
        dump.stdout.close()
        assert dump.wait(timeout=60) == 0, "pg_dump failed"

    def url(self, database="postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str, *params, database="hub"):
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as connection:
            cursor = connection.execute(sql, params or None)
            return cursor.fetchall() if cursor.description else []

    query = execute

    def remove(self):
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.stop(mode="immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def private_postgres():
    bin_dir = postgres_bin_dir()
    if bin_dir is None or not (bin_dir / "pg_ctl").exists():
        pytest.skip("needs PostgreSQL's server binaries: apt-get install postgresql")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root needs a postgres user to run the private server")
    cluster = PrivateCluster(bin_dir)
    try:
        cluster.init().start()
        cluster.execute("CREATE DATABASE hub", database="postgres")
        # The suite's migrated template when there is one (PostgreSQL runs): the site's
        # `migrate` below then has nothing left to do.
        template = migrated_template_url()
        if template:
            cluster.load_from(template)
        yield cluster
    finally:
        cluster.remove()


# What the site needs: its tables, a supporter with a session, a blog post to reply to, a
# crowdfund with donations waiting for their payment. One `manage.py shell` does it all.
SETUP = """
import json
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.test import Client
from wagtail.rich_text import RichText
from cms.models import BlogIndexPage, BlogPostPage, HomePage, User
from cms.roles import SUPPORTERS
from crowdfund.models import CrowdfundPage, Donation

home = HomePage.objects.get()
def publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page.__class__.objects.get(pk=page.pk)
blog = publish(home, BlogIndexPage(title="Blog", slug="blog"))
post = publish(blog, BlogPostPage(
    title="Why we stand aside", slug="why-we-stand-aside", intro="An intro.",
    body=[("paragraph", RichText("<p>A body.</p>"))]))
crowdfund = publish(home, CrowdfundPage(title="Build the hub", slug="build-the-hub",
    target_pence=500_000))
user = User.objects.create_user(email="sam@example.com", password="x-" * 10, display_name="Sam")
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
user.groups.add(Group.objects.get(name=SUPPORTERS))
client = Client()
client.force_login(user, backend="cms.auth_backends.ModelBackend")
references = [
    str(Donation.objects.create(crowdfund=crowdfund, amount_pence=%(gift)d, name=f"Donor {n}",
        email=f"donor{n}@example.com", method="card", frequency="one_off").reference)
    for n in range(%(donations)d)
]
print("SETUP " + json.dumps({
    "post": post.url, "blog": blog.url, "crowdfund": crowdfund.url,
    "session": client.cookies["sessionid"].value, "references": references,
}))
""" % {"gift": GIFT_PENCE, "donations": DONATIONS}  # noqa: UP031 - a script, not a message


@dataclass
class Site:
    base_url: str
    process: subprocess.Popen
    log: Path
    env: dict
    post: str
    blog: str
    crowdfund: str
    session: str
    references: list = field(default_factory=list)

    def worker_pids(self) -> set[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(pid) for pid in children.read_text().split()}

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def manage(self, *args) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}"
        return done.stdout


def site_environment(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.faults.postgres_site_settings",
            "DATABASE_URL": database_url,
            "CONN_MAX_AGE": "600",
            "SECRET_KEY": "restart-test-only-" + secrets.token_hex(24),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "SECURE_HSTS_SECONDS": "0",
            # Every read goes to the database: the point is what happens when it is gone.
            "PAGE_CACHE_SECONDS": "0",
            "REPLY_RATE": "100000/h",
            "STRIPE_SECRET_KEY": "sk_test_restart",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": "http://127.0.0.1:9",
            "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "LOG_LEVEL": "CRITICAL",
        }
    )
    return env


@pytest.fixture(scope="session")
def site_on_private_postgres(private_postgres):
    """The site under gunicorn (two workers, four threads each) against the private cluster."""
    env = site_environment(private_postgres.url("hub"))
    port = free_port()
    log = private_postgres.folder / "gunicorn.log"
    site = Site(
        base_url=f"http://127.0.0.1:{port}",
        process=None,
        log=log,
        env=env,
        post="",
        blog="",
        crowdfund="",
        session="",
    )
    output = site.manage("shell", "-c", SETUP)
    data = json.loads(output.split("SETUP ", 1)[1])
    site.post, site.blog, site.crowdfund = data["post"], data["blog"], data["crowdfund"]
    site.session, site.references = data["session"], data["references"]
    with log.open("wb") as log_file:
        site.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "cms.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--worker-class",
                "gthread",
                "--timeout",
                "30",
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(site.base_url + "/", timeout=2).read()  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline or site.process.poll() is not None:
                    raise AssertionError(f"gunicorn did not start:\n{site.log_tail()}") from None
                time.sleep(0.2)
        yield site
    finally:
        site.process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            site.process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            # A throwaway server: its own process group (master and workers) goes at once.
            os.killpg(site.process.pid, signal.SIGKILL)
            site.process.wait(timeout=10)


# --- traffic ----------------------------------------------------------------------------------
@dataclass
class Result:
    kind: str
    started: float
    finished: float
    status: int | None
    body: str
    key: str = ""
    error: str = ""
    retry_after: str | None = None

    @property
    def seconds(self) -> float:
        return self.finished - self.started

    @property
    def succeeded(self) -> bool:
        return self.status in (200, 302)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirects)


def send(kind, url, *, data=None, headers=None, key="") -> Result:
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
    started = time.monotonic()
    status, body, error, retry_after = None, "", "", None
    try:
        with OPENER.open(request, timeout=CLIENT_TIMEOUT) as response:
            status, body = response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as answer:  # 3xx (not followed), 4xx, 5xx
        status, body = answer.code, answer.read().decode(errors="replace")
        retry_after = answer.headers.get("Retry-After")
    except OSError as failure:  # a timeout, a reset connection: never acceptable
        error = f"{type(failure).__name__}: {failure}"
    return Result(kind, started, time.monotonic(), status, body, key, error, retry_after)


class Traffic:
    """Readers and writers hitting the site from threads until told to stop."""

    def __init__(self, site: Site):
        self.site = site
        self.results: list[Result] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.references = iter(site.references)
        self.reference_lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self.loop, args=(self.read,), daemon=True) for _ in range(3)
        ]
        self.threads += [
            threading.Thread(target=self.loop, args=(self.reply,), daemon=True),
            threading.Thread(target=self.loop, args=(self.webhook,), daemon=True),
            threading.Thread(target=self.loop, args=(self.webhook,), daemon=True),
        ]

    def loop(self, action):
        number = 0
        while not self.stopping.is_set():
            number += 1
            result = action(number)
            with self.lock:
                self.results.append(result)
            time.sleep(0.01)

    def read(self, number):
        paths = ["/", self.site.blog, self.site.post, self.site.crowdfund]
        return send("read", self.site.base_url + paths[number % len(paths)])

    def reply(self, number):
        text = f"Reply {number} {uuid.uuid4().hex}"
        body = f"body={text.replace(' ', '+')}&website=&csrfmiddlewaretoken={CSRF_TOKEN}"
        return send(
            "reply",
            self.site.base_url + self.site.post,
            data=body.encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"{SESSION_COOKIE}={self.site.session}; csrftoken={CSRF_TOKEN}",
            },
            key=text,
        )

    def webhook(self, number):
        with self.reference_lock:
            reference = next(self.references)
        return deliver_payment(self.site, reference)

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=CLIENT_TIMEOUT + 5)

    def between(self, start, end):
        with self.lock:
            return [r for r in self.results if r.started >= start and r.finished <= end]

    def wait_for_successes(self, since: float, kinds=("read", "reply", "webhook"), timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                done = {r.kind for r in self.results if r.started >= since and r.succeeded}
            if set(kinds) <= done:
                return True
            time.sleep(0.1)
        return False


def payment_event(reference: str) -> str:
    session = fake_stripe.checkout_session(amount=GIFT_PENCE, reference=reference)
    # The event id is derived from the donation, so Stripe's redelivery is the same event.
    return json.dumps(
        fake_stripe.event(
            "checkout.session.completed", session, event_id=f"evt_restart_{reference}"
        )
    )


EVENT_BODIES: dict[str, str] = {}


def deliver_payment(site: Site, reference: str) -> Result:
    body = EVENT_BODIES.setdefault(reference, payment_event(reference))
    signature = fake_stripe.signed_headers(body, WEBHOOK_SECRET)["HTTP_STRIPE_SIGNATURE"]
    return send(
        "webhook",
        site.base_url + "/crowdfund/stripe/webhook/",
        data=body.encode(),
        headers={"Content-Type": "application/json", "Stripe-Signature": signature},
        key=reference,
    )


def describe(results) -> str:
    return "\n".join(
        f"{r.kind} {r.status} {r.seconds:.2f}s {r.error} {r.body[:300]!r}" for r in results[:10]
    )


def test_postgres_restart_mid_traffic_fails_cleanly_and_the_same_server_recovers(
    private_postgres, site_on_private_postgres
):
    site = site_on_private_postgres
    workers_before = site.worker_pids()
    traffic = Traffic(site)
    traffic.start()
    try:
        began = time.monotonic()
        assert traffic.wait_for_successes(began), describe(traffic.results)

        private_postgres.stop(mode="fast")
        down = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        # PostgreSQL accepts connections a little before `pg_ctl start` returns, so only
        # requests answered before the start began certainly met it down.
        restarting = time.monotonic()
        private_postgres.start()
        back = time.monotonic()

        assert traffic.wait_for_successes(back), (
            "the site did not recover after PostgreSQL came back:\n"
            + describe([r for r in traffic.results if r.started >= back])
        )
        time.sleep(1.0)  # a little more traffic on the recovered connections
    finally:
        traffic.stop()
    results = traffic.results

    # Nothing hung and no connection was dropped: every request got an answer, quickly.
    unanswered = [r for r in results if r.status is None]
    assert not unanswered, describe(unanswered)
    slowest = sorted(results, key=lambda r: -r.seconds)
    assert slowest[0].seconds < 5.0, describe(slowest)

    # While PostgreSQL was down: the project's own error page, saying "try again shortly".
    outage = traffic.between(down, restarting)
    assert len(outage) >= 5, "too little traffic reached the site during the outage"
    assert {r.kind for r in outage} == {"read", "reply", "webhook"}
    for result in outage:
        if result.kind == "read" and result.status == 200:
            # A page every part of which is in the shared caches (the home page: site,
            # menus and listings) still serves without the database. Good, not a failure.
            continue
        assert result.status == 503, describe([result])
        assert result.retry_after == "30"
        assert "<title>Back in a moment | Alliance Hub</title>" in result.body
        assert "Traceback" not in result.body and "OperationalError" not in result.body
    refused = [r for r in outage if r.status == 503]
    assert {r.kind for r in refused} == {"read", "reply", "webhook"}, describe(outage)

    # Afterwards: everything sent once PostgreSQL was back succeeded, on the same workers.
    after = [r for r in results if r.started >= back]
    failures_after = [r for r in after if not r.succeeded]
    assert not failures_after, describe(failures_after)
    assert site.process.poll() is None
    assert site.worker_pids() == workers_before, "gunicorn replaced its workers"

    # Every confirmed reply is stored exactly once; an unconfirmed one at most once.
    for reply in (r for r in results if r.kind == "reply"):
        stored = private_postgres.query(
            "SELECT count(*) FROM cms_pagereply WHERE body = %s", reply.key
        )[0][0]
        assert stored == 1 if reply.status == 302 else stored <= 1, reply

    # Stripe redelivers whatever was not acknowledged with a 2xx; then the total is exact.
    webhooks = [r for r in results if r.kind == "webhook"]
    acknowledged = {r.key for r in webhooks if r.status == 200}
    stored_ids = {
        row[0]
        for row in private_postgres.query(
            "SELECT event_id FROM crowdfund_webhookevent WHERE event_id LIKE 'evt_restart_%'"
        )
    }
    assert {f"evt_restart_{key}" for key in acknowledged} <= stored_ids
    for reference in {r.key for r in webhooks} - acknowledged:
        assert deliver_payment(site, reference).status == 200
    site.manage("shell", "-c", "from crowdfund.stripe_events import apply_pending; apply_pending()")
    delivered = {r.key for r in webhooks}
    [(entries, distinct_sources, total, donors)] = private_postgres.query(
        "SELECT count(*), count(DISTINCT source_id), coalesce(sum(amount_pence), 0),"
        " count(DISTINCT donation_id) FROM crowdfund_ledgerentry"
    )
    assert entries == distinct_sources == donors == len(delivered)
    assert total == GIFT_PENCE * len(delivered)
    assert (
        private_postgres.query(
            "SELECT count(*) FROM crowdfund_webhookevent WHERE applied_at IS NULL"
        )[0][0]
        == 0
    )


# Run by `manage.py shell`: one request through the whole stack, timed.
ONE_REQUEST = """
import time
from django.test import Client
started = time.monotonic()
response = Client(raise_request_exception=False).get("/")
print("ANSWER", response.status_code, response.get("Retry-After"), time.monotonic() - started)
"""


def test_database_that_never_answers_fails_with_503_within_the_connect_timeout():
    """A host that accepts the connection but never speaks (a stuck server, a network fault).

    Without a connect timeout the request would wait forever, holding a worker until
    gunicorn kills it; with DATABASE_CONNECT_TIMEOUT it gets the 503 page in seconds.
    """
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # the kernel completes the handshake; nobody ever answers
    try:
        port = silent.getsockname()[1]
        env = site_environment(f"postgres://postgres@127.0.0.1:{port}/hub")
        env.update({"ALLOWED_HOSTS": "testserver", "DATABASE_CONNECT_TIMEOUT": "2"})
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", ONE_REQUEST],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        silent.close()
    assert "ANSWER" in done.stdout, done.stderr[-2000:]
    status, retry_after, seconds = done.stdout.split("ANSWER", 1)[1].split()
    assert (status, retry_after) == ("503", "30")
    assert 1.5 <= float(seconds) < 10
