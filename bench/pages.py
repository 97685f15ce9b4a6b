"""In-process helpers for the page benchmark, run with the site's settings.

python bench/pages.py urls              -> JSON {name: path} of one live page per type
python bench/pages.py queries PATH...   -> JSON {path: SQL queries for an anonymous GET}
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

# name -> (model label, extra query string). Types not yet in the code base are skipped.
PAGE_TYPES = {
    "home": ("cms.HomePage", ""),
    "paper": ("cms.PaperPage", ""),
    "blog_index": ("cms.BlogIndexPage", ""),
    "blog_post": ("cms.BlogPostPage", ""),
    "event_index": ("cms.EventIndexPage", ""),
    "manifesto": ("manifesto.ManifestoPage", ""),
    "crowdfund": ("crowdfund.CrowdfundPage", ""),
    "stories_index": ("stories.StoriesIndexPage", ""),
    "story": ("stories.StoryPage", ""),
}


def page_urls() -> dict:
    urls = {}
    for name, (label, query) in PAGE_TYPES.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        page = model.objects.live().public().order_by("pk").first()
        if page is not None and page.url:
            urls[name] = page.url + query
    extra = getattr(settings, "BENCH_EXTRA_URLS", None)
    if extra:
        urls.update(extra)
    urls["search"] = "/search/?query=alliance"
    return urls


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


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    if command == "urls":
        print(json.dumps(page_urls()))
    elif command == "queries":
        print(json.dumps(query_counts(arguments)))
    else:
        raise SystemExit(f"unknown command {command}")
