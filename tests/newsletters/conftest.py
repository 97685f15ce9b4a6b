"""What the newsletter tests share: a newsletter, subscribers in each state, a real SMTP server."""

import pytest
from django.utils import timezone

from newsletters import consent
from newsletters.models import Newsletter, Source, Subscription
from tests.support.smtp_standin import SMTPStandIn

BODY = [
    ("heading", "The manifesto is out"),
    ("paragraph", '<p>Read it <a href="/manifesto/">on the site</a>.</p>'),
    ("button", {"text": "Read it", "url": "https://alliancehub.example/manifesto/"}),
]


def make_newsletter(subject="Spring news", **fields):
    return Newsletter.objects.create(subject=subject, **{"body": BODY, **fields})


def public_subscriber(email, *, confirmed=True, constituency=None) -> Subscription:
    subscription, _ = consent.sign_up_publicly(email, constituency)
    if confirmed:
        consent.confirm(subscription)
    subscription.refresh_from_db()
    return subscription


@pytest.fixture
def newsletter(db):
    return make_newsletter()


@pytest.fixture
def smtp(settings):
    """A real SMTP server; the newsletter is sent to it through Django's SMTP backend."""
    with SMTPStandIn() as server:
        settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        yield server.handler


@pytest.fixture
def fast_sending(settings):
    settings.NEWSLETTER_SEND_RATE = 0  # no pacing in tests


def send(newsletter, editor, capture):
    """Send now, as the admin does, and run what is queued after commit (eager Celery)."""
    from newsletters import actions

    with capture(execute=True):
        actions.start(newsletter, editor)
    newsletter.refresh_from_db()
    return newsletter


def unsubscribed_account(user):
    subscription = consent.opt_in_from_account(user)
    consent.withdraw(subscription, "account page")
    return subscription


def never_confirmed(email):
    return Subscription.objects.create(
        email=email, source=Source.PUBLIC_FORM, wording="w", opted_in_at=timezone.now()
    )
