"""Testing that a manifesto's sub-pages are the one table `manifesto.views.ROUTES`."""

import ast
from pathlib import Path

import pytest

import manifesto
from manifesto.models import ManifestoPage
from manifesto.views import ROUTES


def test_the_page_serves_exactly_the_table():
    names = [name for _, name, _ in ROUTES]
    assert len(names) == len(set(names))
    served = [(str(url.pattern), url.name) for url in ManifestoPage.get_subpage_urls()]
    assert served == [(route, name) for route, name, _ in ROUTES]


def test_no_manifesto_module_below_the_views_imports_them():
    """The views import the domain; nothing of the domain imports the views back."""
    package = Path(manifesto.__file__).parent
    for source in package.glob("*.py"):
        if source.name in ("apps.py", "urls.py", "lean_vote.py"):
            # above the views: they wire them in (lean_vote, the vote view into the WSGI
            # application)
            continue
        tree = ast.parse(source.read_text())
        imported = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        } | {
            f"{node.module}.{alias.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
            for alias in node.names
        }
        assert not any(name.startswith("manifesto.views") for name in imported), source.name


@pytest.mark.parametrize(("route", "name", "view"), ROUTES)
def test_every_route_reverses(manifesto, route, name, view):
    args = {"key": "c1"} if "<str:key>" in route else {}
    if "<int:pk>" in route:
        args["pk"] = 7
    assert manifesto.reverse_subpage(name, kwargs=args).startswith(route.split("<")[0])


@pytest.mark.parametrize("action", ["vote", "comment", "report", "withdraw", "update", "status"])
def test_amendment_actions_answer_get_with_405_and_an_unknown_action_with_404(
    client, manifesto, clause, action
):
    from manifesto.actions import propose
    from tests.conftest import make_user

    author = make_user("writer@example.com", "Supporters")
    amendment = propose(manifesto, clause, author, "replace", "New words.", "Because.")
    base = f"{manifesto.url}amendment/{amendment.pk}/"
    assert client.get(f"{base}{action}/").status_code == 405
    assert client.get(f"{base}no-such-action/").status_code == 404
