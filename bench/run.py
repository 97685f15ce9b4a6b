"""The page benchmark: our pages beside the stack's own limits, measured in one run.

    make bench                  # full run
    BENCH_QUICK=1 make bench    # a few minutes, smaller data

It needs PostgreSQL and Redis on 127.0.0.1 (BENCH_DATABASE_URL, BENCH_REDIS_URL
override) and `wrk` (Debian package). It serves, one after another, under the same
gunicorn settings:
  1. a bare Django view returning "ok" (the stack limit),
  2. a fresh `wagtail start` site's home page, uncached, persistent connections,
  3. each of our page types, anonymous, with the page cache on and then off,
and prints requests/s, p50, p99, SQL queries per request and the ratios to (1) and (2),
then one machine-readable RESULT line per measurement.
"""

import contextlib
import json
import os
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

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
QUICK = os.environ.get("BENCH_QUICK") == "1"
DURATION = int(os.environ.get("BENCH_SECONDS", "4" if QUICK else "12"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
WORKERS = os.environ.get("BENCH_WORKERS", "4")
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hub_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
PORT = int(os.environ.get("BENCH_PORT", "8790"))


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
        "--workers",
        WORKERS,
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


def wrk(path: str) -> dict:
    url = f"http://127.0.0.1:{PORT}{path}"
    # Warm up: fill caches and open persistent connections before measuring.
    subprocess.run(["wrk", "-t2", "-c4", "-d1s", url], capture_output=True)
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))

    def percentile(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        return round(float(match.group(1)) * UNITS[match.group(2)], 2)

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": round(rps, 1),
        "p50_ms": percentile(50),
        "p99_ms": percentile(99),
        "errors": int(errors.group(1)) if errors else 0,
    }


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
        database = DATABASE_URL.rsplit("/", 1)[0] + "/hub_bench_wagtail"
        recreate_database(database)
        (folder / "bench_settings.py").write_text(
            "from benchsite.settings.production import *  # noqa\n"
            "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql',"
            " 'NAME': 'hub_bench_wagtail', 'USER': 'postgres', 'HOST': '127.0.0.1',"
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


def measure_site(urls: dict) -> list[dict]:
    rows = []
    for cached in (True, False):
        env = site_env(page_cache=cached)
        subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], check=True, capture_output=True)
        queries = pages_helper(env, "queries", *urls.values())
        suffix = "cached" if cached else "uncached"
        log(f"measuring our pages, {suffix}")
        with gunicorn("cms.wsgi:application", env, ROOT):
            for name, path in urls.items():
                result = wrk(path)
                result.update(
                    name=f"{name}_{suffix}",
                    path=path,
                    queries=queries[path]["queries"],
                    status=queries[path]["status"],
                )
                rows.append(result)
    return rows


def main():
    require_tools()
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
        f"{DURATION}s each, gunicorn {WORKERS} workers\n"
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
        print(
            f"RESULT {row['name']} rps={row['rps']} p50_ms={row['p50_ms']} p99_ms={row['p99_ms']} "
            f"queries={queries} vs_django={row['vs_django']} vs_wagtail={row['vs_wagtail']}"
        )


if __name__ == "__main__":
    main()
