"""Shared code for the notebooks of *China's Quantum Push, Recomputed*.

- ``evidence.datapackage``: validate, lock and load the versioned data in ``data/``.
- ``evidence.charts``: the book's chart style and an offline-safe renderer.
- ``evidence.claims``: the claims ledger and the checks that keep verdicts honest.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
BIB = ROOT / "references.bib"

__all__ = ["ROOT", "DATA", "BIB", "DataError", "load"]


def __getattr__(name):
    # Imported lazily so that `python -m evidence.datapackage` does not import itself twice.
    if name in ("DataError", "load"):
        from evidence import datapackage

        return getattr(datapackage, name)
    raise AttributeError(f"module 'evidence' has no attribute {name!r}")
