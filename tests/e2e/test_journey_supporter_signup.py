"""Journey: a new supporter signs up and follows the verification link from the email."""

import re

from django.core import mail

from cms.models import User


def test_new_supporter_signs_up_and_verifies_their_email(page, screenshot, transactional_db):
    page.goto("/")
    page.get_by_role("link", name="Join").click()
    page.get_by_label("Email").fill("new.supporter@example.com")
    page.get_by_label("Display name").fill("Nia")
    page.get_by_label("Party").select_option(label="Plaid Cymru")
    page.get_by_label(re.compile(r"^Password:?$")).fill("a-long-unusual-password-42")
    page.get_by_label("Password again").fill("a-long-unusual-password-42")
    screenshot(page, "1-sign-up-form")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))
    screenshot(page, "2-check-your-email")

    link = re.search(r"http://[^/]+(/accounts/confirm-email/\S+)", mail.outbox[-1].body).group(1)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/account/"))
    screenshot(page, "3-verified-profile")

    user = User.objects.get(email="new.supporter@example.com")
    assert user.is_supporter
    assert page.get_by_role("link", name="Nia").is_visible()
