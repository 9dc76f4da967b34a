"""Unit tests of the rules chapters use, on small SYNTHETIC tables (made up here, never in the book)."""
from types import SimpleNamespace

import pandas as pd
import pytest

from evidence.export_controls import Controls, span
from evidence.findings import assess_findings, field_relation, period_relation, support


def reading(**kw):
    base = dict(claim="x-01", part="claim", metric="publications", field="quantum technology", leader="CN",
                over="world", start=2019, end=2023, yearly_only=False, only_source="")
    return SimpleNamespace(**(base | kw))


def finding(**kw):
    base = dict(id="f", status="found", source="s", metric="publications", field="quantum technology",
                result="CN", over="world", period_start=2019, period_end=2023, grade="A", period="2019–2023")
    return SimpleNamespace(**(base | kw))


def test_a_matching_finding_supports_fully_and_another_leader_contradicts():
    assert support(reading(), finding()) == "full"
    assert support(reading(), finding(result="US")) == "none"


def test_a_related_field_or_wider_period_supports_only_partly():
    assert support(reading(), finding(field="quantum computing")) == "partial"
    assert support(reading(), finding(period_start=2015)) == "partial"


def test_findings_that_do_not_bear_are_left_aside():
    assert support(reading(), finding(metric="patents")) is None
    assert support(reading(), finding(period_start=2010, period_end=2012)) is None
    assert support(reading(), finding(status="not found")) is None
    assert support(reading(yearly_only=True), finding()) is None  # a pooled share cannot date a year
    assert support(reading(only_source="epo"), finding(source="other")) is None


def test_computing_and_networking_sits_between_its_fields_and_quantum_technology():
    assert field_relation("quantum computing", "quantum computing and networking") == "related"
    assert field_relation("quantum communications", "quantum computing and networking") == "related"
    assert field_relation("quantum technology", "quantum computing and networking") == "related"
    assert field_relation("quantum sensing", "quantum computing and networking") is None
    assert field_relation("quantum computing", "quantum communications") is None


def test_field_and_period_relations():
    assert field_relation("quantum technology", "quantum computing") == "related"
    assert field_relation("quantum computing", "quantum sensing") is None
    assert period_relation(2019, 2023, 2020, 2021) == "within"
    assert period_relation(2019, 2023, float("nan"), 2021) == "unknown"


def test_assess_findings_pairs_every_bearing_finding():
    readings = pd.DataFrame([vars(reading()), vars(reading(claim="x-02", leader="US"))])
    findings = pd.DataFrame([vars(finding()), vars(finding(id="g", metric="patents"))])
    assessed = assess_findings(readings, findings)
    assert list(assessed[["claim", "finding", "support"]].itertuples(index=False, name=None)) == \
        [("x-01", "f", "full"), ("x-02", "f", "none")]


MEASURES = pd.DataFrame([{"id": "aa-2024", "country": "NO", "instrument": "list", "legal_reference": "ref",
                          "legal_text_source": "k0", "note": ""}])


def facts(*rows):
    columns = ["id", "measure_id", "attribute", "value", "status", "source", "grade"]
    return pd.DataFrame([dict(zip(columns, r, strict=True)) for r in rows])


def test_consistent_dates_resolve_to_the_most_precise_and_the_appendix_agrees():
    controls = Controls(MEASURES, facts(("1", "aa-2024", "in_force", "2024-11", "found", "k1", "B"),
                                        ("2", "aa-2024", "in_force", "2024-11-01", "found", "k2", "C")))
    [value] = controls.resolve("aa-2024", "in_force")
    assert (value.value, value.sources) == ("2024-11-01", ("k1", "k2"))
    row = controls.appendix()[0]
    assert row["In force"].text == "2024-11-01" and row["Announced or adopted"].text == "—"


def test_disagreeing_dates_must_be_marked_conflict():
    controls = Controls(MEASURES, facts(("1", "aa-2024", "in_force", "2024-10", "found", "k1", "B"),
                                        ("2", "aa-2024", "in_force", "2024-11-01", "found", "k2", "C")))
    with pytest.raises(ValueError, match="mark them 'conflict'"):
        controls.resolve("aa-2024", "in_force")
    conflict = Controls(MEASURES, facts(("1", "aa-2024", "in_force", "2024-10", "conflict", "k1", "B"),
                                        ("2", "aa-2024", "in_force", "2024-11-01", "conflict", "k2", "C")))
    assert conflict.appendix()[0]["In force"].text == "conflict: 2024-10 / 2024-11-01"


def test_coverage_is_evidence_per_source_and_not_found_stays_open():
    controls = Controls(MEASURES, facts(("1", "aa-2024", "covers_cryo_cmos", "yes", "found", "k1", "A"),
                                        ("2", "aa-2024", "covers_cryogenic_cooling", "", "not found", "", "")))
    [yes] = controls.coverage_evidence("NO", "covers_cryo_cmos")
    assert (yes.support, yes.grade, yes.part) == ("full", "A", "NO")
    [open_part] = controls.coverage_evidence("NO", "covers_cryogenic_cooling")
    assert not open_part.found
    assert controls.appendix()[0]["Cryogenic cooling"].text == "not found"


def test_span_of_a_partial_date():
    start, end, precision = span("2024-02")
    assert (start.day, end.day, precision) == (1, 29, "month")


def test_amount_support_points_ranges_and_upper_bounds():
    from evidence.money import amount_support

    nan = float("nan")
    assert amount_support(7000, 7000, 7000, 0.1) == "full"
    assert amount_support(9000, 9000, 7000, 0.1) == "none"
    assert amount_support(nan, 138150, 138000, 0.1) == "partial"  # 'nearly X' only bounds the claim
    assert amount_support(nan, 100000, 138000, 0.1) == "none"  # the claim exceeds the ceiling
    assert amount_support(nan, nan, 1000, 0.1) == "partial"  # no sourced rate: the original figure stands
    assert amount_support(4000, 17000, 15000, 0.1) == "none"  # a wide range does not state the figure
