"""Rankings in words a supporter understands: a sentence per amendment, shares in percent.

Pure functions over an amendment's stored `common_ground_detail`, so they are tested with
tables of plain figures. The detail is read defensively: older rows hold only agree and
disagree per group, newer ones also passes, whether a group is a party and whether the
score is early (`manifesto.ranking_store` writes it). Scores are never shown as bare decimals.
"""

from dataclasses import dataclass

NO_PARTY = "No party"  # the group of supporters who declared no party (never a party)

NUMBER_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


@dataclass(frozen=True)
class GroupVotes:
    """One group's votes on one amendment (a party, or supporters of no party)."""

    name: str
    agree: int
    passed: int
    disagree: int
    is_party: bool

    @property
    def total(self) -> int:
        return self.agree + self.passed + self.disagree

    @property
    def decided(self) -> int:
        return self.agree + self.disagree

    @property
    def agree_share(self) -> float | None:
        """Agreement among those who took a side (passes say "no view", not "no")."""
        return self.agree / self.decided if self.decided else None

    def has_enough(self, min_votes: int) -> bool:
        return self.decided >= max(1, min_votes)

    def percent(self, count: int) -> int:
        """A share of this group's votes as a whole percent, for the bars' table."""
        return round(100 * count / self.total) if self.total else 0


def groups_from_detail(detail: dict | None) -> list[GroupVotes]:
    """The groups of a stored detail, parties first (by name), then supporters of no party."""
    groups = []
    for name, figures in ((detail or {}).get("groups") or {}).items():
        groups.append(
            GroupVotes(
                name=name,
                agree=int(figures.get("agree", 0) or 0),
                passed=int(figures.get("pass", 0) or 0),
                disagree=int(figures.get("disagree", 0) or 0),
                is_party=bool(figures.get("is_party", name != NO_PARTY)),
            )
        )
    return sorted(groups, key=lambda g: (not g.is_party, g.name))


def group_rows(detail: dict | None, min_votes: int) -> list[dict]:
    """What the party bars and their table show, one row per group, in words."""
    rows = []
    for group in groups_from_detail(detail):
        enough = group.has_enough(min_votes)
        share = (
            f"{percent_words(group.agree_share)} of those taking a side agree"
            if (group.decided)
            else "No one has taken a side yet"
        )
        if not group.is_party:
            note = f"{share}; not a party, so never counted as one"
        elif not enough:
            note = "Too few votes yet to count"
        else:
            note = share
        rows.append(
            {
                "name": group.name,
                "agree": group.agree,
                "passed": group.passed,
                "disagree": group.disagree,
                "total": group.total,
                "is_party": group.is_party,
                "counted": group.is_party and enough,
                "note": note,
            }
        )
    return rows


def count_words(n: int) -> str:
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def percent_words(share: float) -> str:
    """A share as a whole percent, never 0% or 100% unless it is exactly that."""
    value = round(100 * share)
    if value == 0 and share > 0:
        return "under 1%"
    if value == 100 and share < 1:
        return "over 99%"
    return f"{value}%"


def _names(groups: list[GroupVotes]) -> str:
    names = [g.name for g in groups]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def is_early(detail: dict | None, min_votes: int) -> bool:
    """Early: fewer than two parties have enough decided votes for a score to mean much."""
    if detail and "early" in detail:
        return bool(detail["early"])
    scored = [g for g in groups_from_detail(detail) if g.is_party and g.has_enough(min_votes)]
    return len(scored) < 2


def support_sentence(detail: dict | None, min_votes: int) -> str:
    """One plain sentence on where an amendment is supported, e.g.

    "Supported in four of five parties; strongest among Green; too few Plaid Cymru votes yet."
    A party counts once `min_votes` of its supporters took a side; supporters of no party
    are described on their own and never counted as a party.
    """
    groups = groups_from_detail(detail)
    if not any(g.total for g in groups):
        return "No votes yet."
    parties = [g for g in groups if g.is_party and g.total]
    scored = [g for g in parties if g.has_enough(min_votes)]
    too_few = [g for g in parties if not g.has_enough(min_votes)]
    supported = [g for g in scored if g.agree_share > 0.5]
    opposed = [g for g in scored if g.agree_share < 0.5]
    parts = []
    if len(scored) >= 2:
        if len(supported) == len(scored):
            parts.append(f"Supported in all {count_words(len(scored))} parties with enough votes")
        elif not supported:
            parts.append(f"Not supported in any of the {count_words(len(scored))} parties")
        else:
            parts.append(
                f"Supported in {count_words(len(supported))} of {count_words(len(scored))} parties"
            )
        if supported:
            best = max(supported, key=lambda g: (g.agree_share, g.decided))
            parts.append(f"strongest among {best.name}")
        if opposed and supported:
            parts.append(f"opposed among {_names(opposed)}")
    elif len(scored) == 1:
        only = scored[0]
        view = "supported" if only.agree_share > 0.5 else "not supported"
        parts.append(f"So far {view} among {only.name}, the only party with enough votes")
    else:
        parts.append("Too few votes in any party to tell yet")
    if too_few and scored:
        parts.append(f"too few {_names(too_few)} votes yet")
    sentence = "; ".join(parts) + "."
    no_party = next((g for g in groups if not g.is_party and g.name == NO_PARTY), None)
    if no_party and no_party.has_enough(min_votes):
        sentence += (
            f" Among supporters of no party, {percent_words(no_party.agree_share)} of those "
            "who took a side agree."
        )
    return sentence


def common_ground_words(score: float | None) -> str:
    """The common ground score in words: the agreement every counted party at least shows."""
    if score is None:
        return "not enough votes from two or more parties yet"
    return f"{percent_words(score)} agreement across parties"


def popular_words(score: float | None) -> str:
    """The popular (Wilson lower bound) score in words."""
    if score is None:
        return "no one has taken a side yet"
    if score < 0.005:
        return "too few agree to say how many"
    return f"at least {percent_words(score)} agree"


# Bridging intercepts are extra agreement on a 0-1 scale that viewpoint does not explain.
BRIDGING_BANDS = [
    (0.15, "liked across viewpoints"),
    (0.05, "some agreement across viewpoints"),
    (-0.05, "no clear agreement across viewpoints"),
]


def bridging_words(score: float | None) -> str:
    if score is None:
        return "not enough votes yet"
    for threshold, words in BRIDGING_BANDS:
        if score >= threshold:
            return words
    return "supported mainly by one viewpoint"
