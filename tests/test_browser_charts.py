"""Light pages and instant charts, in headless Chromium, offline (issue 19; issue 17, items 7 and 9).

- every chart is drawn with scripts off (the SVG made at build time), no text of it cut off at its edges;
- pointing at a chart makes it interactive in place: nothing moves, and its tooltips name the source;
- in dark mode the charts keep their contrast and sit on no light slab;
- the tile-map labels fit their tiles, on a desktop and on a phone.
(What each page transfers is checked in test_browser.py, on its one visit of every page.)
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tools.browser import CHARTS_DRAWN, page_paths
from tools.browser import CHARTS_SETTLED as ALL_DRAWN


def chart_pages(site: Path) -> list[str]:
    return [p for p in page_paths(site) if 'class="evidence-chart"' in (site / p).read_text(encoding="utf-8")]


def test_every_chart_is_drawn_with_scripts_off(site, server, browser):
    pages = chart_pages(site)
    assert len(pages) >= 7, f"charts on only {pages}"
    context = browser.new_context(java_script_enabled=False)
    page, failures = context.new_page(), []  # one tab, the pages in turn
    for path in pages:
        page.goto(f"{server}/{path}", wait_until="load")
        charts, drawn = page.locator(".evidence-chart").count(), page.evaluate(CHARTS_DRAWN)
        texts = page.evaluate("() => [...document.querySelectorAll('.evidence-chart svg.marks text')]"
                              ".filter(t => t.getBoundingClientRect().width > 0).length")
        if not charts or drawn != charts or texts < 3 * charts:
            failures.append(f"{path}: {drawn} of {charts} charts drawn without scripts ({texts} labels)")
    context.close()
    assert not failures, "\n".join(failures)


BOX = "el => { const r = el.getBoundingClientRect(); return [r.x, r.y + scrollY, r.width, r.height]; }"
# Each shown drawing's text (labels, legends, axis titles) that runs past the drawing's left or right
# edge, where the SVG cuts it off.
CUT_OFF = """() => { const out = [];
  for (const svg of document.querySelectorAll('.evidence-chart svg.marks')) {
    const box = svg.getBoundingClientRect();
    if (box.width === 0) continue;
    for (const t of svg.querySelectorAll('text')) { const r = t.getBoundingClientRect();
      if (r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1))
        out.push(`${svg.closest('.evidence-chart').id}: "${t.textContent}" runs ${
          Math.round(Math.max(box.left - r.left, r.right - box.right))} px past the edge`); } }
  return out; }"""


@pytest.mark.parametrize("width", [1280, 390])
def test_no_chart_text_is_cut_off_at_the_drawings_sides(site, server, browser, width):
    """The drawings made at build time, scripts off: every label, legend entry and axis title lies
    between its drawing's left and right edges (where the SVG cuts off), on a desktop and on a phone."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 900})
    page, failures = context.new_page(), []  # one tab, the pages in turn
    for path in chart_pages(site):
        page.goto(f"{server}/{path}", wait_until="load")
        failures += [f"{path} ({width} px): {cut}" for cut in page.evaluate(CUT_OFF)]
    context.close()
    assert not failures, "\n".join(failures[:20])


FIRST_MARK = """el => { for (const m of el.querySelectorAll('.evidence-live .role-mark > *')) {
    const r = m.getBoundingClientRect();
    if (r.width > 2 && r.height > 2) return [r.x + r.width / 2, r.y + r.height / 2]; }
    return null; }"""
TOOLTIP = """() => { const t = document.getElementById('vg-tooltip-element');
    return t && t.classList.contains('visible') ? t.innerText : ''; }"""


@pytest.mark.parametrize("width", [1280, 390])
def test_pointing_at_a_chart_makes_it_interactive_in_place(site, server, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page, failures, tooltips = context.new_page(), [], 0  # one tab, the pages in turn
    for path in chart_pages(site):
        page.goto(f"{server}/{path}", wait_until="load")
        for n in range(page.locator(".evidence-chart").count()):
            chart = page.locator(".evidence-chart").nth(n)
            chart.scroll_into_view_if_needed()
            before = chart.evaluate(BOX)
            chart.hover()
            try:
                page.wait_for_function("el => el.querySelector('.evidence-variant[data-drawn=interactive]')",
                                       arg=chart.element_handle(), timeout=15000)
            except Exception:
                failures.append(f"{path}: chart {n + 1} did not become interactive")
                continue
            after = chart.evaluate(BOX)
            if any(abs(a - b) > 1 for a, b in zip(before, after, strict=True)):
                failures.append(f"{path}: chart {n + 1} moved or resized when it became interactive: "
                                f"{before} -> {after}")
            point = chart.evaluate(FIRST_MARK)
            if point:
                page.mouse.move(*point)
                page.wait_for_timeout(150)
                tip = page.evaluate(TOOLTIP)
                tooltips += bool(tip)
                if tip and "Source" not in tip:
                    failures.append(f"{path}: chart {n + 1}'s tooltip does not name the source: {tip[:80]!r}")
    context.close()
    assert tooltips >= 5, f"only {tooltips} tooltips shown: the check would prove little"
    assert not failures, "\n".join(failures)


CONTRAST = """() => {
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = rgb(c).map(v => {
                       v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const background = el => { for (let e = el; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
                              if (!/rgba\\(.*, 0\\)$|transparent/.test(c)) return c; } return 'rgb(255, 255, 255)'; };
  const out = [];
  for (const chart of document.querySelectorAll('.evidence-chart')) {
    const bg = background(chart);
    if (lum(bg) > 0.2) out.push(`a light slab (${bg}) behind ${chart.id}`);
    for (const t of chart.querySelectorAll('.role-axis-label text, .role-legend-label text, .role-axis-title text')) {
      if (t.getBoundingClientRect().width === 0) continue;
      const r = ratio(getComputedStyle(t).fill, bg);
      if (r < 4.5) { out.push(`${chart.id}: "${t.textContent}" at ${r.toFixed(2)}:1`); break; }
    }
  }
  return out; }"""


def test_charts_keep_contrast_in_dark_mode(site, server, browser):
    context = browser.new_context(color_scheme="dark")
    page, failures = context.new_page(), []  # one tab, the pages in turn
    for path in chart_pages(site):
        page.goto(f"{server}/{path}", wait_until="load")
        page.wait_for_function("() => document.documentElement.dataset.theme === 'dark'")
        failures += [f"{path} (static): {f}" for f in page.evaluate(CONTRAST)]
        chart = page.locator(".evidence-chart").first
        chart.scroll_into_view_if_needed()
        chart.hover()
        page.wait_for_function("el => el.querySelector('.evidence-variant[data-drawn=interactive]')",
                               arg=chart.element_handle(), timeout=15000)
        failures += [f"{path} (interactive): {f}" for f in page.evaluate(CONTRAST)]
    context.close()
    assert not failures, "\n".join(failures[:20])


LABELS_IN_TILES = """() => {
  const variant = [...document.querySelectorAll('#chart-two-sessions-provinces .evidence-variant')]
    .find(v => v.offsetParent !== null);
  const tiles = [...variant.querySelectorAll('.mark-rect.role-mark path')].map(p => p.getBoundingClientRect());
  const labels = [...variant.querySelectorAll('.mark-text.role-mark text')];
  const out = [];
  labels.forEach((label, i) => { const t = label.getBoundingClientRect(), r = tiles[i];
    if (t.left < r.left - 0.5 || t.right > r.right + 0.5 || t.top < r.top - 0.5 || t.bottom > r.bottom + 0.5)
      out.push(`${label.textContent} (${t.width.toFixed(0)}x${t.height.toFixed(0)} px) overflows its tile`); });
  return [labels.length, tiles.length, out]; }"""


@pytest.mark.parametrize("width", [1280, 390])
def test_tile_labels_fit_their_tiles(server, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/notebooks/two_sessions.html", wait_until="load")
    page.wait_for_function(ALL_DRAWN)
    labels, tiles, overflowing = page.evaluate(LABELS_IN_TILES)
    context.close()
    assert labels == tiles >= 30, f"{labels} labels for {tiles} tiles"
    assert not overflowing, "\n".join(overflowing)
