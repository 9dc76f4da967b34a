"""`make book` (and the PDF editions of `make test`) with nothing changed: know it without starting Sphinx.

After a successful build, ``record`` notes every file the build could depend on — every file
of the repository except the build's own output, caches and hidden folders, with its size and
modification time — and the installed environment (``.venv/.installed``). ``current`` answers
whether all of that is exactly as noted and the build's output is still there; `make book` then
skips validation, execution and the Sphinx run, which would each find nothing to do, and
`make test` the single-page build and the printing of the PDF editions. Any edit, even a
`touch`, a new or a deleted file, makes the next build run everything as before.

    python -m tools.buildstamp current book   # exit 0: nothing changed since the last make book
    python -m tools.buildstamp record book    # after a successful make book
    python -m tools.buildstamp current pdf    # the same for the PDF editions
"""
from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from evidence import ROOT, atomic

# What each build leaves (under _build): it is current only while these are there.
OUTPUTS = {"book": ["html/index.html"],
           "pdf": ["pdf/chinas-quantum-push-recomputed.pdf", "pdf/chinas-quantum-push-recomputed-brief.pdf",
                   "pdf/editions.json", "html/pdf/chinas-quantum-push-recomputed.pdf"]}
SKIPPED_FOLDERS = {"_build", "__pycache__", "node_modules"}


def _files(folder: Path):
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name.startswith(".") or entry.name in SKIPPED_FOLDERS or entry.name.endswith(".egg-info"):
                continue
            if entry.is_dir(follow_symlinks=False):
                yield from _files(Path(entry.path))
            else:
                yield entry


def fingerprint(root: Path = ROOT) -> str:
    """A digest of the path, size and modification time of every input file, and of the environment."""
    h = hashlib.sha256()
    for entry in _files(root):
        stat = entry.stat(follow_symlinks=False)
        h.update(f"{Path(entry.path).relative_to(root)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    installed = root / ".venv" / ".installed"
    h.update(str(installed.stat().st_mtime_ns if installed.exists() else "none").encode())
    return h.hexdigest()


def _stamp(build: str, root: Path) -> Path:
    return root / "_build" / f".{build}-inputs"


def current(build: str = "book", root: Path = ROOT) -> bool:
    stamp = _stamp(build, root)
    return (all((root / "_build" / p).exists() for p in OUTPUTS[build]) and stamp.exists()
            and stamp.read_text(encoding="utf-8").strip() == fingerprint(root))


def record(build: str = "book", root: Path = ROOT) -> None:
    _stamp(build, root).parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(_stamp(build, root), fingerprint(root) + "\n")


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] in ("current", "record") and argv[1] in OUTPUTS:
        action, build = argv
        if action == "record":
            record(build)
            return 0
        if current(build):
            print(f"{build}: nothing changed since it was last built")
            return 0
        return 1
    print(f"usage: python -m tools.buildstamp current|record {'|'.join(OUTPUTS)}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
