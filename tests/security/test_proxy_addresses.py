"""Testing that lockouts and rate limits see the visitor, not the proxy in front of the site.

Behind a reverse proxy every request arrives from the proxy's address: one person's
failed sign-ins or sent forms would lock out or slow down everyone. With
TRUSTED_PROXY_COUNT set, the address the proxy saw (its entry in X-Forwarded-For)
counts; without it, X-Forwarded-For is never read, so forging it changes nothing.
"""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from cms.client_address import client_ip
from tests.conftest import PASSWORD
from tests.security.test_hostile_input import ENDPOINTS

PROXY = "10.0.0.2"
ALICE = "203.0.113.5"
BOB = "203.0.113.6"


def through_proxy(visitor: str, forged: str = "") -> dict:
    """What the site receives: the proxy appends the address it saw to any forged header."""
    forwarded = f"{forged}, {visitor}" if forged else visitor
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


def endpoint(name):
    return next(each for each in ENDPOINTS if each.name == name)


def send_form(world, name, email, **addresses):
    found = endpoint(name)
    data = {**found.valid(world), "email": email}
    return Client(raise_request_exception=False).post(found.path(world), data, **addresses)


@pytest.fixture
def tight_limits(settings):
    settings.CONTACT_RATE = "2/h"
    settings.ACCOUNT_RATE_LIMITS = {"reset_password": "2/h/ip"}


# The contact form is limited by django-ratelimit, the password reset by django-allauth.
FORMS = ["contact", "password-reset"]


@pytest.mark.parametrize("name", FORMS)
def test_behind_a_trusted_proxy_two_visitors_are_limited_apart(
    name, on_world, settings, tight_limits
):
    settings.TRUSTED_PROXY_COUNT = 1
    answers = [
        send_form(on_world, name, f"alice{n}@example.com", **through_proxy(ALICE)) for n in range(4)
    ]
    assert answers[-1].status_code == 429
    bob = send_form(on_world, name, "bob@example.com", **through_proxy(BOB))
    assert bob.status_code != 429


@pytest.mark.parametrize("name", FORMS)
def test_without_a_trusted_proxy_a_forged_forwarded_header_changes_nothing(
    name, on_world, settings, tight_limits
):
    assert settings.TRUSTED_PROXY_COUNT == 0
    answers = [
        send_form(
            on_world,
            name,
            f"mallory{n}@example.com",
            REMOTE_ADDR=ALICE,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
        for n in range(4)
    ]
    assert answers[-1].status_code == 429


@pytest.fixture
def axes_alone(settings):
    """allauth also slows failed sign-ins per account (5 in 5 minutes, from anywhere): widen
    that, so these tests see django-axes' lockout, which is per account and address."""
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "100/m/ip,100/5m/key"}


def sign_in(client, email, password, **addresses):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, **addresses
    )


def test_behind_a_trusted_proxy_one_visitors_failures_lock_only_that_visitor(
    client, on_world, settings, axes_alone
):
    settings.TRUSTED_PROXY_COUNT = 1
    editor = on_world.users["editor"]
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        sign_in(client, editor.email, "wrong", **through_proxy(ALICE))
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address) == (editor.email, ALICE)
    locked = sign_in(Client(), editor.email, PASSWORD, **through_proxy(ALICE))
    assert locked.status_code != 302
    # The same account, from another visitor behind the same proxy, still signs in.
    assert sign_in(Client(), editor.email, PASSWORD, **through_proxy(BOB)).status_code == 302


def test_without_a_trusted_proxy_forged_headers_do_not_escape_a_lockout(
    client, on_world, axes_alone
):
    assert settings.TRUSTED_PROXY_COUNT == 0
    editor = on_world.users["editor"]
    for number in range(settings.AXES_FAILURE_LIMIT + 1):
        sign_in(
            client,
            editor.email,
            "wrong",
            REMOTE_ADDR=ALICE,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{number}",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ALICE}
    fresh = Client()
    locked = sign_in(
        fresh, editor.email, PASSWORD, REMOTE_ADDR=ALICE, HTTP_X_FORWARDED_FOR="192.0.2.99"
    )
    assert locked.status_code != 302
    assert "_auth_user_id" not in fresh.session


class Request:
    def __init__(self, **meta):
        self.META = meta


@pytest.mark.parametrize(
    "count,meta,expected",
    [
        (0, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": ALICE}, PROXY),
        (1, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": ALICE}, ALICE),
        (1, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"6.6.6.6, {ALICE}"}, ALICE),
        (2, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"6.6.6.6, {ALICE}, 10.0.0.9"}, ALICE),
        # Fewer entries than trusted proxies: not through the proxies, the peer counts.
        (2, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": ALICE}, PROXY),
        (1, {"REMOTE_ADDR": PROXY}, PROXY),
        (1, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "not-an-address"}, PROXY),
        (1, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "2001:db8::1"}, "2001:db8::1"),
    ],
)
def test_the_visitors_address_is_the_outermost_trusted_proxys_entry(
    settings, count, meta, expected
):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(Request(**meta)) == expected
