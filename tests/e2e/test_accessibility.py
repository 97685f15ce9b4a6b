"""Accessibility: axe-core finds no serious or critical problem on any public page type or form.

The pages come from the demo loader, built inside the test, so every page type is filled
the way a visitor first sees it. axe runs in tabs whose context bypasses the CSP (only so
that the axe script can be injected; the pages themselves are served unchanged).
"""

import pytest
from playwright.sync_api import expect

from cms.models import (
    BlogIndexPage,
    BlogPostPage,
    CampaignPage,
    EventIndexPage,
    EventPage,
    GuidePage,
    PaperIndexPage,
    PaperPage,
    StandardPage,
    User,
)
from crowdfund.models import CrowdfundPage
from stories.models import StoriesIndexPage, StoryPage
from tests.e2e.axe import describe, serious_violations
from tests.e2e.conftest import log_in
from tests.support.demo_snapshot import load_demo_content


@pytest.fixture
def demo(transactional_db):
    load_demo_content()


def first_url(model, **filters) -> str:
    page = model.objects.live().public().filter(**filters).order_by("path").first()
    assert page is not None, f"the demo has no live {model.__name__}"
    return page.url


def check_pages(tab, urls: dict[str, str], screenshot) -> dict[str, str]:
    """Visit each page and return {page name: violations} for the pages with problems."""
    problems = {}
    for name, url in urls.items():
        tab.goto(url)
        found = serious_violations(tab)
        if found:
            screenshot(tab, f"axe-{name}")
            problems[name] = f"{url}: {describe(found)}"
    return problems


def editorial_page_urls() -> dict[str, str]:
    stories_index = StoriesIndexPage.objects.live().first()
    return {
        "home": "/",
        "standard": first_url(StandardPage),
        "paper-index": first_url(PaperIndexPage),
        "paper": first_url(PaperPage),
        "guide": first_url(GuidePage),
        "blog-index": first_url(BlogIndexPage),
        "blog-post": first_url(BlogPostPage),
        "event-index": first_url(EventIndexPage),
        "event": first_url(EventPage),
        "campaign": first_url(CampaignPage),
        "stories-index": stories_index.url,
        "stories-filtered": stories_index.url + "?region=south-east",
        "story": first_url(StoryPage),
        "at-a-glance": stories_index.url + stories_index.reverse_subpage("at_a_glance"),
        "search": "/search/?query=alliance",
        "search-nothing-found": "/search/?query=zzqqxx",
        "verification-sent": "/accounts/confirm-email/",
        "sign-up": "/accounts/signup/",
        "login": "/accounts/login/",
        "password-reset": "/accounts/password/reset/",
        "not-found": "/no-such-page-here/",
    }


def test_public_page_types_have_no_serious_accessibility_problems(demo, axe_tab, screenshot):
    urls = {**editorial_page_urls(), "newsletter-sign-up": "/newsletter/"}
    problems = check_pages(axe_tab, urls, screenshot)
    assert not problems, "\n".join(f"{name}: {text}" for name, text in problems.items())


def test_signed_in_pages_have_no_serious_accessibility_problems(demo, axe_tab, screenshot):
    log_in(axe_tab, User.objects.get(email="editor@alliancehub.example"))
    urls = {
        "profile": "/account/",
        "blog-post-with-reply-form": first_url(BlogPostPage),
        "paper-with-reply-form": first_url(PaperPage),
        "story-share-form": _share_url(),
        "welcome": "/account/welcome/",
        "amendment-with-share-links": _published_amendment_url(),
        "notifications": "/account/notifications/",
        "email-choices": "/account/notifications/email/",
        "following": "/account/following/",
        "activity": "/account/activity/",
        "newsletter-opt-in": "/account/newsletter/",
    }
    problems = check_pages(axe_tab, urls, screenshot)
    assert not problems, "\n".join(f"{name}: {text}" for name, text in problems.items())


def _published_amendment_url():
    from manifesto.models import Amendment, AmendmentStatus

    amendment = Amendment.objects.filter(status=AmendmentStatus.PUBLISHED, is_hidden=False)
    amendment = amendment.order_by("pk").first()
    return f"{amendment.page.url}amendment/{amendment.pk}/"


def _share_url():
    index = StoriesIndexPage.objects.live().first()
    return index.url + index.reverse_subpage("submit")


ERRORS = ".invalid-feedback, .errorlist, .alert-danger, [role=alert]"


def send_form_empty(tab, url, button):
    """Send the page's main form with the browser's own checks off, so the server answers."""
    tab.goto(url)
    tab.locator("main form").last.evaluate("form => { form.noValidate = true; }")
    tab.get_by_role("button", name=button).click()
    expect(tab.locator(ERRORS).first).to_be_visible()


def test_public_forms_showing_errors_have_no_serious_accessibility_problems(
    demo, axe_tab, screenshot
):
    """Each public form sent empty: the error messages must be accessible too."""
    forms = [
        ("sign-up-errors", "/accounts/signup/", "Sign Up"),
        ("login-errors", "/accounts/login/", "Sign In"),
        ("story-form-errors", _share_url(), "Send"),
    ]
    problems = {}
    for name, url, button in forms:
        if name == "story-form-errors":
            log_in(axe_tab, User.objects.get(email="editor@alliancehub.example"))
        send_form_empty(axe_tab, url, button)
        screenshot(axe_tab, name)
        found = serious_violations(axe_tab)
        if found:
            problems[name] = describe(found)
    assert not problems, "\n".join(f"{name}: {text}" for name, text in problems.items())


def crowdfund_urls() -> dict[str, str]:
    crowdfund = CrowdfundPage.objects.live().first()
    return {
        "crowdfund": crowdfund.url,
        "donate": crowdfund.url + crowdfund.reverse_subpage("donate"),
    }


def test_crowdfund_pages_have_no_serious_accessibility_problems(
    demo, stripe_standin, axe_tab, screenshot
):
    """With card payments on (the stand-in), so that the donate page shows its form."""
    urls = crowdfund_urls()
    problems = check_pages(axe_tab, urls, screenshot)
    axe_tab.goto(urls["donate"])
    axe_tab.get_by_label("Amount (£)").fill("1")
    axe_tab.locator("main form").evaluate("form => { form.noValidate = true; }")
    axe_tab.get_by_role("button", name="Continue to secure payment").click()
    expect(axe_tab.locator(".invalid-feedback, .errorlist").first).to_be_visible()
    found = serious_violations(axe_tab)
    if found:
        screenshot(axe_tab, "axe-donate-errors")
        problems["donate-errors"] = describe(found)
    assert not problems, "\n".join(f"{name}: {text}" for name, text in problems.items())


def test_the_check_itself_catches_a_serious_problem(transactional_db, axe_tab):
    """Guards against a check that cannot fail: an unlabelled field and an image without
    alternative text added to a real page must be reported."""
    axe_tab.goto("/accounts/login/")
    axe_tab.evaluate(
        """() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend', '<input type="text" name="x"><img src="/x.png">');
    }"""
    )
    found = {violation["id"] for violation in serious_violations(axe_tab)}
    assert {"label", "image-alt"} <= found


def giving_urls() -> dict[str, str]:
    """The giving pages of issue 17: thank-you (neutral and the donor's own), the monthly
    donor's portal page, its return page and a refused link."""
    from crowdfund import giving
    from crowdfund.models import Donation, Frequency, Method

    crowdfund = CrowdfundPage.objects.live().get(slug="build-the-hub")
    monthly = Donation.objects.create(
        crowdfund=crowdfund,
        amount_pence=1_000,
        frequency=Frequency.MONTHLY,
        method=Method.CARD,
        name="Ada Lovelace",
        email="ada@example.com",
        stripe_checkout_session_id="cs_test_axe_monthly",
        stripe_customer_id="cus_test_axe",
    )
    token = giving.portal_token(monthly)
    thank_you = crowdfund.url + crowdfund.reverse_subpage("success")
    return {
        "thank-you": thank_you,
        "thank-you-own": thank_you + "?session_id=cs_test_axe_monthly",
        "portal": f"/crowdfund/monthly/{token}/",
        "portal-return": f"/crowdfund/monthly/{token}/back/",
        "portal-refused": "/crowdfund/monthly/not-a-real-link/",
    }, monthly


def remember_checkout_in_tab(tab, donation):
    """The tab becomes the visitor who started the donation's checkout (its own session)."""
    from django.conf import settings
    from django.contrib.sessions.backends.cached_db import SessionStore

    from crowdfund import giving

    session = SessionStore()
    giving.remember_checkout(session, donation)
    session.save()
    tab.goto("/")
    tab.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": tab.evaluate("location.origin"),
            }
        ]
    )


def test_giving_pages_have_no_serious_accessibility_problems_at_390_and_1280(
    demo, stripe_standin, axe_tab, screenshot
):
    urls, monthly = giving_urls()
    urls = {**crowdfund_urls(), **urls}
    remember_checkout_in_tab(axe_tab, monthly)
    problems = {}
    for width in (390, 1280):
        axe_tab.set_viewport_size({"width": width, "height": 900})
        for name, url in urls.items():
            axe_tab.goto(url)
            screenshot(axe_tab, f"{name}-{width}")
            wide = axe_tab.evaluate("document.documentElement.scrollWidth")
            if wide > width:
                problems[f"{name}-{width}-width"] = f"{url}: {wide}px wide at {width}px"
            found = serious_violations(axe_tab)
            if found:
                problems[f"{name}-{width}"] = f"{url}: {describe(found)}"
    axe_tab.goto(urls["thank-you-own"])
    expect(axe_tab.get_by_text("is being confirmed")).to_be_visible()
    assert not problems, "\n".join(f"{name}: {text}" for name, text in problems.items())


def test_crowdfund_without_card_payments_shows_offline_giving_accessibly(
    demo, settings, axe_tab, screenshot
):
    settings.STRIPE_SECRET_KEY = ""
    problems = {}
    for width in (390, 1280):
        axe_tab.set_viewport_size({"width": width, "height": 900})
        for name, url in crowdfund_urls().items():
            axe_tab.goto(url)
            expect(axe_tab.get_by_text("Sort code").first).to_be_visible()
            screenshot(axe_tab, f"no-cards-{name}-{width}")
            wide = axe_tab.evaluate("document.documentElement.scrollWidth")
            if wide > width:
                problems[f"{name}-{width}-width"] = f"{url}: {wide}px wide at {width}px"
            found = serious_violations(axe_tab)
            if found:
                problems[f"{name}-{width}"] = f"{url}: {describe(found)}"
    assert not problems, "\n".join(f"{name}: {text}" for name, text in problems.items())
