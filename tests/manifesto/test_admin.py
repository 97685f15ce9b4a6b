"""The admin: moderators list, filter and decide on amendments in bulk; votes are read-only."""

import pytest

from manifesto.actions import cast_vote, propose
from manifesto.models import Amendment, AmendmentStatus


@pytest.fixture(autouse=True)
def role_permissions(db):
    """Grant the roles their permissions as a migrate would (post_migrate)."""
    from cms.roles import sync_role_permissions

    sync_role_permissions()


@pytest.fixture
def amendments(manifesto, clause, supporter, other_supporter):
    first = propose(manifesto, clause, supporter, "replace", "Reverse cuts now.", "Why.")
    second = propose(manifesto, clause, other_supporter, "replace", "Stop cuts now.", "Why.")
    return first, second


def test_moderator_lists_and_filters_amendments(client, moderator, amendments):
    client.force_login(moderator)
    response = client.get("/admin/snippets/manifesto/amendment/")
    assert response.status_code == 200
    first, second = amendments
    Amendment.objects.filter(pk=second.pk).update(status=AmendmentStatus.REJECTED)
    response = client.get("/admin/snippets/manifesto/amendment/?status=rejected")
    html = response.content.decode()
    assert f"Amendment {second.pk}" in html and f"Amendment {first.pk} " not in html


def test_bulk_accept_and_reject_tell_the_authors(client, moderator, amendments, mail_via_celery):
    client.force_login(moderator)
    first, second = amendments
    url = f"/admin/bulk/manifesto/amendment/manifesto_accept/?id={first.pk}&id={second.pk}"
    assert client.get(url).status_code == 200
    with mail_via_celery():
        client.post(url, {"reason": ""})
    assert set(Amendment.objects.values_list("status", flat=True)) == {AmendmentStatus.ACCEPTED}
    assert len(mail_via_celery.outbox) == 2
    url = f"/admin/bulk/manifesto/amendment/manifesto_reject/?id={first.pk}"
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200  # the reason is required: the form comes back
    client.post(url, {"reason": "Out of scope."})
    first.refresh_from_db()
    assert first.status == AmendmentStatus.REJECTED and first.status_reason == "Out of scope."


def test_collision_report_lists_colliding_accepted_amendments(client, moderator, amendments):
    first, second = amendments
    Amendment.objects.update(status=AmendmentStatus.ACCEPTED)
    client.force_login(moderator)
    response = client.get(f"/admin/manifesto/merge/{first.page_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Amendment {first.pk} and amendment {second.pk}" in html
    client.post(f"/admin/manifesto/merge/{first.page_id}/", {"amendment": [first.pk, second.pk]})
    assert Amendment.objects.filter(status=AmendmentStatus.MERGED).count() == 0


def test_votes_are_read_only_and_supporters_have_no_admin(client, moderator, supporter, amendments):
    cast_vote(amendments[0], supporter, "agree")
    client.force_login(moderator)
    assert client.get("/admin/snippets/manifesto/vote/").status_code == 200
    assert client.get("/admin/snippets/manifesto/vote/add/").status_code in (302, 403)
    client.force_login(supporter)
    assert client.get("/admin/snippets/manifesto/amendment/").status_code in (302, 403)
    assert client.get(f"/admin/manifesto/merge/{amendments[0].page_id}/").status_code in (
        302,
        403,
    )


def test_admin_pages_for_each_viewset_render(client, moderator, amendments, mail_via_celery):
    from manifesto.models import AmendmentComment

    first, _ = amendments
    comment = AmendmentComment.objects.create(amendment=first, body="Hello")
    client.force_login(moderator)
    for url in [
        f"/admin/snippets/manifesto/amendment/edit/{first.pk}/",
        "/admin/snippets/manifesto/manifestoversion/",
        "/admin/snippets/manifesto/amendmentcomment/",
        "/admin/manifesto/merge/",
    ]:
        assert client.get(url).status_code == 200, url
    with mail_via_celery():
        client.post(
            f"/admin/snippets/manifesto/amendment/edit/{first.pk}/",
            {"status": "rejected", "status_reason": "Off topic.", "duplicate_of": ""},
        )
    first.refresh_from_db()
    assert first.status == AmendmentStatus.REJECTED
    assert any("rejected" in m.body for m in mail_via_celery.outbox)
    url = f"/admin/bulk/manifesto/amendmentcomment/manifesto_comment_approve/?id={comment.pk}"
    client.post(url)
    comment.refresh_from_db()
    assert comment.status == "approved" and comment.moderated_by == moderator
