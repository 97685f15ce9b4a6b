"""Demo content: the five-point charter as a manifesto, and the naming consultation.

Idempotent: each page is found by its slug first; if it exists nothing is added. All the
randomness (who votes, how) comes from a fixed seed, so every fresh load is identical.
"""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cms.demo.people import demo_user
from cms.demo.site import add_footer_link, add_menu_link, feature_on_home_page
from cms.models import User
from manifesto.actions import cast_vote, propose, set_status
from manifesto.merge import merge_amendments, start_text
from manifesto.models import AmendmentStatus, ManifestoPage
from manifesto.ranking_store import recompute_page_rankings

SEED = 2026

CHARTER = [
    (
        "Climate and nature",
        "We will back a Green New Deal that treats the climate emergency as the emergency it "
        "is, with public investment in clean energy, warm homes and good jobs in every region.",
    ),
    (
        "Democracy",
        "We will renew our democracy by replacing first past the post with a proportional "
        "voting system, so that every vote counts and every voter is heard.",
    ),
    (
        "A fair economy",
        "We will end austerity and tackle economic inequality, so that public services are "
        "properly funded and no community is left behind.",
    ),
    (
        "Justice at home and abroad",
        "We will pursue social and environmental justice grounded in human rights, and work "
        "with other nations as good neighbours and partners.",
    ),
    (
        "Bringing people back in",
        "We will oppose the government's approach to Brexit and bring people who feel "
        "ignored back into the national conversation.",
    ),
]

PARTY_SLUGS = ["labour", "green", "liberal-democrat", "snp", "plaid-cymru", "none"]
FIRST_NAMES = [
    "Aisha", "Ben", "Cerys", "Dev", "Ellie", "Fraser", "Gwen", "Harun", "Iona", "Jack",
    "Kiran", "Lowri", "Malik", "Nia", "Owen", "Pippa", "Qasim", "Rosa", "Seren", "Tom",
    "Uma", "Vik", "Wren", "Xander", "Yasmin", "Zac", "Amir", "Beth", "Calum", "Dina",
    "Efa", "Finn", "Grace", "Hamish", "Isla", "Jon", "Kezia", "Liam", "Maya", "Nathan",
    "Orla", "Paddy",
]  # fmt: skip

# (author email, clause index, kind, text or (old, new) replacement, reason,
#  {party slug: probability of agreeing}, share of voters who vote)
AMENDMENTS = [
    (
        "supporter@alliancehub.example", 0, "replace",
        ("public investment in clean energy", "public investment in clean energy, nature"),
        "Nature recovery belongs beside clean energy.",
        {"green": 0.95, "labour": 0.7, "liberal-democrat": 0.7, "snp": 0.75,
         "plaid-cymru": 0.8, "none": 0.7}, 0.8,
    ),
    (
        "labour.supporter@alliancehub.example", 0, "replace",
        ("good jobs in every region", "good union jobs in every region"),
        "A just transition means jobs with rights.",
        {"labour": 0.95, "green": 0.6, "liberal-democrat": 0.25, "snp": 0.5,
         "plaid-cymru": 0.55, "none": 0.4}, 0.7,
    ),
    (
        "libdem.supporter@alliancehub.example", 0, "replace",
        ("good jobs in every region", "skilled jobs in every nation and region"),
        "Say nations as well as regions; skills matter.",
        {"liberal-democrat": 0.9, "snp": 0.85, "plaid-cymru": 0.85, "green": 0.55,
         "labour": 0.5, "none": 0.6}, 0.6,
    ),
    (
        "plaid.supporter@alliancehub.example", 1, "replace",
        ("a proportional voting system", "a proportional voting system for Westminster and "
         "local councils"),
        "Councils matter as much as Parliament.",
        {"plaid-cymru": 0.9, "green": 0.85, "liberal-democrat": 0.9, "snp": 0.8,
         "labour": 0.6, "none": 0.7}, 0.8,
    ),
    (
        "snp.supporter@alliancehub.example", 1, "replace",
        ("every voter is heard", "every voter in every nation of these islands is heard"),
        "Democracy here has four nations.",
        {"snp": 0.95, "plaid-cymru": 0.9, "green": 0.5, "liberal-democrat": 0.4,
         "labour": 0.25, "none": 0.35}, 0.6,
    ),
    (
        "noparty.supporter@alliancehub.example", 1, "replace",
        ("so that every vote counts", "and hold citizens' assemblies, so that every vote counts"),
        "People outside parties want a direct say too.",
        {"none": 0.9, "green": 0.75, "liberal-democrat": 0.7, "labour": 0.6, "snp": 0.6,
         "plaid-cymru": 0.65}, 0.7,
    ),
    (
        "labour.supporter@alliancehub.example", 2, "replace",
        ("end austerity", "end austerity, tax wealth fairly"),
        "Fair taxes pay for public services.",
        {"labour": 0.95, "green": 0.9, "snp": 0.7, "plaid-cymru": 0.7,
         "liberal-democrat": 0.2, "none": 0.5}, 0.9,
    ),
    (
        "supporter@alliancehub.example", 2, "replace",
        ("no community is left behind", "no community, town or village is left behind"),
        "Market towns and villages asked to be named.",
        {"green": 0.75, "labour": 0.7, "liberal-democrat": 0.75, "snp": 0.7,
         "plaid-cymru": 0.75, "none": 0.75}, 0.6,
    ),
    (
        "libdem.supporter@alliancehub.example", 3, "replace",
        ("as good neighbours and partners", "as good neighbours and partners, starting with "
         "our closest neighbours in Europe"),
        "Our nearest partners first.",
        {"liberal-democrat": 0.95, "snp": 0.85, "green": 0.8, "plaid-cymru": 0.8,
         "labour": 0.6, "none": 0.6}, 0.7,
    ),
    (
        "snp.supporter@alliancehub.example", 4, "replace",
        ("oppose the government's approach to Brexit and bring",
         "seek the closest possible relationship with Europe and bring"),
        "Look forward, not back.",
        {"snp": 0.95, "liberal-democrat": 0.9, "green": 0.7, "plaid-cymru": 0.8,
         "labour": 0.35, "none": 0.4}, 0.7,
    ),
    (
        "noparty.supporter@alliancehub.example", 4, "replace",
        ("oppose the government's approach to Brexit and bring",
         "listen first, whichever way people voted in 2016, and bring"),
        "Win people back by listening.",
        {"none": 0.85, "labour": 0.75, "green": 0.65, "liberal-democrat": 0.55, "snp": 0.5,
         "plaid-cymru": 0.6}, 0.7,
    ),
    (
        "plaid.supporter@alliancehub.example", 4, "insert_after",
        "We will ask local alliances to hold open meetings in market towns, run by local "
        "people, so that the conversation does not only happen in cities.",
        "Readers asked for meetings outside London, run by local people.",
        {"plaid-cymru": 0.9, "green": 0.85, "labour": 0.8, "liberal-democrat": 0.85,
         "snp": 0.8, "none": 0.85}, 0.6,
    ),
]  # fmt: skip

NAMES = [
    ("labour.supporter@alliancehub.example", "People's Alliance", "Puts people first."),
    ("supporter@alliancehub.example", "Social Alliance", "Says what we are for."),
    ("libdem.supporter@alliancehub.example", "Together", "Short and hopeful."),
    ("noparty.supporter@alliancehub.example", "Inclusion", "Nobody left out."),
]
NAME_LEANS = {
    "People's Alliance": {"labour": 0.9, "green": 0.6, "liberal-democrat": 0.35, "snp": 0.4,
                          "plaid-cymru": 0.45, "none": 0.55},
    "Social Alliance": {"labour": 0.6, "green": 0.65, "liberal-democrat": 0.5, "snp": 0.5,
                        "plaid-cymru": 0.55, "none": 0.5},
    "Together": {"labour": 0.65, "green": 0.7, "liberal-democrat": 0.75, "snp": 0.6,
                 "plaid-cymru": 0.65, "none": 0.75},
    "Inclusion": {"labour": 0.4, "green": 0.55, "liberal-democrat": 0.45, "snp": 0.35,
                  "plaid-cymru": 0.4, "none": 0.6},
}  # fmt: skip


def demo_voters() -> list:
    """42 verified demo supporters, seven per party group (including no party)."""
    voters = []
    for i, first_name in enumerate(FIRST_NAMES):
        party = PARTY_SLUGS[i % len(PARTY_SLUGS)]
        voters.append(demo_user(f"voter{i + 1:02d}.{party}@alliancehub.example", first_name, party))
    # They joined the hub weeks before the manifesto opened: their votes are scored, where
    # votes of accounts younger than the manifesto's minimum age are only counted.
    joined = timezone.now() - timedelta(days=60)
    User.objects.filter(pk__in=[v.pk for v in voters], date_joined__gt=joined).update(
        date_joined=joined
    )
    return voters


def load(home) -> None:
    voters = demo_voters()
    manifesto = _load_charter(home, voters)
    consultation = _load_naming(home, voters)
    add_menu_link("Manifesto", page=manifesto, sort_order=10)
    add_footer_link("Help name the campaign", page=consultation, sort_order=30)
    feature_on_home_page(manifesto)


def _page(home, slug, **fields):
    existing = ManifestoPage.objects.filter(slug=slug).first()
    if existing:
        return existing, False
    now = timezone.now()
    page = ManifestoPage(
        slug=slug,
        screening=False,
        amendments_open_at=now - timedelta(days=14),
        voting_only_from=now + timedelta(days=30),
        closed_at=now + timedelta(days=45),
        **fields,
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    return page, True


def _party_slug(user) -> str:
    return user.party.slug if user.party else "none"


def _vote(rng, amendment, voters, leans, turnout) -> None:
    for voter in voters:
        if rng.random() > turnout:
            continue
        p = leans.get(_party_slug(voter), 0.5)
        roll = rng.random()
        choice = "agree" if roll < p else ("pass" if roll < p + 0.08 else "disagree")
        cast_vote(amendment, voter, choice)


@transaction.atomic
def _load_charter(home, voters) -> ManifestoPage:
    page, created = _page(
        home,
        "manifesto",
        title="The progressive charter",
        introduction="Five points first proposed by a local alliance, now open to every "
        "supporter: propose better wording, vote on each other's amendments and see which "
        "ones unite supporters of every party.",
    )
    if not created:
        return page
    editor = demo_user("editor@alliancehub.example", "Eleanor (editor)")
    moderator = demo_user("moderator@alliancehub.example", "Mo (moderator)")
    start_text(page, CHARTER, by=editor, note="The charter as proposed by a local alliance")
    clauses = list(page.live_clauses())
    rng = random.Random(SEED)
    amendments = []
    for author_email, index, kind, change, reason, leans, turnout in AMENDMENTS:
        clause = clauses[index]
        if kind == "replace":
            old, new = change
            text = clause.text.replace(old, new)
        else:
            text = change
        author = demo_user(author_email, "")
        amendment = propose(page, clause, author, kind, text, reason)
        _vote(rng, amendment, voters, leans, turnout)
        amendments.append(amendment)
    # The councils amendment to the democracy clause is accepted and merged: version 2.
    # The citizens' assemblies amendment is rewritten cleanly onto it; the four-nations one
    # touches other words and is rewritten too.
    winner = amendments[3]
    set_status(winner, AmendmentStatus.ACCEPTED, "Broad support across every party.", by=moderator)
    merge_amendments(page, [winner], moderator, "Merged: proportional voting for councils too")
    recompute_page_rankings(page)
    return page


@transaction.atomic
def _load_naming(home, voters) -> ManifestoPage:
    page, created = _page(
        home,
        "name-the-campaign",
        title="What should we call the campaign?",
        is_consultation=True,
        introduction="The campaign needs a name everyone can stand behind. The working name "
        "is below: suggest a better one, and vote on the names others have suggested. The "
        "results show which names have support across every party.",
    )
    if not created:
        return page
    start_text(page, [("The name", "Progressive Alliance")], note="The working name")
    clause = page.live_clauses().get()
    rng = random.Random(SEED + 1)
    for author_email, name, reason in NAMES:
        amendment = propose(page, clause, demo_user(author_email, ""), "replace", name, reason)
        _vote(rng, amendment, voters, NAME_LEANS[name], 0.8)
    recompute_page_rankings(page)
    return page
