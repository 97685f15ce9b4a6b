"""Benchmark: votes per second through the whole stack, beside a bare Django view.

    make bench-votes                    # 12 s of voting
    BENCH_QUICK=1 make bench-votes      # 3 s

32 signed-in supporters vote at once as browsers do: each wrk connection carries its
voter's session cookie and CSRF token and POSTs real votes to the manifesto's vote
address on gunicorn (production settings, PostgreSQL, Redis, BENCH_WORKERS workers),
exactly as `vote` in bench/run.py does (the same Lua script and the same checks). After
the run every answered vote must be stored with the choice sent, no vote refused, and
every amendment's counters must equal a recount of its votes: none lost or doubled.
The bare Django view (bench/ok_project.py) is measured under the same gunicorn settings
in the same run, and the ratio printed, then:

    RESULT vote rps=... p50_ms=... p99_ms=... baseline_rps=... vs_django=...

It loads its own database (migrate, the demo, then 2,000 published amendments on the
demo manifesto: more than any voter can reach in the run): BENCH_DATABASE_URL (default
hub_votes_bench), BENCH_REDIS_URL, BENCH_PORT, BENCH_SECONDS, BENCH_WORKERS as for
bench/run.py. `python bench/votes.py amendments N` is the loading step, run with the
site's settings. Not part of the test suite.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AMENDMENTS = 2_000
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hub_votes_bench")


def add_amendments(count: int) -> None:
    """Published amendments on the manifesto the vote benchmark uses (run with Django set up)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.production")
    import django

    django.setup()
    from pages import pick

    from manifesto.models import Amendment, AmendmentStatus, Clause, ManifestoPage

    page = pick(ManifestoPage)
    clauses = list(Clause.objects.filter(page=page, is_deleted=False).order_by("position"))
    have = Amendment.objects.filter(page=page, status=AmendmentStatus.PUBLISHED).count()
    amendments = []
    for number in range(have, count):
        clause = clauses[number % len(clauses)]
        amendment = Amendment(
            page=page,
            clause=clause,
            text=f"{clause.text} (amended, benchmark {number})",
            reason="Benchmark amendment.",
            base_version=page.current_version,
            base_text=clause.text,
            status=AmendmentStatus.PUBLISHED,
        )
        amendment.refresh_diff()
        amendments.append(amendment)
    Amendment.objects.bulk_create(amendments, batch_size=1_000)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serving_cpu() -> dict:
    """CPU seconds used so far by the gunicorn serving the benchmark, and by the
    PostgreSQL backends connected to its database (Linux /proc; the same machine)."""
    import run

    gunicorn = 0.0
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if any(w.endswith(b"gunicorn") for w in words) and (
            f"127.0.0.1:{run.PORT}".encode() in words
        ):
            gunicorn += _cpu_seconds(int(cmdline.parent.name))
    backends = run.db(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        [run.DATABASE_URL.rsplit("/", 1)[1]],
    )
    return {
        "gunicorn": gunicorn,
        "postgresql": sum(_cpu_seconds(pid) for (pid,) in backends),
    }


def warm_up(seconds: float = 10) -> None:
    """Serve the manifesto for a few seconds so that every gunicorn worker has started
    (start-up is not a vote's CPU) and the shared caches hold what votes read."""
    import run

    time.sleep(seconds / 2)
    subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{seconds / 2:.0f}s", f"http://127.0.0.1:{run.PORT}/manifesto/"],
        capture_output=True,
    )


def main() -> None:
    import run  # bench/run.py: gunicorn, wrk and the vote measurement with its checks

    run.require_tools()
    env = run.site_env(page_cache=False)
    run.log(f"preparing {run.DATABASE_URL.rsplit('/', 1)[1]}: migrate, demo, amendments")
    run.recreate_database(run.DATABASE_URL)
    subprocess.run(["redis-cli", "-u", run.REDIS_URL, "flushdb"], check=True, capture_output=True)
    run.manage(env, "migrate", "--noinput")
    run.manage(env, "load_demo")
    run.manage(env, "collectstatic", "--noinput")
    subprocess.run(
        [run.PYTHON, str(ROOT / "bench" / "votes.py"), "amendments", str(AMENDMENTS)],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT / "bench")},
        check=True,
    )
    baseline = run.measure_django_ok()
    with run.gunicorn("cms.wsgi:application", env, ROOT):
        warm_up()  # every worker started and its caches filled: CPU counted from here
        votes_before = run.db("SELECT count(*) FROM manifesto_vote")[0][0]
        cpu_before = {}
        # From the first vote: the voters' sign-in and the pages that give them their CSRF
        # tokens are not a vote's CPU.
        vote = run.measure_vote(env, before_voting=lambda: cpu_before.update(serving_cpu()))
        cpu = {name: seconds - cpu_before.get(name, 0) for name, seconds in serving_cpu().items()}
        votes = run.db("SELECT count(*) FROM manifesto_vote")[0][0] - votes_before
    ratio = vote["rps"] / baseline["rps"]
    per_vote = {name: 1000 * seconds / max(votes, 1) for name, seconds in cpu.items()}
    cores = os.cpu_count() or 1
    ceiling = 1000 * cores / sum(per_vote.values())
    print(
        f"\nVotes: {run.VOTERS} signed-in voters, {run.DURATION}s, "
        f"gunicorn {run.WORKERS_SHOWN} workers"
    )
    print(f"  bare Django view: {baseline['rps']:,.0f} req/s")
    print(
        f"  votes: {vote['rps']:,.0f} votes/s, p50 {vote['p50_ms']} ms, p99 {vote['p99_ms']} ms "
        f"({ratio:.3f} of the bare view); none lost, refused or doubled"
    )
    print(
        f"  CPU per vote ({votes:,} new votes): gunicorn {per_vote['gunicorn']:.2f} ms + "
        f"PostgreSQL {per_vote['postgresql']:.2f} ms; {cores} cores could serve about "
        f"{ceiling:,.0f} votes/s with nothing else running (wrk's own CPU not counted)"
    )
    print(
        f"RESULT vote rps={vote['rps']} p50_ms={vote['p50_ms']} p99_ms={vote['p99_ms']} "
        f"baseline_rps={baseline['rps']} vs_django={ratio:.3f} cpu_ms={sum(per_vote.values()):.2f}"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["amendments"]:
        add_amendments(int(sys.argv[2]))
    else:
        main()
