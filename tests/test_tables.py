"""Tables for readers (issue 17, item 3): labels, citations, numbers, empty cells.

Unit checks render small synthetic frames defined here (never part of the book); the site check
reads every table of the built chapters. ``reader_problems`` is the one judge of a rendered
table: it is shown to flag what pandas' own ``to_html`` prints, so it cannot pass vacuously.
"""
from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from evidence import load
from evidence.charts import table
from evidence.datapackage import read_descriptor
from evidence.references import anchor, entries, short_cite
from evidence.tables import EMPTY, number_text, table_html, text_html

A_KEY = "mckinsey2022betting"       # references.bib entries the book cites
B_KEY = "tqi2024dilution"
RAW_FLOAT = re.compile(r"^[−-]?\d+\.\d{5,}$|^[−-]?\d{3,}\.0+$|^[−-]?\d{5,}(\.\d+)?$")  # 8.052632, 15300.0, 15300
MISSING = {"NaN", "nan", "<NA>", "None", "NaT", ""}


def reader_problems(table_markup: str, keys: set[str]) -> list[str]:
    """Every cell of every table in the markup a reader should not see: a bib key, a missing-value
    marker, an empty cell or a raw float; one line each, naming the column and the cell."""
    soup = BeautifulSoup(table_markup, "html.parser")
    problems = []
    for tab in soup.find_all("table"):
        heads = [th.get_text(" ", strip=True) for th in tab.select("thead th")]
        for tr in tab.select("tbody tr"):
            for n, td in enumerate(tr.find_all("td")):
                text = td.get_text(" ", strip=True)
                column = heads[n] if n < len(heads) else f"column {n + 1}"
                words = set(re.findall(r"[a-z0-9]+", text))
                if text in MISSING:
                    problems.append(f"{column}: empty or missing marker {text!r}")
                elif words & keys:
                    problems.append(f"{column}: bib key {sorted(words & keys)[0]!r} in {text[:60]!r}")
                elif RAW_FLOAT.match(text):
                    problems.append(f"{column}: raw number {text!r}")
        for th in tab.select("thead th"):
            if "_" in th.get_text():
                problems.append(f"header {th.get_text()!r} is a column name, not a label")
    return problems


@pytest.fixture(scope="module")
def keys() -> set[str]:
    return set(entries())


def synthetic() -> pd.DataFrame:
    return pd.DataFrame({
        "price_year": [2022.0, float("nan"), 2021.0],
        "usd_low": [15300.0, 1234.5678, 449.0],
        "ratio": [8.052632, 4.0, 1.948052],
        "temperature_k": [4.2, 0.1, None],
        "self_reported": [True, False, pd.NA],
        "source": [A_KEY, f"{A_KEY}; {B_KEY}", ""],
        "note": [f"The Quantum Insider ({B_KEY}) reports", "nan", "<b>bold</b> & more"],
    })


def test_the_judge_flags_what_pandas_prints(keys):
    raw = synthetic().to_html(index=False)
    found = "\n".join(reader_problems(raw, keys))
    for expected in ("bib key 'mckinsey2022betting'", "raw number '15300.0000'", "raw number '2022.0'",
                     "raw number '8.052632'", "missing marker 'NaN'", "missing marker 'nan'", "header 'price_year'",
                     "<NA>"):
        assert expected in found, f"the judge misses {expected}:\n{found}"


def test_a_rendered_table_shows_readers_labels_citations_and_numbers(keys):
    markup = table_html(synthetic(), formats={"ratio": ".1f"})
    assert reader_problems(markup, keys) == []
    soup = BeautifulSoup(markup, "html.parser")
    heads = [th.get_text() for th in soup.select("thead th")]
    assert heads == ["Price year", "USD, low (millions)", "Ratio", "Temperature k", "Self reported", "Source", "Note"]
    rows = [[td.get_text() for td in tr.find_all("td")] for tr in soup.select("tbody tr")]
    assert [r[0] for r in rows] == ["2022", EMPTY, "2021"]               # years: no thousands separator
    assert [r[1] for r in rows] == ["15,300", "1,235", "449"]            # to their precision
    assert [r[2] for r in rows] == ["8.1", "4.0", "1.9"]                 # the precision the call states
    assert [r[3] for r in rows] == ["4.2", "0.1", EMPTY]
    assert [r[4] for r in rows] == ["yes", "no", EMPTY]
    assert rows[1][5] == f"{short_cite(A_KEY)}; {short_cite(B_KEY)}" and rows[2][5] == EMPTY
    assert rows[0][6] == "The Quantum Insider (Swayne, 2024) reports" and rows[1][6] == EMPTY
    numeric = [bool(th.get("class")) for th in soup.select("thead th")]   # right-aligned, tabular figures
    assert numeric == [True, True, True, True, False, False, False]
    assert all(td.get("class") == ["evidence-num"] for td in soup.select("tbody td:nth-of-type(2)"))
    links = [a["href"] for a in soup.select("a.evidence-cite")]
    assert links == [f"../book/references.html#{anchor(k)}" for k in (A_KEY, B_KEY, A_KEY, B_KEY)]


def test_numbers_to_their_precision():
    assert [number_text(v) for v in (15300.0, 1500000, 8.052632, 0.357143, 4.2, 23.08, -2.5, -0.0)] == \
        ["15,300", "1,500,000", "8.05", "0.357", "4.2", "23.08", "−2.5", "0"]
    assert number_text(2022, grouped=False) == "2022" and number_text(0.3571, spec=".0%") == "36%"
    assert number_text(math.inf) == "∞" and number_text(1e-9) == "1e−09"


def test_data_is_never_markup():
    frame = pd.DataFrame({"x<script>": ["<script>alert(1)</script>", f"<img src=x onerror=1> ({A_KEY})"]})
    markup = table(frame, caption='"><script>alert(2)</script>', labels={"x<script>": "<i>label</i>"}).data
    assert "<script>" not in markup and "<img" not in markup and "<i>" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup and "&lt;i&gt;label&lt;/i&gt;" in markup
    assert text_html(f"see https://example.org/{A_KEY}") == f"see https://example.org/{A_KEY}"  # an address stays


def test_labels_come_from_the_frames_own_resource_only():
    funding = load("funding")
    heads = BeautifulSoup(table_html(funding[["jurisdiction_scope", "amount_low", "price_year"]]), "html.parser")
    titles = {f["name"]: f["title"] for f in _fields("funding")}
    assert [th.get_text() for th in heads.select("th")] == [titles[c] for c in
                                                           ("jurisdiction_scope", "amount_low", "price_year")]
    # A computed 'share' (a fraction of a world total) must not borrow co-authorship's 'share' (percent) title.
    computed = pd.DataFrame({"share": [0.36]})
    assert BeautifulSoup(table_html(computed), "html.parser").th.get_text() == "Share"
    named = BeautifulSoup(table_html(computed, resource="openalex_coauthorship"), "html.parser")
    assert named.th.get_text() == _title("openalex_coauthorship", "share")


def test_a_label_or_format_for_a_missing_column_is_refused():
    with pytest.raises(KeyError, match="does not have: ratoi"):
        table_html(pd.DataFrame({"ratio": [1.0]}), formats={"ratoi": ".1f"})


def test_rendering_is_deterministic():
    made = [table(synthetic(), caption="c").data for _ in range(2)]
    assert made[0] == made[1] and not re.search(r'id="T_', made[0])


def _fields(resource: str) -> list[dict]:
    descriptor, _ = read_descriptor()
    return next(r for r in descriptor["resources"] if r["name"] == resource)["schema"]["fields"]


def _title(resource: str, name: str) -> str:
    return next(f["title"] for f in _fields(resource) if f["name"] == name)


def test_every_field_of_the_data_package_has_a_title():
    descriptor, _ = read_descriptor()
    untitled = [f"{r['name']}.{f['name']}" for r in descriptor["resources"] for f in r["schema"]["fields"]
                if not (isinstance(f.get("title"), str) and f["title"].strip() and "_" not in f["title"])]
    assert untitled == [], f"fields without a human title in data/datapackage.json: {untitled}"


def test_no_chapter_table_shows_a_key_a_raw_float_or_a_missing_marker(site, keys):
    problems, pages = [], sorted((site / "notebooks").glob("*.html"))
    assert pages, "no chapter pages in the built site"
    targets = set(re.findall(r'id="([^"]+)"', (site / "book" / "references.html").read_text(encoding="utf-8")))
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for markup in re.findall(r'<table class="[^"]*evidence-table[^"]*".*?</table>', text, re.S):
            problems += [f"{page.name}: {p}" for p in reader_problems(markup, keys)]
            for href in re.findall(r'class="evidence-cite" href="([^"]+)"', markup):
                path, _, target = href.partition("#")
                if path != "../book/references.html" or target not in targets:
                    problems.append(f"{page.name}: citation link {href} has no entry on the References page")
    assert problems == [], "\n".join(problems[:40])
