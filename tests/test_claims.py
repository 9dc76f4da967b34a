"""The claims ledger: verbatim quotes, existing chapters, and verdicts that match the computations."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import seed

from evidence.datapackage import load

ROOT = Path(__file__).resolve().parents[1]
SEED_FILES = {"merics2024longview": "000_967ff135b9d37158.txt",
              "chinaquantum2025twosessions": "003_04f2d53d03a34c31.txt"}
LEDGER = load("claims")


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def toc_pages() -> set[str]:
    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                yield node["file"]
            if "root" in node:
                yield node["root"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)
    return set(walk(yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))))


@pytest.mark.parametrize("row", LEDGER.itertuples(), ids=list(LEDGER["id"]))
def test_quote_is_verbatim(row):
    text = squash(seed(SEED_FILES[row.source]))
    assert squash(row.quote) in text, f"claim {row.id}: quote not found verbatim in {SEED_FILES[row.source]}"


def test_every_chapter_exists():
    pages = toc_pages()
    missing = sorted({c for c in LEDGER["chapter"] if c not in pages})
    assert not missing, f"data/claims.csv points to chapters not in _toc.yml: {missing}"


def test_every_claim_is_checked_by_its_chapter_with_the_same_verdict_and_confidence():
    """The chapters' structured verdicts (lifted into the twins' metadata) equal the ledger's."""
    from evidence.claims import computed_verdicts

    computed = computed_verdicts().set_index("id")
    for row in LEDGER.itertuples():
        assert row.id in computed.index, f"claim {row.id}: {row.chapter} computes no verdict for it"
        got = computed.loc[row.id]
        assert got.chapter == row.chapter, f"claim {row.id}: checked in {got.chapter}, ledger says {row.chapter}"
        assert (got.verdict, got.confidence) == (row.verdict, row.confidence), \
            f"claim {row.id}: ledger says {row.verdict}/{row.confidence}, {row.chapter} computes " \
            f"{got.verdict}/{got.confidence}"
    assert computed.index.is_unique, "a claim is checked by two chapters"


def test_chapters_choose_no_verdict_and_apply_no_grade_rule():
    """Verdict words and grade rules live in evidence/verdicts.py only: no chapter's code names them."""
    import jupytext

    words = re.compile(r"""["'](confirmed|qualified|contradicted|unverified|high|medium|low)["']""")
    chapters = [md for md in sorted((ROOT / "notebooks").glob("*.md")) if "Ledger(" in md.read_text(encoding="utf-8")]
    assert len(chapters) >= 6
    for md in chapters:
        for n, cell in enumerate(jupytext.read(md).cells, start=1):
            if cell.cell_type != "code":
                continue
            assert not words.search(cell.source), f"{md.name} cell {n} names a verdict or confidence in code"
            for line in cell.source.splitlines():  # a grade compared on the line that decides a support
                graded = re.search(r"""grade\W*(==|!=|in)\W*["'(\[][ABC]""", line)
                assert not (graded and re.search(r"full|partial|support|Evidence\(", line)), \
                    f"{md.name} cell {n} applies a grade rule: {line.strip()}"


def test_ids_follow_their_topic():
    prefixes = {}
    for row in LEDGER.itertuples():
        prefixes.setdefault(row.id.split("-")[0], set()).add(row.topic)
    mixed = {p: t for p, t in prefixes.items() if len(t) > 1}
    assert not mixed, f"one id prefix should mean one topic: {mixed}"


def test_ledger_covers_both_texts_broadly():
    assert len(LEDGER) >= 40, f"the ledger should hold every checkable claim: only {len(LEDGER)} rows"
    assert set(LEDGER["source"]) == set(SEED_FILES), "claims of both source texts belong in the ledger"


def test_markup_in_the_ledger_is_shown_not_run():
    from evidence.claims import badge
    from evidence.verdicts import Assessment

    shown = badge("x-01", Assessment("confirmed", "high"), '<script>alert("x")</script> & <b>bold</b>').data
    assert "<script>" not in shown and "&lt;script&gt;" in shown and "&lt;b&gt;" in shown


VERBATIM_FROM_SEEDS = [  # (resource, field holding words of a source text, that text's bib key)
    ("provincial_mentions", "post_says", "chinaquantum2025twosessions"),
    ("milestones", "claimed_by_merics", "merics2024longview"),
]


@pytest.mark.parametrize("resource,field,text", VERBATIM_FROM_SEEDS,
                         ids=[f"{r}.{f}" for r, f, _ in VERBATIM_FROM_SEEDS])
def test_words_attributed_to_the_source_texts_are_verbatim(resource, field, text):
    seed_text = squash(seed(SEED_FILES[text]))
    frame = load(resource)
    missing = [str(v)[:60] for v in frame[field].dropna() if squash(str(v)) not in seed_text]
    assert not missing, f"data/{resource}.csv, column {field!r}: not verbatim in {SEED_FILES[text]}: {missing}"


# --- findings first: headline cards, then the chapter's other claims folded (issue 17) ---------

HEADLINE_MOST = 3  # a chapter with more claims shows a few headline cards and folds the rest
CHAPTER_SOURCES = sorted(p for p in (ROOT / "notebooks").glob("*.md") if p.stem != "scorecard")


@pytest.fixture
def shown(monkeypatch):
    """What a chapter's cells display, as HTML strings (pasted values recorded apart)."""
    import evidence.claims
    import evidence.paste

    out, pasted = [], {}
    monkeypatch.setattr(evidence.claims, "display", lambda obj, **_: out.append(obj.data))
    monkeypatch.setattr(evidence.paste, "paste", lambda name, value, **_: pasted.__setitem__(name, value))
    return out


def card_ids(html_text: str) -> list[str]:
    return re.findall(r'<article class="evidence-card" id="claim-([^"]+)"', html_text)


def test_headline_cards_then_the_others_folded_show_every_claim_once(shown):
    from evidence.claims import Ledger

    ledger = Ledger("notebooks/spending")
    ledger.show_claims(headline=["spend-04", "spend-01"])
    ledger.show_other_claims()
    headline, folded = shown
    assert card_ids(headline) == ["spend-04", "spend-01"] and "<details" not in headline
    total = len(ledger.rows)
    assert folded.startswith('<details class="evidence-fold evidence-fold-claims"><summary>'
                             f"The other {total - 2} of this chapter&#x27;s {total} claims</summary>")
    assert sorted(card_ids(headline) + card_ids(folded)) == sorted(ledger.rows.index)
    assert folded.count('type="application/ld+json"') == total - 2, "every folded card keeps its ClaimReview record"


def test_without_headline_every_card_shows_and_nothing_is_left_to_fold(shown):
    from evidence.claims import Ledger

    ledger = Ledger("notebooks/coauthorship")
    ledger.show_claims()
    assert card_ids(shown[0]) == list(ledger.rows.index)
    with pytest.raises(ValueError, match="nothing to fold"):
        ledger.show_other_claims()


def test_folding_needs_the_headline_first_and_a_headline_claim_of_the_chapter(shown):
    from evidence.claims import Ledger

    ledger = Ledger("notebooks/spending")
    with pytest.raises(ValueError, match="before show_other_claims"):
        ledger.show_other_claims()
    with pytest.raises(KeyError, match="exp-01"):
        ledger.show_claims(headline=["exp-01"])
    with pytest.raises(ValueError, match="twice"):
        ledger.show_claims(headline=["spend-01", "spend-01"])


@pytest.mark.parametrize("shown_above,total,summary", [
    (0, 7, "All 7 claims of this chapter"), (2, 8, "The other 6 of this chapter's 8 claims"),
    (4, 5, "The other claim of this chapter's 5")])
def test_the_fold_summary_counts_what_it_holds(shown_above, total, summary):
    from evidence.cards import other_claims_summary

    assert other_claims_summary(shown_above, total) == summary


def test_a_folded_table_counts_its_rows_and_escapes_its_caption():
    import pandas as pd

    from evidence.charts import table

    out = table(pd.DataFrame({"a": [1, 2, 3]}), caption="Rows <b>", folded="figures").data
    assert out.startswith('<details class="evidence-fold evidence-fold-table">'
                          "<summary>The 3 figures behind this — Rows &lt;b&gt;</summary>")
    assert "<b>" not in out and "<details" not in table(pd.DataFrame({"a": [1]}), caption="x").data


@pytest.mark.parametrize("md", CHAPTER_SOURCES, ids=[p.stem for p in CHAPTER_SOURCES])
def test_a_chapter_shows_its_headline_claims_then_its_chart_then_the_rest(md):
    """In source order: the headline cards, the first chart, then (if the chapter has more) the folded rest.
    The browser test measures the same on the built page (tests/test_browser_reading.py)."""
    text = md.read_text(encoding="utf-8")
    claims, chart = text.find("ledger.show_claims("), text.find("figure(")
    assert 0 <= claims < chart, f"{md.name}: show the headline claim cards before the first chart"
    many = int((LEDGER["chapter"] == f"notebooks/{md.stem}").sum()) > HEADLINE_MOST
    assert not (many and "ledger.show_claims()" in text), \
        f"{md.name}: more claims than a reader scans first: show_claims(headline=[...]) and fold the rest"
    if "ledger.show_claims()" not in text:
        rest = text.find("ledger.show_other_claims()")
        assert chart < rest, f"{md.name}: fold the other claims (ledger.show_other_claims()) after the headline chart"
        first_section = text.find("\n## ", text.find("\n## ") + 1)
        assert rest < first_section, f"{md.name}: the headline claims, chart and fold come before the evidence sections"
