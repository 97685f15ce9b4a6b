"""Testing site search over published pages, and private pages and documents."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from wagtail.documents.models import Document
from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

from cms.models import GuidePage, PaperAuthor, PaperPage, StandardPage
from tests.cms.conftest import publish_child, rich_text
from tests.conftest import make_user


def test_search_finds_a_published_paper_and_not_a_draft(client, paper_index):
    publish_child(
        paper_index,
        PaperPage(
            title="Proportional representation",
            slug="pr",
            summary="Why every vote should count.",
            body=[("paragraph", rich_text("<p>Democratic renewal needs fair votes.</p>"))],
        ),
    )
    draft = PaperPage(
        title="Unfinished thoughts on renewal",
        slug="draft",
        summary="Democratic renewal draft.",
        body=[("paragraph", rich_text("<p>Democratic renewal.</p>"))],
        live=False,
    )
    paper_index.add_child(instance=draft)
    draft.save_revision()

    html = client.get("/search/", {"query": "renewal"}).content.decode()
    assert "Proportional representation" in html
    assert "Unfinished thoughts" not in html


def test_search_finds_events_by_town_and_guides_by_step_text(client, make_event, home):
    make_event("Town hall gathering", 5, region="north-west", town="Lancaster")
    publish_child(
        home,
        GuidePage(
            title="Local alliance guide",
            slug="guide",
            steps=[("step", {"title": "Agree", "text": rich_text("<p>Negotiate a deal.</p>")})],
        ),
    )
    assert "Town hall gathering" in client.get("/search/", {"query": "Lancaster"}).content.decode()
    assert "Local alliance guide" in client.get("/search/", {"query": "negotiate"}).content.decode()


@pytest.fixture
def organisers(db):
    return Group.objects.create(name="Organisers")


@pytest.fixture
def organisers_area(home, organisers):
    page = publish_child(
        home,
        StandardPage(title="Organisers' area", slug="organisers", introduction="Rota and notes."),
    )
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(organisers)
    return page


@pytest.fixture
def private_document(organisers):
    collection = Collection.get_first_root_node().add_child(name="Organisers' documents")
    restriction = CollectionViewRestriction.objects.create(
        collection=collection, restriction_type=CollectionViewRestriction.GROUPS
    )
    restriction.groups.add(organisers)
    return Document.objects.create(
        title="Meeting checklist",
        collection=collection,
        file=ContentFile(b"Book the hall.", name="checklist.txt"),
    )


def test_anonymous_visitor_cannot_see_the_organisers_area(client, organisers_area):
    response = client.get(organisers_area.url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert (
        "Organisers' area" not in client.get("/search/", {"query": "organisers"}).content.decode()
    )


def test_supporter_outside_the_group_cannot_see_the_organisers_area(
    client, supporter, organisers_area
):
    client.force_login(supporter)
    assert client.get(organisers_area.url).status_code in (302, 403)


def test_organiser_can_see_the_organisers_area(client, organisers, organisers_area):
    organiser = make_user("organiser@example.com", "Supporters")
    organiser.groups.add(organisers)
    client.force_login(organiser)
    response = client.get(organisers_area.url)
    assert response.status_code == 200
    assert "Rota and notes." in response.content.decode()


def test_private_document_is_served_only_to_the_group(
    client, supporter, organisers, private_document
):
    assert client.get(private_document.url).status_code == 302
    client.force_login(supporter)
    assert client.get(private_document.url).status_code in (302, 403)
    supporter.groups.add(organisers)
    response = client.get(private_document.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"Book the hall."


def test_search_finds_a_paper_by_its_author(client, paper_index, author):
    paper = PaperPage(title="Fair votes", slug="fair-votes", summary="S.", body=[], author_links=[])
    paper.author_links = [PaperAuthor(author=author)]
    publish_child(paper_index, paper)
    assert "Fair votes" in client.get("/search/", {"query": "Patel"}).content.decode()


def test_sitemap_lists_public_pages_and_not_the_private_area(client, paper, organisers_area):
    xml = client.get("/sitemap.xml").content.decode()
    assert "/papers/five-shared-values/" in xml
    assert "/organisers/" not in xml
