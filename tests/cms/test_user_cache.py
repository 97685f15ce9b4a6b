"""Testing that the signed-in person, read from the shared cache, is never out of date.

Requests read the user and their groups from the cache (cms.auth_backends); every way
an account or its roles can change must reach the very next request.
"""

import pytest
from django.contrib.auth import get_user
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from cms.auth_backends import USER_KEY
from cms.models import User
from cms.roles import SUPPORTERS
from manifesto.rules import roles_of
from tests.conftest import PASSWORD

PROFILE = "/account/"


def signed_in(client, user):
    client.force_login(user)
    assert client.get(PROFILE).status_code == 200  # the user is now in the cache
    return client


def is_signed_in(client) -> bool:
    return client.get(PROFILE).status_code == 200


def test_a_signed_in_request_caches_the_user_with_their_groups(client, supporter):
    signed_in(client, supporter)
    cached = cache.get(USER_KEY.format(supporter.pk))
    assert cached.pk == supporter.pk and cached._group_names == frozenset({SUPPORTERS})


def test_a_deactivated_account_is_signed_out_at_its_next_request(client, supporter):
    signed_in(client, supporter)
    supporter.is_active = False
    supporter.save()
    assert not is_signed_in(client)


def test_a_deleted_account_is_signed_out_at_its_next_request(client, supporter):
    signed_in(client, supporter)
    User.objects.filter(pk=supporter.pk).delete()
    assert not is_signed_in(client)


def test_a_password_change_signs_out_the_other_sessions(client, supporter):
    signed_in(client, supporter)
    supporter.set_password("a completely new passphrase 42")
    supporter.save()
    assert not is_signed_in(client)


def test_deactivating_through_the_admin_bulk_action_signs_out_at_once(client, supporter, superuser):
    signed_in(client, supporter)
    admin = client.__class__()
    admin.force_login(superuser)
    url = reverse("wagtail_bulk_action", args=["cms", "user", "set_active_state"])
    response = admin.post(f"{url}?id={supporter.pk}", {"mark_as_active": "False"})
    assert response.status_code == 302
    assert not User.objects.get(pk=supporter.pk).is_active
    assert not is_signed_in(client)


@pytest.mark.parametrize(
    "change",
    [
        lambda user, group: user.groups.remove(group),
        lambda user, group: group.user_set.remove(user),
        lambda user, group: group.user_set.clear(),
        lambda user, group: Group.objects.filter(pk=group.pk).get().delete(),
        lambda user, group: setattr(group, "name", "Former supporters") or group.save(),
    ],
    ids=["removed", "removed-from-the-group", "group-emptied", "group-deleted", "group-renamed"],
)
def test_a_change_of_roles_reaches_the_next_request(client, supporter, change):
    signed_in(client, supporter)
    change(supporter, Group.objects.get(name=SUPPORTERS))
    request = RequestFactory().get("/")
    request.session = client.session
    assert roles_of(get_user(request)) == {"unverified"}


def test_the_cache_is_refilled_from_the_database_after_a_change(client, supporter):
    signed_in(client, supporter)
    supporter.display_name = "Sam Renamed"
    supporter.save()
    assert cache.get(USER_KEY.format(supporter.pk)) is None
    assert is_signed_in(client)
    assert cache.get(USER_KEY.format(supporter.pk)).display_name == "Sam Renamed"


def test_signing_in_with_a_password_still_works(client, supporter):
    response = client.post(
        reverse("account_login"), {"login": supporter.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert is_signed_in(client)


def test_the_session_hash_is_djangos_own_for_each_password_and_secret(supporter, settings):
    """`User._get_session_auth_hash` is worked out once per password hash and secret
    (cms.models.users.session_auth_hash); it must stay Django's HMAC, so sessions signed
    before keep working and a new password or secret still signs them out."""
    from django.contrib.auth.base_user import AbstractBaseUser

    def djangos(user, secret=None):
        return AbstractBaseUser._get_session_auth_hash(user, secret=secret)

    first = supporter.get_session_auth_hash()
    assert first == djangos(supporter) == supporter.get_session_auth_hash()
    assert list(supporter.get_session_auth_fallback_hash()) == []
    settings.SECRET_KEY_FALLBACKS = ["an-older-secret-" + "o" * 40]
    assert list(supporter.get_session_auth_fallback_hash()) == [
        djangos(supporter, secret=settings.SECRET_KEY_FALLBACKS[0])
    ]
    settings.SECRET_KEY = "a-rotated-secret-" + "r" * 40
    assert supporter.get_session_auth_hash() == djangos(supporter) != first
    supporter.set_password("a new password for the hash test")
    assert supporter.get_session_auth_hash() == djangos(supporter) != first
