"""`{% address_of %}` gives what `{% url %}` gives, reversed once per process."""

from django.template import Context, Template
from django.urls import set_script_prefix

from cms.templatetags import hub_tags


def render(source: str) -> str:
    return Template("{% load hub_tags %}" + source).render(Context())


def test_it_gives_the_url_tags_address_for_every_view_it_is_used_for():
    for name in ("account_login", "account_signup", "account_logout", "profile", "search"):
        assert render(f"{{% address_of '{name}' %}}") == render(f"{{% url '{name}' %}}")


def test_it_is_reversed_once_and_follows_the_script_prefix():
    hub_tags._address_of.cache_clear()
    render("{% address_of 'account_login' %}")
    render("{% address_of 'account_login' %}")
    assert hub_tags._address_of.cache_info().hits == 1
    try:
        set_script_prefix("/hub/")  # the site served below a path
        assert render("{% address_of 'account_login' %}") == "/hub/accounts/login/"
    finally:
        set_script_prefix("/")
    assert render("{% address_of 'account_login' %}") == "/accounts/login/"


def test_it_follows_the_url_configuration(settings):
    # A test (or a deployment) with its own URL configuration reverses in that one.
    settings.ROOT_URLCONF = "tests.cms.address_urls"
    assert render("{% address_of 'account_login' %}") == "/elsewhere/login/"
