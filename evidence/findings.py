"""How a published research or patent finding bears on a claim about who leads.

A claim names a leader, a metric, a field and a period (data/claim_readings.csv). A finding
(data/research_findings.csv) *bears* on it when it measures the same kind of thing (papers,
highly cited papers, patents), in the same field or one containing or contained in it, over
an overlapping period; findings on another field or period are left aside. It supports
*fully* when metric, field and period all match and it names the same leader; it supports
*none* when they all match and it names another leader; anything else is *partial*. A
claim dated to a year can only be borne out by yearly counts.
"""
from __future__ import annotations

import pandas as pd

PARENT = {"quantum computing": "quantum computing and networking",
          "quantum communications": "quantum computing and networking",
          "quantum computing and networking": "quantum technology",  # the MIT Quantum Index Report's scope
          "post-quantum cryptography": "quantum technology", "quantum sensing": "quantum technology",
          "quantum technology": "all technologies", "critical technologies": "all technologies"}
FAMILY = {"publications": "papers", "highly-cited-publications": "highly cited papers",
          "patent-applications": "patents", "patents": "patents", "patent-holders": "patents",
          "highly-cited-patents": "patents", "patent-subsidy-effect": "patent incentives",
          "coauthorship-share": "co-authorship"}
SAME_METRIC = {"patents": {"patent-applications", "patents"}}  # a claim on 'patents' is met by counts of patents

def lineage(field: str) -> list[str]:
    chain = [field]
    while chain[-1] in PARENT:
        chain.append(PARENT[chain[-1]])
    return chain


def field_relation(claimed: str, found: str) -> str | None:
    if claimed == found:
        return "same"
    return "related" if claimed in lineage(found) or found in lineage(claimed) else None


def period_relation(start: int, end: int, found_start, found_end) -> str | None:
    known_start, known_end = pd.notna(found_start), pd.notna(found_end)
    if (known_end and found_end < start) or (known_start and found_start > end):
        return None
    if known_start and known_end:
        return "within" if start <= found_start and found_end <= end else "overlapping"
    return "unknown"


def direction(reading, found) -> tuple[str, bool] | None:
    """('agrees' or 'disagrees', whether it compares the same parties), or None if it says nothing on the claim."""
    over = found.over if pd.notna(found.over) else ""
    if found.result == reading.leader:
        # Ahead of everyone, or of the party the claim names; 'ahead of the US' only partly meets 'ahead of all'.
        return "agrees", (not reading.over or over in ("world", reading.over))
    if found.result == reading.over or (reading.over == "world" and over == "world"):
        return "disagrees", True
    return None


def support(reading, found) -> str | None:
    """'full', 'partial' or 'none' when the finding bears on the reading; None when it does not."""
    if found.status != "found" or (reading.only_source and found.source != reading.only_source):
        return None
    if FAMILY[found.metric] != FAMILY[reading.metric]:
        return None
    fields, years = (field_relation(reading.field, found.field),
                     period_relation(reading.start, reading.end, found.period_start, found.period_end))
    if fields is None or years is None:
        return None
    yearly = pd.notna(found.period_start) and pd.notna(found.period_end) and found.period_start == found.period_end
    if reading.yearly_only and not yearly:
        return None
    said = direction(reading, found)
    if said is None:
        return None
    way, same_parties = said
    exact = (found.metric in SAME_METRIC.get(reading.metric, {reading.metric}) and fields == "same"
             and years == "within" and same_parties)
    return ("full" if exact else "partial") if way == "agrees" else ("none" if exact else "partial")




ASSESSED_COLUMNS = ["claim", "part", "finding", "source", "result", "over", "metric", "field", "period", "grade",
                    "support"]


def assess_findings(readings: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """Every (claim part, finding) pair where the finding bears on the claim, with its support."""
    assessed = []
    for reading in readings.itertuples():
        for found in findings.itertuples():
            bearing = support(reading, found)
            if bearing is not None:
                assessed.append({"claim": reading.claim, "part": reading.part, "finding": found.id,
                                 "source": found.source, "result": found.result, "over": found.over,
                                 "metric": found.metric, "field": found.field, "period": found.period,
                                 "grade": found.grade, "support": bearing})
    return pd.DataFrame(assessed, columns=ASSESSED_COLUMNS)
