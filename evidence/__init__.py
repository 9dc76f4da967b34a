"""Shared code for the notebooks of *China's Quantum Push, Recomputed*.

- ``evidence.datapackage``: validate, lock and load the versioned data in ``data/``.
- ``evidence.charts``: the book's chart style and an offline-safe renderer.
- ``evidence.claims``: the claims ledger and the checks that keep verdicts honest.

Importing the package also makes every warning name its file relative to the repository
(or the installed package), never by this machine's absolute path: warnings printed in a
notebook cell end up in its committed outputs and on the site.
"""
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
BIB = ROOT / "references.bib"

__all__ = ["ROOT", "DATA", "BIB", "DataError", "load"]


def _shown_path(filename: str) -> str:
    path = Path(str(filename))
    if path.is_absolute():
        if path.is_relative_to(ROOT) and ".venv" not in path.relative_to(ROOT).parts[:1]:
            return path.relative_to(ROOT).as_posix()
        parts = path.parts
        if "site-packages" in parts:  # e.g. pandas/core/frame.py
            return "/".join(parts[parts.index("site-packages") + 1:])
        return path.name
    return str(filename)


_formatwarning = warnings.formatwarning


def _formatwarning_without_machine_paths(message, category, filename, lineno, line=None):
    import linecache

    if line is None:  # read from the real file: the shown name may not resolve
        line = linecache.getline(filename, lineno)
    return _formatwarning(message, category, _shown_path(filename), lineno, line)


warnings.formatwarning = _formatwarning_without_machine_paths


def __getattr__(name):
    # Imported lazily so that `python -m evidence.datapackage` does not import itself twice.
    if name in ("DataError", "load"):
        from evidence import datapackage

        return getattr(datapackage, name)
    raise AttributeError(f"module 'evidence' has no attribute {name!r}")
