"""Run axe-core (from node_modules, installed with `npm ci`) inside a Playwright tab.

axe is injected as a script tag, which the site's CSP forbids, so the tabs that run it
come from a browser context made with `bypass_csp=True`. Only serious and critical
violations fail a check; each is reported with the rule, its help text and the first
offending elements so the failure message says what to fix.
"""

from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")

_RUN_AXE = """
async (impacts) => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations
    .filter((v) => impacts.includes(v.impact))
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
}
"""


def serious_violations(tab) -> list[dict]:
    """The serious and critical axe violations on the page the tab shows now."""
    if not tab.evaluate("typeof window.axe !== 'undefined'"):
        tab.add_script_tag(path=str(AXE_JS))
    return tab.evaluate(_RUN_AXE, list(FAILING_IMPACTS))


def describe(violations: list[dict]) -> str:
    return "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['targets'])}" for v in violations
    )
