"""Checks on the cells of one CSV that frictionless does not make, or does not say clearly.

- a byte-order mark, a column named twice;
- a key with a space or an invisible character at the edited row (not at the rows of other
  files that then fail to match it);
- numbers that are not finite (inf, nan);
- partial dates (YYYY, YYYY-MM, YYYY-MM-DD) that are no calendar date or lie outside the
  earliest/latest bounds their field declares in data/datapackage.json.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter

from evidence.descriptor_rules import is_partial_date, partial_date_start
from evidence.problems import Problem

BOM = b"\xef\xbb\xbf"
INVISIBLE = re.compile("[\u00a0\u2007\u202f\u200b\u200c\u200d\u2060\ufeff]")
FINITE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
NOT_FINITE = re.compile(r"^[+-]?(inf|infinity|nan)$", re.IGNORECASE)


def bom_problem(name: str, raw: bytes) -> Problem | None:
    if raw.startswith(BOM):
        return Problem(name, "the file starts with a byte-order mark (BOM)",
                       "Save it as UTF-8 without BOM (in LibreOffice: untick 'byte-order mark'; "
                       "Excel's 'CSV UTF-8' adds one)")
    return None


def duplicate_columns(name: str, header: list[str]) -> list[Problem]:
    counts = Counter(header)
    problems = []
    for column, n in counts.items():
        if n > 1:
            positions = [str(i) for i, h in enumerate(header, start=1) if h == column]
            listed = ", ".join(positions[:-1]) + " and " + positions[-1]
            problems.append(Problem(name, f"column {column!r} appears {n} times in the header (columns {listed})",
                                    "Remove the duplicate column, or rename it to the field it should be."))
    return problems


def key_fields(descriptor: dict) -> dict[str, set[str]]:
    """Per resource, the fields whose values must match exactly: keys, enums, patterns, references."""
    keyed: dict[str, set[str]] = {}
    for res in descriptor["resources"]:
        schema = res["schema"]
        own = keyed.setdefault(res["name"], set())
        primary = schema.get("primaryKey", [])
        own.update([primary] if isinstance(primary, str) else primary)
        for field in schema["fields"]:
            constraints = field.get("constraints", {})
            if constraints.get("unique") or "enum" in constraints or "pattern" in constraints:
                own.add(field["name"])
        for fk in schema.get("foreignKeys", []):
            fields, ref = fk["fields"], fk["reference"]
            own.update([fields] if isinstance(fields, str) else fields)
            theirs = ref["fields"]
            keyed.setdefault(ref.get("resource") or res["name"], set()).update(
                [theirs] if isinstance(theirs, str) else theirs)
    return keyed


def _describe(ch: str) -> str:
    return f"{unicodedata.name(ch, 'an invisible character').lower()} (U+{ord(ch):04X})"


def whitespace_in_keys(name: str, rows: list[dict], fields: set[str]) -> list[Problem]:
    problems = []
    for n, row in enumerate(rows, start=1):
        for field in sorted(fields):
            value = row.get(field) or ""
            if not value:
                continue
            hidden = INVISIBLE.search(value)
            if value != value.strip():
                end = value[-1] if value[-1].isspace() else value[0]
                side = "ends" if value[-1].isspace() else "starts"
                what = f"{value!r} {side} with a {_describe(end)}"
            elif hidden:
                what = f"{value!r} contains a {_describe(hidden.group())}"
            else:
                continue
            problems.append(Problem(name, what, "Delete it: keys and codes must match exactly", n, field))
    return problems


def non_finite_numbers(name: str, rows: list[dict], fields: list[dict]) -> list[Problem]:
    numeric = [f["name"] for f in fields if f["type"] in ("number", "integer")]
    problems = []
    for n, row in enumerate(rows, start=1):
        for field in numeric:
            value = (row.get(field) or "").strip()
            if NOT_FINITE.match(value):
                problems.append(Problem(name, f"{value!r} is not a finite number",
                                        "Write the figure as digits (leave the cell empty if it is unknown)",
                                        n, field))
    return problems


def date_problems(name: str, rows: list[dict], fields: list[dict]) -> list[Problem]:
    dated = [f for f in fields if is_partial_date(f)]
    problems = []
    for n, row in enumerate(rows, start=1):
        for field in dated:
            value = (row.get(field["name"]) or "").strip()
            if not re.match(r"^\d{4}(-\d{2}(-\d{2})?)?$", value):
                continue  # empty, or reported by the pattern constraint
            problem = _date_problem(value, field.get("constraints", {}))
            if problem:
                problems.append(Problem(name, problem[0], problem[1], n, field["name"]))
    return problems


def _date_problem(value: str, constraints: dict) -> tuple[str, str] | None:
    start = partial_date_start(value)
    if start is None:
        return f"{value!r} is not a calendar date", "Write YYYY, YYYY-MM or YYYY-MM-DD with a real month and day"
    earliest, latest = constraints.get("earliest"), constraints.get("latest")
    if earliest and start < partial_date_start(str(earliest)):
        return (f"{value!r} is before {earliest}, the earliest date this field allows",
                "Correct the date (the bound is in data/datapackage.json)")
    if latest and start > partial_date_start(str(latest)):
        return (f"{value!r} is after {latest}, the latest date this field allows",
                "Correct the date (the bound is in data/datapackage.json)")
    return None
