"""Testing who may reply to posts and papers, and that replies wait for a moderator."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cms.models import PageReply
from cms.moderation import ModerationStatus


def reply_data(text="I agree with this.", **extra):
    return {"body": text, "website": "", **extra}


def test_reply_is_invisible_until_a_moderator_approves_it(client, supporter, moderator, blog_post):
    client.force_login(supporter)
    response = client.post(blog_post.url, reply_data("Count me in for Frome."))
    assert response.status_code == 302
    reply = PageReply.objects.get()
    assert (reply.status, reply.author, reply.page_id) == (
        ModerationStatus.PENDING,
        supporter,
        blog_post.pk,
    )
    assert "Count me in for Frome." not in client.get(blog_post.url).content.decode()

    reply.approve(moderator)
    html = client.get(blog_post.url).content.decode()
    assert "Count me in for Frome." in html
    assert "Sam" in html
    assert supporter.email not in html


def test_supporter_can_reply_to_a_paper(client, supporter, paper):
    client.force_login(supporter)
    assert client.post(paper.url, reply_data()).status_code == 302
    assert PageReply.objects.filter(page=paper).count() == 1


def test_anonymous_visitor_cannot_reply(client, blog_post):
    response = client.post(blog_post.url, reply_data())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not PageReply.objects.exists()
    assert "Sign in</a> or" in client.get(blog_post.url).content.decode()


def test_unverified_user_cannot_reply(client, unverified, blog_post):
    client.force_login(unverified)
    response = client.post(blog_post.url, reply_data())
    assert response.status_code == 403
    assert "confirmed their email" in response.content.decode()
    assert not PageReply.objects.exists()


def test_bot_filling_the_honeypot_is_refused_and_what_was_typed_is_kept(
    client, supporter, blog_post
):
    client.force_login(supporter)
    response = client.post(
        blog_post.url, reply_data("Buy cheap things", website="http://spam.example")
    )
    assert response.status_code == 400
    assert not PageReply.objects.exists()
    html = response.content.decode()
    assert "This form could not be accepted." in html
    assert "Buy cheap things" in html
    assert re.search(r'class="honeypot"\s+aria-hidden="true"', html)


def test_flood_from_one_account_is_stopped_by_the_rate_limit(
    client, settings, supporter, other_supporter, blog_post
):
    settings.REPLY_RATE = "3/h"
    client.force_login(supporter)
    for number in range(3):
        assert client.post(blog_post.url, reply_data(f"Reply {number}")).status_code == 302
    response = client.post(blog_post.url, reply_data("One too many"))
    assert response.status_code == 429
    assert "several replies in a short time" in response.content.decode()
    assert "One too many" in response.content.decode()
    assert PageReply.objects.count() == 3
    # The limit is per account: someone else may still reply.
    client.force_login(other_supporter)
    assert client.post(blog_post.url, reply_data("My first")).status_code == 302
    assert PageReply.objects.count() == 4


def test_empty_reply_is_explained_not_saved(client, supporter, blog_post):
    client.force_login(supporter)
    response = client.post(blog_post.url, reply_data(""))
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not PageReply.objects.exists()


def test_reply_to_a_reply_attaches_to_the_top_level_reply(
    client, supporter, other_supporter, moderator, blog_post
):
    top = PageReply.objects.create(page=blog_post, author=supporter, body="Top")
    top.approve(moderator)
    answer = PageReply.objects.create(
        page=blog_post, author=other_supporter, body="Answer", parent=top
    )
    answer.approve(moderator)

    client.force_login(supporter)
    form_page = client.get(f"{blog_post.url}?reply_to={answer.pk}").content.decode()
    assert "You are replying to Lee" in form_page
    client.post(blog_post.url, reply_data("Answer to the answer", parent=answer.pk))
    newest = PageReply.objects.latest("pk")
    assert newest.parent_id == top.pk
    newest.approve(moderator)

    html = client.get(blog_post.url).content.decode()
    thread = html[html.index(f'id="reply-{top.pk}"') :]
    assert thread.index("Answer") < thread.index("Answer to the answer")
    assert html.count('class="reply-list reply-thread"') == 1
    assert "Replies (3)" in html


def test_reply_text_is_plain_text_escaped_with_line_breaks(client, supporter, moderator, paper):
    PageReply.objects.create(
        page=paper, author=supporter, body="<script>alert(1)</script>\nSecond line"
    ).approve(moderator)
    html = client.get(paper.url).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Second line" in html


def test_a_reply_cannot_answer_a_reply_on_another_page(
    client, supporter, moderator, blog_post, paper
):
    elsewhere = PageReply.objects.create(page=paper, author=supporter, body="On the paper")
    elsewhere.approve(moderator)
    client.force_login(supporter)
    response = client.post(blog_post.url, reply_data("Sneaky", parent=elsewhere.pk))
    assert response.status_code == 400
    assert not PageReply.objects.filter(page=blog_post).exists()


def test_replies_are_in_the_authors_data_download(client, supporter, blog_post):
    PageReply.objects.create(page=blog_post, author=supporter, body="Mine")
    client.force_login(supporter)
    data = client.post(reverse("download_my_data")).json()
    assert data["page_replies"][0]["body"] == "Mine"


@pytest.mark.parametrize(
    ("who", "reaches"),
    [("supporter", False), ("unverified", False), ("moderator", True), ("editor", True)],
)
def test_only_moderators_and_editors_reach_the_reply_moderation_screens(
    client, request, blog_post, who, reaches
):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("wagtailsnippets_cms_pagereply:list"))
    assert (response.status_code == 200) is reaches


def test_anonymous_visitor_cannot_reach_the_moderation_screens(client, blog_post):
    response = client.get(reverse("wagtailsnippets_cms_pagereply:list"))
    assert response.status_code == 302


def test_moderator_filters_pending_replies_and_bulk_approves_them(
    client, supporter, moderator, blog_post
):
    pending = [
        PageReply.objects.create(page=blog_post, author=supporter, body=f"Reply {n}")
        for n in range(3)
    ]
    spam = PageReply.objects.create(
        page=blog_post, author=supporter, body="Cheap watches", status=ModerationStatus.SPAM
    )
    client.force_login(moderator)
    listing = client.get(reverse("wagtailsnippets_cms_pagereply:list"), {"status": "pending"})
    assert listing.status_code == 200
    assert "Reply 0" in listing.content.decode()
    assert "Cheap watches" not in listing.content.decode()
    everything = client.get(reverse("wagtailsnippets_cms_pagereply:list"))
    assert "Cheap watches" in everything.content.decode()

    url = reverse("wagtail_bulk_action", args=("cms", "pagereply", "approve"))
    query = "&".join(f"id={reply.pk}" for reply in pending[:2])
    assert client.get(f"{url}?{query}").status_code == 200  # the confirmation screen
    response = client.post(f"{url}?{query}")
    assert response.status_code == 302
    statuses = dict(PageReply.objects.values_list("pk", "status"))
    assert statuses[pending[0].pk] == statuses[pending[1].pk] == ModerationStatus.APPROVED
    assert statuses[pending[2].pk] == ModerationStatus.PENDING
    assert statuses[spam.pk] == ModerationStatus.SPAM
    assert PageReply.objects.get(pk=pending[0].pk).moderated_by == moderator


@pytest.mark.parametrize(
    ("action", "status"), [("reject", ModerationStatus.REJECTED), ("spam", ModerationStatus.SPAM)]
)
def test_moderator_bulk_rejects_or_marks_spam(
    client, supporter, moderator, blog_post, action, status
):
    reply = PageReply.objects.create(page=blog_post, author=supporter, body="Hmm")
    client.force_login(moderator)
    url = reverse("wagtail_bulk_action", args=("cms", "pagereply", action))
    client.post(f"{url}?id={reply.pk}")
    reply.refresh_from_db()
    assert reply.status == status


def test_supporter_cannot_bulk_approve(client, supporter, blog_post):
    reply = PageReply.objects.create(page=blog_post, author=supporter, body="Let me in")
    client.force_login(supporter)
    url = reverse("wagtail_bulk_action", args=("cms", "pagereply", "approve"))
    client.post(f"{url}?id={reply.pk}")
    reply.refresh_from_db()
    assert reply.status == ModerationStatus.PENDING


def test_moderator_approving_on_the_edit_screen_is_recorded(client, supporter, moderator, paper):
    reply = PageReply.objects.create(page=paper, author=supporter, body="Edit me")
    client.force_login(moderator)
    url = reverse("wagtailsnippets_cms_pagereply:edit", args=[reply.pk])
    response = client.post(url, {"status": ModerationStatus.APPROVED})
    assert response.status_code == 302
    reply.refresh_from_db()
    assert (reply.status, reply.moderated_by, reply.body) == ("approved", moderator, "Edit me")


def test_reply_form_needs_a_csrf_token(supporter, blog_post):
    client = Client(enforce_csrf_checks=True)
    client.force_login(supporter)
    assert client.post(blog_post.url, reply_data()).status_code == 403
    assert not PageReply.objects.exists()


@pytest.mark.parametrize(
    ("who", "may_reply"),
    [
        ("unverified", False),
        ("supporter", True),
        ("moderator", True),
        ("editor", True),
    ],
)
def test_who_may_reply(client, request, paper, who, may_reply):
    client.force_login(request.getfixturevalue(who))
    response = client.post(paper.url, reply_data())
    assert (response.status_code == 302) is may_reply
    assert PageReply.objects.exists() is may_reply


@pytest.mark.parametrize(
    ("who", "may_moderate"),
    [("supporter", False), ("moderator", True), ("editor", True), ("superuser", True)],
)
def test_who_may_moderate_replies(request, db, who, may_moderate):
    user = request.getfixturevalue(who)
    assert user.has_perm("cms.moderate_replies") is may_moderate
    assert user.has_perm("cms.change_pagereply") is may_moderate


def test_an_approved_reply_shows_at_once_when_the_reply_list_is_a_shared_part(
    client, settings, supporter, moderator, blog_post
):
    settings.FRAGMENT_CACHE_SECONDS = 600
    client.force_login(supporter)
    client.post(blog_post.url, reply_data("Shared parts never hide this."))
    assert "No replies yet." in client.get(blog_post.url).content.decode()
    assert "No replies yet." in client.get(blog_post.url).content.decode()  # the shared part
    PageReply.objects.get().approve(moderator)
    assert "Shared parts never hide this." in client.get(blog_post.url).content.decode()
