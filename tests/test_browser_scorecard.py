"""The scorecard as a tool, in headless Chromium on the built site: the chart and a verdict first,
a full-width table Claim · Verdict · Confidence · Why · Quote whose rows link to the claim cards,
filters by verdict, confidence and topic (keyboard too), the sort state in aria-sort, a header that
stays in view, cards on a phone, and the whole table without scripts.

Counts come from data/claims.csv and the page itself, never typed in here.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = "notebooks/scorecard.html"
COLUMNS = ["Claim", "Verdict", "Confidence", "Why", "Quote"]


def ledger() -> list[dict]:
    with (ROOT / "data" / "claims.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def open_page(browser, server, width=1280, height=900, scripts=True):
    context = browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=scripts)
    page = context.new_page()
    page.goto(f"{server}/{PAGE}", wait_until="load")
    return context, page


def headings(page) -> list[str]:
    return [re.sub(r"[^\w ]", "", t).strip() for t in page.locator("#scorecard thead th").all_inner_texts()]


def shown_rows(page) -> list[dict]:
    return page.evaluate("() => [...document.querySelectorAll('#scorecard tbody tr')].filter(r => !r.hidden)"
                         ".map(r => ({id: r.id, verdict: r.dataset.verdict, confidence: r.dataset.confidence,"
                         " topic: r.dataset.topic}))")


def test_a_verdict_and_the_chart_come_first(browser, server):
    """At 1280×900 the first verdict badge is within 1.5 screens, the chart above the table."""
    context, page = open_page(browser, server)
    top = page.evaluate("""() => { const at = s => { const e = [...document.querySelectorAll(s)]
        .find(e => e.getBoundingClientRect().height > 0); return e ? e.getBoundingClientRect().top + scrollY : null; };
        return {badge: at('.evidence-badge'), chart: at('.evidence-chart'), table: at('#scorecard')}; }""")
    context.close()
    assert top["badge"] is not None and top["badge"] / 900 <= 1.5, f"first verdict at {top['badge']} px"
    assert top["chart"] is not None and top["chart"] < top["table"], "the chart is not above the table"


def test_the_table_is_full_width_and_ordered_for_readers(browser, server):
    context, page = open_page(browser, server)
    assert headings(page) == COLUMNS
    width = page.evaluate("() => ({table: document.querySelector('#scorecard').getBoundingClientRect().width,"
                          " sidebar: !!document.querySelector('.bd-sidebar-secondary')})")
    context.close()
    assert not width["sidebar"], "the scorecard keeps an 'on this page' sidebar beside its table"
    assert width["table"] >= 900, f"the table is squeezed into {width['table']:.0f} px at 1280 px"


def test_rows_link_to_the_claim_cards(site):
    """Every claim of the ledger has one row, and its link is the claim card's permanent address."""
    page = (site / PAGE).read_text(encoding="utf-8")
    for claim in ledger():
        row = re.search(rf'<tr id="scorecard-{re.escape(claim["id"])}"[^>]*>(.*?)</tr>', page, re.S)
        assert row, f"claim {claim['id']} has no row on the scorecard"
        href = f'../{claim["chapter"]}.html#claim-{claim["id"]}'
        assert f'href="{href}"' in row.group(1), f"claim {claim['id']}: its row does not link to {href}"
        chapter = (site / f"{claim['chapter']}.html").read_text(encoding="utf-8")
        assert f'id="claim-{claim["id"]}"' in chapter, f"{claim['chapter']}.html has no card claim-{claim['id']}"


def test_without_scripts_the_table_is_complete(browser, server):
    context, page = open_page(browser, server, scripts=False)
    rows, selects = page.locator("#scorecard tbody tr").count(), page.locator(".evidence-filters select").count()
    context.close()
    assert rows == len(ledger()) and selects == 0


def test_filters_by_verdict_confidence_and_topic(browser, server):
    context, page = open_page(browser, server)
    every = shown_rows(page)
    assert len(every) == len(ledger())
    for name in ("verdict", "confidence", "topic"):
        select = page.locator(f'.evidence-filters select[data-filter="{name}"]')
        values = [v for v in select.locator("option").evaluate_all("os => os.map(o => o.value)") if v]
        assert sorted(values) == sorted({r[name] for r in every}), f"the {name} filter offers {values}"
        for value in values:
            select.select_option(value)
            shown = shown_rows(page)
            assert shown and all(r[name] == value for r in shown), f"{name}={value} shows other rows"
            assert len(shown) == sum(r[name] == value for r in every), f"{name}={value} hides matching rows"
            status = page.locator(".evidence-filter-status").inner_text()
            assert status.startswith(f"{len(shown)} of {len(every)}"), status
        select.select_option("")
    verdicts = page.locator('.evidence-filters select[data-filter="verdict"] option').all_inner_texts()
    present = {r["verdict"] for r in every}
    in_order = [v for v in ("confirmed", "qualified", "contradicted", "unverified") if v in present]
    assert [v.split(" (")[0] for v in verdicts[1:]] == in_order
    context.close()


def test_filters_work_from_the_keyboard(browser, server):
    context, page = open_page(browser, server)
    select = page.locator('.evidence-filters select[data-filter="verdict"]')
    select.focus()
    page.keyboard.press("ArrowDown")  # the first verdict after "all"
    chosen = select.evaluate("s => s.value")
    shown = shown_rows(page)
    context.close()
    assert chosen and shown and all(r["verdict"] == chosen for r in shown)


def test_sort_state_is_shown_with_aria_sort(browser, server):
    context, page = open_page(browser, server)
    sorted_by = "() => [...document.querySelectorAll('#scorecard thead th')].map(th => th.getAttribute('aria-sort'))"
    assert page.evaluate(sorted_by) == ["ascending", None, None, None, None], "the first order is not announced"
    button = page.locator("#scorecard thead th").nth(1).locator("button")
    button.focus()
    page.keyboard.press("Enter")
    assert page.evaluate(sorted_by) == [None, "ascending", None, None, None]
    arrow = page.evaluate("() => getComputedStyle(document.querySelectorAll('#scorecard thead th button')[1],"
                          " '::after').content")
    order = [r["verdict"] for r in shown_rows(page)]
    page.keyboard.press("Enter")
    state = page.evaluate(sorted_by)
    reverse = [r["verdict"] for r in shown_rows(page)]
    context.close()
    rank = ["confirmed", "qualified", "contradicted", "unverified"]
    assert "\u25b2" in arrow, f"the sorted column shows {arrow}, not an upward arrow"
    assert [rank.index(v) for v in order] == sorted(rank.index(v) for v in order)
    assert state[1] == "descending" and [rank.index(v) for v in reverse] == sorted(
        (rank.index(v) for v in reverse), reverse=True)


def test_the_header_stays_in_view(browser, server):
    context, page = open_page(browser, server)
    page.locator("#scorecard tbody tr").nth(40).scroll_into_view_if_needed()
    header = page.evaluate("() => { const h = document.querySelector('#scorecard thead th').getBoundingClientRect();"
                           " const bar = document.querySelector('.bd-header-article').getBoundingClientRect();"
                           " return {top: h.top, bottom: h.bottom, bar: bar.bottom}; }")
    context.close()
    assert header["top"] >= 0 and header["top"] >= header["bar"] - 1 and header["bottom"] < 200, header


def test_rows_are_cards_on_a_phone(browser, server):
    """Below 640 px every row is a card: its verdict is on screen, nothing pans sideways."""
    context, page = open_page(browser, server, width=390, height=844)
    result = page.evaluate("""() => ({sideways: document.documentElement.scrollWidth - innerWidth,
        badges: [...document.querySelectorAll('#scorecard td.evidence-col-verdict .evidence-badge')]
            .map(b => b.getBoundingClientRect()).map(r => [r.left, r.right]),
        display: getComputedStyle(document.querySelector('#scorecard tbody tr')).display})""")
    context.close()
    assert result["display"] == "block", "rows are still table rows at 390 px"
    assert len(result["badges"]) == len(ledger())
    off = [r for r in result["badges"] if r[0] < 0 or r[1] > 390]
    assert not off and result["sideways"] <= 0, f"{len(off)} verdicts off-screen, {result['sideways']} px sideways"
