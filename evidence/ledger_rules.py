"""Every claim of the ledger (data/claims.csv) names a chapter that computes its verdict.

That chapter must be a notebook of the book: ``notebooks/NAME``, with its source
``notebooks/NAME.md`` and listed in ``_toc.yml``. A prose page or a missing notebook computes
nothing, so a verdict assigned to one would be counted on the scorecard unchecked. (That the
notebook really checks the claim is verified from its executed output when the book is built:
tools.claims_gate.)
"""
from __future__ import annotations

from pathlib import Path

from evidence import ROOT
from evidence.problems import Problem


def toc_base(root: Path) -> Path:
    """The folder whose _toc.yml and notebooks/ these rules read: ``root``, or the repository if it has no _toc.yml."""
    return root if (root / "_toc.yml").is_file() else ROOT


def chapter_inputs(root: Path) -> bytes:
    """All these rules read besides data/: the bytes of _toc.yml and which notebook sources exist."""
    base = toc_base(root)
    sources = sorted(str(p.relative_to(base)) for p in (base / "notebooks").rglob("*.md"))
    return (base / "_toc.yml").read_bytes() + b"\0" + "\n".join(sources).encode()


def toc_files(root: Path) -> set[str]:
    """Every page listed in _toc.yml (the repository's own if ``root`` has none)."""
    import yaml

    toc = toc_base(root) / "_toc.yml"

    def walk(node):
        if isinstance(node, dict):
            for key in ("file", "root"):
                if isinstance(node.get(key), str):
                    yield node[key].removesuffix(".md").removesuffix(".ipynb")
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    return set(walk(yaml.safe_load(toc.read_text(encoding="utf-8"))))


def notebook_chapters(root: Path) -> set[str]:
    """The chapters that can compute a verdict: notebooks listed in _toc.yml whose source exists."""
    base = toc_base(root)
    return {page for page in toc_files(root)
            if page.startswith("notebooks/") and (base / f"{page}.md").is_file()}


def chapter_problems(name: str, rows: list[dict], root: Path) -> list[Problem]:
    chapters = notebook_chapters(root)
    problems = []
    for n, row in enumerate(rows, start=1):
        chapter = (row.get("chapter") or "").strip()
        if not chapter or chapter in chapters:
            continue  # empty: reported by the required constraint
        why = ("is a prose page, which computes no verdict" if not chapter.startswith("notebooks/")
               else "is not a notebook listed in _toc.yml")
        problems.append(Problem(name, f"claim {row.get('id')!r}: chapter {chapter!r} {why}",
                                f"Name the notebook that checks it (one of {', '.join(sorted(chapters))}), "
                                f"or add that notebook to _toc.yml", n, "chapter"))
    return problems
