"""axe-core (tests/vendor/axe-core, pinned) in a Playwright page: every WCAG 2.0/2.1/2.2 A and AA rule on the
page as it stands. Injected with `add_init_script`, which the app's CSP (default-src 'self') does not block, so
the app's own policy stays as it is served."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
RUN = """async (tags) => {
  const result = await axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + ": " + n.failureSummary) }));
}"""


def install(context) -> None:
    """Make axe-core available in every page the context opens."""
    context.add_init_script(path=str(AXE))


class Checker:
    """Runs axe on each page state it is shown; counts the states and keeps what they violated."""

    def __init__(self) -> None:
        self.states: list[str] = []

    def __call__(self, page, state: str) -> None:
        page.wait_for_load_state()
        violations = page.evaluate(RUN, TAGS)
        self.states.append(state)
        assert violations == [], (state, violations)
