"""Supporters' accounts and the editor-managed list of parties they may declare."""

import functools

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from cms import roles


class Party(models.Model):
    """A political party (or "no party") a supporter may say they back.

    Editors manage the list as a snippet. `is_party` is false for the
    "Other" and "None" entries, which still count as groups for cross-party ranking.
    """

    name = models.CharField(max_length=80, unique=True)
    short_name = models.CharField(
        max_length=20, help_text="Used in tables and charts, e.g. 'Lib Dem'."
    )
    slug = models.SlugField(max_length=40, unique=True)
    colour = models.CharField(
        max_length=7,
        default="#555555",
        help_text="A hex colour such as #d50000, used in charts beside the name.",
    )
    is_party = models.BooleanField(
        default=True, help_text="Untick for the 'Other' and 'No party' entries."
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = "parties"

    def __str__(self):
        return self.name


class UserManager(BaseUserManager):
    """Users log in by email; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


@functools.lru_cache(maxsize=4096)
def session_auth_hash(password: str, secret) -> str:
    """`AbstractBaseUser._get_session_auth_hash`, for a password hash and a secret."""
    return salted_hmac(
        "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
        password,
        secret=secret,
        algorithm="sha256",
    ).hexdigest()


class User(AbstractUser):
    """A person with an account: supporter, moderator or editor.

    Only `display_name` is ever shown in public; the email address never is.
    """

    username = None
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(
        max_length=60,
        blank=True,
        help_text="The name shown beside your replies, amendments and votes.",
    )
    party = models.ForeignKey(
        Party,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supporters",
        help_text="Optional: the party you support, or none. Used for cross-party figures.",
    )
    home_area = models.CharField(
        max_length=120,
        blank=True,
        help_text="Optional: your town, council area or constituency.",
    )
    constituency = models.ForeignKey(
        "cms.Constituency",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supporters",
        help_text="Optional: the UK Parliament constituency you live in.",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.public_name

    def _get_session_auth_hash(self, secret=None):
        """Django's HMAC of the password hash, which every signed-in request checks against
        its session: the same for the same password hash and secret, so worked out once
        for each in a process (`session_auth_hash`)."""
        return session_auth_hash(self.password, settings.SECRET_KEY if secret is None else secret)

    @property
    def public_name(self) -> str:
        """What the public sees: the display name, else first name, else 'A supporter'."""
        return self.display_name or self.first_name or "A supporter"

    @property
    def is_supporter(self) -> bool:
        """Verified supporters are in the Supporters group (added when they confirm an email).

        The one definition is `cms.roles.is_supporter`: the groups are read once per user
        object, not once per question."""
        return roles.is_supporter(self)
