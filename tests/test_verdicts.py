"""The verdict engine's truth table: every combination of support, grade, found and own statement."""
from itertools import product

import pytest

from evidence.verdicts import (
    CONFIDENCES,
    GRADES,
    SUPPORTS,
    VERDICTS,
    Assessment,
    Evidence,
    assess,
    describe,
    rule_table,
)

# Written out by hand from the rule in book/methods.md, not computed: one piece of evidence.
SINGLE = {
    ("full", "A", False): ("confirmed", "high"), ("full", "B", False): ("confirmed", "medium"),
    ("full", "C", False): ("confirmed", "low"), ("partial", "A", False): ("qualified", "high"),
    ("partial", "B", False): ("qualified", "medium"), ("partial", "C", False): ("qualified", "low"),
    ("none", "A", False): ("contradicted", "high"), ("none", "B", False): ("contradicted", "medium"),
    ("none", "C", False): ("contradicted", "low"),
}


@pytest.mark.parametrize("support,grade,own", list(product(SUPPORTS, GRADES, (False, True))))
def test_one_piece_of_evidence(support, grade, own):
    verdict, confidence = SINGLE[(support, grade, False)]
    if own:
        confidence = "low"  # the claimant's own statement never carries more than low confidence
    assert assess([Evidence(support, grade, "s", self_reported=own)]) == Assessment(verdict, confidence)


def test_nothing_found_is_unverified_never_contradicted():
    assert assess([]) == Assessment("unverified", "low")
    assert assess([Evidence.not_found()]) == Assessment("unverified", "low")
    assert assess([Evidence.not_found("a"), Evidence.not_found("b")]).verdict == "unverified"


@pytest.mark.parametrize("s1,g1,s2,g2", list(product(SUPPORTS, GRADES, SUPPORTS, GRADES)))
def test_two_sources_on_one_part(s1, g1, s2, g2):
    result = assess([Evidence(s1, g1, "x"), Evidence(s2, g2, "y")])
    if s1 == s2 and s1 != "partial":
        assert result.verdict == {"full": "confirmed", "none": "contradicted"}[s1]
        grades = {g1, g2}
        expected = "high" if "A" in grades or grades == {"B"} else "medium" if "B" in grades else "low"
        assert result.confidence == expected
    else:
        assert result.verdict == "qualified"  # sources that disagree, or only partly agree
    assert result == assess([Evidence(s2, g2, "y"), Evidence(s1, g1, "x")]), "order must not matter"


def test_two_grade_b_copies_of_one_source_are_not_independent():
    same = [Evidence("full", "B", "x"), Evidence("full", "B", "x")]
    assert assess(same) == Assessment("confirmed", "medium")
    assert assess([Evidence("full", "B", "x"), Evidence("full", "B", "y")]) == Assessment("confirmed", "high")


@pytest.mark.parametrize("support,grade", list(product(SUPPORTS, GRADES)))
def test_a_part_left_open(support, grade):
    result = assess([Evidence(support, grade, "x", part="a"), Evidence.not_found(part="b")])
    assert result.verdict == {"full": "qualified", "partial": "qualified", "none": "contradicted"}[support]


def test_parts_combine_and_the_weakest_part_sets_confidence():
    assert assess([Evidence("full", "A", "x", part="a"), Evidence("full", "C", "y", part="b")]) == \
        Assessment("confirmed", "low")
    assert assess([Evidence("full", "A", "x", part="a"), Evidence("none", "A", "y", part="b")]).verdict == "qualified"
    assert assess([Evidence("none", "B", "x", part="a"), Evidence("none", "A", "y", part="b")]) == \
        Assessment("contradicted", "medium")


def test_confidence_rests_on_the_evidence_carrying_the_verdict():
    # A contradicted claim's confidence comes from the sources that contradict it.
    result = assess([Evidence("none", "A", "x", part="a"), Evidence.not_found(part="b")])
    assert result == Assessment("contradicted", "high")


@pytest.mark.parametrize("support,grade", list(product(SUPPORTS, GRADES)))
def test_context_alone_qualifies_with_low_confidence(support, grade):
    """Evidence about a wider population (e.g. all fields for a quantum claim) never confirms or contradicts."""
    assert assess([Evidence(support, grade, "x", context=True)]) == Assessment("qualified", "low")
    assert assess([Evidence(support, grade, "x", context=True), Evidence.not_found(part="b")]) == \
        Assessment("qualified", "low")


@pytest.mark.parametrize("support", SUPPORTS)
def test_direct_evidence_sets_context_aside(support):
    direct = Evidence(support, "B", "x", part="a")
    for context in (Evidence("full", "A", "y", part="b", context=True), Evidence("none", "A", "y", context=True)):
        assert assess([direct, context]) == assess([direct]), "context changed a verdict carried by direct evidence"
    # Direct evidence searched for in vain does not set context aside.
    assert assess([Evidence.not_found("a"), Evidence("full", "A", "y", part="b", context=True)]) == \
        Assessment("qualified", "low")


def test_bad_evidence_is_refused():
    with pytest.raises(ValueError, match="support must be"):
        Evidence("yes", "A")
    with pytest.raises(ValueError, match="needs a grade"):
        Evidence("full", None)
    with pytest.raises(TypeError):
        assess(["full"])


def test_rule_table_covers_every_case_and_agrees_with_assess():
    rows = rule_table()
    assert len(rows) == 1 + len(SUPPORTS) * len(GRADES) * 2 + 36 + len(SUPPORTS) * len(GRADES) * 2 + len(SUPPORTS)
    assert {r["verdict"] for r in rows} == set(VERDICTS)
    assert {r["confidence"] for r in rows} == set(CONFIDENCES)
    assert rows[0] == {"evidence": "not found", "verdict": "unverified", "confidence": "low"}
    assert describe([Evidence("full", "C", "x", part="b", self_reported=True)]) == \
        "full (C, own statement) on part b"
    assert describe([Evidence("none", "A", "x", context=True)]) == "none (A, context)"
