"""The merge screen in the admin: a preview of what will change, then a confirmation POST.

The preview comes from `merge.plan_merge` (the merge done and rolled back), so these tests
compare what it shows with what the confirmed merge then does, and check that looking
changes nothing: no version, no status, no vote, no email.
"""

import pytest
from django.urls import reverse

from manifesto.actions import cast_vote, propose, set_status
from manifesto.merge import plan_merge
from manifesto.models import Amendment, AmendmentStatus, AmendmentStatusChange, Vote
from tests.conftest import make_user

BASE = "End austerity and close the gap between rich and poor."


@pytest.fixture(autouse=True)
def role_permissions(db):
    from cms.roles import sync_role_permissions

    sync_role_permissions()


@pytest.fixture
def economy(manifesto):
    return manifesto.live_clauses().get(section="Economy")


@pytest.fixture
def voters(db):
    return [make_user(f"voter{i}@example.com", "Supporters") for i in range(3)]


@pytest.fixture
def scene(manifesto, economy, supporter, other_supporter, moderator, voters):
    """One accepted amendment and, on the same clause, one open amendment of each fate."""

    def amend(author, text, kind="replace"):
        return propose(manifesto, economy, author, kind, text, "Better.")

    chosen = amend(supporter, BASE.replace("End austerity", "Reverse cuts"))
    kept = amend(other_supporter, BASE.replace("rich and poor", "all"))
    rival = amend(other_supporter, BASE.replace("End austerity", "Stop cuts"))
    both = BASE.replace("End austerity", "Reverse cuts").replace("rich and poor", "all")
    superset = amend(other_supporter, both)
    deletion = amend(other_supporter, "", kind="delete")
    for voter in voters:
        cast_vote(chosen, voter, "agree")
        cast_vote(superset, voter, "agree")
        cast_vote(kept, voter, "pass")
    set_status(chosen, AmendmentStatus.ACCEPTED, by=moderator)
    return {
        "chosen": chosen,
        "kept": kept,
        "rival": rival,
        "superset": superset,
        "deletion": deletion,
    }


def preview_url(manifesto, *amendments, note=""):
    query = "&".join(f"amendment={a.pk}" for a in amendments)
    return f"{reverse('manifesto_merge_preview', args=[manifesto.pk])}?{query}&note={note}"


def snapshot(manifesto):
    """What a merge would change: versions, statuses, texts, votes, history, outbox."""
    from cms.models import OutgoingEmail

    return (
        manifesto.versions.count(),
        sorted(Amendment.objects.values_list("pk", "status", "text", "agree_count")),
        Vote.objects.count(),
        AmendmentStatusChange.objects.count(),
        OutgoingEmail.objects.count(),
        sorted(manifesto.clauses.values_list("pk", "text", "is_deleted")),
    )


def pks(amendments):
    return sorted(a.pk for a in amendments)


def test_the_preview_lists_exactly_what_the_confirmed_merge_then_does(
    client, manifesto, economy, moderator, scene, mail_via_celery
):
    client.force_login(moderator)
    plan = plan_merge(manifesto, [scene["chosen"]], moderator, "Cuts")
    html = client.get(preview_url(manifesto, scene["chosen"], note="Cuts")).content.decode()
    # What the screen says, from the plan.
    assert "Step 1 of 2: nothing has changed yet" in html
    assert "<h3>Clause 3 (Economy)</h3>" in html
    assert "<del>End</del><ins>Reverse</ins> <del>austerity</del><ins>cuts</ins> and close" in html
    assert f"Amendment {scene['chosen'].pk}</a> by Sam: 3 agree" in html
    assert "Voters emailed that their votes were reset</dt>\n  <dd>3</dd>" in html
    assert "Little support:" in html  # three agree votes are few
    with mail_via_celery():
        response = client.post(
            reverse("manifesto_merge_preview", args=[manifesto.pk]),
            {"amendment": [scene["chosen"].pk], "note": "Cuts", "version": "1"},
        )
    assert response.status_code == 302
    # What the merge did, amendment by amendment, is what the plan said.
    outcome = {a.pk: a.status for a in Amendment.objects.all()}
    assert pks(plan.merged) == [scene["chosen"].pk]
    assert outcome[scene["chosen"].pk] == AmendmentStatus.MERGED
    assert pks(plan.rewritten) == pks([scene["kept"], scene["deletion"]])
    assert pks(plan.reset) == [scene["superset"].pk]
    assert pks(plan.needs_update) == [scene["rival"].pk]
    assert outcome[scene["rival"].pk] == AmendmentStatus.NEEDS_UPDATE
    assert Vote.objects.filter(amendment=scene["superset"]).count() == 0
    assert Vote.objects.filter(amendment=scene["kept"]).count() == 3
    told = {a for m in mail_via_celery.outbox for a in m.to if "changed" in m.subject}
    assert plan.voters_told == len(told) == 3
    economy.refresh_from_db()
    assert [c.after for c in plan.clauses] == [economy.text]
    assert manifesto.versions.get(number=2).note == "Cuts"
    for amendment in plan.rewritten + plan.reset:
        assert Amendment.objects.get(pk=amendment.pk).text == amendment.text


def test_looking_at_the_preview_changes_nothing_and_sends_nothing(
    client, manifesto, moderator, scene, mail_via_celery
):
    client.force_login(moderator)
    before = snapshot(manifesto)
    with mail_via_celery():
        for _ in range(2):
            assert client.get(preview_url(manifesto, scene["chosen"])).status_code == 200
        client.get(reverse("manifesto_collisions", args=[manifesto.pk]))
        # Choosing on the collision page only leads on to the preview.
        response = client.post(
            reverse("manifesto_collisions", args=[manifesto.pk]),
            {"amendment": [scene["chosen"].pk], "note": "Cuts"},
        )
    assert response.status_code == 303 and "/preview/?amendment=" in response["Location"]
    assert snapshot(manifesto) == before
    assert mail_via_celery.outbox == []


def test_a_confirmation_for_an_older_text_merges_nothing_and_shows_the_new_preview(
    client, manifesto, moderator, editor, scene
):
    from manifesto.merge import apply_edits

    client.force_login(moderator)
    apply_edits(manifesto, editor, {}, new_clauses=[("Democracy", "Votes at 16.")])
    before = snapshot(manifesto)
    response = client.post(
        reverse("manifesto_merge_preview", args=[manifesto.pk]),
        {"amendment": [scene["chosen"].pk], "version": "1"},
    )
    assert response.status_code == 302 and "/preview/?amendment=" in response["Location"]
    assert snapshot(manifesto) == before


def test_a_confirmation_after_a_chosen_amendment_was_rejected_merges_nothing(
    client, manifesto, moderator, scene
):
    second = scene["kept"]
    set_status(second, AmendmentStatus.ACCEPTED, by=moderator)
    client.force_login(moderator)
    assert client.get(preview_url(manifesto, scene["chosen"], second)).status_code == 200
    set_status(second, AmendmentStatus.REJECTED, "Changed our minds.", by=moderator)
    before = snapshot(manifesto)
    response = client.post(
        reverse("manifesto_merge_preview", args=[manifesto.pk]),
        {"amendment": [scene["chosen"].pk, second.pk], "version": "1"},
    )
    assert response.status_code == 302 and "/preview/?amendment=" in response["Location"]
    assert snapshot(manifesto) == before


def test_colliding_choices_are_explained_and_cannot_be_confirmed(
    client, manifesto, moderator, scene
):
    Amendment.objects.filter(pk=scene["rival"].pk).update(status=AmendmentStatus.ACCEPTED)
    client.force_login(moderator)
    html = client.get(preview_url(manifesto, scene["chosen"], scene["rival"])).content.decode()
    assert "This merge cannot be made" in html
    assert "Stop" in html and "Reverse" in html
    assert 'name="version"' not in html


def test_a_well_supported_amendment_gets_no_little_support_warning(
    client, manifesto, moderator, scene
):
    Amendment.objects.filter(pk=scene["chosen"].pk).update(agree_count=40, disagree_count=3)
    client.force_login(moderator)
    html = client.get(preview_url(manifesto, scene["chosen"])).content.decode()
    assert "Step 1 of 2" in html and "Little support:" not in html


@pytest.mark.parametrize(
    ("who", "may_merge"),
    [("anonymous", False), ("supporter", False), ("moderator", True), ("editor", True)],
)
def test_only_moderators_and_editors_see_the_preview_and_merge(
    client, manifesto, scene, who, may_merge, request
):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    preview = client.get(preview_url(manifesto, scene["chosen"]))
    confirm = client.post(
        reverse("manifesto_merge_preview", args=[manifesto.pk]),
        {"amendment": [scene["chosen"].pk], "version": "1"},
    )
    merged = Amendment.objects.get(pk=scene["chosen"].pk).status == AmendmentStatus.MERGED
    assert merged is may_merge
    if may_merge:
        assert preview.status_code == 200
    else:
        assert preview.status_code in (302, 403) and confirm.status_code in (302, 403)
        if preview.status_code == 302:
            assert preview["Location"].startswith(reverse("wagtailadmin_login"))


def test_merging_is_refused_on_the_server_outside_the_merge_phases(
    client, manifesto, moderator, scene
):
    from tests.manifesto.conftest import set_phase

    set_phase(manifesto, "drafting")
    client.force_login(moderator)
    refused = client.get(preview_url(manifesto, scene["chosen"]))
    # Wagtail answers a PermissionDenied with its "no permission" redirect to the dashboard.
    assert refused.status_code == 302 and refused["Location"] == reverse("wagtailadmin_home")
    client.post(
        reverse("manifesto_merge_preview", args=[manifesto.pk]),
        {"amendment": [scene["chosen"].pk], "version": "1"},
    )
    assert Amendment.objects.get(pk=scene["chosen"].pk).status == AmendmentStatus.ACCEPTED
