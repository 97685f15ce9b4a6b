"""The demo manifesto shows what the feature is for: cross-party ranking, merging, collisions."""

import pytest

from manifesto import demo
from manifesto.models import Amendment, AmendmentStatus, ManifestoPage, Vote


@pytest.fixture
def loaded(home):
    from cms.demo.people import load_people

    load_people()
    demo.load(home)
    return ManifestoPage.objects.get(slug="manifesto")


def test_demo_charter_has_five_clauses_two_versions_and_a_merged_amendment(loaded):
    assert loaded.versions.count() == 2
    assert len(loaded.versions.get(number=1).snapshot) == 5
    merged = Amendment.objects.get(page=loaded, status=AmendmentStatus.MERGED)
    assert merged.clause.provenance.amendment == merged
    assert merged.agree_count > 20 and merged.clause.provenance.agree == merged.agree_count
    assert Amendment.objects.filter(page=loaded).count() == 12
    assert 200 <= Vote.objects.filter(amendment__page=loaded).count() <= 600


def test_demo_popular_and_common_ground_orders_differ(loaded):
    open_amendments = Amendment.objects.filter(page=loaded, status=AmendmentStatus.PUBLISHED)
    popular = list(open_amendments.order_by("-popular_score").values_list("pk", flat=True))
    common = list(open_amendments.order_by("-common_ground_score").values_list("pk", flat=True))
    assert popular != common


def test_demo_has_colliding_amendments(loaded):
    open_amendments = list(Amendment.objects.filter(page=loaded, status=AmendmentStatus.PUBLISHED))
    assert any(a.collides_with(b) for a in open_amendments for b in open_amendments if a.pk < b.pk)


def test_demo_naming_consultation_and_rerun_changes_nothing(loaded, home, client):
    consultation = ManifestoPage.objects.get(slug="name-the-campaign")
    names = set(Amendment.objects.filter(page=consultation).values_list("text", flat=True))
    assert names == {"People's Alliance", "Social Alliance", "Together", "Inclusion"}
    before = (Amendment.objects.count(), Vote.objects.count())
    demo.load(home)
    assert (Amendment.objects.count(), Vote.objects.count()) == before
    for page in (loaded, consultation):
        assert client.get(page.url).status_code == 200
