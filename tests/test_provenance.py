"""Pasted numbers show where they come from (evidence/paste.py, tools/sphinx_provenance.py).

- paste(key, value, rows=...) records the rows it was given, with author-year citation, locator,
  grade and exchange rate; nothing is typed in by hand.
- On the site each pasted number of a covered chapter is a button opening its panel; the panel
  lists the rows of the computation; the popover opens by keyboard and closes with Esc; print
  shows the number only.
- The gap is listed: every chapter's pasted keys without provenance, and a covered chapter with
  any fails. Synthetic rows and payloads below exist only in this file.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from conftest import ROOT

from evidence.money import to_usd
from evidence.paste import METADATA_KEY, provenance
from tools.sphinx_provenance import panel_html, panel_id

# Chapters whose every paste records its rows. Extend as chapters are covered.
COVERED = {"spending", "scorecard", "two_sessions", "export_controls", "research_output", "remaining_claims",
           "coauthorship"}
CHAPTERS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
PAYLOAD = '<script>window.__evil=1</script><img src=x onerror="window.__evil=1">'


def pasted_keys(chapter: str) -> dict[str, dict | None]:
    """Every glued key of a committed twin, with the provenance its paste recorded (None if none)."""
    notebook = json.loads((ROOT / "notebooks" / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    keys = {}
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {})
            if "scrapbook" in meta:
                keys[meta["scrapbook"]["name"]] = meta.get(METADATA_KEY)
    return keys


def keys_without_provenance(chapter: str) -> list[str]:
    return sorted(k for k, record in pasted_keys(chapter).items() if record is None)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_pasted_keys_without_provenance_are_listed(chapter):
    missing = keys_without_provenance(chapter)
    total = len(pasted_keys(chapter))
    if chapter in COVERED:
        assert total and not missing, f"notebooks/{chapter}.md pastes without rows=: {', '.join(missing)}"
    else:
        assert missing, f"notebooks/{chapter}.md has provenance for every paste: add it to COVERED"
        warnings.warn(f"{chapter}: {total - len(missing)} of {total} pasted keys have provenance; "
                      f"without: {', '.join(missing)}", stacklevel=1)


def test_the_record_is_the_rows_it_was_given():
    rates = pd.DataFrame({"currency": ["CNY"], "year": [2017], "rate": [6.7569], "quotation": ["units-per-usd"],
                          "source": ["fed2021g5a"], "locator": ["G.5A row CHINA, column 2017"], "grade": ["A"]})
    rows = to_usd(pd.DataFrame({"id": ["t-cn", "t-us"], "jurisdiction": ["CN", "US"], "amount_low": [7000.0, 1900.0],
                                "amount_high": [7000.0, 1900.0], "currency": ["CNY", "USD"], "price_year": [2017, 2022],
                                "source": ["mckinsey2022betting", "mckinsey2022betting"],
                                "locator": ["a synthetic locator", "another"], "grade": ["C", "A"]}), rates)
    record = provenance(rows, show=("jurisdiction", "usd_low", "price_year"))
    first, second = record["rows"]
    assert first["id"] == "t-cn" and second["id"] == "t-us"
    assert first["fields"] == [["jurisdiction", "CN"], ["usd low", "1,035.98"], ["price year", "2017"]]
    assert first["source"][0]["cite"] == "McKinsey & Company (2022)"  # author-year, not the BibTeX key
    assert first["locator"] == "a synthetic locator" and first["grade"] == "C"
    assert first["rate"].startswith("1 USD = 6.7569 CNY (price year 2017), Board of Governors")
    assert "grade A: G.5A row CHINA" in first["rate"]
    assert second["rate"] == "", "a USD figure had no rate applied"
    assert provenance(rows.iloc[0:0])["rows"] == [], "a count of zero records no row"
    with pytest.raises(KeyError, match="no_such_column"):
        provenance(rows, show=("no_such_column",))


def test_a_panel_shows_data_as_text():
    record = {"rows": [{"id": PAYLOAD, "fields": [[PAYLOAD, PAYLOAD]], "locator": PAYLOAD, "grade": PAYLOAD,
                        "rate": PAYLOAD, "source": [{"cite": PAYLOAD, "url": 'https://x.invalid/"onmouseover="a'}]}],
              "omitted": 0}
    panel = panel_html("provenance-x", PAYLOAD, record)
    assert "<script>" not in panel and "<img" not in panel and '"onmouseover' not in panel
    # shown, aria-label, id, field name and value, locator, grade, rate, citation: each escaped
    assert panel.count("&lt;script&gt;window.__evil=1") == 9


def _site_page(site: Path, chapter: str) -> BeautifulSoup:
    return BeautifulSoup((site / "notebooks" / f"{chapter}.html").read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize("chapter", sorted(COVERED))
def test_every_pasted_number_of_a_covered_chapter_opens_its_panel(site, chapter):
    page = _site_page(site, chapter)
    numbers = page.select("span.pasted-text")
    assert numbers, "no pasted number on the page: the check would prove nothing"
    for number in numbers:
        button = number.parent
        assert button.name == "button" and "evidence-pasted" in button.get("class", []), number.text
        panel = page.find(id=button["popovertarget"])
        assert panel is not None and panel.has_attr("popover"), button["popovertarget"]
        assert panel.select("ol > li") or "No row" in panel.text, button["popovertarget"]


def test_the_appendix_numbers_open_the_chapter_panels(site):
    """book/appendix_export_controls.md pastes two numbers of the chapter (cross-document glue)."""
    page = BeautifulSoup((site / "book" / "appendix_export_controls.html").read_text(encoding="utf-8"), "html.parser")
    buttons = [n.parent for n in page.select("span.pasted-text")]
    assert len(buttons) == 2 and all(b.name == "button" for b in buttons), "an appendix number opens no panel"
    for button in buttons:
        panel = page.find(id=button["popovertarget"])
        assert panel is not None and panel.select("ol > li code"), button["popovertarget"]
    measures = page.find(id=panel_id("book/appendix_export_controls", "notebooks/export_controls::n_measures"))
    ids = [code.text for code in measures.select(".evidence-provenance-id code")]
    assert len(ids) == int(buttons[0].text) and "es-2023" in ids, ids


def test_the_ratio_panel_lists_the_two_figures_it_divides(site):
    page = _site_page(site, "spending")
    panel = page.find(id=panel_id("notebooks/spending", "ratio_us_mckinsey"))
    ids = [code.text for code in panel.select(".evidence-provenance-id code")]
    assert ids == ["mck2022-cn", "mck2022-us"], ids
    assert "McKinsey & Company (2022)" in panel.text and "mckinsey2022betting" not in panel.text
    lab = page.find(id=panel_id("notebooks/spending", "lab_usd"))
    assert "Exchange rate: 1 USD = " in lab.text and " CNY (price year 2017)" in lab.text


def test_print_shows_the_number_only():
    from tools.pdf_html import screen_only

    soup = BeautifulSoup('<p>about <button class="evidence-pasted" popovertarget="p"><span class="pasted-text">'
                         '15.3</span></button> billion</p><div class="evidence-provenance-panels"><div id="p" '
                         'popover>rows</div></div>', "html.parser")
    screen_only(soup)
    assert str(soup) == '<p>about <span class="pasted-text">15.3</span> billion</p>'


def test_a_panel_opens_by_keyboard_and_closes_with_escape(site):
    from tools.browser import chromium, serve

    target = panel_id("notebooks/spending", "ratio_us_mckinsey")
    with serve(site) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 800})
        page.goto(f"{base}/notebooks/spending.html", wait_until="load")
        is_open = f"document.getElementById('{target}').matches(':popover-open')"
        assert not page.evaluate(is_open)
        page.locator(f'button[popovertarget="{target}"]').first.focus()
        page.keyboard.press("Enter")
        assert page.evaluate(is_open), "Enter on the number did not open its panel"
        box = page.locator(f"#{target}").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, f"the panel does not fit a phone: {box}"
        page.keyboard.press("Escape")
        assert not page.evaluate(is_open), "Esc did not close the panel"
