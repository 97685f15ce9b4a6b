"""Testing that the home page stays light: HTML, CSS and JS under 100 KB, all from this site."""

import re

from django.contrib.staticfiles import finders

from tests.support.demo_snapshot import load_demo_content

BUDGET_BYTES = 100 * 1024


def linked_assets(html: str) -> list[str]:
    stylesheets = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html)
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    return stylesheets + scripts


def test_home_page_html_css_and_js_fit_the_budget_and_come_from_this_site(client, db):
    load_demo_content()
    html = client.get("/").content.decode()
    assets = linked_assets(html)
    assert assets, "the page links its stylesheet"
    total = len(html.encode())
    for url in assets:
        assert url.startswith("/static/"), f"{url} is fetched from elsewhere"
        path = finders.find(url.removeprefix("/static/"))
        assert path, f"{url} is not a static file of this site"
        with open(path, "rb") as asset:
            total += len(asset.read())
    assert total < BUDGET_BYTES, f"home page weighs {total} bytes"
    assert "fonts.googleapis" not in html and "@import url(http" not in html
