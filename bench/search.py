"""Site search under load, beside a bare Django view and a fresh Wagtail page, in one run.

    make bench-search                        # loads the benchmark data first
    BENCH_REUSE_DATA=1 make bench-search     # the data an earlier `make bench` loaded

Same settings, data and gunicorn as the page benchmark (bench/run.py, whose helpers it
uses), page cache off (what a signed-in visitor gets):
  - `search_uncached`: one search asked again and again ("alliance", a word on nearly
    every benchmark page): after the first, its list of results is a shared page part;
  - `search_cold`: the same words, but every request's query string is one nobody asked
    before (a run of punctuation the search drops), so nothing is shared: each request
    ranks every matching page, reads the ten shown and writes their extracts;
  - `search_rare_cold`: as cold, for a word few pages hold (the index finds them).
Each prints requests/s, p50, p99 and its ratio to the two baselines, then a RESULT line.
"""

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (bench/run.py: gunicorn, wrk, the baselines, the data)

COMMON_WORD = "alliance"
RARE_WORD = "frome"  # a demo town: a few pages

# Every request a query string never asked before: the words, then twelve punctuation
# marks drawn at random (5^12 combinations), which the search drops but the shared part's
# key holds. Each wrk thread seeds its own generator.
COLD_SCRIPT = """
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end
function init(args)
  math.randomseed(os.time() * 1000 + id)
end
local marks = {"%21", "%2C", "%2E", "%3F", "%3B"}
function request()
  local tail = {}
  for i = 1, 12 do tail[i] = marks[math.random(#marks)] end
  return wrk.format("GET", "/search/?query=" .. WORDS .. table.concat(tail))
end
"""


def cold(words: str) -> dict:
    script = f"WORDS = {run.lua_string(words)}\n{COLD_SCRIPT}"
    result, _ = run.wrk_script("/search/", script, run.CONNECTIONS)
    return result


def measure() -> list[dict]:
    env = run.site_env(page_cache=False)
    subprocess.run(["redis-cli", "-u", run.REDIS_URL, "flushdb"], check=True, capture_output=True)
    paths = [f"/search/?query={COMMON_WORD}", f"/search/?query={RARE_WORD}"]
    queries = run.pages_helper(env, "queries", *paths)
    rows = []
    run.log("measuring search, page cache off")
    with run.gunicorn("cms.wsgi:application", env, run.ROOT):
        rows.append({**run.wrk(paths[0]), "name": "search_uncached", "path": paths[0]})
        rows.append({**cold(COMMON_WORD), "name": "search_cold", "path": paths[0]})
        rows.append({**cold(RARE_WORD), "name": "search_rare_cold", "path": paths[1]})
    for row in rows:
        row["queries"] = queries[row["path"]]["queries"]
    return rows


def main():
    run.require_tools()
    if run.REUSE_DATA:
        run.log(f"reusing the data in {run.DATABASE_URL.rsplit('/', 1)[1]} (BENCH_REUSE_DATA=1)")
    else:
        run.prepare_site()
    django_ok = {**run.measure_django_ok(), "name": "django_ok", "queries": 0}
    wagtail = {**run.measure_wagtail_default(), "name": "wagtail_default", "queries": None}
    rows = [django_ok, wagtail, *measure()]
    print(
        f"\nSearch benchmark ({'quick' if run.QUICK else 'full'}): wrk {run.CONNECTIONS} "
        f"connections, {run.DURATION}s each, gunicorn {run.WORKERS_SHOWN} workers\n"
    )
    for row in rows:
        row["vs_django"] = round(row["rps"] / django_ok["rps"], 3)
        row["vs_wagtail"] = round(row["rps"] / wagtail["rps"], 3)
        queries = "-" if row["queries"] is None else row["queries"]
        print(
            f"{row['name']:<20}{row['rps']:>9.1f} req/s  p50 {row['p50_ms']:>7.2f} ms  "
            f"p99 {row['p99_ms']:>7.2f} ms  queries {queries:>3}  "
            f"vs django {row['vs_django']:.3f}  vs wagtail {row['vs_wagtail']:.3f}  "
            f"errors {row['errors']}"
        )
    print()
    for row in rows:
        queries = -1 if row["queries"] is None else row["queries"]
        print(
            f"RESULT {row['name']} rps={row['rps']} p50_ms={row['p50_ms']} "
            f"p99_ms={row['p99_ms']} queries={queries} vs_django={row['vs_django']} "
            f"vs_wagtail={row['vs_wagtail']}"
        )


if __name__ == "__main__":
    os.chdir(run.ROOT)
    main()
