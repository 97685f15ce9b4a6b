"""The manifesto: a page of clauses, its versions, amendments to it, votes and discussion.

The current wording lives on `Clause` (fast to read); every change also writes a
`ManifestoVersion` holding a full snapshot, and a `ClauseText` row per changed clause
recording where the wording came from (an amendment with its vote totals, or an editor).
"""

import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import path as django_path
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.search import index

from cms import sitewide
from cms.generation import GENERATION_KEY, content_generation, request_generation
from cms.models.pages import BasePage
from cms.moderation import ModeratedText
from manifesto import diff as worddiff
from manifesto import rules


class Phase(models.TextChoices):
    DRAFTING = "drafting", "Drafting (editors only)"
    AMENDMENTS = "amendments", "Amendments open"
    VOTING = "voting", "Voting only"
    CLOSED = "closed", "Closed"


def _page_view(view):
    """A view taking (request, page, ...) as the method Wagtail's routing binds to the page."""

    def method(page, request, *args, **kwargs):
        return view(request, page, *args, **kwargs)

    method.__name__ = method.__qualname__ = view.__name__
    return method


class ManifestoPage(RoutablePageMixin, BasePage):
    """A manifesto (or a one-question consultation) that supporters amend and vote on.

    Sub-pages (clause, amendment, history, exports, API) are the table `manifesto.views.ROUTES`.
    """

    # Vote totals and rankings are live: the shared page cache keeps this page briefly.
    page_cache_seconds = 5
    # What keys the page cache (cms.cache): a clause's order, seed, filter and page, the
    # versions compared, and the JSON API's page size and clause.
    query_params = ("sort", "seed", "status", "page", "from", "to", "page_size", "clause")

    introduction = models.TextField(blank=True, help_text="Shown above the clauses.")
    is_consultation = models.BooleanField(
        default=False,
        help_text="A one-question consultation: the single clause is the question's current "
        "answer (e.g. the campaign's name) and amendments are alternative answers.",
    )
    amendments_open_at = models.DateTimeField(
        null=True, blank=True, help_text="Before this the text is in drafting (editors only)."
    )
    voting_only_from = models.DateTimeField(
        null=True, blank=True, help_text="From this time no new amendments, voting continues."
    )
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="From this time voting and discussion are closed."
    )
    screening = models.BooleanField(
        default=True,
        help_text="Moderators publish each amendment before others can see it. "
        "Untick to publish amendments at once.",
    )
    min_account_age_days_to_vote = models.PositiveSmallIntegerField(
        default=0,
        help_text="Refuses votes: accounts younger than this many days cannot vote at all "
        "(0: no minimum). To let new accounts vote but keep them out of the rankings, use "
        "the minimum account age to count in scores instead.",
    )
    votes_per_day = models.PositiveIntegerField(
        null=True, blank=True, help_text="Optional cap on new votes per supporter per day."
    )
    report_threshold = models.PositiveSmallIntegerField(
        default=3, help_text="Hide an amendment pending review after this many abuse reports."
    )
    bridging_min_votes_per_voter = models.PositiveSmallIntegerField(
        default=3, help_text="Bridging ranking: ignore voters with fewer votes than this."
    )
    bridging_min_votes_per_amendment = models.PositiveSmallIntegerField(
        default=10, help_text="Bridging ranking: amendments with fewer votes get no score."
    )
    common_ground_min_votes_per_party = models.PositiveSmallIntegerField(
        default=5,
        help_text="Common ground: a party counts once it has this many agree or disagree votes "
        "(at least two parties must count for a score).",
    )
    ranking_early_votes = models.PositiveSmallIntegerField(
        default=30,
        help_text="Scores resting on fewer scored votes than this are marked early "
        "(too few votes to be trusted yet).",
    )
    min_account_age_days_to_count_in_scores = models.PositiveSmallIntegerField(
        default=7,
        help_text="Leaves votes unscored: votes cast by accounts younger than this many days "
        "are accepted and counted in the totals, but not used in the common ground and "
        "bridging scores (0: all are scored). This resists brigading by newly made accounts.",
    )

    content_panels = [
        *BasePage.content_panels,
        FieldPanel("introduction"),
        FieldPanel("is_consultation"),
        MultiFieldPanel(
            [
                FieldPanel("amendments_open_at"),
                FieldPanel("voting_only_from"),
                FieldPanel("closed_at"),
            ],
            heading="Phases",
        ),
        MultiFieldPanel(
            [
                FieldPanel("screening"),
                FieldPanel("min_account_age_days_to_vote"),
                FieldPanel("votes_per_day"),
                FieldPanel("report_threshold"),
            ],
            heading="Participation rules",
        ),
        MultiFieldPanel(
            [
                FieldPanel("min_account_age_days_to_count_in_scores"),
                FieldPanel("common_ground_min_votes_per_party"),
                FieldPanel("bridging_min_votes_per_voter"),
                FieldPanel("bridging_min_votes_per_amendment"),
                FieldPanel("ranking_early_votes"),
            ],
            heading="Ranking",
        ),
    ]
    search_fields = [*BasePage.search_fields, index.SearchField("introduction")]
    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types: list = []

    class Meta:
        verbose_name = "manifesto"

    def clean(self):
        super().clean()
        dates = [self.amendments_open_at, self.voting_only_from, self.closed_at]
        present = [d for d in dates if d]
        if present != sorted(present):
            raise ValidationError("Phase dates must be in order: open, voting only, closed.")

    def phase_at(self, when=None) -> str:
        when = when or timezone.now()
        if self.closed_at and when >= self.closed_at:
            return Phase.CLOSED
        if self.voting_only_from and when >= self.voting_only_from:
            return Phase.VOTING
        if self.amendments_open_at and when >= self.amendments_open_at:
            return Phase.AMENDMENTS
        return Phase.DRAFTING

    @property
    def phase(self) -> str:
        return self.phase_at()

    @property
    def phase_label(self) -> str:
        return Phase(self.phase).label

    @property
    def current_version(self):
        return self.versions.order_by("-number").first()

    def live_clauses(self):
        return self.clauses.filter(is_deleted=False).order_by("position")

    # --- Sub-pages: the table `manifesto.views.ROUTES`, handed over when the app is ready

    routes: tuple = ()

    @classmethod
    def route_to(cls, routes) -> None:
        """Serve these (address, name, view) sub-pages; each view takes (request, page, ...)."""
        cls.routes = tuple(routes)
        if "_routablepage_urlresolver" in cls.__dict__:  # Wagtail's resolver, built from the old
            del cls._routablepage_urlresolver

    @classmethod
    def get_subpage_urls(cls):
        return tuple(
            django_path(route, _page_view(view), name=name) for route, name, view in cls.routes
        )

    def snapshot(self) -> list[dict]:
        """The full current text as JSON: ordered clauses with their section headings."""
        return [
            {"key": c.key, "section": c.section, "text": c.text}
            for c in self.live_clauses().only("key", "section", "text")
        ]


def new_clause_key() -> str:
    return secrets.token_hex(4)


LIVE_PAGE_KEY = "manifesto:live-page:{page_id}"


def live_page_keys(page_id: int) -> list[str]:
    """The cache keys `live_manifesto_page` reads, for a caller that reads them together
    with its own in one round trip (the vote's lean path, manifesto.lean_vote)."""
    return [GENERATION_KEY, LIVE_PAGE_KEY.format(page_id=page_id)]


def live_manifesto_page(page_id: int, found: dict | None = None) -> ManifestoPage | None:
    """The live manifesto page, from the shared cache, for the busiest write (a vote).

    A vote needs the page's phase dates and participation rules, which change only when
    the page is saved, and whether it is in a private section (`in_private_section`),
    which changes only with the site-wide entry. The entry holds the content generation
    (`cms.generation`) it was read under, which a save of a manifesto page (registered in
    manifesto.apps), a publish, a move, a deletion or a new restriction moves on: it serves
    only while that generation is the current one. The entry and the current generation
    are read in one round trip (or given as `found`, read with `live_page_keys`); an entry
    lives MANIFESTO_LIVE_PAGE_SECONDS at most.
    """
    key = LIVE_PAGE_KEY.format(page_id=page_id)
    if found is None:
        found = cache.get_many(live_page_keys(page_id))
    if GENERATION_KEY in found:
        # This request's generation: the one it already read, else the one just read.
        generation = request_generation.get(GENERATION_KEY, lambda: found[GENERATION_KEY])
    else:
        generation = content_generation()
    held_generation, page = found.get(key) or (None, None)
    if held_generation != generation:
        page = ManifestoPage.objects.live().filter(pk=page_id).first()
        if page is not None:
            page.in_private_section = sitewide.may_be_restricted(page)
            cache.set(key, (generation, page), settings.MANIFESTO_LIVE_PAGE_SECONDS)
    return page


class Clause(models.Model):
    """One numbered point of the text. `key` never changes, so links and anchors survive edits."""

    page = models.ForeignKey(ManifestoPage, on_delete=models.CASCADE, related_name="clauses")
    key = models.CharField(max_length=16, default=new_clause_key, editable=False)
    section = models.CharField(
        max_length=120, blank=True, help_text="The heading this clause sits under."
    )
    position = models.FloatField(help_text="Order in the text (inserted clauses go between).")
    text = models.TextField(help_text="The current wording.")
    is_deleted = models.BooleanField(default=False)
    provenance = models.ForeignKey(
        "ClauseText", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    leading_amendment_ids = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="The best-ranked open amendments, stored by the ranking task for the "
        "manifesto page.",
    )

    class Meta:
        ordering = ["page", "position"]
        constraints = [
            models.UniqueConstraint(fields=["page", "key"], name="manifesto_clause_key_unique")
        ]

    def __str__(self):
        return f"{self.number}. {self.text[:60]}" if hasattr(self, "number") else self.text[:70]

    @property
    def url(self) -> str:
        """The clause's page: its text and the amendments to it."""
        return f"{self.page.url}clause/{self.key}/"

    @property
    def anchor(self) -> str:
        return f"clause-{self.key}"


class ManifestoVersion(models.Model):
    """An immutable snapshot of the whole text, made on every change."""

    page = models.ForeignKey(ManifestoPage, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=255, blank=True)
    snapshot = models.JSONField(help_text="Ordered clauses: key, section, text.")

    class Meta:
        ordering = ["page", "number"]
        constraints = [
            models.UniqueConstraint(fields=["page", "number"], name="manifesto_version_unique")
        ]

    def __str__(self):
        return f"{self.page.title} v{self.number}"

    def text_of(self, key: str) -> str | None:
        for clause in self.snapshot:
            if clause["key"] == key:
                return clause["text"]
        return None


class ClauseText(models.Model):
    """Provenance: the wording one version gave one clause, and what produced it."""

    wagtail_reference_index_ignore = True

    version = models.ForeignKey(ManifestoVersion, on_delete=models.CASCADE, related_name="texts")
    clause = models.ForeignKey(Clause, on_delete=models.CASCADE, related_name="history")
    text = models.TextField()
    amendment = models.ForeignKey(
        "Amendment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agree = models.PositiveIntegerField(default=0)
    disagree = models.PositiveIntegerField(default=0)
    abstain = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["version__number"]

    def __str__(self):
        return f"Clause {self.clause_id} in version {self.version_id}"


class AmendmentStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted (awaiting screening)"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    DUPLICATE = "duplicate", "Duplicate"
    MERGED = "merged", "Merged"
    NEEDS_UPDATE = "needs_update", "Needs update"
    CLOSED = "closed", "Closed (the clause was deleted)"


OPEN_STATUSES = [AmendmentStatus(status) for status in rules.OPEN_STATUSES]  # open for voting
REBASE_STATUSES = [
    AmendmentStatus.SUBMITTED,
    AmendmentStatus.PUBLISHED,
    AmendmentStatus.ACCEPTED,
    AmendmentStatus.NEEDS_UPDATE,
]
PUBLIC_STATUSES = [s for s in AmendmentStatus.values if s != AmendmentStatus.SUBMITTED]


class AmendmentKind(models.TextChoices):
    REPLACE = "replace", "Change the wording"
    INSERT_AFTER = "insert_after", "Add a new clause after this one"
    DELETE = "delete", "Delete this clause"


# Amendment fields written only by atomic updates (votes, reports) or the ranking task.
MAINTAINED_ELSEWHERE = {
    "agree_count",
    "disagree_count",
    "pass_count",
    "report_count",
    "popular_score",
    "common_ground_score",
    "common_ground_detail",
    "bridging_score",
    "bridging_detail",
    "burst_flagged_at",
    "burst_votes",
    "burst_cleared_at",
}


class AmendmentQuerySet(models.QuerySet):
    def public(self):
        return self.filter(status__in=PUBLIC_STATUSES, is_hidden=False)

    def votable(self):
        return self.filter(status__in=OPEN_STATUSES, is_hidden=False)

    def flagged_for_bursts(self):
        """Amendments the ranking task saw a sudden burst of new accounts voting on."""
        return self.filter(burst_flagged_at__isnull=False)


class Amendment(models.Model):
    """A proposed change to one clause, written against a base version of its text."""

    page = models.ForeignKey(ManifestoPage, on_delete=models.CASCADE, related_name="amendments")
    clause = models.ForeignKey(Clause, on_delete=models.CASCADE, related_name="amendments")
    kind = models.CharField(
        max_length=12, choices=AmendmentKind.choices, default=AmendmentKind.REPLACE
    )
    text = models.TextField(blank=True, help_text="The proposed wording (empty for a deletion).")
    reason = models.TextField(max_length=2000, help_text="Why, in a few sentences.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="manifesto_amendments",
    )
    base_version = models.ForeignKey(
        ManifestoVersion, on_delete=models.PROTECT, related_name="amendments"
    )
    base_text = models.TextField(help_text="The clause's wording the amendment was written on.")
    diff = models.JSONField(default=list, help_text="Word-level operations on the base text.")
    diff_html = models.TextField(blank=True, editable=False)
    span_start = models.IntegerField(null=True, blank=True, editable=False)
    span_end = models.IntegerField(null=True, blank=True, editable=False)
    status = models.CharField(
        max_length=12,
        choices=AmendmentStatus.choices,
        default=AmendmentStatus.SUBMITTED,
        db_index=True,
    )
    status_reason = models.TextField(
        blank=True, help_text="Why it was rejected, or what collided (shown to the author)."
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    agree_count = models.PositiveIntegerField(default=0)
    disagree_count = models.PositiveIntegerField(default=0)
    pass_count = models.PositiveIntegerField(default=0)
    popular_score = models.FloatField(null=True, blank=True, db_index=True)
    common_ground_score = models.FloatField(null=True, blank=True, db_index=True)
    common_ground_detail = models.JSONField(default=dict, blank=True)
    bridging_score = models.FloatField(null=True, blank=True, db_index=True)
    bridging_detail = models.JSONField(default=dict, blank=True)
    burst_flagged_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the ranking task saw a sudden burst of votes from new accounts.",
    )
    burst_votes = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Votes from new accounts in the burst (they are counted but not scored).",
    )
    burst_cleared_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When a moderator last dismissed a burst flag; only later votes can raise "
        "it again.",
    )
    report_count = models.PositiveIntegerField(default=0)
    is_hidden = models.BooleanField(
        default=False, help_text="Hidden pending review after too many abuse reports."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AmendmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["clause", "status"]),
            # The manifesto page counts open amendments per clause from this index alone
            # (an index-only scan on PostgreSQL), not from the wide, often-updated rows.
            models.Index(
                fields=["page", "status", "is_hidden", "clause"],
                include=["id"],
                name="amendment_open_per_clause",
            ),
        ]
        permissions = [("merge_amendment", "Can merge amendments into a new version")]

    def __str__(self):
        return f"Amendment {self.pk}"  # lists say which clause and what changes (describe.py)

    def save(self, *args, **kwargs):
        """Save, but never write the counters or scores from a possibly stale instance.

        Votes move the counters with atomic UPDATEs, and the ranking task writes the scores
        with bulk_update; a full save of an instance loaded earlier would overwrite them.
        """
        self.refresh_diff()
        if self.pk and not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in MAINTAINED_ELSEWHERE
            ]
        super().save(*args, **kwargs)

    @property
    def url(self) -> str:
        return f"{self.page.url}amendment/{self.pk}/"

    def refresh_diff(self) -> None:
        """Store the word diff, its HTML and the span of base words it touches."""
        if self.kind == AmendmentKind.INSERT_AFTER:
            self.diff = worddiff.make_diff("", self.text)
            self.diff_html = worddiff.render_html("", self.diff)
            span = None
        else:
            target = "" if self.kind == AmendmentKind.DELETE else self.text
            self.diff = worddiff.make_diff(self.base_text, target)
            self.diff_html = worddiff.render_html(self.base_text, self.diff)
            span = worddiff.changed_span(self.diff)
        self.span_start = span.start if span else None
        self.span_end = span.end if span else None

    def clear_burst_flag(self) -> None:
        """A moderator has looked at the burst: drop the flag (only later votes raise it)."""
        now = timezone.now()
        Amendment.objects.filter(pk=self.pk).update(
            burst_flagged_at=None, burst_votes=0, burst_cleared_at=now
        )
        self.burst_flagged_at, self.burst_votes, self.burst_cleared_at = None, 0, now

    @property
    def votes_cast(self) -> int:
        return self.agree_count + self.disagree_count + self.pass_count

    @property
    def anchor(self) -> str:
        return f"amendment-{self.pk}"

    def collides_with(self, other: "Amendment") -> bool:
        return spans_collide(
            (self.base_text, self.kind, self.span_start, self.span_end),
            (other.base_text, other.kind, other.span_start, other.span_end),
        )


def spans_collide(a: tuple, b: tuple) -> bool:
    """Two amendments collide when written on the same text and touching the same words.

    Each argument is (base_text, kind, span_start, span_end). A deletion collides with
    every change of the clause; insertions of new clauses collide with nothing.
    """
    base_a, kind_a, start_a, end_a = a
    base_b, kind_b, start_b, end_b = b
    if AmendmentKind.INSERT_AFTER in (kind_a, kind_b):
        return False
    if AmendmentKind.DELETE in (kind_a, kind_b):
        return True
    if base_a != base_b or start_a is None or start_b is None:
        return False
    return worddiff.ChangedSpan(start_a, end_a).overlaps(worddiff.ChangedSpan(start_b, end_b))


class AmendmentStatusChange(models.Model):
    """One step of an amendment's status history: who moved it, when, from what, to what, why.

    Written by `actions.set_status` (the only writer of a status), so the history is
    complete and a reason replaced by a later decision is still on record.
    """

    wagtail_reference_index_ignore = True

    amendment = models.ForeignKey(
        Amendment, on_delete=models.CASCADE, related_name="status_changes"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when a merge moved it (the clause changed under it).",
    )
    from_status = models.CharField(max_length=12, choices=AmendmentStatus.choices)
    to_status = models.CharField(max_length=12, choices=AmendmentStatus.choices)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["amendment", "changed_at", "pk"]

    def __str__(self):
        return f"Amendment {self.amendment_id}: {self.from_status} to {self.to_status}"


class VoteChoice(models.TextChoices):
    AGREE = "agree", "Agree"
    DISAGREE = "disagree", "Disagree"
    PASS = "pass", "Pass"


COUNTER_FIELD = {
    VoteChoice.AGREE: "agree_count",
    VoteChoice.DISAGREE: "disagree_count",
    VoteChoice.PASS: "pass_count",
}


class Vote(models.Model):
    """One supporter's current view of one amendment (changeable until voting closes)."""

    # Votes are many and written in a hot path; Wagtail's reference index has no use for them.
    wagtail_reference_index_ignore = True

    # No index of their own: (amendment, voter) and (voter, created_at) below lead with
    # them, and every index is one more write per vote.
    amendment = models.ForeignKey(
        Amendment, on_delete=models.CASCADE, related_name="votes", db_index=False
    )
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="manifesto_votes",
        db_index=False,
    )
    choice = models.CharField(max_length=8, choices=VoteChoice.choices)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["amendment", "voter"], name="manifesto_one_vote_each")
        ]
        indexes = [models.Index(fields=["voter", "created_at"])]

    def __str__(self):
        return f"{self.choice} on amendment {self.amendment_id}"


class AmendmentComment(ModeratedText):
    """Discussion of an amendment, moderated like every other public text."""

    amendment = models.ForeignKey(Amendment, on_delete=models.CASCADE, related_name="comments")

    class Meta(ModeratedText.Meta):
        verbose_name = "amendment comment"


class Report(models.Model):
    """An abuse report: one per person per amendment; enough of them hide the amendment."""

    wagtail_reference_index_ignore = True

    amendment = models.ForeignKey(Amendment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="manifesto_reports"
    )
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["amendment", "reporter"], name="manifesto_one_report_each"
            )
        ]

    def __str__(self):
        return f"Report on amendment {self.amendment_id}"
