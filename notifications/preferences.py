"""How often each supporter wants email about each kind, and the signed way to change it."""

from django.contrib.auth import get_user_model
from django.core import signing

from notifications.kinds import DEFAULT_FREQUENCY, Frequency, Kind
from notifications.models import EmailPreference

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
ALL_KINDS = "all"


def frequencies_for(user_ids) -> dict[int, dict[str, str]]:
    """{user_id: {kind: frequency}} with defaults filled in, in one query."""
    chosen: dict[int, dict[str, str]] = {user_id: {} for user_id in user_ids}
    for user_id, kind, frequency in EmailPreference.objects.filter(
        user_id__in=list(chosen)
    ).values_list("user_id", "kind", "frequency"):
        chosen[user_id][kind] = frequency
    return {
        user_id: {kind: kinds.get(kind, DEFAULT_FREQUENCY[kind]) for kind in Kind.values}
        for user_id, kinds in chosen.items()
    }


def frequency_for(user, kind: str) -> str:
    return frequencies_for([user.pk])[user.pk][kind]


def set_frequency(user, kind: str, frequency: str) -> None:
    """Set one kind's frequency, or every kind's when `kind` is ALL_KINDS."""
    kinds = Kind.values if kind == ALL_KINDS else [kind]
    for each in kinds:
        EmailPreference.objects.update_or_create(
            user=user, kind=each, defaults={"frequency": frequency}
        )


def stop_emails(user, kind: str = ALL_KINDS) -> None:
    """What an unsubscribe does: at once, for one kind or for all."""
    set_frequency(user, kind, Frequency.NEVER)


def unsubscribe_token(user, kind: str = ALL_KINDS) -> str:
    """A token naming a person and a kind, for links in email: works without signing in.

    It does not expire: an unsubscribe link in an old email must still work (RFC 8058).
    """
    return signing.dumps([user.pk, kind], salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str):
    """(user, kind) from a token, or None if forged or the account is gone."""
    try:
        user_id, kind = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if kind != ALL_KINDS and kind not in Kind.values:
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    return (user, kind) if user else None
