"""Benchmark-size content for every page type, loaded after the demo content.

    python bench/data.py    # with the site's settings and DATABASE_URL, after load_demo

bench/run.py calls it on a freshly created database. It adds, under the demo's own index
pages: blog posts with authors and tags, papers with authors, sections and footnotes,
past and upcoming events, stories across many places and parties (so the library's
filters have something to count), thousands of paid donations with their ledger entries
on the demo crowdfund, and the benchmark manifesto from bench/manifesto_bench.py
(10,000 amendments and 1,000,000 votes; BENCH_QUICK=1: 1,000 and 50,000), whose
rankings are then computed once so a clause's ranked list is the real one. It also
creates the supporters who vote during the benchmark.

Sizes (full / BENCH_QUICK=1) are in SIZES below. Not idempotent: run on a fresh database.
"""

import datetime
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.production")

QUICK = os.environ.get("BENCH_QUICK") == "1"
SIZES = {
    "blog_posts": 100 if QUICK else 400,
    "papers": 20 if QUICK else 60,
    "events": 60 if QUICK else 300,
    "places": 40 if QUICK else 120,
    "stories": 150 if QUICK else 600,
    "donations": 1_000 if QUICK else 5_000,
    "clauses": 10 if QUICK else 50,
    "amendments": 1_000 if QUICK else 10_000,
    "supporters": 5_000 if QUICK else 100_000,  # ten votes each: 50,000 / 1,000,000
}
WORDS = [
    "alliance",
    "local",
    "parties",
    "stand",
    "aside",
    "together",
    "fair",
    "votes",
    "council",
    "green",
    "deal",
    "public",
    "services",
    "climate",
    "justice",
    "people",
    "community",
    "campaign",
    "candidate",
    "ward",
    "seat",
    "election",
]


def words(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


class step:
    def __init__(self, label):
        self.label = label

    def __enter__(self):
        self.start = time.perf_counter()
        print(f"  {self.label} ...", end="", flush=True)

    def __exit__(self, *exc):
        print(f" {time.perf_counter() - self.start:.1f} s", flush=True)


def authors(rng):
    from cms.models import Author

    existing = list(Author.objects.all())
    new = Author.objects.bulk_create(
        [Author(name=f"Bench Author {n}", role="Researcher", bio=words(rng, 20)) for n in range(30)]
    )
    return existing + new


def load_blog(rng, people):
    from wagtail.rich_text import RichText

    from cms.models import BlogIndexPage, BlogPostAuthor, BlogPostPage

    index = BlogIndexPage.objects.live().order_by("pk").first()
    start = datetime.date(2024, 1, 1)
    for n in range(SIZES["blog_posts"]):
        post = BlogPostPage(
            title=f"Bench post {n}: {words(rng, 4)}",
            slug=f"bench-post-{n}",
            date=start + datetime.timedelta(days=n),
            intro=words(rng, 25).capitalize() + ".",
            body=[("paragraph", RichText(f"<p>{words(rng, 80)}.</p>")) for _ in range(5)],
        )
        for order, author in enumerate(rng.sample(people, 2)):
            post.author_links.add(BlogPostAuthor(author=author, sort_order=order))
        post.tags.add(*rng.sample(["tactics", "elections", "councils", "climate", "polls"], 2))
        index.add_child(instance=post)


def load_papers(rng, people):
    from wagtail.rich_text import RichText

    from cms.models import PaperAuthor, PaperIndexPage, PaperPage

    index = PaperIndexPage.objects.live().order_by("pk").first()
    for n in range(SIZES["papers"]):
        body = []
        for section in range(8):
            body.append(("heading", {"text": f"Section {section + 1}", "level": "h2"}))
            for part in range(3):
                marker = f"n{section}-{part}"
                body.append(("paragraph", RichText(f"<p>{words(rng, 60)} [^{marker}].</p>")))
                body.append(("footnote", {"marker": marker, "text": RichText(words(rng, 15))}))
        paper = PaperPage(
            title=f"Bench paper {n}: {words(rng, 4)}",
            slug=f"bench-paper-{n}",
            publication_date=datetime.date(2025, 1, 1) + datetime.timedelta(days=n),
            summary=words(rng, 30).capitalize() + ".",
            body=body,
        )
        for order, author in enumerate(rng.sample(people, 3)):
            paper.author_links.add(PaperAuthor(author=author, sort_order=order))
        index.add_child(instance=paper)


def load_events(rng):
    from django.utils import timezone

    from cms.models import EventIndexPage, EventPage
    from cms.regions import EVENT_REGION_CHOICES

    index = EventIndexPage.objects.live().order_by("pk").first()
    regions = [key for key, _ in EVENT_REGION_CHOICES]
    now = timezone.now()
    half = SIZES["events"] // 2
    for n in range(SIZES["events"]):
        start = now + datetime.timedelta(days=(n - half) * 2 + 1, hours=n % 5)
        index.add_child(
            instance=EventPage(
                title=f"Bench event {n}: {words(rng, 3)}",
                slug=f"bench-event-{n}",
                start=start,
                end=start + datetime.timedelta(hours=2),
                summary=words(rng, 20).capitalize() + ".",
                venue="Town hall",
                town=f"Town {n % 40}",
                region=regions[n % len(regions)],
                organiser=f"Bench alliance {n % 25}",
            )
        )


def load_stories(rng):
    from cms.models import Party
    from cms.regions import Region
    from stories.models import Arrangement, Outcome, Place, StoriesIndexPage, StoryPage

    index = StoriesIndexPage.objects.live().order_by("pk").first()
    regions = [key for key, _ in Region.choices]
    places = Place.objects.bulk_create(
        [
            Place(
                name=f"Bench place {n}",
                slug=f"bench-place-{n}",
                region=regions[n % len(regions)],
                kind="constituency" if n % 3 else "council",
            )
            for n in range(SIZES["places"])
        ]
    )
    parties = list(Party.objects.all())
    arrangements = [key for key, _ in Arrangement.choices]
    outcomes = [key for key, _ in Outcome.choices]
    for n in range(SIZES["stories"]):
        place = places[n % len(places)]
        story = StoryPage(
            title=f"Bench story {n}: {words(rng, 4)}",
            slug=f"bench-story-{n}",
            group_name=f"Bench alliance {n}",
            place=place,
            arrangement=arrangements[n % len(arrangements)],
            election=f"{2015 + n % 10} local elections",
            year=2015 + n % 10,
            outcome=outcomes[n % len(outcomes)],
            body=f"Story {n}. " + "\n\n".join(words(rng, 60) for _ in range(4)),
            consent_to_publish=True,
        )
        story.parties.set(rng.sample(parties, 3))  # saved with the page (a parental relation)
        index.add_child(instance=story)


def load_donations(rng):
    from django.utils import timezone

    from crowdfund.models import CrowdfundPage, Donation, LedgerEntry

    page = CrowdfundPage.objects.live().order_by("pk").first()
    now = timezone.now()
    donations = Donation.objects.bulk_create(
        [
            Donation(
                crowdfund=page,
                status="paid",
                amount_pence=rng.choice([500, 1_000, 2_000, 2_500, 5_000]),
                name=f"Bench Donor {n}",
                email=f"donor{n}@donors.bench.example",
                email_normalised=f"donor{n}@donors.bench.example",
                message=words(rng, 8) if n % 3 == 0 else "",
                show_name=n % 2 == 0,
                paid_at=now - datetime.timedelta(minutes=n),
                stripe_payment_intent_id=f"pi_bench_{n}",
            )
            for n in range(SIZES["donations"])
        ],
        batch_size=2000,
    )
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                crowdfund=page,
                donation=donation,
                kind="payment",
                amount_pence=donation.amount_pence,
                source_id=donation.stripe_payment_intent_id,
                created_at=donation.paid_at,
            )
            for donation in donations
        ],
        batch_size=2000,
    )


def load_manifesto():
    import manifesto_bench

    from manifesto.ranking_store import recompute_page_rankings

    manifesto_bench.CLAUSES = SIZES["clauses"]
    manifesto_bench.AMENDMENTS = SIZES["amendments"]
    manifesto_bench.SUPPORTERS = SIZES["supporters"]
    page, _, _ = manifesto_bench.generate()
    with step("rankings (popular, common ground, bridging)"):
        recompute_page_rankings(page)


def main():
    import django

    django.setup()
    from django.db import connection, transaction

    rng = random.Random(2026)
    print(f"Benchmark data ({'quick' if QUICK else 'full'}): {SIZES}", flush=True)
    with transaction.atomic():
        people = authors(rng)
        with step(f"{SIZES['blog_posts']} blog posts"):
            load_blog(rng, people)
        with step(f"{SIZES['papers']} papers with 24 footnotes each"):
            load_papers(rng, people)
        with step(f"{SIZES['events']} events"):
            load_events(rng)
        with step(f"{SIZES['stories']} stories in {SIZES['places']} places"):
            load_stories(rng)
        with step(f"{SIZES['donations']} paid donations with ledger entries"):
            load_donations(rng)
    load_manifesto()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


if __name__ == "__main__":
    main()
