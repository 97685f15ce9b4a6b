"""How this site uses django-allauth, and the personal-data rules of an account."""

from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from cms.client_address import client_ip

# Where the email address a person signed up with waits for "Send the email again".
SIGNUP_EMAIL_SESSION_KEY = "hub_signup_email"
# ... and the `next` address they signed up from, for the link in an email sent again.
SIGNUP_NEXT_SESSION_KEY = "hub_signup_next"
EMAIL_CONFIRMED_MESSAGE = "account/messages/email_confirmed.txt"
LOGGED_IN_MESSAGE = "account/messages/logged_in.txt"


def safe_next(request) -> str:
    """The `next` address of a request, if it is a path on this site (else "")."""
    if request is None:
        return ""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


class AccountAdapter(DefaultAccountAdapter):
    """Where people go after signing in or verifying, and what they are told.

    With a `next` address allauth returns people to it (sign-in, sign-up and, through the
    link in the verification email, verification). Without one: the welcome page with
    next steps after verifying, the home page after signing in; never the profile page
    under two messages.
    """

    def get_login_redirect_url(self, request):
        if getattr(request, "hub_email_just_confirmed", False):
            return reverse("welcome")
        return "/"

    def get_signup_redirect_url(self, request):
        """Where a new account goes once verified (the sign-up's stashed sign-in), if the
        person signed up with no `next` address: the welcome page with first steps."""
        return reverse("welcome")

    def add_message(self, request, level, message_template=None, *args, **kwargs):
        if message_template == EMAIL_CONFIRMED_MESSAGE:
            request.hub_email_just_confirmed = True
        if message_template == LOGGED_IN_MESSAGE and getattr(
            request, "hub_email_just_confirmed", False
        ):
            return  # "verified" already says it: one message, not two
        super().add_message(request, level, message_template, *args, **kwargs)

    def get_email_confirmation_url(self, request, emailconfirmation):
        """The verification link, carrying the `next` address the person signed up with."""
        url = super().get_email_confirmation_url(request, emailconfirmation)
        next_url = safe_next(request)
        if not next_url and request is not None and hasattr(request, "session"):
            next_url = request.session.get(SIGNUP_NEXT_SESSION_KEY, "")
        return f"{url}?{urlencode({'next': next_url})}" if next_url else url

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        details = getattr(form, "cleaned_data", {})
        user.display_name = details.get("display_name", "") or ""
        user.party = details.get("party")
        user.home_area = details.get("home_area", "") or ""
        if commit:
            user.save()
        if request is not None and hasattr(request, "session"):
            request.session[SIGNUP_EMAIL_SESSION_KEY] = user.email
            request.session[SIGNUP_NEXT_SESSION_KEY] = safe_next(request)
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
