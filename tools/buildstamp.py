"""`make book` (and the PDF editions of `make test`) with nothing changed: know it without starting Sphinx.

Before a build, ``inputs`` notes every file the build could depend on — every file of the
repository except the build's own output, caches and hidden folders, with its size and
modification time — the installed environment (``.venv/.installed``) and how the build is run
(its options); after the build succeeded, ``record`` keeps that note. Taken before the build, it
never vouches for an edit saved while the build ran. ``current`` answers whether all of that is
exactly as noted and the build's output is still there; `make book` then skips validation,
execution and the Sphinx run, which would each find nothing to do, and `make test` its strict
build, the single-page build and the printing of the PDF editions. Any edit, even a `touch`, a
new or a deleted file, makes the next build run everything as before.

Not seen: a package installed into .venv by hand (not by make), system fonts and Chromium.

    inputs=$(python -m tools.buildstamp inputs --warningiserror)  # before the build, with its options
    python -m tools.buildstamp record book "$inputs"              # after it succeeded
    python -m tools.buildstamp current book --warningiserror      # exit 0: nothing changed since
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


def fingerprint(root: Path = ROOT, how: str = "") -> str:
    """A digest of the path, size and modification time of every input file, of the environment and
    of ``how`` the build is run (its options)."""
    h = hashlib.sha256(f"{how}\n".encode())
    for entry in _files(root):
        stat = entry.stat(follow_symlinks=False)
        h.update(f"{Path(entry.path).relative_to(root)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    installed = root / ".venv" / ".installed"
    h.update(str(installed.stat().st_mtime_ns if installed.exists() else "none").encode())
    return h.hexdigest()


def _stamp(build: str, root: Path) -> Path:
    return root / "_build" / f".{build}-inputs"


def current(build: str = "book", root: Path = ROOT, how: str = "") -> bool:
    stamp = _stamp(build, root)
    return (all((root / "_build" / p).exists() for p in OUTPUTS[build]) and stamp.exists()
            and stamp.read_text(encoding="utf-8").strip() == fingerprint(root, how))


def record(build: str = "book", root: Path = ROOT, inputs: str | None = None) -> None:
    """Note ``inputs`` (a fingerprint taken before the build) as what the last successful build read."""
    _stamp(build, root).parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(_stamp(build, root), (inputs or fingerprint(root)) + "\n")


USAGE = f"""usage: python -m tools.buildstamp inputs [OPTIONS...]
       python -m tools.buildstamp record {'|'.join(OUTPUTS)} INPUTS
       python -m tools.buildstamp current {'|'.join(OUTPUTS)} [OPTIONS...]"""


def main(argv: list[str]) -> int:
    action, build, rest = (argv + ["", ""])[0], (argv + ["", ""])[1], argv[2:]
    if action == "inputs":
        print(fingerprint(how=" ".join(argv[1:])))
        return 0
    if action == "record" and build in OUTPUTS and len(rest) == 1 and rest[0]:
        record(build, inputs=rest[0])
        return 0
    if action == "current" and build in OUTPUTS:
        if current(build, how=" ".join(rest)):
            print(f"{build}: nothing changed since it was last built")
            return 0
        return 1
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
