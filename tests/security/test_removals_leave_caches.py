"""Testing that what is removed or renamed leaves the shared caches at once (issue 13, finding 6).

With the page cache and page parts on (600 s, as in production; in memory and on
Redis), each test renders a page for an anonymous visitor until it is served from the
cache, removes or changes something it shows (through the admin or the person's own
account pages where there is one), and checks that the very next anonymous visitor no
longer sees it. Each change goes through `cms.cache.purge_on`, the one registry of
what the public sees besides pages.
"""

# ruff: noqa: F811  (fixtures imported from the apps' conftest files, used as arguments)
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cms.models import PageReply
from cms.moderation import ModerationStatus
from crowdfund.models import CrowdfundUpdate, DonationStatus
from manifesto import actions
from manifesto.models import Amendment, AmendmentComment, AmendmentStatus
from tests.cms.conftest import blog_index, blog_post, make_post  # noqa: F401
from tests.conftest import PASSWORD
from tests.crowdfund.conftest import crowdfund, make_donation  # noqa: F401
from tests.manifesto.conftest import clause, manifesto  # noqa: F401
from tests.security.caches import caches_on  # noqa: F401
from tests.stories.conftest import make_story, places, stories_index  # noqa: F401


def cached_page(url: str) -> str:
    """The page as anonymous visitors get it, once it is served from the shared cache."""
    visitor = Client()
    visitor.get(url)
    response = visitor.get(url)
    assert response.status_code == 200, url
    assert response["X-Page-Cache"] == "hit", url
    return response.content.decode()


def next_visit(url: str):
    return Client().get(url)


@pytest.fixture
def approved_reply(blog_post, supporter):
    return PageReply.objects.create(
        page=blog_post,
        author=supporter,
        body="A reply that will not stay.",
        status=ModerationStatus.APPROVED,
    )


def test_a_reply_a_moderator_deletes_is_gone_for_the_next_visitor(
    caches_on, approved_reply, blog_post, moderator, client
):
    assert "A reply that will not stay." in cached_page(blog_post.url)
    client.force_login(moderator)
    delete = reverse("wagtailsnippets_cms_pagereply:delete", args=[approved_reply.pk])
    assert client.post(delete).status_code == 302
    assert not PageReply.objects.filter(pk=approved_reply.pk).exists()
    assert "A reply that will not stay." not in next_visit(blog_post.url).content.decode()


def test_a_reply_a_moderator_rejects_on_its_edit_screen_is_gone(
    caches_on, approved_reply, blog_post, moderator, client
):
    assert "A reply that will not stay." in cached_page(blog_post.url)
    client.force_login(moderator)
    edit = reverse("wagtailsnippets_cms_pagereply:edit", args=[approved_reply.pk])
    assert client.post(edit, {"status": ModerationStatus.REJECTED}).status_code == 302
    approved_reply.refresh_from_db()
    assert approved_reply.status == ModerationStatus.REJECTED
    assert "A reply that will not stay." not in next_visit(blog_post.url).content.decode()


def test_a_reply_rejected_in_bulk_is_gone(caches_on, approved_reply, blog_post, moderator):
    assert "A reply that will not stay." in cached_page(blog_post.url)
    approved_reply.reject(moderator)
    assert "A reply that will not stay." not in next_visit(blog_post.url).content.decode()


def test_an_edited_reply_shows_its_new_words(caches_on, approved_reply, blog_post):
    assert "A reply that will not stay." in cached_page(blog_post.url)
    approved_reply.body = "The words after an edit."
    approved_reply.save()
    page = next_visit(blog_post.url).content.decode()
    assert "The words after an edit." in page
    assert "A reply that will not stay." not in page


def test_a_supporters_new_display_name_replaces_the_old_one(
    caches_on, approved_reply, blog_post, supporter, client
):
    assert "Sam" in cached_page(blog_post.url)
    client.force_login(supporter)
    response = client.post(reverse("profile"), {"display_name": "Samira Q", "first_name": ""})
    assert response.status_code == 302
    page = next_visit(blog_post.url).content.decode()
    assert "Samira Q" in page
    assert "<strong>Sam</strong>" not in page


def test_a_deleted_account_leaves_no_name_on_cached_pages(
    caches_on, approved_reply, blog_post, supporter, client
):
    assert "<strong>Sam</strong>" in cached_page(blog_post.url)
    client.force_login(supporter)
    response = client.post(reverse("delete_my_account"), {"confirm": "on", "password": PASSWORD})
    assert response.status_code == 302
    page = next_visit(blog_post.url).content.decode()
    assert "<strong>Sam</strong>" not in page
    assert "A former supporter" in page
    assert "A reply that will not stay." in page  # the text stays, without its author


def test_a_sign_in_does_not_purge_the_page_cache(caches_on, approved_reply, blog_post, supporter):
    cached_page(blog_post.url)
    before = supporter.last_login
    response = Client().post(
        reverse("account_login"), {"login": supporter.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    supporter.refresh_from_db()
    assert supporter.last_login != before  # the sign-in saved the account
    assert next_visit(blog_post.url)["X-Page-Cache"] == "hit"


def test_a_new_reply_awaiting_moderation_does_not_purge(caches_on, blog_post, supporter):
    cached_page(blog_post.url)
    PageReply.objects.create(page=blog_post, author=supporter, body="Pending words.")
    assert next_visit(blog_post.url)["X-Page-Cache"] == "hit"


@pytest.fixture
def amendment(manifesto, clause, other_supporter):
    found = actions.propose(
        manifesto, clause, other_supporter, "replace", "Amended words for all.", "Clearer."
    )
    assert found.status == AmendmentStatus.PUBLISHED
    return found


def test_amendment_discussion_a_moderator_rejects_is_gone(
    caches_on, manifesto, amendment, supporter, moderator, client
):
    comment = AmendmentComment.objects.create(
        amendment=amendment, author=supporter, body="A comment to take down.", status="approved"
    )
    url = f"{manifesto.url}amendment/{amendment.pk}/"
    assert "A comment to take down." in cached_page(url)
    client.force_login(moderator)
    edit = reverse("wagtailsnippets_manifesto_amendmentcomment:edit", args=[comment.pk])
    assert client.post(edit, {"status": ModerationStatus.REJECTED}).status_code == 302
    assert "A comment to take down." not in next_visit(url).content.decode()


def test_an_amendment_hidden_after_reports_is_gone_from_its_clause(
    caches_on, manifesto, clause, amendment, supporter
):
    manifesto.report_threshold = 1
    manifesto.save(update_fields=["report_threshold"])
    url = f"{manifesto.url}clause/{clause.key}/"
    card = f'id="amendment-{amendment.pk}"'
    assert card in cached_page(url)
    assert actions.report(Amendment.objects.get(pk=amendment.pk), supporter, "Abusive")
    assert card not in next_visit(url).content.decode()


def test_an_amendment_rejected_by_a_moderator_leaves_the_ranked_list(
    caches_on, manifesto, clause, amendment, moderator
):
    url = f"{manifesto.url}clause/{clause.key}/"
    card = f'id="amendment-{amendment.pk}"'
    assert card in cached_page(url)
    actions.change_status(amendment, moderator, "reject", "Out of scope.")
    assert card not in next_visit(url).content.decode()


def test_a_story_unpublished_or_deleted_leaves_the_library(caches_on, stories_index, make_story):
    story = make_story(title="The Frome stand-aside")
    other = make_story(title="The Wealden joint group")
    assert "The Frome stand-aside" in cached_page(stories_index.url)
    assert "The Frome stand-aside" in cached_page(story.url)
    story.unpublish()
    assert "The Frome stand-aside" not in next_visit(stories_index.url).content.decode()
    assert next_visit(story.url).status_code == 404
    assert "The Wealden joint group" in cached_page(stories_index.url)
    other.delete()
    assert "The Wealden joint group" not in next_visit(stories_index.url).content.decode()


def test_a_donor_who_asks_to_be_anonymous_leaves_the_wall(caches_on, crowdfund):
    donation = make_donation(
        crowdfund,
        name="Grace Hopper",
        show_name=True,
        message="For the hub!",
        status=DonationStatus.PAID,
        paid_at=timezone.now(),
    )
    assert "Grace Hopper" in cached_page(crowdfund.url)
    donation.show_name = False
    donation.message = ""
    donation.save()
    page = next_visit(crowdfund.url).content.decode()
    assert "Grace Hopper" not in page
    assert "For the hub!" not in page


def test_a_deleted_update_for_backers_leaves_the_crowdfund_page(caches_on, crowdfund):
    update = CrowdfundUpdate.objects.create(
        crowdfund=crowdfund, title="An update we take back", body="<p>Oops.</p>"
    )
    assert "An update we take back" in cached_page(crowdfund.url)
    update.delete()
    assert "An update we take back" not in next_visit(crowdfund.url).content.decode()
