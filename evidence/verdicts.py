"""The book's one verdict rule: from a claim's evidence to its verdict and its confidence.

Two axes, kept apart as IPCC reports keep likelihood and confidence apart:

- the **verdict** says what the evidence says about the claim: *confirmed*, *qualified*,
  *contradicted* or *unverified*;
- the **confidence** says how strong and direct the evidence carrying that verdict is:
  *high*, *medium* or *low*.

Each piece of evidence bears on one *part* of a claim (a figure, a date, a name; a claim
with one element has one part, ``""``). It was either found or searched for in vain; when
found it supports the claim fully, partially (only under some reading) or not at all (it
states something else), and it has a grade (A original publisher, B reputable secondary
naming its primary, C mirror or aggregator). Evidence about a wider or neighbouring
population than the claim's (all fields of science for a claim about quantum papers, one
partner country for a claim about all of Europe) is *context*: it is weighed only when
nothing direct was found, it can qualify a claim but never confirm or contradict it, and it
carries low confidence. Chapters build evidence from their data and pass it to
``evidence.claims.Ledger.check``; nothing else chooses a verdict.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

VERDICTS = ("confirmed", "qualified", "contradicted", "unverified")
CONFIDENCES = ("high", "medium", "low")
SUPPORTS = ("full", "partial", "none")
GRADES = ("A", "B", "C")
# The status vocabulary of every resource: a fact was found, searched for in vain, or its
# sources disagree with each other.
STATUSES = ("found", "not found", "conflict")


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence on one part of a claim. ``support`` is None when nothing was found."""

    support: str | None
    grade: str | None = None
    source: str = ""
    part: str = ""
    self_reported: bool = False  # the source is the claimant, or the party the claim is about
    context: bool = False  # about a wider or neighbouring population than the claim's

    def __post_init__(self):
        if self.support is not None and self.support not in SUPPORTS:
            raise ValueError(f"support must be one of {', '.join(SUPPORTS)} or None (not found), "
                             f"got {self.support!r}")
        if self.support is not None and self.grade not in GRADES:
            raise ValueError(f"evidence that was found needs a grade ({', '.join(GRADES)}), got {self.grade!r}")

    @property
    def found(self) -> bool:
        return self.support is not None

    @classmethod
    def not_found(cls, part: str = "") -> Evidence:
        return cls(None, part=part)


@dataclass(frozen=True)
class Assessment:
    verdict: str
    confidence: str


def matches(claimed: float, found: float, tolerance: float) -> bool:
    """True when a found figure lies within ±tolerance (a fraction) of the claimed one."""
    return abs(found - claimed) <= tolerance * abs(claimed)


def support_of(holds: bool | None) -> str:
    """'full' when a comparison holds, 'none' when it does not, 'partial' when it holds only in part (None)."""
    return "partial" if holds is None else "full" if holds else "none"


def assess(evidence: Iterable[Evidence]) -> Assessment:
    """The rule. Context is set aside when direct evidence was found; otherwise it bears at most
    partially. Per part, the evidence found combines into full, none or partial (sources
    disagree); a part with nothing found is open. Across parts:

    - no part found: *unverified*;
    - every part full: *confirmed*;
    - every part that was found says none: *contradicted*;
    - anything else (some parts partial, open, or split): *qualified*.

    The confidence is that of the weakest part carrying the verdict.
    """
    parts = _by_part(_weigh_context(list(evidence)))
    found = {name: items for name, items in parts.items() if any(e.found for e in items)}
    if not found:
        return Assessment("unverified", "low")
    combined = {name: _combine(items) for name, items in found.items()}
    values = set(combined.values())
    if values == {"full"} and len(found) == len(parts):
        verdict = "confirmed"
    elif values == {"none"}:
        verdict = "contradicted"
    else:
        verdict = "qualified"
    carrying = {"confirmed": "full", "contradicted": "none"}.get(verdict)
    strengths = [_strength([e for e in items if e.found and (carrying is None or e.support == carrying)])
                 for items in found.values()]
    return Assessment(verdict, max(strengths, key=CONFIDENCES.index))  # the weakest part


def _weigh_context(evidence: list[Evidence]) -> list[Evidence]:
    """Direct evidence found sets context aside; without it, context bears at most partially."""
    for item in evidence:
        if not isinstance(item, Evidence):
            raise TypeError(f"evidence must be Evidence values, got {type(item).__name__}")
    if any(e.found and not e.context for e in evidence):
        return [e for e in evidence if not e.context]
    return [replace(e, support="partial") if e.context and e.found else e for e in evidence]


def _by_part(evidence: list[Evidence]) -> dict[str, list[Evidence]]:
    parts: dict[str, list[Evidence]] = {}
    for item in evidence:
        parts.setdefault(item.part, []).append(item)
    return parts


def _combine(items: list[Evidence]) -> str:
    supports = {e.support for e in items if e.found}
    return supports.pop() if len(supports) == 1 and supports <= {"full", "none"} else "partial"


def _strength(items: list[Evidence]) -> str:
    """high: a grade-A source, or two independent grade-B sources; medium: one grade-B source;
    low: only grade-C copies, only the claimant's own statements, or only context."""
    independent = [e for e in items if not e.self_reported and not e.context]
    if any(e.grade == "A" for e in independent):
        return "high"
    b_sources = {e.source or id(e) for e in independent if e.grade == "B"}
    if len(b_sources) >= 2:
        return "high"
    return "medium" if b_sources else "low"


def rule_table() -> list[dict[str, str]]:
    """The rule evaluated on every single piece of evidence, on every pair on one part, on a
    claim with one part left open, on context alone and on context beside direct evidence.

    Shown on the Methods page (generated at build time) and tested as a truth table.
    """
    singles = [Evidence(s, g, source="x", self_reported=own)
               for s in SUPPORTS for g in GRADES for own in (False, True)]
    rows = [_row([e]) for e in [Evidence.not_found(), *singles]]
    pairs = [(Evidence(s1, g1, source="x"), Evidence(s2, g2, source="y"))
             for i, (s1, g1) in enumerate((s, g) for s in SUPPORTS for g in GRADES)
             for j, (s2, g2) in enumerate((s, g) for s in SUPPORTS for g in GRADES) if j > i]
    rows += [_row(list(p)) for p in pairs]
    rows += [_row([Evidence(s, g, source="x", part="a"), Evidence.not_found(part="b")])
             for s in SUPPORTS for g in GRADES]
    rows += [_row([Evidence(s, g, source="x", context=True)]) for s in SUPPORTS for g in GRADES]
    rows += [_row([Evidence(s, "C", source="x"), Evidence("none", "A", source="y", context=True)]) for s in SUPPORTS]
    return rows


def _row(items: list[Evidence]) -> dict[str, str]:
    result = assess(items)
    return {"evidence": describe(items), "verdict": result.verdict, "confidence": result.confidence}


def describe(items: list[Evidence]) -> str:
    """Plain words for a list of evidence, e.g. 'full (A); not found (part b)'."""
    words = []
    for e in items:
        notes = (", own statement" if e.self_reported else "") + (", context" if e.context else "")
        text = f"{e.support} ({e.grade}{notes})" if e.found else "not found"
        words.append(text + (f" on part {e.part}" if e.part else ""))
    return "; ".join(words)
