"""The vote endpoint the forms post to: its checks, made under the amendment's row lock.

Votes skip page routing and read the manifesto page from the shared cache, so these
tests prove that nothing the page's own address would have refused gets through: a
phase change, a section made private, an amendment hidden or rejected after the form
was shown, an amendment of another manifesto.
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import PageViewRestriction

from cms.roles import SUPPORTERS
from manifesto.actions import propose, set_status
from manifesto.models import Amendment, AmendmentStatus, ManifestoPage, Vote
from manifesto.rules import CLOSED, VOTING
from tests.manifesto.conftest import set_phase


@pytest.fixture
def amendment(manifesto, clause, other_supporter):
    return propose(manifesto, clause, other_supporter, "replace", "A Green New Deal now.", "Short.")


def vote(client, page, amendment, choice="agree"):
    return client.post(
        reverse("manifesto_vote", args=[page.pk, amendment.pk]),
        {"choice": choice},
        HTTP_ACCEPT="application/json",
    )


def counts(amendment):
    fresh = Amendment.objects.get(pk=amendment.pk)
    return fresh.agree_count, fresh.disagree_count, fresh.pass_count


def test_a_vote_is_stored_and_answered_with_the_new_counts(client, manifesto, amendment, supporter):
    client.force_login(supporter)
    response = vote(client, manifesto, amendment, "disagree")
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "choice": "disagree",
        "counts": {"agree": 0, "disagree": 1, "pass": 0},
    }
    assert Vote.objects.get(voter=supporter, amendment=amendment).choice == "disagree"


def test_changing_a_vote_moves_one_count_to_another(client, manifesto, amendment, supporter):
    client.force_login(supporter)
    vote(client, manifesto, amendment, "agree")
    vote(client, manifesto, amendment, "pass")
    vote(client, manifesto, amendment, "pass")
    assert counts(amendment) == (0, 0, 1)
    assert Vote.objects.filter(amendment=amendment).count() == 1


def test_the_pages_own_address_still_takes_votes(client, manifesto, amendment, supporter):
    client.force_login(supporter)
    response = client.post(
        f"{manifesto.url}amendment/{amendment.pk}/vote/",
        {"choice": "agree"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200 and counts(amendment) == (1, 0, 0)


@pytest.mark.parametrize("person", ["anonymous", "unverified"])
def test_only_verified_supporters_vote(client, manifesto, amendment, unverified, person):
    if person == "unverified":
        client.force_login(unverified)
    assert vote(client, manifesto, amendment).status_code == 403
    assert counts(amendment) == (0, 0, 0)


def test_a_phase_change_reaches_the_next_vote_at_once(client, manifesto, amendment, supporter):
    client.force_login(supporter)
    assert vote(client, manifesto, amendment).status_code == 200  # the page is now cached
    set_phase(manifesto, CLOSED)
    assert vote(client, manifesto, amendment, "disagree").status_code == 403
    assert counts(amendment) == (1, 0, 0)
    set_phase(manifesto, VOTING)
    assert vote(client, manifesto, amendment, "disagree").status_code == 200


def test_an_unpublished_manifesto_takes_no_votes(client, manifesto, amendment, supporter):
    client.force_login(supporter)
    assert vote(client, manifesto, amendment).status_code == 200
    manifesto.unpublish()
    assert vote(client, manifesto, amendment, "pass").status_code == 404
    assert counts(amendment) == (1, 0, 0)


def test_a_section_made_private_turns_voters_away_at_once(client, manifesto, amendment, supporter):
    client.force_login(supporter)
    assert vote(client, manifesto, amendment).status_code == 200
    PageViewRestriction.objects.create(
        page=manifesto, restriction_type=PageViewRestriction.PASSWORD, password="members"
    )
    assert vote(client, manifesto, amendment, "pass").status_code == 404
    assert counts(amendment) == (1, 0, 0)


@pytest.mark.parametrize(
    "change",
    [
        lambda a, staff: set_status(a, AmendmentStatus.REJECTED, "Off topic.", by=staff),
        lambda a, staff: set_status(a, AmendmentStatus.WITHDRAWN, by=a.author),
        lambda a, staff: Amendment.objects.filter(pk=a.pk).update(is_hidden=True),
    ],
    ids=["rejected", "withdrawn", "hidden"],
)
def test_an_amendment_closed_after_the_form_was_shown_takes_no_vote(
    client, manifesto, amendment, supporter, moderator, change
):
    client.force_login(supporter)
    change(amendment, moderator)
    response = vote(client, manifesto, amendment)
    assert response.status_code in (403, 404)
    assert counts(amendment) == (0, 0, 0)
    assert not Vote.objects.filter(amendment=amendment).exists()


def test_a_hidden_amendment_takes_votes_from_its_author_and_moderators_only(
    client, manifesto, amendment, supporter, other_supporter, moderator
):
    Amendment.objects.filter(pk=amendment.pk).update(is_hidden=True)
    client.force_login(supporter)
    assert vote(client, manifesto, amendment).status_code == 404
    client.force_login(other_supporter)  # the author
    assert vote(client, manifesto, amendment).status_code == 200
    client.force_login(moderator)
    assert vote(client, manifesto, amendment).status_code == 200
    assert counts(amendment) == (2, 0, 0)


def test_an_amendment_of_another_manifesto_is_not_found(
    client, home, manifesto, amendment, supporter
):
    other = ManifestoPage(title="Another", slug="another", screening=False)
    home.add_child(instance=other)
    other.save_revision().publish()
    set_phase(other, VOTING)
    client.force_login(supporter)
    assert vote(client, other, amendment).status_code == 404
    assert counts(amendment) == (0, 0, 0)


def test_an_unknown_choice_is_refused_with_a_message(client, manifesto, amendment, supporter):
    client.force_login(supporter)
    response = vote(client, manifesto, amendment, "maybe")
    assert response.status_code == 400 and "agree, disagree or pass" in response.json()["error"]
    assert counts(amendment) == (0, 0, 0)


def test_a_supporter_who_loses_the_role_cannot_vote_on_their_next_request(
    client, manifesto, amendment, supporter
):
    client.force_login(supporter)
    assert vote(client, manifesto, amendment).status_code == 200  # the user is now cached
    supporter.groups.remove(Group.objects.get(name=SUPPORTERS))
    assert vote(client, manifesto, amendment, "pass").status_code == 403
    assert counts(amendment) == (1, 0, 0)


def test_the_anonymous_never_see_a_hidden_amendment_whose_author_left(
    client, manifesto, clause, other_supporter
):
    amendment = propose(manifesto, clause, other_supporter, "replace", "Fairer votes.", "")
    Amendment.objects.filter(pk=amendment.pk).update(is_hidden=True, author=None)
    assert client.get(f"{manifesto.url}amendment/{amendment.pk}/").status_code == 404
