"""Every page in headless Chromium, offline: every chart draws, no request leaves the machine, and
the pages are light (issue 19): no Font Awesome, the search index only on the search page, no
chart runtime before a reader points at a chart, at most 350 KB (gzip) transferred when a page opens.

The site is served on 127.0.0.1; the browser resolves every other host to nothing and every
request is also intercepted, so a request to another host is both blocked and recorded. Every
page is opened once, in one tab with the browser's cache off (see visit_all), and these checks
read that visit.
Needs Debian's `chromium` (make test installs it when it can).
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tools.browser import CHARTS_DRAWN, Quiet, page_paths, record_transfers
from tools.browser import CHARTS_SETTLED as ALL_DRAWN

PAGE_BUDGET = 350_000  # bytes, gzip, everything a page requests when it opens


DESKTOP = {"width": 1280, "height": 720}  # Playwright's default viewport


def visit_all(browser, base: str, paths: list[str]) -> dict[str, dict]:
    """Open every page in turn in one tab; for each: charts found and drawn, outside requests, console
    errors, what it requested, and how far it pans sideways on a phone.

    Routing every request turns Chromium's HTTP cache off (Playwright's documented behaviour), so
    each visit requests what a first visit requests: measured, the same requests and bytes, page by
    page, as a fresh context per page, which starts a renderer per page and cost twice the CPU."""
    context = browser.new_context()
    # Each page as on a first visit: no storage left by the pages before (about:blank has none to clear).
    context.add_init_script("if (location.protocol === 'http:') { localStorage.clear(); sessionStorage.clear(); }")
    page = context.new_page()
    current: dict = {}

    def route(r):
        host = urlsplit(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            r.continue_()
        else:
            current["outside"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    quiet, requested = Quiet(page), record_transfers(page)
    page.on("console", lambda m: current["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: current["errors"].append(str(e)))
    results = {}
    for path in paths:
        url, first = f"{base}/{path}", len(requested)
        current = results[path] = {"outside": [], "errors": []}
        page.set_viewport_size(DESKTOP)
        page.goto(url, wait_until="load")
        current["charts"] = page.locator(".evidence-chart").count()
        if current["charts"]:
            page.wait_for_function(ALL_DRAWN, timeout=15000)
        current["drawn"] = page.evaluate(CHARTS_DRAWN)
        current["sideways"] = sideways_scroll(page)
        # Leave the page and let everything it started finish, so nothing of it is counted for the next one.
        page.goto("about:blank")
        quiet.wait(url)
        current["requested"] = requested[first:]
    context.close()
    return results


PHONE = {"width": 390, "height": 844}


def sideways_scroll(page) -> int:
    """How far (px) the page pans sideways on a 390 px phone: the document's width beyond the screen."""
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(50)  # one layout at the new width
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


@pytest.fixture(scope="module")
def visits(site, server, browser) -> dict[str, dict]:
    return visit_all(browser, server, page_paths(site))


def test_every_page_offline(visits):
    failures, charts_seen = [], 0
    for path, result in visits.items():
        charts_seen += result["charts"]
        if result["drawn"] != result["charts"]:
            failures.append(f"{path}: {result['drawn']} of {result['charts']} charts drew")
        if result["outside"]:
            failures.append(f"{path}: requests to other hosts: {result['outside'][:5]}")
        if result["errors"]:
            failures.append(f"{path}: console errors: {result['errors'][:3]}")
    assert charts_seen > 0, "no chart found on any page: the check would prove nothing"
    assert not failures, "\n".join(failures)


def test_pages_are_light(visits):
    failures = []
    for path, result in visits.items():
        urls = [url.split("?")[0] for url, _, _ in result["requested"]]
        if any("fontawesome" in u or "/webfonts/" in u for u in urls):
            failures.append(f"{path}: loads Font Awesome")
        if any(u.endswith("searchindex.js") for u in urls) != (path == "search.html"):
            failures.append(f"{path}: the search index is {'missing' if path == 'search.html' else 'loaded'}")
        if any("vega-bundle" in u for u in urls):
            failures.append(f"{path}: loads the chart runtime before anyone points at a chart")
        total = sum(gzipped for _, _, gzipped in result["requested"])
        if total > PAGE_BUDGET:
            failures.append(f"{path}: {total:,} bytes (gzip) when it opens, more than {PAGE_BUDGET:,}")
    assert len(visits) >= 15 and all(r["requested"] for r in visits.values()), "pages were not measured"
    assert not failures, "\n".join(failures)


def test_no_page_scrolls_sideways_on_a_phone(visits):
    """At 390 px nothing (endnote URLs, tables, tile maps, charts) makes a page pan sideways."""
    wide = [f"{path}: pans {r['sideways']} px sideways at {PHONE['width']} px" for path, r in visits.items()
            if r["sideways"] > 0]
    assert len(visits) >= 15, "pages were not measured"
    assert not wide, "\n".join(wide)


def test_charts_fit_a_phone_screen(site, server, browser):
    """At a phone's width (390 px) every chart is drawn no wider than the screen."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page, failures = context.new_page(), []  # one tab, the pages in turn
    for path in page_paths(site):
        if 'class="evidence-chart"' not in (site / path).read_text(encoding="utf-8"):
            continue
        page.goto(f"{server}/{path}", wait_until="load")
        page.wait_for_function(ALL_DRAWN, timeout=15000)
        widths = page.evaluate("() => [...document.querySelectorAll('.evidence-chart svg.marks')]"
                               ".map(s => s.getBoundingClientRect()).filter(r => r.width > 0).map(r => r.right)")
        failures += [f"{path}: a chart reaches {w:.0f} px" for w in widths if w > 390]
    context.close()
    assert not failures, "\n".join(failures)
