"""All or nothing: stage the refreshed package, validate and lock it, then move it in.

Everything is prepared in a temporary directory beside ``data/``: the two CSVs, the new data
version (``tools.release``: datapackage.json, CITATION.cff and the changelog entry together)
and the raw snapshot. The staged package is validated and locked there
(``evidence.datapackage.lock``). Only then are the files moved into place, each through a
temporary file and ``os.replace`` (``evidence.atomic``), the descriptor last. Any failure before
that point leaves ``data/`` and ``CITATION.cff`` exactly as they were.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from evidence.atomic import replace_all
from evidence.openalex import COAUTHOR_RESOURCE, FILTER_VERSION, GROUP_BY, OUTPUT_RESOURCE, QUANTUM_FILTER
from tools import release
from tools.refresh.errors import NOTHING_WRITTEN, RefreshError
from tools.refresh.fetch import Snapshot
from tools.refresh.rows import series

RAW_DIR = Path("openalex") / "raw"


@dataclass
class Result:
    version: str
    output_rows: int
    coauthorship_rows: int
    raw_dir: Path
    calls: int = 0


def _refuse_synthetic(snapshot: Snapshot, root: Path) -> None:
    """Synthetic test answers may fill a throwaway copy, never a git checkout of the book."""
    if snapshot.synthetic and (root / ".git").exists():
        raise RefreshError(f"refusing to write synthetic test responses into {root / 'data'} (a git checkout): "
                           f"test refreshes run in copies without .git. {NOTHING_WRITTEN}")


def _changes(snapshot: Snapshot, rows: dict[str, str]) -> list[str]:
    day = snapshot.retrieved.isoformat()
    counted = {name: text.count("\n") - 1 for name, text in rows.items()}
    return [f"OpenAlex refresh (filter version {FILTER_VERSION}, publication years {snapshot.first_year}–"
            f"{snapshot.last_year}): `{OUTPUT_RESOURCE}` ({counted[OUTPUT_RESOURCE]} rows) and "
            f"`{COAUTHOR_RESOURCE}` ({counted[COAUTHOR_RESOURCE]} rows) written; raw responses in "
            f"`data/{RAW_DIR.as_posix()}/{day}/`."]


def _stage_raw(snapshot: Snapshot, folder: Path) -> None:
    folder.mkdir()
    for name, body in snapshot.raw.items():
        (folder / name).write_bytes(body)
    (folder / "index.json").write_text(json.dumps({
        "filter_version": FILTER_VERSION, "filter": QUANTUM_FILTER, "group_by": GROUP_BY,
        "retrieved": snapshot.retrieved.isoformat(), "files": snapshot.index}, indent=2) + "\n", encoding="utf-8")


def _read_descriptor(path: Path) -> tuple[bytes, dict]:
    raw = path.read_bytes()
    try:
        return raw, json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RefreshError(f"data/datapackage.json is not valid JSON ({err}): fix it (make validate) before "
                           f"refreshing. {NOTHING_WRITTEN}") from None


def _lock(stage: Path) -> None:
    from evidence.datapackage import lock

    problems = lock(stage)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise RefreshError(f"the refreshed data package does not validate: {problems[0]}{more}. {NOTHING_WRITTEN}")


def _move_raw(raw: Path, target: Path, trash: Path) -> Path | None:
    """Move the staged snapshot into place; return where a same-day snapshot was put aside."""
    target.parent.mkdir(parents=True, exist_ok=True)
    previous = None
    if target.exists():
        previous = trash / "replaced-raw"
        os.replace(target, previous)
    os.replace(raw, target)
    return previous


def write(snapshot: Snapshot, data_dir: Path) -> Result:
    """Stage, validate and lock the refreshed package beside data_dir, then move it in."""
    try:
        return _write(snapshot, data_dir)
    except OSError as err:  # staging failed (disk full, permissions): nothing was moved into data/
        where = f" ({err.filename})" if getattr(err, "filename", None) else ""
        raise RefreshError(f"could not stage the refresh beside {data_dir}: {err.strerror or err}{where}; check "
                           f"free space and permissions. {NOTHING_WRITTEN}") from None


def _write(snapshot: Snapshot, data_dir: Path) -> Result:
    data_dir = Path(data_dir).resolve()
    root = data_dir.parent
    _refuse_synthetic(snapshot, root)
    descriptor_path, citation_path = data_dir / "datapackage.json", root / "CITATION.cff"
    before, descriptor = _read_descriptor(descriptor_path)
    citation_before = citation_path.read_bytes() if citation_path.exists() else None
    rows = series(snapshot, descriptor)
    day = snapshot.retrieved.isoformat()
    with tempfile.TemporaryDirectory(prefix=".openalex-refresh-", dir=root) as tmp:
        stage = Path(tmp) / "data"
        shutil.copytree(data_dir, stage, ignore=shutil.ignore_patterns(RAW_DIR.parts[0], ".*"))
        for name, text in rows.items():
            (stage / f"{name}.csv").write_text(text, encoding="utf-8")
        paths = release.Paths(descriptor=stage / "datapackage.json", citation=citation_path,
                              changelog=stage / "CHANGELOG.md")
        try:
            version, files = release.plan(paths, bump="minor", changes=_changes(snapshot, rows),
                                          released=snapshot.retrieved)
        except release.ReleaseError as err:
            raise RefreshError(f"{err}. {NOTHING_WRITTEN}") from None
        for path in (paths.descriptor, paths.changelog):
            path.write_text(files.pop(path), encoding="utf-8")
        _lock(stage)  # validates everything staged, then records the new checksums
        raw = Path(tmp) / "raw"
        _stage_raw(snapshot, raw)
        if descriptor_path.read_bytes() != before or (
                citation_path.read_bytes() if citation_path.exists() else None) != citation_before:
            raise RefreshError(f"{descriptor_path.name} or {citation_path.name} changed while refreshing: run the "
                               f"refresh again. {NOTHING_WRITTEN}")
        # Commit: the snapshot, then the files (all written before any is replaced), the descriptor last.
        target = data_dir / RAW_DIR / day
        previous = _move_raw(raw, target, Path(tmp))
        moved = {data_dir / f"{name}.csv": (stage / f"{name}.csv").read_bytes() for name in rows}
        moved[data_dir / "CHANGELOG.md"] = (stage / "CHANGELOG.md").read_bytes()
        moved.update(files)  # CITATION.cff
        moved[descriptor_path] = (stage / "datapackage.json").read_bytes()
        try:
            replace_all(moved)
        except OSError as err:
            shutil.rmtree(target, ignore_errors=True)
            if previous is not None:
                os.replace(previous, target)
            raise RefreshError(f"could not write into {data_dir} ({err}). {NOTHING_WRITTEN}") from None
    counted = {name: text.count("\n") - 1 for name, text in rows.items()}
    return Result(version, counted[OUTPUT_RESOURCE], counted[COAUTHOR_RESOURCE], target)
