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
# Each page is audited as it opens in light mode, then switched to dark mode by the theme's own
# button, as a reader switches it, and audited again: one page load for both modes. Checked on
# all pages: axe-core's violations, incomplete results and passes, node by node, are the same as
# on a page opened in dark mode (the charts redraw on the switch; evidence-charts.js).
LIGHT_FIRST = "localStorage.setItem('mode', 'light'); localStorage.setItem('theme', 'light');"
DARK_BY_THE_BUTTON = "() => document.querySelector('.theme-switch-button').click()"
THEME = "() => document.documentElement.dataset.theme"
# The theme's buttons and links fade to a new mode's colours (CSS transitions of 0.15 s): audited
# mid-fade, under load, a colour is between the two modes'. Wait until every transition or animation
# that ends has ended (or was cancelled).
SETTLED = """() => Promise.allSettled(document.getAnimations()
    .filter(a => a.effect && a.effect.getComputedTiming().iterations !== Infinity).map(a => a.finished))"""


def audit(page, mode: str) -> list[str]:
    """axe-core's serious and critical violations on the open page, which must show ``mode``."""
    shown = page.evaluate(THEME)
    if shown != mode:
        return [f"the page shows data-theme={shown!r}, not {mode!r}: the audit would check the wrong mode"]
    if page.locator(".evidence-chart").count():
        page.wait_for_function(ALL_DRAWN, timeout=15000)
    page.evaluate(SETTLED)
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join('; ')}`)""")


def audit_both_modes(page, url: str) -> dict[str, list[str]]:
    page.emulate_media(color_scheme="light")
    page.goto(url, wait_until="load")
    page.add_script_tag(path=str(AXE))
    found = {"light": audit(page, "light")}
    page.emulate_media(color_scheme="dark")
    page.evaluate(DARK_BY_THE_BUTTON)  # light -> dark when the system prefers dark (the theme's cycle)
    found["dark"] = audit(page, "dark")
    return found


def test_no_serious_accessibility_violation_in_light_or_dark_mode(site, server, browser):
    """axe-core (installed from npm by `make test`) finds no serious or critical violation on any
    page, in the theme's light mode and in its dark mode."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `make axe` (needs npm)")
    context = browser.new_context()
    context.add_init_script(LIGHT_FIRST)  # every page opens in light mode, whatever the last one was switched to
    page, failures = context.new_page(), []  # one tab, the pages in turn: a tab per page starts a renderer
    for path in page_paths(site):
        for mode, violations in audit_both_modes(page, f"{server}/{path}").items():
            failures += [f"{path} ({mode}): {v}" for v in violations]
    context.close()
    assert not failures, "\n".join(failures)
