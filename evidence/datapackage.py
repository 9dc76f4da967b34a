"""Validate, lock and load the data package in ``data/``.

The package follows the Frictionless Data Package spec. ``frictionless`` does the
row-level checks (types, constraints, primary and foreign keys); this module adds
what it does not say clearly or at all: UTF-8 with a line number, unterminated
quotes, header differences by name, BibTeX keys, the claims-ledger rules, and
sha256 locks. Every problem is one line naming file, row and column, and what to do.

Command line (through make): ``python -m evidence.datapackage validate|lock``.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from evidence import BIB, DATA, ROOT
from evidence.integrity import check_rows

if TYPE_CHECKING:
    import pandas as pd

# Fields that hold references.bib keys: `source` holds one key and `evidence` several,
# separated by semicolons; any other field may say so in its schema with
# "bibtex": "key" or "bibtex": "keys".
BIBKEY_FIELDS = {"source": "key", "evidence": "keys"}


def bibkey_arity(field: dict) -> str | None:
    return field.get("bibtex") or BIBKEY_FIELDS.get(field["name"])


SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
# A date known to the year, month or day (YYYY, YYYY-MM, YYYY-MM-DD). Fields of type string
# with exactly this pattern are also checked against the calendar.
PARTIAL_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"


@dataclass(frozen=True)
class Problem:
    file: str
    what: str
    fix: str
    row: int | None = None  # data row, 1 = first row after the header
    column: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row} (line {self.row + 1})")
        if self.column:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.what}. {self.fix}"


class DataError(Exception):
    """The data package has problems; ``str()`` lists one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the data package:\n{lines}")


def _rel(path: Path) -> str:
    """How a file is named in messages: relative to the repository, e.g. data/funding.csv."""
    path = path.resolve()
    for base in (ROOT, path.parent.parent):
        if path.is_relative_to(base):
            return str(path.relative_to(base))
    return str(path)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_descriptor(data_dir: Path = DATA) -> tuple[dict | None, list[Problem]]:
    path = data_dir / "datapackage.json"
    name = _rel(path)
    if not path.exists():
        return None, [Problem(name, "file not found", "Restore it from git (git checkout -- data/datapackage.json).")]
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        return None, [Problem(name, f"not valid JSON ({err})", "Fix the JSON syntax at that position.")]
    problems = []
    if not SEMVER.match(str(descriptor.get("version", ""))):
        problems.append(Problem(name, f"package version {descriptor.get('version')!r} is not semver X.Y.Z",
                                "Set \"version\" like 1.2.0 (minor for new data, patch for corrections)."))
    if not descriptor.get("resources"):
        problems.append(Problem(name, "no resources listed", "List each CSV under \"resources\"."))
    return descriptor, problems


def resource(descriptor: dict, name: str) -> dict:
    for res in descriptor["resources"]:
        if res["name"] == name:
            return res
    known = ", ".join(r["name"] for r in descriptor["resources"])
    raise KeyError(f"no resource named {name!r} in data/datapackage.json (known: {known})")


# --- checks frictionless does not make clearly ------------------------------------------

def _check_text(path: Path, fields: list[str]) -> list[Problem]:
    """UTF-8, balanced quotes and the header, before any row-level check."""
    name = _rel(path)
    if not path.exists():
        return [Problem(name, "file not found", "Restore the file or remove its resource from data/datapackage.json.")]
    raw = path.read_bytes()
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


def bib_keys(bib: Path = BIB) -> frozenset[str]:
    from evidence.references import entries

    return frozenset(entries(bib))


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


def valid_partial_date(value: str) -> bool:
    """True for YYYY, YYYY-MM or YYYY-MM-DD naming a real year, month and day."""
    import datetime

    if not re.match(PARTIAL_DATE, value):
        return False
    parts = [int(x) for x in value.split("-")] + [1] * (3 - value.count("-") - 1)
    try:
        datetime.date(*parts)
    except ValueError:
        return False
    return True


def _check_partial_dates(path: Path, rows: list[dict], fields: list[dict]) -> list[Problem]:
    problems = []
    dated = [f["name"] for f in fields if f.get("constraints", {}).get("pattern") == PARTIAL_DATE]
    for n, row in enumerate(rows, start=1):
        for name in dated:
            value = (row.get(name) or "").strip()
            if not re.match(PARTIAL_DATE, value):
                continue  # empty, or reported by the pattern constraint
            if not valid_partial_date(value):
                problems.append(Problem(_rel(path), f"{value!r} is not a calendar date",
                                        "Write YYYY, YYYY-MM or YYYY-MM-DD with a real month and day.", n, name))
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
    keys = bib_keys(bib)
    readable = []
    for res in descriptor["resources"]:
        path = data_dir / res["path"]
        fields = [f["name"] for f in res["schema"]["fields"]]
        text_problems = _check_text(path, fields)
        problems += text_problems
        if text_problems:
            continue
        readable.append(res)
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        problems += _check_bib_keys(path, rows, res["schema"]["fields"], keys)
        problems += _check_partial_dates(path, rows, res["schema"]["fields"])
        if res["name"] == "claims":
            problems += _check_ledger(path, rows)
        problems += check_rows(res, rows, _rel(path))
        if check_hashes:
            problems += _check_hash(path, res)
    if readable:
        problems += _frictionless_problems(data_dir, descriptor, readable)
    return problems


def _check_hash(path: Path, res: dict) -> list[Problem]:
    recorded = str(res.get("hash", "")).removeprefix("sha256:")
    if recorded != sha256(path):
        return [Problem(_rel(path), "edited since it was last locked (sha256 differs from data/datapackage.json)",
                        "If the edit is intended: make validate, then make lock, and add a data/CHANGELOG.md entry.")]
    return []


def _frictionless_problems(data_dir: Path, descriptor: dict, resources: list[dict]) -> list[Problem]:
    import frictionless

    # Hashes are checked above with a clearer message; frictionless sees only readable files.
    names = {r["name"] for r in resources}
    plain = {**descriptor, "resources": [
        {k: v for k, v in r.items() if k not in ("hash", "bytes")} | {"scheme": "file", "format": "csv",
                                                                     "encoding": "utf-8"}
        for r in descriptor["resources"] if r["name"] in names]}
    for res in plain["resources"]:  # drop foreign keys into unreadable files
        fks = res["schema"].get("foreignKeys", [])
        res["schema"]["foreignKeys"] = [fk for fk in fks if fk["reference"].get("resource", "") in names | {""}]
    package = frictionless.Package(plain, basepath=str(data_dir))
    report = package.validate()
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

def lock(data_dir: Path = DATA) -> list[Problem]:
    """Record each file's sha256, but only when everything else validates."""
    problems = check_package(data_dir, check_hashes=False)
    if problems:
        return problems
    path = data_dir / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    for res in descriptor["resources"]:
        file = data_dir / res["path"]
        res["hash"] = "sha256:" + sha256(file)
        res["bytes"] = file.stat().st_size
    path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return []


# --- loading for notebooks ----------------------------------------------------------------

# A full validation that passed is remembered for exactly those bytes (data, references.bib
# and this validator), so `make book` and every notebook do not repeat it.
VALIDATED = ROOT / "_build" / ".evidence" / "validated"


def _package_digest(data_dir: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(data_dir.glob("*")) + [BIB, Path(__file__)]:
        if path.is_file():
            h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


@lru_cache(maxsize=4)
def _validated(digest: str, data_dir: Path) -> tuple[Problem, ...]:
    if VALIDATED.exists() and VALIDATED.read_text() == digest:
        return ()
    problems = tuple(check_package(data_dir))
    if not problems:
        _remember_valid(digest)
    return problems


def _remember_valid(digest: str) -> None:
    VALIDATED.parent.mkdir(parents=True, exist_ok=True)
    VALIDATED.write_text(digest)


def load(name: str, data_dir: Path = DATA) -> pd.DataFrame:
    """Load one resource with the types its schema declares, after the full package checks.

    Raises DataError with one line per problem; nothing is silently coerced.
    """
    problems = _validated(_package_digest(data_dir), data_dir)
    if problems:
        raise DataError(list(problems))
    import pandas as pd

    descriptor, _ = read_descriptor(data_dir)
    res = resource(descriptor, name)
    path = data_dir / res["path"]
    _trace(_rel(path))
    _trace(f"{_rel(data_dir / 'datapackage.json')}#{name}")  # the schema it was typed with
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    for field in res["schema"]["fields"]:
        frame[field["name"]] = _typed(frame[field["name"]], field["type"])
    return frame


def _typed(column, kind: str):
    import pandas as pd

    empty = column == ""
    if kind == "number":
        return pd.to_numeric(column.mask(empty), errors="raise").astype("float64")
    if kind == "integer":
        return pd.to_numeric(column.mask(empty), errors="raise").astype("Int64")
    if kind == "date":
        return pd.to_datetime(column.mask(empty), format="%Y-%m-%d", errors="raise")
    if kind == "boolean":
        return column.mask(empty).map({"true": True, "false": False}).astype("boolean")
    return column.mask(empty)


def _trace(input_name: str) -> None:
    """Tell the executor what a notebook read, so it knows when outputs go stale.

    A file is named by its path; one resource's schema by ``data/datapackage.json#name``, so
    that locking one file (which rewrites every hash in the descriptor) does not count as a
    change for notebooks that never read it.
    """
    log = os.environ.get("EVIDENCE_TRACE")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(input_name + "\n")


def schema_fingerprint(descriptor_path: Path, name: str) -> bytes:
    """One resource's description without its lock fields: what typing a CSV depends on."""
    res = resource(json.loads(descriptor_path.read_text(encoding="utf-8")), name)
    return json.dumps({k: v for k, v in res.items() if k not in ("hash", "bytes")}, sort_keys=True).encode()


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "validate"
    if command not in ("validate", "lock") or argv[1:] not in ([], ["--if-changed"]):
        print("usage: python -m evidence.datapackage validate [--if-changed] | lock", file=sys.stderr)
        return 2
    # `make book` skips a validation that already passed for exactly these files.
    digest = _package_digest(DATA)
    if argv[1:] == ["--if-changed"] and VALIDATED.exists() and VALIDATED.read_text() == digest:
        print("data package unchanged since it last validated")
        return 0
    problems = check_package() if command == "validate" else lock()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        verb = "locked" if command == "lock" else "valid"
        print(f"data package not {verb}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    if command == "validate":
        _remember_valid(digest)
    descriptor, _ = read_descriptor()
    done = "locked" if command == "lock" else "valid"
    print(f"data package {descriptor['version']}: {len(descriptor['resources'])} resources {done}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
