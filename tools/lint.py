"""`make lint`: ruff and codespell over the package, the tools, the tests and the notebooks' code cells.

Ruff cannot read MyST notebooks, so each notebook's code cells are written, in order, to
``_build/lint/NAME.py`` (one ``# %%`` block per cell) and checked there; a problem is
reported against the notebook and its cell number.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from evidence import ROOT

OUT = ROOT / "_build" / "lint"


def notebook_sources() -> dict[Path, list[int]]:
    """Write every notebook's code cells to a .py file; return each file's first line per cell."""
    import jupytext

    OUT.mkdir(parents=True, exist_ok=True)
    written = {}
    for md in sorted((ROOT / "notebooks").glob("*.md")):
        lines, starts = [], []
        for n, cell in enumerate(jupytext.read(md).cells, start=1):
            if cell.cell_type == "code":
                starts.append((len(lines) + 2, n))
                lines += [f"# %% cell {n}", *cell.source.splitlines(), ""]
        path = OUT / f"{md.stem}.py"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written[path] = starts
    return written


def _cell_of(starts: list[tuple[int, int]], line: int) -> int:
    return max((n for first, n in starts if first <= line), default=1)


def main() -> int:
    written = notebook_sources()
    ruff = [sys.executable, "-m", "ruff", "check", "--output-format", "concise", "--quiet"]
    failed = subprocess.run([*ruff, "evidence", "tools", "tests"], cwd=ROOT).returncode != 0
    result = subprocess.run([*ruff, "--ignore", "E402,I001,B905", *map(str, written)], cwd=ROOT, capture_output=True,
                            text=True)
    for line in result.stdout.splitlines():
        match = re.match(r"(.+?\.py):(\d+):\d+: (.*)", line)
        if match and Path(match.group(1)).resolve() in {p.resolve() for p in written}:
            path = Path(match.group(1)).resolve()
            starts = next(v for p, v in written.items() if p.resolve() == path)
            print(f"notebooks/{path.stem}.md, code cell {_cell_of(starts, int(match.group(2)))}: {match.group(3)}")
        elif line.strip():
            print(line)
    failed |= result.returncode != 0
    failed |= subprocess.run([str(Path(sys.executable).with_name("codespell"))], cwd=ROOT).returncode != 0
    if failed:
        print("lint: fix the lines above (ruff check --fix fixes many), then run make lint again", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
