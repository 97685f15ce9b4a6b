"""Testing that sign-in lockouts are kept per account and address together.

django-axes must know which account a failed sign-in named: our form (django-allauth)
authenticates with `email=` and the admin's with `username=`. When axes read neither,
every failure was recorded for no account, and failures for made-up addresses locked
out every real person behind the same IP address (behind a proxy: the whole site).
"""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse

from tests.conftest import PASSWORD

OFFICE = "198.51.100.7"  # many people share one address (an office, a proxy)


def site_sign_in(client, email, password):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=OFFICE
    )


def admin_sign_in(client, email, password):
    return client.post(
        "/admin/login/", {"username": email, "password": password}, REMOTE_ADDR=OFFICE
    )


SIGN_INS = {"site": site_sign_in, "admin": admin_sign_in}


def too_many():
    return settings.AXES_FAILURE_LIMIT + 1


@pytest.mark.parametrize("form", SIGN_INS)
def test_failures_for_made_up_addresses_never_lock_out_a_real_account(client, editor, form):
    sign_in = SIGN_INS[form]
    for number in range(too_many()):
        sign_in(client, f"nobody-{number}@example.com", "guess")
    assert AccessAttempt.objects.filter(username="").count() == 0
    response = sign_in(client, editor.email, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(editor.pk)


@pytest.mark.parametrize("form", SIGN_INS)
def test_failures_for_one_real_account_lock_only_that_account(client, editor, supporter, form):
    sign_in = SIGN_INS[form]
    for _ in range(too_many()):
        sign_in(client, editor.email.upper(), "wrong")
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address) == (editor.email, OFFICE)
    locked = sign_in(client, editor.email, PASSWORD)
    assert "_auth_user_id" not in client.session
    assert locked.status_code in (403, 429) or "Too many failed" in locked.content.decode()
    # Someone else behind the same address still signs in.
    assert sign_in(client, supporter.email, PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(supporter.pk)


def test_failures_for_a_real_account_from_elsewhere_never_lock_its_owner_out(client, supporter):
    """Someone who knows a supporter's email address, guessing passwords from another
    address, must not lock the supporter out (allauth's own per-account limit did)."""
    for _ in range(too_many()):
        client.post(
            reverse("account_login"),
            {"login": supporter.email, "password": "guess"},
            REMOTE_ADDR="203.0.113.9",
        )
    response = site_sign_in(client, supporter.email, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(supporter.pk)
