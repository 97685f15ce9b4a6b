"""Authentication backends that read the signed-in person from the shared cache.

Every signed-in request loads its user, and every participation check (voting,
proposing, replying, moderating) asks which roles they hold, and roles are groups:
with Django's backends that is a query for the user and another for their groups on
every request. Here the user is loaded with the names of their groups in one query
and kept in the shared cache (beside the session), so a signed-in request usually
costs no query at all to know who is asking.

A cached user is dropped the moment anything about them changes: the user saved or
deleted, their groups changed from either side, a group renamed or deleted, or a
Wagtail admin bulk action on users (which updates rows without saving them); each is
dropped again when the change commits, and an entry lives five minutes at most.
The session's auth hash is still checked against the cached password hash on every
request, so a password change still signs out other sessions at once.
"""

from contextlib import contextmanager

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from asgiref.local import Local
from django.conf import settings
from django.contrib.auth import SESSION_KEY, backends, get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from cms.kept import Bounded

SEPARATOR = "\x1f"  # the ASCII unit separator: never part of a group's name
USER_KEY = "auth:user:{}"


def _group_names_sql() -> str:
    """A correlated subquery: the user's group names joined by SEPARATOR (a parameter).

    Built only from the models' own table and column names, quoted; no input enters it.
    """
    user = get_user_model()
    memberships = user.groups.through._meta
    quote = connection.ops.quote_name
    aggregate = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    # Identifiers from the models, quoted; the separator is a parameter.
    return (
        f"SELECT {aggregate}(g.{quote('name')}, %s) FROM {quote(Group._meta.db_table)} g"  # noqa: S608
        f" JOIN {quote(memberships.db_table)} m ON m.{quote('group_id')} = g.{quote('id')}"
        f" WHERE m.{quote(memberships.get_field('user').column)}"
        f" = {quote(user._meta.db_table)}.{quote(user._meta.pk.column)}"
    )


def load_user_with_group_names(user_id):
    """The user with `_group_names` set, in one query; None if there is no such user."""
    user_model = get_user_model()
    user = (
        user_model._default_manager.annotate(
            group_names_joined=RawSQL(_group_names_sql(), [SEPARATOR])  # noqa: S611
        )
        .filter(pk=user_id)
        .first()
    )
    if user is not None:
        joined = user.group_names_joined
        user._group_names = frozenset(joined.split(SEPARATOR)) if joined else frozenset()
    return user


def cached_user(user_id):
    """The user (with their group names) from the shared cache, or loaded and stored."""
    read = getattr(_read_with_session, "user", None)
    if read is not None and str(read.pk) == str(user_id):
        return read
    key = USER_KEY.format(user_id)
    user = cache.get(key)
    if user is None:
        user = load_user_with_group_names(user_id)
        if user is not None:
            cache.set(key, user, settings.USER_CACHE_SECONDS)
    return user


# --- A session and its user in one round trip (the vote's lean path) --------------------
# A session's user id never changes while the session lives (signing in again makes a new
# session key), so it is kept beside the session under the session's key: the Redis cache
# then reads the session, the cached user it names and any other keys in one round trip
# (`ResilientRedisCache.get_many_and_referenced`). The user so read is handed to the auth
# backend for one call (`reading_user_with_session`), and only if the session's own data
# names the same user; Django's checks (the backend, the session's auth hash) run as ever.
SESSION_USER_KEY = "auth:session-user:{}"

_read_with_session = Local()


# The user id each session named when this process last read it with its user. With it,
# the next read is one MGET of the session, the other keys and that user's entry, without
# the script that looks the id up in Redis (which costs Redis several times an MGET). Only
# a hint: what is read is checked against the session's own data as ever, and a session's
# user id never changes.
session_user_ids = Bounded(most=10_000)


def read_session_and_user(session_cache_key: str, session_key: str, keys: list[str]):
    """(the cached values of the session and of `keys`, the session's cached user or None).

    One round trip on Redis; two on any other cache. The user is None unless the session's
    data names them (`SESSION_KEY`). On Redis the user and the values of `keys` are shared
    by every request that finds the same cached bytes (`cms.redis_cache.SharedUnpickled`):
    read them, never change them. The session's data is the request's own.
    """
    reference = SESSION_USER_KEY.format(session_key)
    user_id = session_user_ids.get(session_key)
    if user_id is not None and hasattr(cache, "get_many_shared"):
        user_key = USER_KEY.format(user_id)
        found = cache.get_many_shared([session_cache_key, *keys, user_key], {*keys, user_key})
        user = found.pop(user_key, None)
    elif hasattr(cache, "get_many_and_referenced"):
        found, user = cache.get_many_and_referenced(
            [session_cache_key, *keys, reference],
            USER_KEY.format(""),
            shared=keys,
            share_referenced=True,
        )
    else:
        found = cache.get_many([session_cache_key, *keys, reference])
        user = cache.get(USER_KEY.format(found[reference])) if reference in found else None
    session = found.get(session_cache_key)
    named = session.get(SESSION_KEY) if isinstance(session, dict) else None
    if user is not None and (named is None or str(named) != str(user.pk)):
        user = None
    if user is not None and user_id is None:
        session_user_ids.keep(session_key, user.pk)
    return found, user


def remember_session_user(session_key: str, user) -> None:
    """Keep the session's user id beside it, for `read_session_and_user`."""
    cache.set(SESSION_USER_KEY.format(session_key), user.pk, settings.SESSION_COOKIE_AGE)


@contextmanager
def reading_user_with_session(user):
    """Within, the backends take `user` (read with the session) instead of reading it."""
    _read_with_session.user = user
    try:
        yield
    finally:
        _read_with_session.user = None


def forget_users(user_ids) -> None:
    """Drop these users' cached copies, now and again when the transaction commits."""
    keys = [USER_KEY.format(pk) for pk in user_ids]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


class CachedUserMixin:
    def get_user(self, user_id):
        user = cached_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(CachedUserMixin, backends.ModelBackend):
    """Django's ModelBackend (email and password), reading the user from the cache."""


class AuthenticationBackend(CachedUserMixin, AllauthBackend):
    """django-allauth's backend (the one its sign-in flows record), likewise."""


# --- Dropping cached users when they change --------------------------------------------


def _user_saved_or_deleted(sender, instance, **kwargs):
    forget_users([instance.pk])


def _groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("post_") and action != "pre_clear":
        return
    if not reverse:  # user.groups.add(...): the instance is the user
        forget_users([instance.pk])
    elif pk_set:  # group.user_set.add(...): the ids are users
        forget_users(pk_set)
    else:  # group.user_set.clear(): its members, read before they go
        forget_users(list(instance.user_set.values_list("pk", flat=True)))


def _group_changed(sender, instance, **kwargs):
    """A renamed or deleted group changes its members' roles (read before a deletion)."""
    if instance.pk is not None:
        members = get_user_model().objects.filter(groups=instance).values_list("pk", flat=True)
        forget_users(list(members))


def forget_users_after_bulk_action(request, action_type, objects, action_class_instance):
    """Wagtail hook: bulk actions on users update rows without saving each user."""
    if getattr(action_class_instance, "model", None) is get_user_model():
        forget_users([obj.pk for obj in objects])


def connect() -> None:
    user_model = get_user_model()
    post_save.connect(_user_saved_or_deleted, sender=user_model, dispatch_uid="auth.user_saved")
    post_delete.connect(_user_saved_or_deleted, sender=user_model, dispatch_uid="auth.user_gone")
    m2m_changed.connect(
        _groups_changed, sender=user_model.groups.through, dispatch_uid="auth.groups_changed"
    )
    post_save.connect(_group_changed, sender=Group, dispatch_uid="auth.group_saved")
    pre_delete.connect(_group_changed, sender=Group, dispatch_uid="auth.group_deleted")
