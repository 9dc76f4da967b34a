"""No claim is counted unchecked: every claim of data/claims.csv has its verdict computed by its chapter.

Run when the book is built (tools.sphinx_ext, at builder-inited), after `make book` executed
the notebooks: each claim's chapter must be a notebook of the book (listed in _toc.yml) and its
executed twin must record the verdict and confidence its Ledger computed for that claim, equal
to the ledger's. Otherwise the build fails with one line naming the claim.
"""
from __future__ import annotations

import csv
from pathlib import Path

LEDGER = "data/claims.csv"


def computed_verdicts(root: Path, chapters: set[str]) -> tuple[dict[str, dict[str, dict]], list[str]]:
    """{claim id: {chapter: {verdict, confidence}}} from the executed twins' metadata (lifted there by the
    executor from Ledger.publish), and the twins that cannot be read."""
    from tools.execute import UnreadableTwin, read_twin

    found: dict[str, dict[str, dict]] = {}
    unreadable = []
    for chapter in sorted(chapters):
        ipynb = root / f"{chapter}.ipynb"
        if not ipynb.exists():
            continue
        try:
            metadata = read_twin(ipynb).metadata
        except UnreadableTwin as err:
            unreadable.append(str(err))
            continue
        for claim_id, result in metadata.get("evidence", {}).get("verdicts", {}).items():
            found.setdefault(claim_id, {})[chapter] = result
    return found, unreadable


def gate_problems(root: Path) -> list[str]:
    from evidence.ledger_rules import notebook_chapters

    ledger = root / LEDGER
    if not ledger.is_file():
        return [f"{LEDGER}: file not found: restore it from git"]
    chapters = notebook_chapters(root)
    computed, problems = computed_verdicts(root, chapters)
    with ledger.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        claim, chapter = row.get("id"), (row.get("chapter") or "").strip()
        recorded = {"verdict": row.get("verdict"), "confidence": row.get("confidence")}
        shown = computed.get(claim, {})
        if chapter not in chapters:
            problems.append(f"{LEDGER}, claim {claim}: its chapter {chapter!r} is not a notebook of the book, so "
                            f"nothing computes its verdict. Name the notebook that checks it (listed in _toc.yml)")
        elif chapter not in shown:
            problems.append(f"{LEDGER}, claim {claim}: {chapter} computes no verdict for it. Check it there "
                            f"(ledger.check) and run make book")
        elif shown[chapter] != recorded:
            problems.append(f"{LEDGER}, claim {claim}: the ledger says {recorded['verdict']}/{recorded['confidence']}"
                            f" but {chapter} computed {shown[chapter]['verdict']}/{shown[chapter]['confidence']}. "
                            f"Run make book to re-execute it, or correct verdict and confidence")
    return problems
