"""Testing that an approved reply tells the person answered and the page's followers, once."""

import pytest

from cms.models import PageReply
from notifications.following import follow, is_following
from notifications.models import Notification


def test_writing_a_reply_follows_the_page(client, supporter, blog_post):
    client.force_login(supporter)
    client.post(blog_post.url, {"body": "Count me in.", "website": ""})
    assert is_following(supporter, blog_post)
    assert "Stop following" in client.get(blog_post.url).content.decode()


def test_an_approved_answer_tells_the_first_writer_and_followers_not_its_author(
    supporter, other_supporter, editor, moderator, blog_post, mail_via_celery
):
    follow(editor, blog_post)
    first = PageReply.objects.create(page=blog_post, author=supporter, body="First.")
    first.approve(moderator)
    answer = PageReply.objects.create(
        page=blog_post, author=other_supporter, parent=first, body="Answer."
    )
    assert not Notification.objects.filter(key=f"reply:{answer.pk}").exists()  # pending
    with mail_via_celery():
        answer.approve(moderator)
        answer.approve(moderator)  # saved again: still one each
    told = Notification.objects.filter(key=f"reply:{answer.pk}")
    assert sorted(told.values_list("recipient__email", flat=True)) == sorted(
        [supporter.email, editor.email]
    )
    assert told.first().url.endswith(f"#reply-{answer.pk}")
    assert "replied on “Why we stand aside”" in told.first().summary
    subjects = {}
    for message in mail_via_celery.outbox:
        for address in message.to:
            subjects.setdefault(address, []).append(message.subject)
    # The thread and the followers hear of the reply, once each; its writer is not told of
    # their own reply, only of the moderator's decision on it.
    assert subjects == {
        supporter.email: [told.first().summary],
        editor.email: [told.first().summary],
        other_supporter.email: ["Your reply on “Why we stand aside” is published"],
    }


@pytest.mark.django_db
def test_a_visitor_is_sent_to_sign_in_to_follow(client, blog_post):
    html = client.get(blog_post.url).content.decode()
    assert (f'<a href="/accounts/login/?next={blog_post.url}">Follow the replies here</a>') in html
