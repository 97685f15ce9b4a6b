"""No page scrolls sideways and no visible text is smaller than 12 px, from 320 to 1440 px.

Every public page type and form (from the demo content, built inside the test) is loaded
at 320, 390, 768 and 1440 px wide. A page fails if its document is wider than the window
(the visitor must scroll sideways) or if any visible text renders smaller than 12 CSS
pixels: for SVG text, the font size times the drawing's scale, as a chart drawn in a
viewBox shrinks with the screen. Full-page screenshots of every page at every width go
to artifacts/screenshots/ (kept, gitignored) for a person to look at.
"""

import pytest

from cms.models import ContactPage, LegalPage, User
from crowdfund.models import CrowdfundPage
from manifesto.models import Amendment, ManifestoPage
from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import editorial_page_urls, first_url
from tests.support.demo_snapshot import load_demo_content

WIDTHS = (320, 390, 768, 1440)
SMALLEST_TEXT_PX = 12

# Returns {"width": document width, "window": window width, "small": [...], "wide": [...]}.
MEASURE = """
(limit) => {
  const doc = document.documentElement;
  const small = [];
  const isHidden = (el) => {
    const options = {checkOpacity: true, checkVisibilityCSS: true};
    if (el.checkVisibility && !el.checkVisibility(options)) return true;
    const box = el.getBoundingClientRect();
    return box.width <= 1 || box.height <= 1;  // visually hidden text (1px clip)
  };
  const describe = (el) => {
    const id = el.id ? '#' + el.id : '';
    const names = typeof el.className === 'string' ? el.className.trim() : '';
    const cls = names ? '.' + names.split(/\\s+/).join('.') : '';
    return el.tagName.toLowerCase() + id + cls;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || seen.has(el) || !node.textContent.trim()) continue;
    seen.add(el);
    if (['SCRIPT', 'STYLE', 'NOSCRIPT', 'TITLE', 'OPTION'].includes(el.tagName)) continue;
    if (isHidden(el)) continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    if (el instanceof SVGElement && el.getScreenCTM) {
      const ctm = el.getScreenCTM();
      if (ctm) size = size * Math.hypot(ctm.a, ctm.b);
    }
    if (size < limit - 0.01) {
      const text = node.textContent.trim().slice(0, 40);
      small.push(`${describe(el)} "${text}" is ${size.toFixed(1)}px`);
    }
  }
  const wide = [];
  if (doc.scrollWidth > window.innerWidth) {
    for (const el of document.body.querySelectorAll('*')) {
      const box = el.getBoundingClientRect();
      if (box.right > window.innerWidth + 1 && box.width > 0 && !isHidden(el)) {
        wide.push(`${describe(el)} reaches ${Math.round(box.right)}px`);
        if (wide.length >= 5) break;
      }
    }
  }
  return {width: doc.scrollWidth, window: window.innerWidth, small: small.slice(0, 8), wide};
}
"""


@pytest.fixture
def demo(transactional_db):
    load_demo_content()


def public_urls() -> dict[str, str]:
    """Every public page type and form, as a first-time visitor reaches them."""
    urls = editorial_page_urls()
    crowdfund = CrowdfundPage.objects.live().first()
    manifesto = ManifestoPage.objects.live().public().order_by("path").first()
    clause = manifesto.clauses.order_by("position").first()
    # The most voted amendment: its party table is the widest.
    amendment = (
        Amendment.objects.public().filter(page=manifesto).order_by("-agree_count", "pk").first()
    )
    base = manifesto.url
    urls.update(
        {
            "legal": first_url(LegalPage),
            "contact": first_url(ContactPage),
            "crowdfund": crowdfund.url,
            "donate": crowdfund.url + crowdfund.reverse_subpage("donate"),
            "manifesto": base,
            "clause": f"{base}clause/{clause.key}/",
            "amendment": f"{base}amendment/{amendment.pk}/",
            "where-we-agree": base + manifesto.reverse_subpage("where_we_agree"),
            "how-ranking-works": base + manifesto.reverse_subpage("how_ranking_works"),
            "history": base + manifesto.reverse_subpage("history"),
            "newsletter-sign-up": "/newsletter/",
        }
    )
    return urls


def signed_in_urls() -> dict[str, str]:
    manifesto = ManifestoPage.objects.live().public().order_by("path").first()
    clause = manifesto.clauses.order_by("position").first()
    stories = editorial_page_urls()["stories-index"]
    return {
        "signed-in-home": "/",
        "profile": "/account/",
        "welcome": "/account/welcome/",
        "propose": f"{manifesto.url}clause/{clause.key}/propose/",
        "share-story": stories + "share/",
        "signed-in-amendment": public_urls()["amendment"],
        "notifications": "/account/notifications/",
        "email-choices": "/account/notifications/email/",
        "following": "/account/following/",
        "activity": "/account/activity/",
        "newsletter-opt-in": "/account/newsletter/",
    }


def measure_pages(tab, urls: dict[str, str], screenshot) -> list[str]:
    problems = []
    for width in WIDTHS:
        tab.set_viewport_size({"width": width, "height": 900})
        for name, url in urls.items():
            tab.goto(url)
            found = tab.evaluate(MEASURE, SMALLEST_TEXT_PX)
            screenshot(tab, f"{name}-{width}")
            if found["width"] > found["window"]:
                problems.append(
                    f"{name} at {width}px is {found['width']}px wide ({url}): "
                    + "; ".join(found["wide"])
                )
            if found["small"]:
                problems.append(
                    f"{name} at {width}px has small text ({url}): " + "; ".join(found["small"])
                )
    return problems


def test_no_public_page_is_wider_than_the_window_or_has_text_under_12px(demo, page, screenshot):
    problems = measure_pages(page, public_urls(), screenshot)
    assert not problems, "\n".join(problems)


def test_no_signed_in_page_is_wider_than_the_window_or_has_text_under_12px(demo, page, screenshot):
    log_in(page, User.objects.get(email="editor@alliancehub.example"))
    problems = measure_pages(page, signed_in_urls(), screenshot)
    assert not problems, "\n".join(problems)


def test_the_measure_catches_a_wide_element_and_tiny_text(transactional_db, page):
    """Guards against a check that cannot fail: a 500 px box and 8 px text added to a
    real page at 390 px must both be reported."""
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto("/accounts/login/")
    page.evaluate(
        """() => {
        const main = document.querySelector('main');
        const wide = document.createElement('div');
        wide.textContent = 'wide';
        wide.style.width = '500px';
        const tiny = document.createElement('p');
        tiny.textContent = 'tiny';
        tiny.style.fontSize = '8px';
        main.append(wide, tiny);
        main.insertAdjacentHTML('beforeend', '<svg viewBox="0 0 1000 100" width="300">'
            + '<text x="0" y="50" font-size="14">label</text></svg>');
        }"""
    )
    found = page.evaluate(MEASURE, SMALLEST_TEXT_PX)
    assert found["width"] > found["window"]
    assert any("tiny" in item for item in found["small"])
    assert any("label" in item for item in found["small"])  # 14 x 0.3 = 4.2 px


def test_the_wide_screen_menu_has_a_fallback_for_browsers_without_details_content(
    transactional_db, axe_tab
):
    """Chromium supports ::details-content, so the fallback copy is never shown here; the
    fallback's own rule is then applied as if the browser lacked it: the copy must show
    the menu on a wide screen and hide the <details>, and stay hidden on a phone."""
    tab = axe_tab  # a context that bypasses the CSP, so the rule can be re-added
    tab.set_viewport_size({"width": 1280, "height": 800})
    tab.goto("/accounts/login/")
    # No demo here, so no menu links: the header search in each copy stands for the menu.
    assert not painted(tab, ".site-menu-fallback input[type=search]")
    assert painted(tab, ".site-menu input[type=search]")
    tab.evaluate(
        """() => {
        for (const sheet of document.styleSheets) {
          for (const rule of sheet.cssRules) {
            const condition = rule.conditionText || '';
            if (condition.includes('not selector(::details-content)')) {
              const style = document.createElement('style');
              style.textContent = rule.cssRules[0].cssText;  // the @media rule inside
              document.head.append(style);
            }
          }
        }
        }"""
    )
    assert painted(tab, ".site-menu-fallback input[type=search]")
    assert not painted(tab, ".site-menu input[type=search]")
    tab.set_viewport_size({"width": 390, "height": 800})
    assert not painted(tab, ".site-menu-fallback input[type=search]")
    assert painted(tab, ".site-menu > summary")


def painted(tab, selector) -> bool:
    """Whether the first element matching `selector` is what the page shows at its centre
    (Playwright counts anything inside a closed <details> as hidden, even when CSS shows it)."""
    return tab.evaluate(
        """(selector) => {
        const element = document.querySelector(selector);
        if (!element) return false;
        const box = element.getBoundingClientRect();
        if (box.width < 1 || box.height < 1) return false;
        const top = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
        return !!top && (top === element || element.contains(top));
        }""",
        selector,
    )
