"""Testing that people can join, verify, manage, export and delete their accounts."""

import json
import re

from allauth.account.models import EmailAddress
from django.urls import reverse

from cms.models import Party, User
from cms.roles import SUPPORTERS
from tests.conftest import PASSWORD


def sign_up(client, mail_via_celery, **extra):
    data = {
        "email": "new.person@example.com",
        "password1": "a-long-unusual-password-42",
        "password2": "a-long-unusual-password-42",
        "display_name": "New Person",
        "party": Party.objects.get(slug="plaid-cymru").pk,
        "home_area": "Aberystwyth",
        **extra,
    }
    with mail_via_celery():
        return client.post(reverse("account_signup"), data)


def test_sign_up_sends_one_verification_email_through_celery(client, db, mail_via_celery):
    response = sign_up(client, mail_via_celery)
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.com")
    assert (user.display_name, user.party.slug, user.home_area) == (
        "New Person",
        "plaid-cymru",
        "Aberystwyth",
    )
    assert not user.is_supporter
    assert len(mail_via_celery.outbox) == 1
    message = mail_via_celery.outbox[0]
    assert message.to == ["new.person@example.com"]
    assert "/accounts/confirm-email/" in message.body


def test_following_the_verification_link_makes_a_supporter(client, db, mail_via_celery):
    sign_up(client, mail_via_celery)
    link = re.search(
        r"http://testserver(/accounts/confirm-email/\S+)", mail_via_celery.outbox[0].body
    )
    response = client.post(link.group(1))
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.com")
    assert EmailAddress.objects.get(user=user).verified
    assert user.groups.filter(name=SUPPORTERS).exists()
    assert user.is_supporter


def test_sign_up_with_a_mismatched_password_explains_and_keeps_what_was_typed(
    client, db, mail_via_celery
):
    response = sign_up(client, mail_via_celery, password2="something-else-entirely")
    assert response.status_code == 200
    content = response.content.decode()
    assert "password" in content.lower()
    assert 'value="New Person"' in content
    assert not User.objects.filter(email="new.person@example.com").exists()
    assert mail_via_celery.outbox == []


def test_profile_needs_sign_in(client, db):
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_supporter_edits_their_details(client, supporter):
    client.force_login(supporter)
    response = client.post(
        reverse("profile"),
        {
            "display_name": "Samira",
            "first_name": "",
            "last_name": "",
            "party": "",
            "home_area": "Frome",
        },
    )
    assert response.status_code == 302
    supporter.refresh_from_db()
    assert (supporter.display_name, supporter.party, supporter.home_area) == (
        "Samira",
        None,
        "Frome",
    )


def test_data_download_contains_the_users_data(client, supporter):
    client.force_login(supporter)
    assert client.get(reverse("download_my_data")).status_code == 405
    response = client.post(reverse("download_my_data"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == "supporter@example.com"
    assert data["account"]["display_name"] == "Sam"
    assert data["account"]["party"] == "Green"
    assert data["email_addresses"] == [
        {"email": "supporter@example.com", "verified": True, "primary": True}
    ]


def test_deleting_an_account_removes_personal_data(client, supporter):
    client.force_login(supporter)
    wrong = client.post(reverse("delete_my_account"), {"confirm": "on", "password": "nope"})
    assert wrong.status_code == 200
    assert "That password is not right." in wrong.content.decode()
    assert User.objects.filter(pk=supporter.pk).exists()

    response = client.post(reverse("delete_my_account"), {"confirm": "on", "password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(email="supporter@example.com").exists()
    assert not EmailAddress.objects.filter(email="supporter@example.com").exists()
    assert "_auth_user_id" not in client.session


def test_login_by_email(client, supporter):
    response = client.post(
        reverse("account_login"), {"login": "supporter@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(supporter.pk)


def test_repeated_failed_logins_are_locked_out(client, supporter):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "supporter@example.com", "password": "bad"})
    response = client.post(
        reverse("account_login"), {"login": "supporter@example.com", "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()
    assert response.status_code == 429
    assert "<footer" in response.content.decode()  # the site's own page, not a bare line


def test_password_reset_sends_an_email(client, supporter, mail_via_celery):
    with mail_via_celery():
        response = client.post(
            reverse("account_reset_password"), {"email": "supporter@example.com"}
        )
    assert response.status_code == 302
    assert len(mail_via_celery.outbox) == 1
    assert "/accounts/password/reset/key/" in mail_via_celery.outbox[0].body


def test_a_password_that_is_not_valid_text_is_refused_not_an_error(supporter):
    from cms.forms import DeleteAccountForm

    form = DeleteAccountForm({"confirm": "on", "password": "\ud800"}, user=supporter)
    assert not form.is_valid()
    assert form.errors["password"] == ["That password is not right."]
