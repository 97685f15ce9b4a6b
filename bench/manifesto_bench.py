"""Manifesto benchmark (printed figures, not a test). Needs PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_manifesto_bench \
    DJANGO_SETTINGS_MODULE=cms.settings.test .venv/bin/python bench/manifesto_bench.py

BENCH_QUICK=1 uses a data set about twenty times smaller. The database is created and
migrated if needed, and the benchmark's data are replaced on every run (BENCH_REUSE=1
measures the previous run's data again instead).

The votes come from a divided electorate, as real ones are (see `electorate`): two hidden
opinion camps across the parties, and amendments that one camp, the other, both or neither
like.

Prints: the time to recompute and save all three rankings (first from the loaded votes,
again after the concurrent votes, starting from the saved factors, and once more with no
scored vote changed), in wall-clock seconds and in this process's CPU seconds (the machine
may be shared), with the bridging fit's iterations, final change, tolerance and cap and the
seconds per stage; p50/p95 render time of the manifesto page and of a clause's
ranked list; votes per second with 32 concurrent voters and a recount proving none was lost
or doubled.
"""

import io
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")

QUICK = os.environ.get("BENCH_QUICK") == "1"
CLAUSES = 10 if QUICK else 50
AMENDMENTS = 500 if QUICK else 10_000
SUPPORTERS = 5_000 if QUICK else 100_000
VOTES_PER_SUPPORTER = 10  # 1,000,000 votes at full size
PARTIES = ["labour", "green", "liberal-democrat", "snp", "plaid-cymru", "none"]
CONCURRENT_VOTERS = 32
VOTES_PER_THREAD = 40 if QUICK else 100
RENDERS = 30

# The benchmark's electorate is built like a real one, with a main divide: two hidden
# opinion camps (55/45) that cut across the parties (every party has members in both,
# in different proportions), voting on four kinds of amendment.
CAMP_SHARES = (0.55, 0.45)
PARTY_SHARES_BY_CAMP = (  # in the order of PARTIES
    (0.35, 0.10, 0.20, 0.10, 0.05, 0.20),
    (0.15, 0.35, 0.10, 0.10, 0.05, 0.25),
)
# kind: (share of the amendments, agree probability range in the first camp, in the second)
AMENDMENT_KINDS = {
    "bridging": (0.15, (0.65, 0.85), (0.65, 0.85)),
    "first camp's": (0.30, (0.80, 0.95), (0.05, 0.25)),
    "second camp's": (0.30, (0.05, 0.25), (0.80, 0.95)),
    "unpopular": (0.25, (0.10, 0.40), (0.10, 0.40)),
}
PASS_RATE = 0.05
CHOICES = ("agree", "disagree", "pass")  # vote codes 0, 1, 2 of `electorate`


@dataclass
class Electorate:
    voters: np.ndarray  # per vote: the voter's index
    amendments: np.ndarray  # per vote: the amendment's index
    codes: np.ndarray  # per vote: an index into CHOICES
    party_of_voter: np.ndarray  # an index into PARTIES
    camp_of_voter: np.ndarray
    kind_of_amendment: np.ndarray  # an index into AMENDMENT_KINDS


def electorate(voters, amendments, rng, votes_per_voter=VOTES_PER_SUPPORTER) -> Electorate:
    """Each voter votes on `votes_per_voter` different amendments, at random; all in numpy."""
    camp = rng.choice(len(CAMP_SHARES), size=voters, p=CAMP_SHARES)
    party = np.empty(voters, dtype=np.int64)
    for c, shares in enumerate(PARTY_SHARES_BY_CAMP):
        members = np.flatnonzero(camp == c)
        party[members] = rng.choice(len(PARTIES), size=len(members), p=shares)
    kinds = list(AMENDMENT_KINDS.values())
    kind = rng.choice(len(kinds), size=amendments, p=[share for share, _, _ in kinds])
    agree_p = np.empty((amendments, len(CAMP_SHARES)))
    for k, (_, *ranges) in enumerate(kinds):
        of_kind = np.flatnonzero(kind == k)
        for c, (low, high) in enumerate(ranges):
            agree_p[of_kind, c] = rng.uniform(low, high, size=len(of_kind))
    chosen = rng.integers(0, amendments, size=(voters, votes_per_voter))
    while True:  # draw again where a voter drew the same amendment twice
        chosen.sort(axis=1)
        again = np.zeros(chosen.shape, dtype=bool)
        again[:, 1:] = chosen[:, 1:] == chosen[:, :-1]
        if not again.any():
            break
        chosen[again] = rng.integers(0, amendments, size=int(again.sum()))
    voter = np.repeat(np.arange(voters), votes_per_voter)
    amendment = chosen.ravel()
    p = agree_p[amendment, camp[voter]]
    roll = rng.random(len(p))
    codes = np.where(roll < PASS_RATE, 2, np.where(roll < PASS_RATE + (1 - PASS_RATE) * p, 0, 1))
    return Electorate(voter, amendment, codes, party, camp, kind)


def ensure_database():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is created if missing).")
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django():
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(label):
    class Timer:
        def __enter__(self):
            self.start = time.perf_counter()
            return self

        def __exit__(self, *exc):
            self.seconds = time.perf_counter() - self.start
            print(f"  {label}: {self.seconds:.1f} s", flush=True)

    return Timer()


def delete_previous_run(page):
    """Delete the previous run's votes, amendments and supporters in a few statements.

    Django's delete would look for each of 10,000 amendments' and 100,000 accounts' rows in
    every related table and run each amendment's delete signals (many minutes). Should any
    other row refer to them, the constraints refuse the commit and Django's delete does it
    after all. The page itself goes through Wagtail (its tree and revisions).
    """
    from django.db import IntegrityError, connection, transaction

    from cms.models import User
    from manifesto.models import Amendment, Vote

    supporters = f"SELECT id FROM {User._meta.db_table} WHERE email LIKE %s"
    pattern = "%@bench.example"
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if page is not None:
                amendments = f"SELECT id FROM {Amendment._meta.db_table} WHERE page_id = %s"
                cursor.execute(
                    f"DELETE FROM {Vote._meta.db_table} WHERE amendment_id IN ({amendments})",
                    [page.pk],
                )
                cursor.execute(
                    f"DELETE FROM {Amendment._meta.db_table} WHERE id IN ({amendments})",
                    [page.pk],
                )
            cursor.execute(
                f"DELETE FROM {Vote._meta.db_table} WHERE voter_id IN ({supporters})", [pattern]
            )
            cursor.execute(
                f"DELETE FROM {User._meta.db_table} WHERE id IN ({supporters})", [pattern]
            )
    except IntegrityError:
        if page is not None:
            Amendment.objects.filter(page=page).delete()
        User.objects.filter(email__endswith="@bench.example").delete()
    if page is not None:
        page.delete()


def generate():
    """Replace the benchmark manifesto and its data; return the page."""
    from django.db import connection

    from cms.models import HomePage, Party, User
    from manifesto.merge import start_text
    from manifesto.models import Amendment, AmendmentStatus, ManifestoPage

    print(
        f"Generating {CLAUSES} clauses, {AMENDMENTS:,} amendments, {SUPPORTERS:,} supporters, "
        f"{SUPPORTERS * VOTES_PER_SUPPORTER:,} votes",
        flush=True,
    )
    rng = np.random.default_rng(42)
    home = HomePage.objects.get()
    with timed("deleting the previous run's data"):
        delete_previous_run(ManifestoPage.objects.filter(slug="bench-manifesto").first())
    from django.utils import timezone

    now = timezone.now()
    page = ManifestoPage(
        title="Benchmark manifesto",
        slug="bench-manifesto",
        screening=False,
        amendments_open_at=now - timezone.timedelta(days=1),
        voting_only_from=now + timezone.timedelta(days=30),
        closed_at=now + timezone.timedelta(days=60),
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    words = [
        "fair",
        "votes",
        "green",
        "deal",
        "public",
        "services",
        "local",
        "councils",
        "climate",
        "justice",
        "people",
    ]
    texts = [" ".join(rng.choice(words, size=18)).capitalize() + "." for _ in range(CLAUSES)]
    with timed("clauses and version 1"):
        start_text(page, [(f"Section {i // 5 + 1}", t) for i, t in enumerate(texts)])
    clauses = list(page.live_clauses())
    parties = {p.slug: p.pk for p in Party.objects.all()}
    votes = electorate(SUPPORTERS, AMENDMENTS, rng)
    # Accounts older than the manifesto's minimum age for counting in scores, so that
    # every generated vote is scored (new accounts' votes are counted but not scored).
    joined = now - timezone.timedelta(days=page.min_account_age_days_to_count_in_scores + 30)
    with timed("supporters"):
        users = [
            User(
                email=f"s{i}@bench.example",
                password="!",
                display_name=f"Supporter {i}",
                party_id=parties[PARTIES[votes.party_of_voter[i]]],
                date_joined=joined,
            )
            for i in range(SUPPORTERS)
        ]
        User.objects.bulk_create(users, batch_size=5000)
        voter_ids = np.array(
            User.objects.filter(email__endswith="@bench.example")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    version = page.current_version
    with timed("amendments"):
        amendments = []
        for i in range(AMENDMENTS):
            clause = clauses[i % CLAUSES]
            tokens = clause.text.split()
            start = int(rng.integers(0, len(tokens) - 3))
            tokens[start : start + 2] = rng.choice(words, size=2).tolist()
            amendment = Amendment(
                page=page,
                clause=clause,
                text=" ".join(tokens),
                reason="Benchmark amendment.",
                base_version=version,
                base_text=clause.text,
                status=AmendmentStatus.PUBLISHED,
            )
            amendment.refresh_diff()
            amendments.append(amendment)
        Amendment.objects.bulk_create(amendments, batch_size=2000)
        amendment_ids = np.array(
            Amendment.objects.filter(page=page).order_by("pk").values_list("pk", flat=True)
        )
    with timed("votes (COPY)"):
        stamp = now.isoformat()
        lines = [
            f"{a}\t{v}\t{CHOICES[c]}\t{stamp}\t{stamp}\n"
            for a, v, c in zip(
                amendment_ids[votes.amendments].tolist(),
                voter_ids[votes.voters].tolist(),
                votes.codes.tolist(),
                strict=True,
            )
        ]
        buffer = io.StringIO("".join(lines))
        del lines
        raw = connection.connection if connection.connection else None
        if raw is None:
            connection.ensure_connection()
            raw = connection.connection
        with (
            raw.cursor() as cursor,
            cursor.copy(
                "COPY manifesto_vote (amendment_id, voter_id, choice, created_at, updated_at) "
                "FROM STDIN"
            ) as copy,
        ):
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        raw.commit() if not connection.get_autocommit() else None
    with timed("counters and ANALYZE"), connection.cursor() as cursor:
        cursor.execute(
            """
                UPDATE manifesto_amendment a SET
                  agree_count = c.agree, disagree_count = c.disagree, pass_count = c.pass
                FROM (SELECT amendment_id,
                        count(*) FILTER (WHERE choice = 'agree') AS agree,
                        count(*) FILTER (WHERE choice = 'disagree') AS disagree,
                        count(*) FILTER (WHERE choice = 'pass') AS pass
                      FROM manifesto_vote GROUP BY amendment_id) c
                WHERE a.id = c.amendment_id AND a.page_id = %s
                """,
            [page.pk],
        )
        cursor.execute("ANALYZE")
    return page, voter_ids, amendment_ids


def percentile(values, q):
    return float(np.percentile(values, q)) * 1000


def bench_renders(page):
    from django.test import Client

    from cms.models import User

    client = Client()
    client.force_login(User.objects.filter(email__endswith="@bench.example").first())
    clause = page.live_clauses().first()
    for label, url in [
        ("manifesto page", page.url),
        ("clause ranked list (common ground)", f"{page.url}clause/{clause.key}/?sort=common"),
        ("clause fair random list", f"{page.url}clause/{clause.key}/"),
    ]:
        client.get(url)
        times = []
        for _ in range(RENDERS):
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
        print(
            f"  {label}: p50 {percentile(times, 50):.0f} ms, p95 {percentile(times, 95):.0f} ms",
            flush=True,
        )


PROCESSES = 4  # like gunicorn workers; 32 concurrent voters = 4 processes x 8 threads


def _vote_worker(args):
    """In a forked process: run this share of the voters, one thread each."""
    from django.db import connection

    from cms.models import User
    from manifesto.actions import cast_vote_checked
    from manifesto.models import ManifestoPage

    page_id, plan = args
    connection.close()
    page = ManifestoPage.objects.get(pk=page_id)
    users = {u.pk: u for u in User.objects.filter(pk__in=list(plan))}
    connection.close()
    errors = []
    barrier = threading.Barrier(len(plan))

    def run(voter):
        try:
            barrier.wait()
            for amendment_id, choice in plan[voter]:
                cast_vote_checked(page, amendment_id, users[voter], choice)
        except Exception as error:  # noqa: BLE001
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(voter,)) for voter in plan]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def bench_votes(page, voter_ids, amendment_ids):
    import multiprocessing

    from django.contrib.auth.models import Group
    from django.db import connection
    from django.db.models import Count

    from cms.models import User
    from cms.roles import SUPPORTERS
    from manifesto.models import Amendment, Vote

    rng = np.random.default_rng(7)
    targets = rng.choice(amendment_ids, size=50, replace=False).tolist()
    voters = rng.choice(voter_ids, size=CONCURRENT_VOTERS, replace=False).tolist()
    # Each voter votes on up to 50 different amendments (new votes, or changes of votes the
    # generated data already had); at each step the 32 voters are on 32 different amendments.
    plan = {
        int(voter): [
            (int(targets[(i + k) % len(targets)]), ["agree", "disagree", "pass"][k % 3])
            for k in range(VOTES_PER_THREAD)
        ]
        for i, voter in enumerate(voters)
    }
    # The site's vote rule (manifesto.rules.vote_refusal) lets verified supporters vote.
    supporters = Group.objects.get(name=SUPPORTERS)
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=voter, group_id=supporters.pk) for voter in plan],
        ignore_conflicts=True,
    )
    before_votes = Vote.objects.filter(amendment_id__in=targets).count()
    new_pairs = {(v, a) for v in plan for a, _ in plan[v]} - set(
        Vote.objects.filter(amendment_id__in=targets, voter_id__in=list(plan)).values_list(
            "voter_id", "amendment_id"
        )
    )
    shares = [(page.pk, {v: plan[v] for v in list(plan)[i::PROCESSES]}) for i in range(PROCESSES)]
    connection.close()
    context = multiprocessing.get_context("fork")
    start = time.perf_counter()
    with context.Pool(PROCESSES) as pool:
        errors = [e for share in pool.map(_vote_worker, shares) for e in share]
    seconds = time.perf_counter() - start
    total = sum(len(steps) for steps in plan.values())
    print(
        f"  {total:,} votes by {CONCURRENT_VOTERS} concurrent voters ({PROCESSES} processes x "
        f"{CONCURRENT_VOTERS // PROCESSES} threads) in {seconds:.2f} s: "
        f"{total / seconds:,.0f} votes/s; errors: {len(errors)} {errors[:3]}",
        flush=True,
    )
    # Proof that none was lost or doubled: exactly the new (voter, amendment) pairs were
    # added, every voter's last choice is stored, and counters equal a recount.
    after_votes = Vote.objects.filter(amendment_id__in=targets).count()
    stored = {
        a.pk: (a.agree_count, a.disagree_count, a.pass_count)
        for a in Amendment.objects.filter(pk__in=targets)
    }
    recount = {pk: [0, 0, 0] for pk in targets}
    for amendment_id, choice, n in (
        Vote.objects.filter(amendment_id__in=targets)
        .values_list("amendment_id", "choice")
        .annotate(n=Count("pk"))
    ):
        recount[amendment_id][["agree", "disagree", "pass"].index(choice)] = n
    recount = {pk: tuple(v) for pk, v in recount.items()}
    final = {
        (v, a): c
        for v, a, c in Vote.objects.filter(
            amendment_id__in=targets, voter_id__in=list(plan)
        ).values_list("voter_id", "amendment_id", "choice")
    }
    last_choice = {(v, a): c for v in plan for a, c in plan[v]}  # later steps overwrite
    last_kept = all(final.get(pair) == c for pair, c in last_choice.items())
    print(
        f"  votes on the 50 amendments: {before_votes:,} before + {len(new_pairs):,} new "
        f"pairs = {before_votes + len(new_pairs):,} expected, {after_votes:,} stored; "
        f"counters equal recount: {stored == recount}; every last choice kept: {last_kept}",
        flush=True,
    )


def database_cpu_seconds():
    """CPU seconds used so far by this connection's PostgreSQL backend process, when the
    server runs on this machine (read from /proc); None otherwise."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def bench_ranking(page, label):
    from manifesto import ranking_maths
    from manifesto.ranking_store import recompute_page_rankings

    print(label, flush=True)
    database_start = database_cpu_seconds()
    start, cpu_start = time.perf_counter(), time.process_time()
    result = recompute_page_rankings(page)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    database_end = database_cpu_seconds()
    database = (
        f" + {database_end - database_start:.1f} s CPU of its PostgreSQL backend"
        if database_start is not None and database_end is not None
        else ""
    )
    print(
        f"  recomputed popular, common ground and bridging for {result.amendments:,} "
        f"amendments ({result.scored_votes:,} scored votes) and saved them in {seconds:.1f} s "
        f"wall; {cpu_seconds:.1f} s CPU of this process{database} (target: under 10 s; on a "
        "busy machine the CPU seconds are the steadier figure)",
        flush=True,
    )
    print(
        f"  bridging fit: {result.bridging_iterations} iterations, final change "
        f"{result.bridging_final_change:.2e}, "
        f"{'converged' if result.bridging_converged else 'NOT converged'} "
        f"(tolerance {ranking_maths.TOLERANCE:g}, cap {ranking_maths.MAX_ITERATIONS} iterations; "
        + (
            "scored votes unchanged: the saved fit stands"
            if result.bridging_reused
            else "warm start from the saved factors"
            if result.bridging_warm_start
            else "cold start"
        )
        + ")",
        flush=True,
    )
    for label, seconds in result.timings.items():
        print(
            f"    {label}: {seconds:.2f} s wall, {result.cpu_timings[label]:.2f} s CPU", flush=True
        )
    return result


def reuse():
    """BENCH_REUSE=1: measure the data a previous run generated, if it has the right size."""
    from cms.models import User
    from manifesto.models import Amendment, ManifestoPage

    page = ManifestoPage.objects.filter(slug="bench-manifesto").first()
    if page is None or Amendment.objects.filter(page=page).count() != AMENDMENTS:
        return None
    print("Reusing the data of the previous run", flush=True)
    voter_ids = np.array(
        User.objects.filter(email__endswith="@bench.example")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    amendment_ids = np.array(
        Amendment.objects.filter(page=page).order_by("pk").values_list("pk", flat=True)
    )
    return page, voter_ids, amendment_ids


def main():
    ensure_database()
    setup_django()
    reused = reuse() if os.environ.get("BENCH_REUSE") == "1" else None
    page, voter_ids, amendment_ids = reused or generate()
    bench_ranking(page, "Rankings: the first recompute of the loaded votes")
    print("Render times (in-process test client, logged-in supporter)", flush=True)
    bench_renders(page)
    print("Concurrent voting", flush=True)
    bench_votes(page, voter_ids, amendment_ids)
    bench_ranking(page, "Rankings: the routine recompute after those votes")
    bench_ranking(page, "Rankings: a recompute with no scored vote changed")


if __name__ == "__main__":
    main()
