"""Load and lock the data package in ``data/`` (Frictionless Data Package v2).

Notebooks load only through ``load``, which runs the same validation as ``make validate``
(evidence.validation) and remembers a passed validation for exactly those bytes; ``lock``
records the checksums after an intended edit. Every problem is one line naming file, row
and column, and what to do.

Command line (through make): ``python -m evidence.datapackage validate|lock``.
"""
from __future__ import annotations

import hashlib
import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from evidence import BIB, DATA, ROOT, atomic
from evidence.descriptor_rules import OWN_CONSTRAINTS, PARTIAL_DATE, SEMVER, descriptor_problems  # noqa: F401
from evidence.problems import DataError, Problem, listed
from evidence.problems import rel as _rel
from evidence.safe_paths import plain_file_reason, resource_file
from evidence.trace import trace as _trace

if TYPE_CHECKING:
    import pandas as pd

# Fields that hold references.bib keys: `source` holds one key and `evidence` several,
# separated by semicolons; any other field may say so in its schema with
# "bibtex": "key" or "bibtex": "keys".
BIBKEY_FIELDS = {"source": "key", "evidence": "keys"}


def bibkey_arity(field: dict) -> str | None:
    return field.get("bibtex") or BIBKEY_FIELDS.get(field["name"])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_descriptor(data_dir: Path = DATA) -> tuple[dict | None, list[Problem]]:
    """The descriptor and the problems of its shape; None if it cannot be read at all."""
    path = data_dir / "datapackage.json"
    name = _rel(path)
    restore = "Restore it from git (git checkout -- data/datapackage.json)."
    reason = plain_file_reason(path)
    if reason:
        return None, [Problem(name, f"refused: {reason}", "Replace it with the file itself: " + restore)]
    if not path.exists():
        return None, [Problem(name, "file not found", restore)]
    text = path.read_bytes()
    if not text.strip():
        return None, [Problem(name, "the file is empty (an interrupted write?)", restore)]
    try:
        descriptor = json.loads(text.decode("utf-8"))
    except UnicodeDecodeError as err:
        return None, [Problem(name, f"not valid UTF-8 (byte {err.start})", "Re-save the file as UTF-8.")]
    except json.JSONDecodeError as err:
        return None, [Problem(name, f"not valid JSON ({err})", "Fix the JSON syntax at that position.")]
    return descriptor, descriptor_problems(descriptor)


def resource(descriptor: dict, name: str) -> dict:
    for res in descriptor["resources"]:
        if res["name"] == name:
            return res
    known = ", ".join(r["name"] for r in descriptor["resources"])
    raise KeyError(f"no resource named {name!r} in data/datapackage.json (known: {known})")


# --- checks frictionless does not make clearly ------------------------------------------

def check_package(data_dir: Path = DATA, *, check_hashes: bool = True, bib: Path = BIB) -> list[Problem]:
    """Every problem of the package (evidence.validation.check_package)."""
    from evidence import validation

    return validation.check_package(data_dir, check_hashes=check_hashes, bib=bib)


def lock(data_dir: Path = DATA) -> list[Problem]:
    """Record each file's sha256, but only when everything else validates."""
    problems = check_package(data_dir, check_hashes=False)
    if problems:
        return problems
    path = data_dir / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    for res in descriptor["resources"]:
        file, _ = resource_file(data_dir, res["path"])  # checked above
        res["hash"] = "sha256:" + sha256(file)
        res["bytes"] = file.stat().st_size
    atomic.write_text(path, json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n")
    return []


# --- loading for notebooks ----------------------------------------------------------------

# A full validation that passed is remembered for exactly what it read (see _package_digest),
# so `make book` and every notebook do not repeat it. The last few such
# states are remembered, one digest per line: validating another folder (a test's copy of data/)
# does not make the repository's own data validate again.
VALIDATED = ROOT / "_build" / ".evidence" / "validated"
REMEMBERED = 16


def _package_digest(data_dir: Path) -> str:
    """Everything a validation reads: every file anywhere under data/ (by its path), references.bib,
    _toc.yml and which notebook sources exist (the ledger's chapter rule), the package's code (the
    validators and everything they import) and the version of frictionless that checks the schemas."""
    from importlib.metadata import version

    from evidence.ledger_rules import chapter_inputs

    h = hashlib.sha256(f"frictionless {version('frictionless')}".encode())
    h.update(hashlib.sha256(chapter_inputs(data_dir.parent)).digest())
    code = sorted(Path(__file__).parent.glob("*.py"))
    for path in sorted(data_dir.rglob("*")) + [BIB, *code]:
        if path.is_file() and not path.is_symlink():
            h.update(_rel(path).encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
        elif path.is_symlink():
            h.update(_rel(path).encode() + b"\0symlink")
    return h.hexdigest()


def _valid_before(digest: str) -> bool:
    return VALIDATED.exists() and digest in VALIDATED.read_text().split()


@lru_cache(maxsize=4)
def _validated(digest: str, data_dir: Path) -> tuple[Problem, ...]:
    if _valid_before(digest):
        return ()
    problems = tuple(check_package(data_dir))
    if not problems:
        _remember_valid(digest, data_dir)
    return problems


def _remember_valid(digest: str, data_dir: Path) -> None:
    """Remember a passed validation, unless what it read changed while it ran (then that state was not checked)."""
    if _package_digest(data_dir) != digest:
        return
    VALIDATED.parent.mkdir(parents=True, exist_ok=True)
    known = [d for d in (VALIDATED.read_text().split() if VALIDATED.exists() else []) if d != digest]
    atomic.write_text(VALIDATED, "\n".join([*known[max(0, len(known) - REMEMBERED + 1):], digest]) + "\n")


def load(name: str, data_dir: Path = DATA, *, rows: str | None = None) -> pd.DataFrame:
    """Load one resource with the types its schema declares, after the full package checks.

    Raises DataError with one line per problem; nothing is silently coerced. A notebook that
    keeps only some rows says which (``rows="chapter=notebooks/NAME"``, see tools.execute): it
    then goes stale when those rows change, not on every edit of the file.
    """
    problems = _validated(_package_digest(data_dir), data_dir)
    if problems:
        raise DataError(list(problems))
    import pandas as pd

    descriptor, _ = read_descriptor(data_dir)
    res = resource(descriptor, name)
    path, reason = resource_file(data_dir, res["path"])
    if reason:  # validated above; only a file swapped since then gets here
        raise DataError([Problem(_rel(data_dir / "datapackage.json"), f"resource {name!r} is refused: {reason}",
                                 "Keep the data file itself inside data/.")])
    _trace(f"{_rel(path)}#{rows}" if rows else _rel(path))
    _trace(f"{_rel(data_dir / 'datapackage.json')}#{name}")  # the schema it was typed with
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    for field in res["schema"]["fields"]:
        frame[field["name"]] = _typed(frame[field["name"]], field["type"])
    frame.attrs["resource"] = name  # which fields the columns are: their titles head evidence.tables' tables
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
    if argv[1:] == ["--if-changed"] and _valid_before(digest):
        print("data package unchanged since it last validated")
        return 0
    problems = check_package() if command == "validate" else lock()
    for line in listed(problems):
        print(line, file=sys.stderr)
    if problems:
        verb = "locked" if command == "lock" else "valid"
        print(f"data package not {verb}: {len(problems):,} problem(s)", file=sys.stderr)
        return 1
    if command == "validate":
        _remember_valid(digest, DATA)
    descriptor, _ = read_descriptor()
    done = "locked" if command == "lock" else "valid"
    print(f"data package {descriptor['version']}: {len(descriptor['resources'])} resources {done}")
    return 0


def _main_without_traceback(argv: list[str]) -> int:
    try:
        return main(argv)
    except Exception as err:  # a case no rule foresaw: still one line, never a traceback
        print(f"data package not checked: {type(err).__name__}: {err}. This is a bug in evidence/datapackage.py "
              f"or a rule it lacks: report it with the edit that caused it.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(_main_without_traceback(sys.argv[1:]))
