"""Testing the trust pages: legal notices and contact in every footer, the contact form's
relay by email, and the digital imprint in footers, share cards, feeds and calendars."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.test import override_settings
from wagtail.models import Site

from cms.models import ContactPage, EventIndexPage, EventPage, ImprintSettings, LegalPage
from tests.cms.conftest import publish_child

IMPRINT = "Promoted by Sam Rivera on behalf of Alliance Hub, 1 Example Street, London N0 0AA."


@pytest.fixture
def demo(demo_site_in_class):
    """The demo, loaded once for the class of tests on every demo page."""


@pytest.fixture
def imprint(home):
    settings = ImprintSettings.for_site(Site.objects.get(is_default_site=True))
    settings.promoter_name = "Sam Rivera"
    settings.on_behalf_of = "Alliance Hub"
    settings.promoter_address = "1 Example Street, London N0 0AA"
    settings.save()
    return settings


@pytest.fixture
def contact(home):
    return publish_child(home, ContactPage(title="Contact us", slug="contact"))


def footer_of(html: str) -> str:
    return html.split('<footer class="site-footer">', 1)[1].split("</footer>", 1)[0]


def public_page_urls():
    """One address of every public page the demo builds (every page type)."""
    from wagtail.models import Page

    return [page.url for page in Page.objects.live().public().filter(depth__gt=1).specific()]


def test_the_imprint_reads_as_the_elections_act_asks():
    imprint = ImprintSettings(
        promoter_name="Sam Rivera",
        on_behalf_of="Alliance Hub",
        promoter_address="1 Example Street, London N0 0AA",
    )
    assert imprint.imprint() == IMPRINT
    assert ImprintSettings(promoter_name="Alliance Hub", on_behalf_of="Alliance Hub").imprint() == (
        "Promoted by Alliance Hub."
    )
    assert ImprintSettings(promoter_address="somewhere").imprint() == ""


class TestEveryDemoPage:
    """Read-only checks over the whole demo site, which loads once for them all."""

    def test_every_demo_page_links_the_legal_pages_and_shows_the_imprint(self, demo, client):
        urls = public_page_urls()
        assert len(urls) > 20
        for url in [*urls, "/search/?query=alliance", "/accounts/login/", "/accounts/signup/"]:
            response = client.get(url)
            assert response.status_code == 200, url
            footer = footer_of(response.content.decode())
            for label, href in [
                ("Privacy notice", "/privacy/"),
                ("Cookie statement", "/cookies/"),
                ("Accessibility statement", "/accessibility/"),
                ("Contact us", "/contact/"),
            ]:
                assert f'<a href="{href}"' in footer and f">{label}</a>" in footer, (url, label)
            assert IMPRINT in footer, url

    def test_the_site_404_page_has_the_footer_too(self, demo, client):
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert IMPRINT in footer_of(response.content.decode())

    def test_every_demo_page_has_a_share_card_with_the_imprint_and_an_image(self, demo, client):
        for url in public_page_urls():
            html = client.get(url).content.decode()
            for tag in ("og:title", "og:url", "og:description", "og:image", "og:image:alt"):
                assert f'property="{tag}"' in html, (url, tag)
            for tag in ("twitter:card", "twitter:title", "twitter:description", "twitter:image"):
                assert f'name="{tag}"' in html, (url, tag)
            description = re.search(r'property="og:description" content="([^"]*)"', html).group(1)
            assert description.endswith(IMPRINT), url
            image = re.search(r'property="og:image" content="([^"]*)"', html).group(1)
            assert image.startswith("http://testserver/"), url

    def test_a_page_shares_its_own_image_before_the_site_default(self, demo, client):
        from cms.models import PaperPage

        paper = PaperPage.objects.get()
        html = client.get(paper.url).content.decode()
        own = paper.social_image.get_rendition("fill-1200x630").url
        assert f'property="og:image" content="http://testserver{own}"' in html


def test_a_new_legal_page_joins_every_footer_when_published_and_leaves_when_unpublished(
    home, client
):
    assert "Terms of use" not in footer_of(client.get("/").content.decode())
    terms = publish_child(home, LegalPage(title="Terms of use", slug="terms"))
    assert '<a href="/terms/">Terms of use</a>' in footer_of(client.get("/").content.decode())
    terms.unpublish()
    assert "Terms of use" not in footer_of(client.get("/").content.decode())


def test_changing_the_imprint_shows_at_once_on_cached_pages(imprint, client, settings):
    settings.PAGE_CACHE_SECONDS = 600
    assert IMPRINT in client.get("/").content.decode()
    assert client.get("/")["X-Page-Cache"] == "hit"
    imprint.promoter_name = "Jo Bloggs"
    imprint.save()
    html = client.get("/").content.decode()
    assert "Promoted by Jo Bloggs on behalf of Alliance Hub" in footer_of(html)


def test_the_feeds_carry_the_imprint(imprint, client, home):
    from cms.models import BlogIndexPage, BlogPostPage

    blog = publish_child(home, BlogIndexPage(title="Blog", slug="blog"))
    publish_child(
        blog,
        BlogPostPage(title="A post", slug="a-post", date=datetime.date(2026, 5, 1), intro="Hello."),
    )
    rss = ET.fromstring(client.get("/feeds/blog.rss").content)  # noqa: S314 (our own feed)
    assert rss.find("channel/description").text.endswith(IMPRINT)
    assert rss.find("channel/item/description").text == f"Hello.\n\n{IMPRINT}"
    atom = client.get("/feeds/blog.atom").content.decode()
    assert IMPRINT in atom.split("<entry>", 1)[0]  # the feed's subtitle
    assert IMPRINT in atom.split("<entry>", 1)[1]  # each entry's summary


def test_the_calendars_carry_the_imprint(imprint, client, home):
    from django.utils import timezone

    events = publish_child(home, EventIndexPage(title="Events", slug="events"))
    event = publish_child(
        events,
        EventPage(
            title="Meeting",
            slug="meeting",
            start=timezone.now() + datetime.timedelta(days=3),
            town="Frome",
            region="south-west",
            organiser="Frome alliance",
            summary="A meeting.",
        ),
    )
    for url in (f"/calendar/events/{event.pk}.ics", "/calendar/upcoming.ics"):
        unfolded = client.get(url).content.decode().replace("\r\n ", "")
        assert "Promoted by Sam Rivera on behalf of Alliance Hub\\, 1 Example Street" in unfolded


def test_the_contact_form_relays_the_message_by_email_without_showing_an_address(
    contact, client, mail_via_celery, settings
):
    settings.CONTACT_EMAIL = "inbox@alliancehub.example"
    landing = client.get(contact.url).content.decode()
    assert 'href="/contact/write/"' in landing
    form = client.get(contact.url + "write/")
    assert "inbox@alliancehub.example" not in landing + form.content.decode()
    assert (
        "no-cache" in form["Cache-Control"]
        and 'name="csrfmiddlewaretoken"' in form.content.decode()
    )
    with mail_via_celery():
        response = client.post(
            contact.url + "write/",
            {
                "name": "Ada Lovelace",
                "email": "ada@example.com",
                "topic": "accessibility",
                "message": "The chart is hard to read.",
                "website": "",
            },
            follow=True,
        )
    assert response.redirect_chain == [("/contact/sent/", 302)]
    assert "Your message is on its way" in response.content.decode()
    assert "inbox@alliancehub.example" not in response.content.decode()
    [email] = mail_via_celery.outbox
    assert email.to == ["inbox@alliancehub.example"]
    assert email.reply_to == ["ada@example.com"]
    assert "A problem using the site" in email.subject and "Ada Lovelace" in email.subject
    assert "The chart is hard to read." in email.body


def test_the_page_can_name_its_own_inbox(contact, client, mail_via_celery):
    contact.recipient_email = "press@alliancehub.example"
    contact.save_revision().publish()
    with mail_via_celery():
        client.post(
            contact.url + "write/",
            {"name": "Ada", "email": "ada@example.com", "topic": "press", "message": "Hello"},
        )
    assert [email.to for email in mail_via_celery.outbox] == [["press@alliancehub.example"]]


def test_a_contact_form_with_errors_keeps_what_was_typed_and_sends_nothing(
    contact, client, mail_via_celery
):
    with mail_via_celery():
        response = client.post(
            contact.url + "write/", {"name": "Ada", "email": "not an address", "topic": "general"}
        )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Your message was not sent yet" in html
    assert "Enter a valid email address." in html
    assert 'value="Ada"' in html
    assert mail_via_celery.outbox == []


def test_a_filled_honeypot_sends_nothing(contact, client, mail_via_celery):
    with mail_via_celery():
        response = client.post(
            contact.url + "write/",
            {
                "name": "Bot",
                "email": "bot@example.com",
                "topic": "general",
                "message": "Buy now",
                "website": "http://spam.example",
            },
        )
    assert response.status_code == 400
    assert "This form could not be accepted." in response.content.decode()
    assert mail_via_celery.outbox == []


@override_settings(CONTACT_RATE="2/h")
def test_the_contact_form_is_rate_limited_per_address(contact, client, mail_via_celery):
    data = {"name": "Ada", "email": "ada@example.com", "topic": "general", "message": "Hello"}
    with mail_via_celery():
        write = contact.url + "write/"
        assert client.post(write, data).status_code == 302
        assert client.post(write, data).status_code == 302
        response = client.post(write, data)
    assert response.status_code == 429
    assert "several messages in a short time" in response.content.decode()
    assert len(mail_via_celery.outbox) == 2


def test_a_name_cannot_break_into_the_email_headers(contact, client, mail_via_celery):
    with mail_via_celery():
        client.post(
            contact.url + "write/",
            {
                "name": "Ada\r\nBcc: victim@example.com",
                "email": "ada@example.com",
                "topic": "general",
                "message": "Hello",
            },
        )
    [email] = mail_via_celery.outbox
    assert "\n" not in email.subject and "\r" not in email.subject
    assert email.bcc == [] and email.message()["Bcc"] is None


def test_admin_avatars_never_come_from_gravatar(editor, client):
    client.force_login(editor)
    html = client.get("/admin/").content.decode()
    assert "gravatar" not in html.lower()


def test_editors_change_the_imprint_and_moderators_cannot(home, editor, moderator, client):
    site = Site.objects.get(is_default_site=True)
    url = f"/admin/settings/cms/imprintsettings/{site.pk}/"
    client.force_login(moderator)
    assert client.get(url).status_code in (302, 403)
    client.force_login(editor)
    assert client.get(url).status_code == 200
