"""Following works without JavaScript, shows its state, and respects a supporter turning it off."""

import pytest
from django.urls import reverse

from notifications.following import follow, follower_ids, is_following, target_token
from notifications.models import Follow

pytestmark = pytest.mark.django_db


def test_follow_and_unfollow_by_plain_form_posts(client, supporter, home):
    client.force_login(supporter)
    token = target_token(home)
    response = client.post(
        reverse("notifications:follow"),
        {"target": token, "action": "follow", "next": "/account/following/"},
    )
    assert response.status_code == 302 and response["Location"] == "/account/following/"
    assert is_following(supporter, home)

    page = client.get(reverse("notifications:following"))
    assert home.title in page.content.decode()
    assert "Stop following" in page.content.decode()

    client.post(reverse("notifications:follow"), {"target": token, "action": "unfollow"})
    assert not is_following(supporter, home)
    assert follower_ids(home) == []


def test_a_forged_target_is_refused(client, supporter, home):
    client.force_login(supporter)
    token = target_token(home)[:-2] + "xx"
    response = client.post(reverse("notifications:follow"), {"target": token, "action": "follow"})
    assert response.status_code == 400
    assert not Follow.objects.exists()


def test_following_needs_a_signed_in_supporter(client, home):
    response = client.post(
        reverse("notifications:follow"), {"target": target_token(home), "action": "follow"}
    )
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Follow.objects.exists()


def test_next_never_leaves_the_site(client, supporter, home):
    client.force_login(supporter)
    response = client.post(
        reverse("notifications:follow"),
        {"target": target_token(home), "action": "follow", "next": "https://evil.example/"},
    )
    assert "evil.example" not in response["Location"]


def test_taking_part_follows_automatically_but_never_undoes_an_unfollow(supporter, home):
    follow(supporter, home, automatic=True)
    assert is_following(supporter, home)
    Follow.objects.filter(user=supporter).update(active=False)  # turned off by the supporter
    follow(supporter, home, automatic=True)  # votes again
    assert not is_following(supporter, home)
    follow(supporter, home)  # chooses to follow again
    assert is_following(supporter, home)
    assert Follow.objects.filter(user=supporter).count() == 1


def test_a_page_is_the_same_followed_thing_whatever_its_type(supporter, home):
    from wagtail.models import Page

    follow(supporter, home)
    assert is_following(supporter, Page.objects.get(pk=home.pk))
    assert follower_ids(Page.objects.get(pk=home.pk)) == [supporter.pk]
