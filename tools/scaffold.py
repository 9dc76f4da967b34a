"""Scaffold a new finding: `make chapter NAME=satellites TOPIC=communication PREFIX=sat`.

Checks everything first (name, topic against the ledger schema's enum, claim-id prefix),
then writes notebooks/NAME.md from the chapter template, adds it to _toc.yml under
"Findings" (edited as YAML), appends a ledger stub to data/claims.csv with the columns the
schema declares, and re-locks the data package. If any check or the lock fails, nothing is
left behind: every file is restored.
"""
from __future__ import annotations

import csv
import io
import json
import re
import sys
from pathlib import Path

import yaml

from evidence import DATA, ROOT, atomic
from evidence.datapackage import lock

TEMPLATE = Path(__file__).with_name("templates") / "chapter.md"
FINDINGS = "Findings"


def _claims_schema() -> dict:
    descriptor = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    return next(r for r in descriptor["resources"] if r["name"] == "claims")["schema"]


def check(name: str, topic: str, prefix: str) -> list[str]:
    """Every reason not to scaffold, before anything is written."""
    problems = []
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        problems.append(f"NAME={name!r}: use lowercase letters, digits and underscores, starting with a letter")
    elif (ROOT / "notebooks" / f"{name}.md").exists():
        problems.append(f"notebooks/{name}.md exists already: pick another NAME")
    fields = {f["name"]: f for f in _claims_schema()["fields"]}
    topics = fields["topic"]["constraints"]["enum"]
    if topic not in topics:
        problems.append(f"TOPIC={topic!r} is not a topic of the ledger; choose one of: {', '.join(topics)} "
                        f"(or add it to the enum of the claims schema in data/datapackage.json)")
    if not re.fullmatch(r"[a-z]+", prefix):
        problems.append(f"PREFIX={prefix!r}: a claim-id prefix is lowercase letters only (ids look like sat-01)")
    else:
        used = {row["id"].split("-")[0]: row["topic"]
                for row in csv.DictReader((DATA / "claims.csv").open(encoding="utf-8"))}
        if prefix in used and used[prefix] != topic:
            problems.append(f"PREFIX={prefix!r} already means topic {used[prefix]!r}: pick another prefix")
    return problems


def scaffold(name: str, topic: str, prefix: str) -> list[str]:
    problems = check(name, topic, prefix)
    if problems:
        return problems
    chapter = f"notebooks/{name}"
    files = {ROOT / "notebooks" / f"{name}.md": _notebook(name, chapter),
             ROOT / "_toc.yml": _toc_with(chapter),
             DATA / "claims.csv": _claims_with_stub(chapter, topic, prefix)}
    before = {path: path.read_bytes() if path.exists() else None for path in files}
    for path, text in files.items():
        atomic.write_text(path, text)
    problems = [str(p) for p in lock()]
    if problems:
        for path, old in before.items():
            path.unlink() if old is None else atomic.write_text(path, old.decode("utf-8"))
        lock()
    return problems


def _notebook(name: str, chapter: str) -> str:
    title = name.replace("_", " ").capitalize()
    return TEMPLATE.read_text(encoding="utf-8").format(title=title, chapter=chapter, name=name)


def _toc_with(chapter: str) -> str:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    part = next(p for p in toc["parts"] if p.get("caption") == FINDINGS)
    part["chapters"].append({"file": chapter})
    return yaml.safe_dump(toc, sort_keys=False, allow_unicode=True)


def _claims_with_stub(chapter: str, topic: str, prefix: str) -> str:
    path = DATA / "claims.csv"
    text = path.read_text(encoding="utf-8")
    ids = [row["id"] for row in csv.DictReader(io.StringIO(text)) if row["id"].startswith(prefix + "-")]
    number = max((int(i.split("-")[1]) for i in ids), default=0) + 1
    stub = {"id": f"{prefix}-{number:02d}", "source": "merics2024longview",
            "quote": "Replace with the claim, quoted verbatim from the source text.",
            "statement": "Replace with one line saying what is claimed, with its subject.",
            "locator": "Replace with where the quote stands in its source (section, paragraph).",
            "topic": topic, "verdict": "unverified", "confidence": "low",
            "rationale": "Replace with one or two sentences: why this verdict and this confidence.",
            "evidence": "", "chapter": chapter}
    columns = [f["name"] for f in _claims_schema()["fields"]]
    out = io.StringIO()
    csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore").writerow(
        {c: stub.get(c, "") for c in columns})
    return text + ("" if text.endswith("\n") else "\n") + out.getvalue()


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: make chapter NAME=short_name TOPIC=topic PREFIX=idprefix", file=sys.stderr)
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
