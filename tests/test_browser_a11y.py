"""The accessibility audit: axe-core finds no serious or critical violation on any page.

A file of its own so that `make test` runs it beside the other tests (pytest-xdist gives each
file to one worker): it is the longest single check. Needs Debian's `chromium` and axe-core
from npm (make test installs both when it can).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tools.browser import CHARTS_SETTLED as ALL_DRAWN
from tools.browser import page_paths

AXE = Path(__file__).resolve().parents[1] / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"


# The theme (pydata-sphinx-theme) reads the reader's choice from localStorage 'mode' ('light',
# 'dark' or 'auto') and, on 'auto', the browser's colour scheme; it then sets html[data-theme].
MODES = ("light", "dark")


def in_mode(browser, mode: str):
    """One browser context showing the site in ``mode``, its pages opened one after another in one tab
    (a tab per page would start a renderer per page: a fifth of the audit's time)."""
    context = browser.new_context(color_scheme=mode)
    context.add_init_script(f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');")
    return context, context.new_page()


def audit(page, url: str, mode: str) -> list[str]:
    """axe-core's serious and critical violations on one page shown in one colour mode."""
    page.goto(url, wait_until="load")
    shown = page.evaluate("() => document.documentElement.dataset.theme")
    if shown != mode:
        return [f"the page shows data-theme={shown!r}, not {mode!r}: the audit would check the wrong mode"]
    if page.locator(".evidence-chart").count():
        page.wait_for_function(ALL_DRAWN, timeout=15000)
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join('; ')}`)""")


@pytest.mark.parametrize("mode", MODES)
def test_no_serious_accessibility_violation(site, server, browser, mode):
    """axe-core (installed from npm by `make test`) finds no serious or critical violation on any
    page, in the theme's light mode and in its dark mode."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `make axe` (needs npm)")
    failures = []
    context, page = in_mode(browser, mode)
    for path in page_paths(site):
        failures += [f"{path} ({mode}): {v}" for v in audit(page, f"{server}/{path}", mode)]
    context.close()
    assert not failures, "\n".join(failures)
