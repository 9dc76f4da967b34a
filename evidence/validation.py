"""The data package's validation: every rule of ``make validate``, one problem per line.

``frictionless`` does the row-level checks (types, constraints, primary and foreign keys);
this module adds what it does not say clearly or at all: UTF-8 with a line number,
unterminated quotes, header differences by name, BibTeX keys, the claims-ledger rules, the
cross-field rules (evidence.integrity) and sha256 locks. The shape of the descriptor
(evidence.descriptor_rules), safe paths (evidence.safe_paths), cell rules
(evidence.value_rules) and references.bib (evidence.bib_rules) are checked first.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from evidence import BIB, DATA
from evidence.bib_rules import check_bib
from evidence.datapackage import bibkey_arity, read_descriptor, sha256
from evidence.descriptor_rules import OWN_CONSTRAINTS
from evidence.integrity import check_rows
from evidence.ledger_rules import chapter_problems
from evidence.problems import Problem
from evidence.problems import rel as _rel
from evidence.safe_paths import resource_file
from evidence.value_rules import (
    bom_problem,
    date_problems,
    duplicate_columns,
    key_fields,
    non_finite_numbers,
    whitespace_in_keys,
)


def _check_text(path: Path, fields: list[str]) -> list[Problem]:
    """UTF-8, no byte-order mark, balanced quotes and the header, before any row-level check."""
    name = _rel(path)
    if not path.exists():
        return [Problem(name, "file not found", "Restore the file or remove its resource from data/datapackage.json.")]
    raw = path.read_bytes()
    bom = bom_problem(name, raw)
    if bom:
        return [bom]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        return [Problem(name, f"line {line} is not valid UTF-8 (byte 0x{raw[err.start]:02x})",
                        "Re-save the file as UTF-8.")]
    problems = []
    unterminated = _unterminated_quote_line(text)
    if unterminated:
        problems.append(Problem(name, f"a quoted cell opened on line {unterminated} is never closed",
                                "Add the closing double quote (a quote inside a cell is written twice: \"\")."))
        return problems
    header = next(csv.reader(io.StringIO(text)), [])
    doubled = duplicate_columns(name, header)
    if doubled:
        return doubled
    missing = [f for f in fields if f not in header]
    extra = [h for h in header if h not in fields]
    for col in missing:
        problems.append(Problem(name, f"column {col!r} is missing from the header",
                                "Add the column, or rename the header cell that should be it."))
    for col in extra:
        problems.append(Problem(name, f"column {col!r} is not in the schema",
                                "Remove the column, fix its name, or add the field to data/datapackage.json."))
    if not missing and not extra and header != fields:
        problems.append(Problem(name, f"columns are in the order {header}, the schema says {fields}",
                                "Put the columns in the schema's order."))
    return problems


def _unterminated_quote_line(text: str) -> int | None:
    """Line on which a quoted cell opens that never closes, if any."""
    open_line, inside, line, i = None, False, 1, 0
    while i < len(text):
        ch = text[i]
        if ch == '"' and inside and text[i + 1: i + 2] == '"':
            i += 2  # an escaped quote inside a quoted cell
            continue
        if ch == '"':
            inside = not inside
            open_line = line if inside else open_line
        elif ch == "\n":
            line += 1
        i += 1
    return open_line if inside else None


def _check_bib_keys(path: Path, rows: list[dict], fields: list[dict], keys: frozenset[str]) -> list[Problem]:
    problems = []
    keyed = {f["name"]: bibkey_arity(f) for f in fields if bibkey_arity(f)}
    for n, row in enumerate(rows, start=1):
        for field, arity in keyed.items():
            value = (row.get(field) or "").strip()
            if not value:
                continue
            cited = [k.strip() for k in value.split(";")] if arity == "keys" else [value]
            for key in cited:
                if key not in keys:
                    problems.append(Problem(_rel(path), f"unknown reference key {key!r}",
                                            "Add the entry to references.bib or correct the key.", n, field))
    return problems


def _check_ledger(path: Path, rows: list[dict]) -> list[Problem]:
    problems = []
    for n, row in enumerate(rows, start=1):
        if row.get("verdict") != "unverified" and not (row.get("evidence") or "").strip():
            problems.append(Problem(_rel(path), f"verdict {row.get('verdict')!r} has no evidence",
                                    "List the bib keys checked, or make the verdict 'unverified'.", n, "evidence"))
    return problems


# --- the whole package ------------------------------------------------------------------

def check_package(data_dir: Path = DATA, *, check_hashes: bool = True, bib: Path = BIB) -> list[Problem]:
    descriptor, problems = read_descriptor(data_dir)
    if descriptor is None or problems:
        return problems
    keys, problems = check_bib(bib)
    keyed = key_fields(descriptor)
    readable = []
    for res in descriptor["resources"]:
        path, reason = resource_file(data_dir, res["path"])
        if reason:
            problems.append(Problem(_rel(data_dir / "datapackage.json"), f"resource {res['name']!r} (path "
                                    f"{res['path']!r}) is refused: {reason}",
                                    "Keep the data file itself inside data/, not a link to it."))
            continue
        fields = res["schema"]["fields"]
        text_problems = _check_text(path, [f["name"] for f in fields])
        problems += text_problems
        if text_problems:
            continue
        readable.append(res)
        problems += _check_rows(path, res, keyed[res["name"]], keys if keys else None)
        if check_hashes:
            problems += _check_hash(path, res)
    if readable:
        ours = {(p.file, p.row, p.column) for p in problems if p.row is not None}
        problems += [p for p in _frictionless_problems(data_dir, descriptor, readable)
                     if (p.file, p.row, p.column) not in ours]
    return problems


def _check_rows(path: Path, res: dict, keyed: set[str], keys: frozenset[str] | None) -> list[Problem]:
    """The cell rules frictionless does not apply, on one readable CSV."""
    name, fields = _rel(path), res["schema"]["fields"]
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    problems = whitespace_in_keys(name, rows, keyed) + non_finite_numbers(name, rows, fields)
    problems += date_problems(name, rows, fields)
    if keys is not None:  # references.bib unusable: reported once, not at every row
        problems += _check_bib_keys(path, rows, fields, keys)
    if res["name"] == "claims":
        problems += _check_ledger(path, rows) + chapter_problems(name, rows, path.parent.parent)
    return problems + check_rows(res, rows, name)


def _check_hash(path: Path, res: dict) -> list[Problem]:
    recorded = str(res.get("hash", "")).removeprefix("sha256:")
    if recorded != sha256(path):
        return [Problem(_rel(path), "edited since it was last locked (sha256 differs from data/datapackage.json)",
                        "If the edit is intended: make validate, then make lock, and add a data/CHANGELOG.md entry.")]
    return []


# Every problem is counted, however many (the list shown is capped, see evidence.problems).
LIMIT_ERRORS = 1_000_000


def _frictionless_problems(data_dir: Path, descriptor: dict, resources: list[dict]) -> list[Problem]:
    import frictionless

    # Hashes are checked above with a clearer message; frictionless sees only readable files.
    names = {r["name"] for r in resources}
    plain = json.loads(json.dumps(descriptor))  # a copy frictionless may not see all of
    plain["resources"] = [
        {k: v for k, v in r.items() if k not in ("hash", "bytes")} | {"scheme": "file", "format": "csv",
                                                                     "encoding": "utf-8"}
        for r in plain["resources"] if r["name"] in names]
    for res in plain["resources"]:
        fks = res["schema"].get("foreignKeys", [])  # drop foreign keys into unreadable files
        res["schema"]["foreignKeys"] = [fk for fk in fks if fk["reference"].get("resource", "") in names | {""}]
        for field in res["schema"]["fields"]:  # the package's own date bounds, checked in value_rules
            for own in OWN_CONSTRAINTS:
                field.get("constraints", {}).pop(own, None)
    package = frictionless.Package(plain, basepath=str(data_dir))
    report = package.validate(limit_errors=LIMIT_ERRORS)
    types = {(r["path"], f["name"]): f["type"] for r in resources for f in r["schema"]["fields"]}
    problems = []
    for task in report.tasks:
        path = _rel(data_dir / task.place) if task.place else _rel(data_dir / "datapackage.json")
        for err in task.errors:
            field = getattr(err, "field_name", None)
            problems.append(_translate(path, err, types.get((task.place, field), "value")))
    if not report.tasks:
        problems += [Problem("data/datapackage.json", f"{e.type}: {e.message}", "Fix the descriptor.")
                     for e in report.errors]
    return problems


_FIXES = {
    "type-error": "Write a value of the field's type (see data/datapackage.json); unknown values stay empty, "
                  "and only where the field is not required",
    "constraint-error": "Use a value the field's constraints allow (see data/datapackage.json)",
    "primary-key": "Make the key unique: fix the id or remove the duplicate row",
    "foreign-key": "Use a value that exists in the referenced table, or add it there first",
    "missing-cell": "Add the missing cells (count the commas)",
    "extra-cell": "Remove the extra cells or quote the cell that contains a comma",
    "blank-row": "Remove the empty line",
    "duplicate-row": "Remove the duplicate row",
    "unique-error": "Make the value unique",
}


def _translate(path: str, err, field_type: str) -> Problem:
    row = getattr(err, "row_number", None)
    cell = getattr(err, "cell", None)
    field = getattr(err, "field_name", None) or None
    what = err.note if getattr(err, "note", None) else err.message
    if err.type == "type-error":
        what = f"{cell!r} is not a valid {field_type}"
    elif err.type == "constraint-error":
        what = f"{cell!r} breaks a constraint: {err.note}"
    fix = _FIXES.get(err.type, "See data/datapackage.json for what the file must hold")
    return Problem(path, what, fix + ".", row - 1 if row else None, field)


# --- locking ----------------------------------------------------------------------------

