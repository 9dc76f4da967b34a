"""Findings first (issue 17), measured in headless Chromium on the built site at 1280×900.

A reader who opens a chapter sees a verdict within the first screen and a half and the
chapter's headline chart within three screens; the landing page shows verdict badges and a
chart within two. A claim's permanent address (#claim-…) still lands on its card when the
card is folded into a closed <details>: the page opens the fold (evidence-reveal.js).
A screen is the viewport's height (900 px); positions are measured from the top of the page.
Needs Debian's `chromium` (make test installs it when it can).
"""
from __future__ import annotations

import pytest

WIDTH, HEIGHT = 1280, 900
CHAPTERS = ["spending", "export_controls", "research_output", "coauthorship", "two_sessions", "remaining_claims"]
FIRST_VERDICT, FIRST_CHART, LANDING = 1.5, 3.0, 2.0  # screens
LANDING_PAGE = "book/intro.html"

# The top of the first shown element matching a selector, in screens from the top of the page.
FIRST_AT = """selector => {
  const shown = [...document.querySelectorAll(selector)].find(e => e.getBoundingClientRect().height > 0);
  return shown ? (shown.getBoundingClientRect().top + window.scrollY) / window.innerHeight : null;
}"""


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    yield context.new_page()
    context.close()


def screens_to(page, url: str) -> dict:
    page.goto(url, wait_until="load")
    return {"verdict": page.evaluate(FIRST_AT, ".evidence-badge"), "chart": page.evaluate(FIRST_AT, ".evidence-chart")}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_chapter_shows_a_verdict_then_its_headline_chart_early(page, server, chapter):
    at = screens_to(page, f"{server}/notebooks/{chapter}.html")
    assert at["verdict"] is not None, f"notebooks/{chapter}: no verdict badge shown"
    assert at["chart"] is not None, f"notebooks/{chapter}: no chart shown"
    assert at["verdict"] <= FIRST_VERDICT, (f"notebooks/{chapter}: first verdict {at['verdict']:.2f} screens down "
                                            f"(at most {FIRST_VERDICT}): shorten the lead")
    assert at["chart"] <= FIRST_CHART, (f"notebooks/{chapter}: first chart {at['chart']:.2f} screens down (at most "
                                        f"{FIRST_CHART}): show the headline chart after the headline claims")


def test_the_landing_page_shows_verdicts_and_a_chart_within_two_screens(page, server):
    at = screens_to(page, f"{server}/{LANDING_PAGE}")
    assert at["verdict"] is not None and at["verdict"] <= LANDING, f"{LANDING_PAGE}: first verdict at {at['verdict']}"
    assert at["chart"] is not None and at["chart"] <= LANDING, f"{LANDING_PAGE}: first chart at {at['chart']}"


FOLDED_CARDS = """() => [...document.querySelectorAll('details:not([open]) .evidence-card[id]')].map(c => c.id)"""
IN_VIEW = """id => { const r = document.getElementById(id).getBoundingClientRect();
  return r.height > 0 && r.top >= 0 && r.top < window.innerHeight; }"""


def folded_card(page, server, chapter: str) -> str:
    page.goto(f"{server}/notebooks/{chapter}.html", wait_until="load")
    folded = page.evaluate(FOLDED_CARDS)
    assert folded, f"notebooks/{chapter}: no claim card folded in a closed <details>"
    return folded[-1]


@pytest.mark.parametrize("chapter", ["spending", "remaining_claims"])
def test_a_claims_address_opens_its_fold_and_shows_the_card(page, server, chapter):
    card = folded_card(page, server, chapter)
    page.goto("about:blank")
    page.goto(f"{server}/notebooks/{chapter}.html#{card}", wait_until="load")
    page.wait_for_function(IN_VIEW, arg=card, timeout=5000)


def test_a_claims_address_followed_on_the_page_opens_its_fold(page, server):
    card = folded_card(page, server, "export_controls")
    page.evaluate("id => { location.hash = id; }", card)
    page.wait_for_function(IN_VIEW, arg=card, timeout=5000)


def test_the_reveal_script_opens_a_fold_whose_target_the_browser_did_not(page, server):
    """Browsers that do not open a closed <details> for a fragment rely on the script: with the address
    changed without a navigation (so Chromium's own handling does not run), its hashchange handler must."""
    card = folded_card(page, server, "two_sessions")
    page.evaluate("id => history.replaceState(null, '', '#' + id)", card)  # no navigation: the browser does nothing
    page.evaluate("() => window.dispatchEvent(new HashChangeEvent('hashchange'))")
    page.wait_for_function(IN_VIEW, arg=card, timeout=5000)


@pytest.mark.parametrize("width", [1280, 390])
def test_one_search_box_on_screen(server, browser, width):
    """The theme draws a search box in its header and another in the sidebar: readers see one."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/book/intro.html", wait_until="load")
    visible = page.evaluate("""() => [...document.querySelectorAll('.search-button__button, .bd-search input')]
        .filter(e => { const r = e.getBoundingClientRect();
                       return r.width > 0 && r.height > 0 && r.top < innerHeight
                              && getComputedStyle(e).visibility !== 'hidden'; })
        .length""")
    context.close()
    assert visible == 1, f"{visible} search boxes on screen at {width} px"
