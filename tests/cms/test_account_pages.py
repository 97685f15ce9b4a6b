"""Testing the account pages in plain English, errors beside their fields, the privacy line,
"Send the email again", and that people come back to where they were."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from cms.models import LegalPage, Party, User
from tests.cms.conftest import publish_child
from tests.conftest import PASSWORD


@pytest.fixture
def privacy_notice(home):
    return publish_child(home, LegalPage(title="Privacy notice", slug="privacy"))


def sign_up(client, mail_via_celery, next_url=None, **extra):
    data = {
        "email": "new.person@example.com",
        "password1": "a-long-unusual-password-42",
        "password2": "a-long-unusual-password-42",
        "display_name": "New Person",
        "party": Party.objects.get(slug="green").pk,
        "home_area": "Frome",
        **extra,
    }
    if next_url:
        data["next"] = next_url
    with mail_via_celery():
        return client.post(reverse("account_signup"), data)


def verification_link(mail_via_celery) -> str:
    body = mail_via_celery.outbox[-1].body
    return re.search(r"http://testserver(/accounts/confirm-email/\S+)", body).group(1)


def main_of(response) -> str:
    html = response.content.decode()
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def test_headings_and_labels_are_sentence_case_without_colons(client, db):
    signup = main_of(client.get(reverse("account_signup")))
    assert "<h1>Sign up</h1>" in signup
    assert "Sign Up" not in signup
    login = main_of(client.get(reverse("account_login")))
    assert "<h1>Sign in</h1>" in login
    assert "Keep me signed in on this device" in login
    assert "Remember Me" not in login
    for page in (signup, login):
        labels = re.findall(r"<label[^>]*>(.*?)</label>", page, re.S)
        assert labels
        assert not [label for label in labels if label.strip().endswith(":")]


def test_sign_up_says_how_the_email_address_is_used_and_links_the_privacy_notice(
    client, privacy_notice
):
    signup = main_of(client.get(reverse("account_signup")))
    assert "We never share it" in signup
    assert f'href="{privacy_notice.url}"' in signup


def test_the_password_error_is_under_the_password_field_and_tied_to_it(client, db, mail_via_celery):
    response = sign_up(client, mail_via_celery, password2="something-else-entirely")
    page = main_of(response)
    error = page.index('id="id_password2_errors"')
    assert page.index('id="id_password2"') < error  # after its own input ...
    following = page[error:]
    assert 'id="id_password1"' not in following  # ... and not above the next field's
    field = re.search(r'<input[^>]*id="id_password2"[^>]*>', page).group(0)
    assert 'aria-describedby="id_password2_errors"' in field
    assert 'aria-invalid="true"' in field
    assert 'role="alert"' in page  # a summary at the top says there is something to fix


def test_next_is_kept_through_sign_up_and_verification(client, db, mail_via_celery):
    signup_page = client.get(reverse("account_signup"), {"next": "/stories/"})
    assert 'name="next" value="/stories/"' in signup_page.content.decode()
    sign_up(client, mail_via_celery, next_url="/stories/")
    link = verification_link(mail_via_celery)
    assert link.endswith("?next=%2Fstories%2F")
    confirm_page = client.get(link)
    assert 'value="/stories/"' in confirm_page.content.decode()
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == "/stories/"
    user = User.objects.get(email="new.person@example.com")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_verifying_on_another_device_asks_to_sign_in_then_returns_there(
    client, db, mail_via_celery
):
    from django.test import Client

    sign_up(client, mail_via_celery, next_url="/stories/")
    link = verification_link(mail_via_celery)
    phone = Client()
    response = phone.post(link)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fstories%2F"
    assert EmailAddress.objects.get(email="new.person@example.com").verified


def test_verifying_without_next_leads_to_the_welcome_page_under_one_message(
    client, home, mail_via_celery
):
    sign_up(client, mail_via_celery)
    response = client.post(verification_link(mail_via_celery), follow=True)
    assert response.redirect_chain[-1][0] == reverse("welcome")
    page = response.content.decode()
    assert "Welcome to Alliance Hub" in page
    messages = re.findall(r'<p class="message[^"]*">(.*?)</p>', page)
    assert messages == ["Your email address is verified. Welcome!"]


def test_the_welcome_page_offers_the_home_pages_calls_to_action_but_joining(client, supporter):
    from cms.models import HomePage

    home = HomePage.objects.get()
    home.calls_to_action = [
        (
            "action",
            {
                "heading": "Join",
                "text": "Sign up.",
                "link_url": "/accounts/signup/",
                "button_label": "Join us",
            },
        ),
        (
            "action",
            {
                "heading": "Propose",
                "text": "Amend.",
                "link_url": "/manifesto/",
                "button_label": "Propose one",
            },
        ),
    ]
    home.save_revision().publish()
    client.force_login(supporter)
    page = main_of(client.get(reverse("welcome")))
    assert "Propose one" in page and "Join us" not in page


def test_signing_in_returns_to_where_people_were(client, supporter):
    response = client.post(
        reverse("account_login"),
        {"login": "supporter@example.com", "password": PASSWORD, "next": "/stories/"},
    )
    assert response["Location"] == "/stories/"


def test_signing_in_without_next_goes_home_not_to_the_profile(client, supporter):
    response = client.post(
        reverse("account_login"), {"login": "supporter@example.com", "password": PASSWORD}
    )
    assert response["Location"] == "/"


def test_next_to_another_site_is_ignored(client, supporter):
    response = client.post(
        reverse("account_login"),
        {"login": "supporter@example.com", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_the_header_sign_in_and_join_links_carry_the_page_to_return_to(client, home, settings):
    settings.PAGE_CACHE_SECONDS = 0
    publish_child(home, LegalPage(title="Cookies", slug="cookies"))
    html = client.get("/cookies/").content.decode()
    assert 'href="/accounts/login/?next=/cookies/"' in html
    assert 'href="/accounts/signup/?next=/cookies/"' in html


def test_send_the_email_again_sends_a_fresh_verification_email(client, db, mail_via_celery):
    sign_up(client, mail_via_celery)
    page = main_of(client.get(reverse("account_email_verification_sent")))
    assert "Send the email again" in page
    assert 'value="new.person@example.com"' in page  # the address they signed up with
    with mail_via_celery():
        response = client.post(
            reverse("account_resend_verification"), {"email": "new.person@example.com"}
        )
    assert response.status_code == 302
    assert len(mail_via_celery.outbox) == 2
    assert mail_via_celery.outbox[-1].to == ["new.person@example.com"]


def test_send_the_email_again_says_the_same_for_an_unknown_address(client, db, mail_via_celery):
    with mail_via_celery():
        response = client.post(
            reverse("account_resend_verification"), {"email": "nobody@example.com"}, follow=True
        )
    assert mail_via_celery.outbox == []
    assert "If an account is waiting for nobody@example.com" in response.content.decode()


def test_send_the_email_again_is_rate_limited(client, db, mail_via_celery):
    url = reverse("account_resend_verification")
    for _ in range(5):
        client.post(url, {"email": "nobody@example.com"})
    response = client.post(url, {"email": "nobody@example.com"}, follow=True)
    assert "Try again in an hour" in response.content.decode()


def test_send_the_email_again_needs_post_and_a_csrf_token(db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    url = reverse("account_resend_verification")
    assert strict.get(url).status_code == 405
    assert strict.post(url, {"email": "a@example.com"}).status_code == 403


def test_send_the_email_again_is_limited_per_address_whoever_asks(client, db):
    url = reverse("account_resend_verification")
    for number in range(3):
        client.post(url, {"email": "target@example.com"}, REMOTE_ADDR=f"10.0.0.{number}")
    response = client.post(
        url, {"email": "target@example.com"}, REMOTE_ADDR="10.0.0.99", follow=True
    )
    assert "Try again in an hour" in response.content.decode()
