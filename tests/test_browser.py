"""Every page in headless Chromium, offline: every chart draws, and no request leaves the machine.

The site is served on 127.0.0.1; the browser resolves every other host to nothing and every
request is also intercepted, so a request to another host is both blocked and recorded.
Needs Debian's `chromium` (make test installs it when it can).
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tools.browser import CHARTS_DRAWN, chromium, page_paths, serve
from tools.browser import CHARTS_SETTLED as ALL_DRAWN

# Console noise of the installed theme, on every page of any Jupyter Book 1.x site; anything else fails.
THEME_NOISE = ("Got invalid theme mode",)


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


def visit(browser, url: str) -> dict:
    """Open url; return charts found, charts drawn with marks, outside requests and console errors."""
    context = browser.new_context()
    page = context.new_page()
    outside, errors = [], []

    def route(r):
        host = urlsplit(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    def record(text: str) -> None:
        if not any(noise in text for noise in THEME_NOISE):
            errors.append(text)

    page.on("console", lambda m: record(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: record(str(e)))
    page.goto(url, wait_until="load")
    charts = page.locator(".evidence-chart").count()
    if charts:
        page.wait_for_function(ALL_DRAWN, timeout=15000)
    drawn = page.evaluate(CHARTS_DRAWN)
    context.close()
    return {"charts": charts, "drawn": drawn, "outside": outside, "errors": errors}


def test_every_page_offline(site, server, browser):
    failures, charts_seen = [], 0
    for path in page_paths(site):
        result = visit(browser, f"{server}/{path}")
        charts_seen += result["charts"]
        if result["drawn"] != result["charts"]:
            failures.append(f"{path}: {result['drawn']} of {result['charts']} charts drew")
        if result["outside"]:
            failures.append(f"{path}: requests to other hosts: {result['outside'][:5]}")
        if result["errors"]:
            failures.append(f"{path}: console errors: {result['errors'][:3]}")
    assert charts_seen > 0, "no chart found on any page: the check would prove nothing"
    assert not failures, "\n".join(failures)


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


def test_charts_fit_a_phone_screen(site, server, browser):
    """At a phone's width (390 px) every chart is drawn no wider than the screen."""
    failures = []
    for path in page_paths(site):
        if 'class="evidence-chart"' not in (site / path).read_text(encoding="utf-8"):
            continue
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(f"{server}/{path}", wait_until="load")
        page.wait_for_function(ALL_DRAWN, timeout=15000)
        widths = page.evaluate("() => [...document.querySelectorAll('.evidence-chart svg.marks')]"
                               ".map(s => s.getBoundingClientRect()).filter(r => r.width > 0).map(r => r.right)")
        failures += [f"{path}: a chart reaches {w:.0f} px" for w in widths if w > 390]
        context.close()
    assert not failures, "\n".join(failures)
