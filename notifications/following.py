"""Following things: by choice, or automatically by taking part (and turned off for good)."""

from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from wagtail.models import Page

from notifications.models import Follow, FollowedRegion

TARGET_SALT = "notifications.follow-target"


def _key(obj) -> tuple[ContentType, str]:
    """A page is named as a page whatever its type, so `page` and `page.specific` agree."""
    model = Page if isinstance(obj, Page) else obj
    return ContentType.objects.get_for_model(model), str(obj.pk)


def follow(user, obj, *, automatic: bool = False) -> Follow:
    """Follow `obj`. An automatic follow never overrides the supporter turning it off."""
    content_type, object_id = _key(obj)
    try:
        with transaction.atomic():
            record, created = Follow.objects.get_or_create(
                user=user,
                content_type=content_type,
                object_id=object_id,
                defaults={"automatic": automatic},
            )
    except IntegrityError:  # a concurrent follow of the same thing won the race
        record = Follow.objects.get(user=user, content_type=content_type, object_id=object_id)
        created = False
    if not created and not record.active and not automatic:
        record.active = True
        record.save(update_fields=["active"])
    return record


def follow_automatically(user_id: int, obj) -> None:
    """Taking part follows `obj`, in one statement that never re-follows what was turned off.

    For busy paths (a vote): an insert that does nothing when a row, active or not, exists.
    """
    if user_id is None:
        return
    content_type, object_id = _key(obj)
    Follow.objects.bulk_create(
        [
            Follow(
                user_id=user_id,
                content_type=content_type,
                object_id=object_id,
                automatic=True,
            )
        ],
        ignore_conflicts=True,
    )


def unfollow(user, obj) -> None:
    """Stop following `obj`; the row stays (inactive) so taking part does not re-follow it."""
    content_type, object_id = _key(obj)
    Follow.objects.update_or_create(
        user=user,
        content_type=content_type,
        object_id=object_id,
        defaults={"active": False},
    )


def is_following(user, obj) -> bool:
    if not (user and user.is_authenticated):
        return False
    content_type, object_id = _key(obj)
    return Follow.objects.filter(
        user=user, content_type=content_type, object_id=object_id, active=True
    ).exists()


def follower_ids(obj) -> list[int]:
    """The ids of the supporters following `obj` now."""
    content_type, object_id = _key(obj)
    return list(
        Follow.objects.filter(
            content_type=content_type, object_id=object_id, active=True
        ).values_list("user_id", flat=True)
    )


def followers_of_any(objects) -> set[int]:
    """The ids of the supporters following any of `objects` (one query)."""
    keys = [_key(obj) for obj in objects if obj is not None]
    if not keys:
        return set()
    condition = Q()
    for content_type, object_id in keys:
        condition |= Q(content_type=content_type, object_id=object_id)
    return set(Follow.objects.filter(condition, active=True).values_list("user_id", flat=True))


def region_target(code: str):
    """The followable name of a region or nation (one row each, made by a migration)."""
    if not code:
        return None
    return FollowedRegion.objects.filter(code=code).first()


def target_token(obj) -> str:
    """A signed name of `obj` for a follow form: only what a page showed can be followed."""
    content_type, object_id = _key(obj)
    return signing.dumps([content_type.pk, object_id], salt=TARGET_SALT, compress=True)


def target_from_token(token: str):
    """The object a follow form names, or None when the token is forged or the object gone."""
    try:
        content_type_id, object_id = signing.loads(token, salt=TARGET_SALT)
        content_type = ContentType.objects.get_for_id(content_type_id)
        return content_type.get_object_for_this_type(pk=object_id)
    except (signing.BadSignature, ValueError, TypeError, ContentType.DoesNotExist):
        return None
    except Exception as error:  # the model's own DoesNotExist
        if error.__class__.__name__ == "DoesNotExist":
            return None
        raise


def follows_of(user):
    """A supporter's active follows, newest first, with what they point at."""
    return (
        Follow.objects.filter(user=user, active=True)
        .select_related("content_type")
        .order_by("-created_at")
    )
