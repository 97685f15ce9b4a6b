"""How this site uses django-allauth, and the personal-data rules of an account."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.db import transaction

from cms.client_address import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        details = getattr(form, "cleaned_data", {})
        user.display_name = details.get("display_name", "") or ""
        user.party = details.get("party")
        user.home_area = details.get("home_area", "") or ""
        if commit:
            user.save()
        return user

    def get_client_ip(self, request):
        """allauth's rate limits see the visitor behind a trusted proxy, as axes does."""
        address = client_ip(request)
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address


def export_personal_data(user) -> dict:
    """Everything we hold about a person, as JSON-ready data (their right of access).

    Other apps add their own sections through `PERSONAL_DATA_EXPORTERS`.
    """
    data = {
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "party": user.party.name if user.party else None,
            "home_area": user.home_area,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "groups": sorted(user.groups.values_list("name", flat=True)),
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user)
        ],
    }
    for section, exporter in PERSONAL_DATA_EXPORTERS.items():
        data[section] = exporter(user)
    return data


# Section name -> function(user) -> JSON-ready data. Apps register theirs in ready().
PERSONAL_DATA_EXPORTERS: dict = {}


@transaction.atomic
def delete_account(user) -> None:
    """Remove a person and their personal data.

    What they wrote in public (replies, amendments) stays where other people's
    discussion depends on it, but loses its author: models point at the user
    with on_delete=SET_NULL and show "A former supporter". Votes are deleted with
    the account (CASCADE), so no choice remains linked to a person.
    """
    EmailAddress.objects.filter(user=user).delete()
    user.delete()


def sign_in_name(request, credentials=None) -> str | None:
    """The account a sign-in attempt names, for django-axes (AXES_USERNAME_CALLABLE).

    Our sign-in form (django-allauth) authenticates with `email=`, the admin's with
    `username=` (the email address too, as it is the user model's USERNAME_FIELD) and
    axes would read neither: every failure was recorded for no account, so failures for
    made-up addresses locked out everyone behind one IP address. Lower-cased, as
    allauth and the user model compare addresses, so `Sam@` and `sam@` are one account.
    """
    credentials = credentials or {}
    data = getattr(request, "POST", {}) if request is not None else {}
    for field in ("email", "username", "login"):
        value = credentials.get(field) or data.get(field)
        if isinstance(value, str) and value.strip():
            return value.strip().lower()
    return None
