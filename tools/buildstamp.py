"""`make book` with nothing changed: know it without starting Sphinx.

After a successful `make book`, ``record`` notes every file the build could depend on — every
file of the repository except the build's own output, caches and hidden folders, with its size
and modification time — and the installed environment (``.venv/.installed``). ``current``
answers whether all of that is exactly as noted and the site is still there; `make book` then
skips validation, execution and the Sphinx run, which would each find nothing to do. Any edit,
even a `touch`, a new or a deleted file, makes the next `make book` run everything as before.

    python -m tools.buildstamp current   # exit 0: nothing changed since the last successful build
    python -m tools.buildstamp record    # after a successful build
"""
from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from evidence import ROOT, atomic

STAMP = ROOT / "_build" / ".book-inputs"
SITE = ROOT / "_build" / "html" / "index.html"
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


def current() -> bool:
    return SITE.exists() and STAMP.exists() and STAMP.read_text(encoding="utf-8").strip() == fingerprint()


def record() -> None:
    STAMP.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(STAMP, fingerprint() + "\n")


def main(argv: list[str]) -> int:
    if argv == ["current"]:
        if current():
            print("the site is current: nothing changed since the last make book")
            return 0
        return 1
    if argv == ["record"]:
        record()
        return 0
    print("usage: python -m tools.buildstamp current|record", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
