"""Testing that the demo loader builds the site and changes nothing the second time."""

from io import StringIO

from django.apps import apps
from django.core.management import call_command

from tests.support.demo_snapshot import load_demo_content


def row_counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if not model._meta.label.startswith(("sessions.", "axes.", "admin."))
    }


def test_demo_loader_is_idempotent_and_prints_the_logins_each_time(db, client):
    call_command("load_demo", stdout=StringIO())
    first = row_counts()
    again = StringIO()
    call_command("load_demo", stdout=again)
    assert row_counts() == first
    assert client.get("/").status_code == 200
    assert "editor@alliancehub.example" in again.getvalue()
    assert "supporter@alliancehub.example" in again.getvalue()


def test_demo_main_menu_links_are_saved(db, client):
    load_demo_content()
    html = client.get("/").content.decode()
    menu = html.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    assert ">Blog<" in menu
    assert ">Events<" in menu


def test_the_demo_site_serves_canonical_urls_on_the_address_it_runs_at(db, client):
    call_command("load_demo", "--address", "http://127.0.0.1:8106/", stdout=StringIO())
    html = client.get("/", HTTP_HOST="127.0.0.1:8106").content.decode()
    assert '<link rel="canonical" href="http://127.0.0.1:8106/">' in html
