"""The stories' limits are a site setting editors change (Settings → Stories)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.models import Site

from stories.models import StorySettings, story_limits
from tests.stories.conftest import set_story_limits, submit_url

# What the environment variables gave before the limits became a site setting.
SHIPPED = {
    "submit_rate_per_ip": "5/h",
    "submit_rate_per_account": "3/h",
    "body_min_chars": 200,
    "body_max_chars": 8000,
    "many_links_threshold": 4,
    "max_photos": 5,
    "photo_max_bytes": 5 * 1024 * 1024,
    "photo_max_dimension": 6000,
    "photo_min_dimension": 100,
    "per_page": 12,
}


def settings_url():
    site = Site.objects.get(is_default_site=True)
    return reverse("wagtailsettings:edit", args=["stories", "storysettings", site.pk])


def admin_form_data(**changes):
    data = {"allow_anonymous_submissions": "", "submission_intro": "Tell us."}
    data.update({name: str(value) for name, value in SHIPPED.items()})
    data.update({name: str(value) for name, value in changes.items()})
    return data


@pytest.mark.django_db
def test_the_limits_ship_with_the_values_they_had():
    limits = story_limits()
    assert {name: getattr(limits, name) for name in SHIPPED} == SHIPPED


@pytest.mark.django_db
def test_without_a_site_the_limits_are_the_shipped_ones():
    Site.objects.all().delete()
    limits = story_limits()
    assert {name: getattr(limits, name) for name in SHIPPED} == SHIPPED


def test_every_limit_explains_itself_to_editors(client, editor, home):
    client.force_login(editor)
    html = client.get(settings_url()).content.decode()
    for name in SHIPPED:
        field = StorySettings._meta.get_field(name)
        assert field.help_text, name
        assert f'name="{name}"' in html


def test_an_editor_changes_a_limit_and_the_form_follows(client, editor, supporter, stories_index):
    client.force_login(editor)
    response = client.post(settings_url(), admin_form_data(max_photos=2, body_min_chars=50))
    assert response.status_code == 302
    assert story_limits().max_photos == 2

    client.force_login(supporter)
    html = client.get(submit_url(stories_index)).content.decode()
    assert "Up to 2 JPEG, PNG or WebP photos" in html
    assert "Between 50 and 8000 characters" in html


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"body_min_chars": 900, "body_max_chars": 800}, "body_max_chars"),
        ({"photo_min_dimension": 700, "photo_max_dimension": 600}, "photo_max_dimension"),
        # Ten photos of 20 MB could never reach the form (STORY_UPLOAD_MAX_BYTES).
        ({"max_photos": 10, "photo_max_bytes": 20 * 1024 * 1024}, "photo_max_bytes"),
        ({"submit_rate_per_ip": "lots"}, "submit_rate_per_ip"),
        ({"submit_rate_per_account": "0/h"}, "submit_rate_per_account"),
        ({"per_page": 0}, "per_page"),
        ({"max_photos": 11}, "max_photos"),
    ],
)
def test_contradicting_or_impossible_limits_are_refused(client, editor, home, changes, field):
    client.force_login(editor)
    response = client.post(settings_url(), admin_form_data(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert {name: getattr(story_limits(), name) for name in SHIPPED} == SHIPPED


def test_the_model_refuses_them_too(db):
    limits = set_story_limits()
    limits.body_min_chars, limits.body_max_chars = 900, 800
    with pytest.raises(ValidationError) as refused:
        limits.full_clean()
    assert "body_max_chars" in refused.value.message_dict


def test_a_supporter_cannot_change_the_limits(client, supporter, home):
    client.force_login(supporter)
    response = client.post(settings_url(), admin_form_data(per_page=1))
    assert response.status_code in (302, 403)
    assert story_limits().per_page == 12
