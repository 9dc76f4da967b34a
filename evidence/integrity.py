"""Rules across the fields of a row that a Frictionless schema cannot state, checked by ``make validate``.

- **Provenance.** In every resource with a ``status`` field (found / not found / conflict), a
  row that is not ``not found`` names its source, locator and grade; a row not found has no
  grade and states no value (its source and locator may say where it was searched for).
- **Support.** Where a resource records how a source bears on a claim (``support``), a row not
  found has no support.
- **Facts about export measures**: dates are partial dates of the calendar, coverage is yes or
  no, and a conflict has at least two different values.
- **Amounts**: a funding row gives at least one end of its amount (a point, a range, 'over X' or
  'nearly X').

Each problem is one line naming file, row and column, and what to do.
"""
from __future__ import annotations

from collections import defaultdict

from evidence.verdicts import STATUSES

PROVENANCE = ("source", "locator", "grade")
# Fields that state what a source says, per resource: empty when nothing was found.
STATED = {"export_measure_facts": ("value",), "fridges": ("cooling_power_uw", "temperature_k"),
          "milestones": ("support",), "ts_checks": ("support",), "claim_evidence": ("support", "excerpt")}
DATE_ATTRIBUTES = {"announced", "adopted", "published", "in_force", "compliance_from"}


def check_rows(res: dict, rows: list[dict], rel: str) -> list:
    """Every cross-field rule that applies to one resource's rows."""
    fields = {f["name"] for f in res["schema"]["fields"]}
    problems = []
    if "status" in fields and {"source", "grade"} <= fields:
        problems += _provenance(res["name"], rows, rel, fields)
    if res["name"] == "export_measure_facts":
        problems += _export_facts(rows, rel)
    if {"amount_low", "amount_high"} <= fields:
        problems += [_problem(rel, "neither amount_low nor amount_high is given",
                              "Give the amount the source states (both ends for a point figure).", n, "amount_low")
                     for n, row in enumerate(rows, start=1)
                     if not (row.get("amount_low") or "").strip() and not (row.get("amount_high") or "").strip()]
    return problems


def _problem(rel, what, fix, row, column):
    from evidence.problems import Problem

    return Problem(rel, what, fix, row, column)


def _provenance(name: str, rows: list[dict], rel: str, fields: set[str]) -> list:
    problems = []
    stated = [f for f in STATED.get(name, ()) if f in fields]
    for n, row in enumerate(rows, start=1):
        status = row.get("status", "")
        if status not in STATUSES:
            continue  # the schema's enum reports it
        found = status != "not found"
        for column in [c for c in PROVENANCE if c in fields]:
            if found and not (row.get(column) or "").strip():
                problems.append(_problem(rel, f"status {status!r} but no {column}",
                                         f"Give the {column} of what was found, or set status to 'not found'.",
                                         n, column))
            if not found and column == "grade" and (row.get(column) or "").strip():
                problems.append(_problem(rel, "status 'not found' but a grade is given",
                                         "Nothing found has no grade: remove it (source and locator may say where "
                                         "it was searched for), or set the status to what the source says.", n,
                                         column))
        for column in stated:
            if not found and (row.get(column) or "").strip():
                problems.append(_problem(rel, f"status 'not found' but {column} is {row[column]!r}",
                                         f"A row not found states nothing: empty {column}, or correct the status.",
                                         n, column))
    return problems


def valid_partial_date(value: str) -> bool:
    """True for YYYY, YYYY-MM or YYYY-MM-DD naming a real year, month and day."""
    import datetime
    import re

    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        return False
    parts = [int(x) for x in value.split("-")] + [1] * (2 - value.count("-"))
    try:
        datetime.date(*parts)
    except ValueError:
        return False
    return True


def _export_facts(rows: list[dict], rel: str) -> list:
    problems, conflicts = [], defaultdict(set)
    for n, row in enumerate(rows, start=1):
        value, attribute, status = (row.get("value") or "").strip(), row.get("attribute"), row.get("status")
        if status != "not found" and not value:
            problems.append(_problem(rel, f"status {status!r} needs a value", "Give the value the source states.",
                                     n, "value"))
            continue
        if not value:
            continue
        if attribute in DATE_ATTRIBUTES and not valid_partial_date(value):
            problems.append(_problem(rel, f"{attribute} {value!r} is not a date of the calendar",
                                     "Write YYYY, YYYY-MM or YYYY-MM-DD with a real month and day.", n, "value"))
        if attribute.startswith("covers_") and value not in ("yes", "no"):
            problems.append(_problem(rel, f"{attribute} must be 'yes' or 'no', not {value!r}",
                                     "Write yes or no.", n, "value"))
        if status == "conflict":
            conflicts[(row.get("measure_id"), attribute)].add(value)
    for (measure, attribute), values in conflicts.items():
        if len(values) < 2:
            problems.append(_problem(rel, f"{measure} {attribute}: status 'conflict' with a single value",
                                     "A conflict needs at least two rows with different values; otherwise use "
                                     "'found'.", None, "status"))
    return problems
