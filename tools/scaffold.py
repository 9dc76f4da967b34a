"""Scaffold a new finding: `make chapter NAME=satellites TOPIC=communication`.

Writes notebooks/NAME.md from the chapter template, adds it to _toc.yml under "Findings",
appends a ledger stub to data/claims.csv (verdict 'unverified', quote to be replaced by the
verbatim claim) and re-locks the data package.
"""
from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

from evidence import DATA, ROOT, atomic
from evidence.datapackage import lock

TEMPLATE = Path(__file__).with_name("templates") / "chapter.md"
TOPICS_FROM = DATA / "datapackage.json"


def scaffold(name: str, topic: str) -> list[str]:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        return [f"NAME={name!r}: use lowercase letters, digits and underscores, starting with a letter"]
    notebook = ROOT / "notebooks" / f"{name}.md"
    if notebook.exists():
        return [f"{notebook.relative_to(ROOT)} exists already: pick another NAME"]
    chapter = f"notebooks/{name}"
    title = name.replace("_", " ").capitalize()
    atomic.write_text(notebook, TEMPLATE.read_text(encoding="utf-8").format(title=title, chapter=chapter, name=name))
    _add_to_toc(chapter)
    _append_stub(chapter, name, topic)
    return [str(p) for p in lock()]


def _add_to_toc(chapter: str) -> None:
    toc = ROOT / "_toc.yml"
    lines = toc.read_text(encoding="utf-8").splitlines()
    start = lines.index("  - caption: Findings")
    end = next((i for i in range(start + 2, len(lines)) if lines[i].startswith("  - caption:")), len(lines))
    lines.insert(end, f"      - file: {chapter}")
    atomic.write_text(toc, "\n".join(lines) + "\n")


def _append_stub(chapter: str, name: str, topic: str) -> None:
    prefix = re.sub(r"[^a-z]", "", name)[:8] or "new"
    ledger = DATA / "claims.csv"
    row = io.StringIO()
    csv.writer(row, lineterminator="\n").writerow([
        f"{prefix}-01", "merics2024longview", "Replace with the claim, quoted verbatim from the source text.",
        topic, "unverified", "Replace with one or two sentences: why this verdict.", "", chapter])
    text = ledger.read_text(encoding="utf-8")
    atomic.write_text(ledger, text + ("" if text.endswith("\n") else "\n") + row.getvalue())


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: make chapter NAME=short_name TOPIC=topic", file=sys.stderr)
        return 2
    problems = scaffold(*argv)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f"created notebooks/{argv[0]}.md, added it to _toc.yml and a ledger stub to data/claims.csv.\n"
          "Next: quote the claim verbatim in data/claims.csv, add your data, make lock, make outputs, make book.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
