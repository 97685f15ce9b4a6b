"""Demo accounts: an editor, a moderator and supporters of different parties."""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from cms.models import Party, User
from cms.roles import EDITORS, MODERATORS, SUPPORTERS

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 (published demo logins)

# (email, display name, party slug, home area, roles)
DEMO_PEOPLE = [
    ("editor@alliancehub.example", "Eleanor (editor)", None, "London", [EDITORS, SUPPORTERS]),
    ("moderator@alliancehub.example", "Mo (moderator)", None, "Brighton", [MODERATORS, SUPPORTERS]),
    ("supporter@alliancehub.example", "Sam Green", "green", "Frome", [SUPPORTERS]),
    ("labour.supporter@alliancehub.example", "Leila", "labour", "Liverpool", [SUPPORTERS]),
    ("libdem.supporter@alliancehub.example", "Duncan", "liberal-democrat", "Wealden", [SUPPORTERS]),
    ("snp.supporter@alliancehub.example", "Morag", "snp", "Glasgow", [SUPPORTERS]),
    ("plaid.supporter@alliancehub.example", "Rhys", "plaid-cymru", "Cardiff", [SUPPORTERS]),
    ("noparty.supporter@alliancehub.example", "Priya", "none", "Birmingham", [SUPPORTERS]),
]

LOGIN_ROLES = {
    "editor@alliancehub.example": "Editor",
    "moderator@alliancehub.example": "Moderator",
    "supporter@alliancehub.example": "Supporter",
    "organiser@alliancehub.example": "Organiser",
}


def demo_user(email, display_name, party_slug=None, home_area="", roles=(SUPPORTERS,)):
    """Find or create one verified demo account with its roles."""
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email,
            password=DEMO_PASSWORD,
            display_name=display_name,
            party=Party.objects.filter(slug=party_slug).first() if party_slug else None,
            home_area=home_area,
        )
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    user.groups.add(*Group.objects.filter(name__in=roles))
    if EDITORS in roles and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user


def load_people() -> list[tuple[str, str]]:
    for email, display_name, party_slug, home_area, roles in DEMO_PEOPLE:
        demo_user(email, display_name, party_slug, home_area, roles)
    return [(role, email) for email, role in LOGIN_ROLES.items()]
