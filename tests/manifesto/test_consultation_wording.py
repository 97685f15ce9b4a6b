"""The naming consultation reads as a consultation: a question, suggested names, votes and
results, and none of the manifesto's words, on every page a supporter or visitor sees."""

import re
from html import unescape

import pytest

from manifesto.actions import cast_vote, propose
from manifesto.merge import start_text
from manifesto.models import ManifestoPage
from manifesto.ranking_store import recompute_page_rankings
from tests.conftest import make_user
from tests.manifesto.conftest import set_phase

MANIFESTO_WORDS = ["amendment", "clause", "version", "phase", "collides"]


def visible_text(html: str) -> str:
    """What a reader sees or hears: text and the attributes read aloud, not addresses,
    class names or form field names."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    html = re.sub(r'<input[^>]*type="hidden"[^>]*>', " ", html)
    spoken = " ".join(re.findall(r'\s(?:aria-label|alt|title|placeholder|value)="([^"]*)"', html))
    text = re.sub(r"<[^>]+>", " ", html)
    # An address shown to copy (the share links) is an address, not wording.
    return re.sub(r"https?://\S+", " ", unescape(f"{text} {spoken}"))


@pytest.fixture
def naming(home):
    page = ManifestoPage(
        title="What should we call the campaign?",
        slug="name-the-campaign",
        screening=False,
        is_consultation=True,
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    start_text(page, [("The name", "Progressive Alliance")])
    set_phase(page, "amendments")
    page.bridging_min_votes_per_amendment = 1
    page.save(update_fields=["bridging_min_votes_per_amendment"])
    return page


@pytest.fixture
def suggestion(naming):
    author = make_user("author@example.com", "Supporters", party_slug="green")
    question = naming.live_clauses().get()
    suggested = propose(naming, question, author, "replace", "Together", "Short and warm.")
    propose(naming, question, author, "replace", "People's Alliance", "Says who we are.")
    for i, party in enumerate(["green", "labour", "snp", "green", "labour", "none"]):
        cast_vote(
            suggested, make_user(f"v{i}@example.com", "Supporters", party_slug=party), "agree"
        )
    recompute_page_rankings(naming)
    return suggested


def consultation_addresses(naming, suggestion):
    key = naming.live_clauses().get().key
    return [
        naming.url,
        f"{naming.url}clause/{key}/",
        f"{naming.url}clause/{key}/?sort=common",
        f"{naming.url}amendment/{suggestion.pk}/",
        f"{naming.url}where-we-agree/",
    ]


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "supporter"])
def test_consultation_pages_use_none_of_the_manifesto_words(
    client, naming, suggestion, supporter, signed_in
):
    if signed_in:
        client.force_login(supporter)
    addresses = consultation_addresses(naming, suggestion)
    if signed_in:
        key = naming.live_clauses().get().key
        addresses.append(f"{naming.url}clause/{key}/propose/")
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200, address
        text = visible_text(response.content.decode()).lower()
        found = [
            " ".join(text[max(0, m.start() - 60) : m.end() + 30].split())
            for word in MANIFESTO_WORDS
            for m in re.finditer(rf"\b{word}", text)
        ]
        assert found == [], (address, found)


def test_the_consultation_asks_its_question_and_invites_a_suggested_name(
    client, naming, suggestion, supporter
):
    client.force_login(supporter)
    key = naming.live_clauses().get().key
    question = visible_text(client.get(naming.url).content.decode())
    assert "What should we call the campaign?" in question
    assert "Together" in question  # the leading suggested names are listed
    names = visible_text(client.get(f"{naming.url}clause/{key}/").content.decode())
    assert "Suggest a name" in names and "People's Alliance" in names
    one = visible_text(client.get(f"{naming.url}amendment/{suggestion.pk}/").content.decode())
    assert "Votes and results" in one
