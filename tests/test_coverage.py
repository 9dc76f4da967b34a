"""Sentence coverage: every unit of both source texts is in data/claims_coverage.csv, in order,
with the claims that check it or a reason it holds nothing checkable (tools/coverage.py)."""
from __future__ import annotations

import re

import pytest
from conftest import seed

from evidence.datapackage import load
from tools.coverage import SEED_FILES, Unit, segment

COVERAGE = load("claims_coverage")
CLAIMS = load("claims")


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def recorded(text: str) -> list[dict]:
    return COVERAGE[COVERAGE["text"] == text].sort_values("n").to_dict("records")


def problems(units: list[Unit], rows: list[dict]) -> list[str]:
    """What differs between the segmentation of a text and its rows of the coverage map, in words."""
    found = []
    for unit, row in zip(units, rows, strict=False):  # unequal lengths are reported below
        if (row["n"], row["sentence"], row["section"], row["kind"]) != (unit.n, unit.sentence, unit.section,
                                                                          unit.kind):
            found.append(f"unit {unit.n} ({unit.sentence[:50]!r}) is recorded as {row['n']} "
                         f"({str(row['sentence'])[:50]!r}): missing, extra or out of order")
            break
    if len(rows) < len(units):
        found += [f"unit {u.n} is missing: {u.sentence[:60]!r}" for u in units[len(rows):]]
    if len(rows) > len(units):
        found += [f"row {r['n']} is not a unit of the text: {str(r['sentence'])[:60]!r}" for r in rows[len(units):]]
    return found


@pytest.mark.parametrize("text", sorted(SEED_FILES))
def test_every_unit_of_the_text_is_mapped_in_order(text):
    units = segment(seed(SEED_FILES[text]))
    assert len(units) > 50, "the segmentation found almost nothing: is the seed file complete?"
    found = problems(units, recorded(text))
    assert not found, f"data/claims_coverage.csv against {SEED_FILES[text]}: " + "; ".join(found[:5])


@pytest.mark.parametrize("text", sorted(SEED_FILES))
def test_units_are_verbatim(text):
    collapsed = squash(seed(SEED_FILES[text]))
    missing = [r["n"] for r in recorded(text) if squash(r["sentence"]) not in collapsed]
    assert not missing, f"data/claims_coverage.csv, {text}: units {missing} are not verbatim in the text"


def test_every_unit_has_claim_ids_or_a_reason():
    bare = COVERAGE[COVERAGE["claim_ids"].isna() & COVERAGE["reason"].isna()]
    assert bare.empty, "data/claims_coverage.csv: rows with neither claim_ids nor a reason: " + ", ".join(
        f"{r.text} unit {r.n}" for r in bare.itertuples())
    restated = COVERAGE[(COVERAGE["reason"] == "restatement") & COVERAGE["claim_ids"].isna()]
    assert restated.empty, "a restatement must name the claims it restates in claim_ids: " + ", ".join(
        f"{r.text} unit {r.n}" for r in restated.itertuples())


def coverage_ids() -> dict[str, list[dict]]:
    by_claim: dict[str, list[dict]] = {}
    for row in COVERAGE.dropna(subset=["claim_ids"]).to_dict("records"):
        for claim_id in row["claim_ids"].split(";"):
            by_claim.setdefault(claim_id, []).append(row)
    return by_claim


def test_every_claim_id_in_the_coverage_exists_and_every_claim_is_covered():
    by_claim = coverage_ids()
    unknown = sorted(set(by_claim) - set(CLAIMS["id"]))
    assert not unknown, f"data/claims_coverage.csv names claims not in data/claims.csv: {unknown}"
    uncovered = sorted(set(CLAIMS["id"]) - set(by_claim))
    assert not uncovered, f"claims of data/claims.csv that no unit of data/claims_coverage.csv maps to: {uncovered}"


def test_each_claim_is_quoted_from_the_units_that_map_to_it():
    by_claim = coverage_ids()
    wrong = []
    for claim in CLAIMS.itertuples():
        units = [r for r in by_claim.get(claim.id, []) if r["text"] == claim.source]
        if squash(claim.quote) not in " ".join(squash(r["sentence"]) for r in units):
            wrong.append(claim.id)
    assert not wrong, f"claims whose quote is not in the units data/claims_coverage.csv maps them to: {wrong}"


def test_the_check_fails_on_a_missing_or_reordered_unit():
    """The comparison itself: a synthetic two-paragraph text, its correct map, then broken copies."""
    units = segment("A heading\nFirst sentence. Second one, 0.1 K and e.g. this. Third?\n7 | An endnote.\n")
    assert [u.kind for u in units] == ["heading", "sentence", "sentence", "sentence", "endnote"]
    assert units[2].sentence == "Second one, 0.1 K and e.g. this." and units[1].section == "A heading ¶1"
    rows = [{"n": u.n, "sentence": u.sentence, "section": u.section, "kind": u.kind} for u in units]
    assert problems(units, rows) == []
    assert problems(units, rows[:2] + rows[3:])  # a unit dropped
    assert problems(units, [rows[0], rows[2], rows[1], *rows[3:]])  # two units swapped
    assert problems(units, rows[:-1])  # the last unit missing
