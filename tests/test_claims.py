"""The claims ledger: verbatim quotes, existing chapters, and verdicts that match the computations."""
from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from conftest import seed
from evidence.datapackage import load

ROOT = Path(__file__).resolve().parents[1]
SEED_FILES = {"merics2024longview": "000_967ff135b9d37158.txt", "chinaquantum2025twosessions": "003_04f2d53d03a34c31.txt"}
BADGE = re.compile(r'evidence-badge evidence-(\w+)">\w+</span> <strong>Verdict on claim ([a-z]+-\d{2})\.</strong>')
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


def computed_verdicts() -> dict[str, tuple[str, str]]:
    """{claim id: (verdict shown by the chapter's executed output, chapter)}."""
    found = {}
    for ipynb in (ROOT / "notebooks").glob("*.ipynb"):
        for cell in nbformat.read(ipynb, as_version=4).cells:
            for output in cell.get("outputs", []):
                text = html.unescape(str(output.get("data", {}).get("text/html", "")))
                for verdict, claim_id in BADGE.findall(text):
                    found[claim_id] = (verdict, f"notebooks/{ipynb.stem}")
    return found


def test_every_claim_is_checked_by_its_chapter_with_the_same_verdict():
    computed = computed_verdicts()
    for row in LEDGER.itertuples():
        if not row.chapter.startswith("notebooks/"):
            continue
        assert row.id in computed, f"claim {row.id}: {row.chapter} shows no computed verdict for it"
        verdict, chapter = computed[row.id]
        assert chapter == row.chapter, f"claim {row.id}: checked in {chapter}, ledger says {row.chapter}"
        assert verdict == row.verdict, f"claim {row.id}: ledger says {row.verdict!r}, {chapter} computes {verdict!r}"


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

    shown = badge("x-01", "confirmed", '<script>alert("x")</script> & <b>bold</b>').data
    assert "<script>" not in shown and "&lt;script&gt;" in shown and "&lt;b&gt;" in shown


VERBATIM_FROM_SEEDS = [  # (resource, field holding words of a source text, that text's bib key)
    ("provincial_mentions", "post_says", "chinaquantum2025twosessions"),
    ("milestones", "claimed_by_merics", "merics2024longview"),
]


@pytest.mark.parametrize("resource,field,text", VERBATIM_FROM_SEEDS, ids=[f"{r}.{f}" for r, f, _ in VERBATIM_FROM_SEEDS])
def test_words_attributed_to_the_source_texts_are_verbatim(resource, field, text):
    seed_text = squash(seed(SEED_FILES[text]))
    frame = load(resource)
    missing = [str(v)[:60] for v in frame[field].dropna() if squash(str(v)) not in seed_text]
    assert not missing, f"data/{resource}.csv, column {field!r}: not verbatim in {SEED_FILES[text]}: {missing}"
