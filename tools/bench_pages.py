"""What readers get, measured per page in headless Chromium, offline (for `make bench`).

For every page: the bytes it requests when it opens (raw and as gzip would send them), in a
fresh browser context (cold cache). For every page with charts, also:

- when every chart was drawn, in ms from navigation start, cold and on a second visit (warm),
  next to the first paint: the charts are SVG in the HTML, so they are drawn at first paint.
  The warm visit opens a new tab, so it includes starting a renderer process; a third visit
  opens the page from the landing page in the same tab, as a reader following a link does;
- how many charts are drawn with scripts off;
- how long the interactive layer takes once a reader points at the first chart (cold: the
  runtime is fetched; warm: it is cached), and what the page has transferred by then.
"""
from __future__ import annotations

from pathlib import Path

from tools.browser import Quiet, record_transfers

# From the first frame of every page load: each change in the number of charts drawn, with the
# time of the frame that painted it (requestAnimationFrame runs just before each paint).
DRAWN_PROBE = """(() => {
  const log = window.__chartsDrawn = [];
  const count = () => [...document.querySelectorAll('.evidence-chart')].filter(el =>
      [...el.querySelectorAll('svg.marks')].some(s => s.getBoundingClientRect().width > 0)).length;
  const tick = () => { const n = count();
    if (!log.length || log[log.length - 1][1] !== n) log.push([performance.now(), n]);
    if (document.readyState !== 'complete' || performance.now() < 3000) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
})();"""
# When the last chart was first painted: the first frame with every chart of the page drawn.
ALL_DRAWN_AT = """n => { const hit = (window.__chartsDrawn || []).find(([, drawn]) => drawn >= n);
                         return hit ? hit[0] : null; }"""
PAINT = "() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || null"
INTERACTIVE = "el => el.querySelector('.evidence-variant[data-drawn=interactive]')"


def _all_drawn_ms(page, charts: int) -> float:
    """When the page's ``charts`` were all first painted (ms from navigation start), once they are."""
    page.wait_for_function(f"() => ({ALL_DRAWN_AT})({charts}) !== null", timeout=30000)
    return page.evaluate(ALL_DRAWN_AT, charts)


def _open(context, url: str) -> tuple[object, list[tuple[str, int, int]], dict, Quiet]:
    page = context.new_page()
    quiet, transfers = Quiet(page), record_transfers(page)
    page.goto(url, wait_until="load")
    charts = page.locator(".evidence-chart").count()
    quiet.wait(url)
    drawn = _all_drawn_ms(page, charts) if charts else None
    timing = {"charts": charts, "first_paint_ms": page.evaluate(PAINT),
              "load_ms": page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"),
              "charts_drawn_ms": drawn}
    return page, transfers, {k: round(v) if isinstance(v, float) else v for k, v in timing.items()}, quiet


def _interactive_ms(page) -> float:
    chart = page.locator(".evidence-chart").first
    chart.scroll_into_view_if_needed()
    start = page.evaluate("performance.now()")
    chart.hover()
    page.wait_for_function(INTERACTIVE, arg=chart.element_handle(), timeout=30000)
    return round(page.evaluate("performance.now()") - start)


LANDING = "book/intro.html"


def _from_the_landing_page(page, base: str, url: str) -> float:
    """Every chart drawn (ms from navigation start), warm, with the page opened from the landing page
    in the same tab: its renderer already runs, as when a reader follows a link within the book."""
    page.goto(f"{base}/{LANDING}", wait_until="load")
    page.goto(url, wait_until="load")
    return round(_all_drawn_ms(page, page.locator(".evidence-chart").count()))


def _drawn_without_scripts(browser, url: str) -> int:
    from tools.browser import CHARTS_DRAWN

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(url, wait_until="load")
    drawn = page.evaluate(CHARTS_DRAWN)  # evaluate runs even with the page's own scripts off
    context.close()
    return drawn


def measure_page(browser, base: str, path: str) -> dict:
    url = f"{base}/{path}"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(DRAWN_PROBE)
    page, transfers, cold, quiet = _open(context, url)
    result = {"page": path, "requests": len(transfers), "bytes": sum(raw for _, raw, _ in transfers),
              "gzip_bytes": sum(gzipped for _, _, gzipped in transfers), **cold}
    if cold["charts"]:
        result["interactive_cold_ms"] = _interactive_ms(page)
        quiet.wait(url)
        result["gzip_bytes_after_interaction"] = sum(gzipped for _, _, gzipped in transfers)
        page.close()
        warm_page, _, warm, _ = _open(context, url)
        result["warm_charts_drawn_ms"] = warm["charts_drawn_ms"]
        result["warm_first_paint_ms"] = warm["first_paint_ms"]
        result["interactive_warm_ms"] = _interactive_ms(warm_page)
        result["warm_link_charts_drawn_ms"] = _from_the_landing_page(warm_page, base, url)
        result["drawn_without_scripts"] = _drawn_without_scripts(browser, url)
    context.close()
    return result


def measure_pages(site: Path) -> list[dict]:
    from tools.browser import chromium, page_paths, serve

    with serve(site) as base, chromium() as browser:
        return [measure_page(browser, base, path) for path in page_paths(site)]
