"""No claim is counted unchecked: every claim of data/claims.csv has its verdict computed by its chapter.

Run when the book is built (tools.sphinx_ext, at builder-inited), after `make book` executed
the notebooks: each claim's chapter must be a notebook of the book (listed in _toc.yml) and its
executed twin must show the verdict badge for that claim, with the ledger's verdict. Otherwise
the build fails with one line naming the claim.
"""
from __future__ import annotations

import csv
import html
import re
from pathlib import Path

# The badge evidence.claims.badge() shows for a verdict the chapter computed.
BADGE = re.compile(r'evidence-badge evidence-(\w+)">\w+</span> <strong>Verdict on claim ([a-z]+-\d{2})\.</strong>')
LEDGER = "data/claims.csv"


def computed_verdicts(root: Path, chapters: set[str]) -> tuple[dict[str, dict[str, str]], list[str]]:
    """{claim id: {chapter: verdict shown}} from the executed twins, and the twins that cannot be read."""
    from tools.execute import UnreadableTwin, read_twin

    found: dict[str, dict[str, str]] = {}
    unreadable = []
    for chapter in sorted(chapters):
        ipynb = root / f"{chapter}.ipynb"
        if not ipynb.exists():
            continue
        try:
            cells = read_twin(ipynb).cells
        except UnreadableTwin as err:
            unreadable.append(str(err))
            continue
        for cell in cells:
            for output in cell.get("outputs", []):
                text = html.unescape(str(output.get("data", {}).get("text/html", "")))
                for verdict, claim_id in BADGE.findall(text):
                    found.setdefault(claim_id, {})[chapter] = verdict
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
        claim, chapter, verdict = row.get("id"), (row.get("chapter") or "").strip(), row.get("verdict")
        shown = computed.get(claim, {})
        if chapter not in chapters:
            problems.append(f"{LEDGER}, claim {claim}: its chapter {chapter!r} is not a notebook of the book, so "
                            f"nothing computes its verdict. Name the notebook that checks it (listed in _toc.yml)")
        elif chapter not in shown:
            problems.append(f"{LEDGER}, claim {claim}: {chapter} computes no verdict for it. Check it there "
                            f"(ledger.check) and run make book")
        elif shown[chapter] != verdict:
            problems.append(f"{LEDGER}, claim {claim}: the ledger says {verdict!r} but {chapter} computed "
                            f"{shown[chapter]!r}. Run make book to re-execute it, or correct the verdict")
    return problems
