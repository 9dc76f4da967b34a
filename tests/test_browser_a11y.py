"""The accessibility audit: axe-core finds no serious or critical violation on any page.

A file of its own so that `make test` runs it beside the other tests (pytest-xdist gives each
file to one worker): it is the longest single check. Needs Debian's `chromium` and axe-core
from npm (make test installs both when it can).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tools.browser import CHARTS_SETTLED as ALL_DRAWN
from tools.browser import chromium, page_paths, serve


@pytest.fixture(scope="module")
def server(site):
    with serve(site) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    try:
        with chromium() as browser:
            yield browser
    except RuntimeError as missing:
        pytest.fail(str(missing))


AXE = Path(__file__).resolve().parents[1] / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"


def test_no_serious_accessibility_violation(site, server, browser):
    """axe-core (installed from npm by `make test`) finds no serious or critical violation on any page."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `make axe` (needs npm)")
    failures = []
    for path in page_paths(site):
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{server}/{path}", wait_until="load")
        if page.locator(".evidence-chart").count():
            page.wait_for_function(ALL_DRAWN, timeout=15000)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
            .violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join('; ')}`)""")
        failures += [f"{path}: {v}" for v in violations]
        context.close()
    assert not failures, "\n".join(failures)


