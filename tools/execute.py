"""Execute the book's notebooks and keep their committed outputs current.

Each MyST notebook ``notebooks/NAME.md`` is the source; ``notebooks/NAME.ipynb`` is its
executed twin, committed, built into the site and compared by nbval in ``make test``.

A twin is *stale* when its notebook text, the shared ``evidence`` package, or any data
file the notebook read during its last run has changed. The data files are known because
``evidence.load`` writes each path it reads to the file named by ``EVIDENCE_TRACE``. This
is what jupyter-cache cannot do: it keys a notebook on its code cells only, so edited
data would be published with old numbers.

    python -m tools.execute --stale      # what make book runs
    python -m tools.execute --all        # what make outputs runs
    python -m tools.execute notebooks/spending.md
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from evidence import ROOT, atomic
from evidence.trace import chapter_in
from tools.warm_kernel import kernel_manager, warm_kernels

NOTEBOOKS = ROOT / "notebooks"
PACKAGE = ROOT / "evidence"
TIMEOUT_SECONDS = 600


def _digest(*chunks: bytes) -> str:
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(hashlib.sha256(chunk).digest())
    return h.hexdigest()


def package_digest() -> str:
    return _digest(*(p.read_bytes() for p in sorted(PACKAGE.glob("*.py"))))


def twin(md: Path) -> Path:
    return md.with_suffix(".ipynb")


def all_notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.md"))


_TWINS: dict[tuple, object] = {}


def read_twin(ipynb: Path):
    """The executed twin, or raise UnreadableTwin naming the file (empty, cut short, not a notebook).

    Read once per process while the file is unchanged (the build asks for each twin twice)."""
    import nbformat

    try:
        stat = ipynb.stat()
        key = (str(ipynb), stat.st_mtime_ns, stat.st_size)
        if key not in _TWINS:
            _TWINS[key] = nbformat.read(ipynb, as_version=4)
        return _TWINS[key]
    except Exception as err:  # NotJSONError, JSONDecodeError, validation and read errors alike
        detail = "it is empty" if ipynb.exists() and ipynb.stat().st_size == 0 else type(err).__name__
        raise UnreadableTwin(f"{ipynb.relative_to(ROOT) if ipynb.is_relative_to(ROOT) else ipynb.name} is "
                             f"unreadable ({detail}): run `make book` to execute it again, or restore it "
                             f"with git checkout") from None


class UnreadableTwin(Exception):
    pass


def stale_reason(md: Path) -> str | None:
    """Why the committed outputs of ``md`` no longer match its inputs, or None."""
    ipynb = twin(md)
    if not ipynb.exists():
        return "never executed"
    record = _twin_record(ipynb)
    if record is None:
        return f"{ipynb.name} is unreadable"
    if record.get("source_sha256") != _digest(md.read_bytes()):
        return "notebook edited"
    if record.get("package_sha256") != package_digest():
        return "shared package evidence/ changed"
    for rel, recorded in record.get("inputs", {}).items():
        current = input_digest(rel)
        if current != recorded:  # None: absent (a resource a notebook looked for may appear later)
            return f"input {rel} {'is gone' if current is None else 'changed'}"
    return None


def _twin_record(ipynb: Path) -> dict | None:
    """The executor's record in a twin's metadata, or None if the twin is not a notebook at all.

    Plain JSON, not nbformat: importing and validating with nbformat was a third of a no-change
    `make book`. The build still reads every twin with nbformat (tools.sphinx_ext)."""
    try:
        notebook = json.loads(ipynb.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list) \
            or not isinstance(notebook.get("nbformat"), int):
        return None
    record = notebook.get("metadata", {}).get("evidence", {})
    return record if isinstance(record, dict) else {}


def input_digest(name: str) -> str | None:
    """Digest of a traced input: a file, one resource's schema (``data/datapackage.json#resource``),
    one chapter's rows of a claims table (``data/claims.csv#chapter=notebooks/NAME``, see
    chapter_rows), one references.bib entry (``references.bib#key``) or the verdicts another chapter computed
    (``notebooks/NAME.ipynb#verdicts``); None when it is absent or unreadable."""
    from evidence.datapackage import schema_fingerprint

    rel, _, part = name.partition("#")
    path = ROOT / rel
    if not path.is_file() or path.is_symlink() or not path.resolve().is_relative_to(ROOT):
        return None
    if not part:
        return _digest(path.read_bytes())
    try:
        if path.suffix == ".csv" and chapter_in(part):
            return _digest(chapter_rows(path, chapter_in(part)))
        if path.suffix == ".ipynb" and part == "verdicts":
            return _digest(json.dumps(twin_verdicts(path), sort_keys=True).encode())
        if path.suffix == ".bib":
            return _digest(_bib_entry(path, part))
        return _digest(schema_fingerprint(path, part))
    except (KeyError, ValueError, TypeError):  # gone, or the file does not parse: stale either way
        return None


def _csv_table(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def chapter_rows(path: Path, chapter: str) -> bytes:
    """What ``evidence.claims.Ledger(chapter)`` keeps of one claims table: in data/claims.csv the
    chapter's claims, in the others (readings, evidence) the rows of those claims; with the header."""
    from evidence.datapackage import read_descriptor, resource

    descriptor, _ = read_descriptor(ROOT / "data")
    claims_path = ROOT / "data" / resource(descriptor, "claims")["path"]
    header, claims = _csv_table(claims_path)
    mine = [row for row in claims if row.get("chapter") == chapter]
    if path != claims_path:
        ids = {row["id"] for row in mine}
        header, rows = _csv_table(path)
        mine = [row for row in rows if row.get("claim_id") in ids]
    return json.dumps([header, mine], sort_keys=True).encode()


def twin_verdicts(ipynb: Path) -> dict:
    """The verdicts a twin records, read as evidence.claims.read_verdicts reads them, without importing
    pandas (which `make book` would otherwise pay on every run)."""
    notebook = json.loads(Path(ipynb).read_text(encoding="utf-8"))
    return notebook.get("metadata", {}).get("evidence", {}).get("verdicts", {})


_BIB_CACHE: dict[tuple, dict] = {}


def _bib_entry(bib: Path, key: str) -> bytes:
    """One entry of references.bib as its fields say it; KeyError if it is gone."""
    from evidence.references import entries

    stamp = (str(bib), bib.stat().st_mtime_ns, bib.stat().st_size)
    if stamp not in _BIB_CACHE:
        _BIB_CACHE.clear()
        _BIB_CACHE[stamp] = entries.__wrapped__(bib)  # not the cached copy: the file may have changed
    return json.dumps(_BIB_CACHE[stamp][key], sort_keys=True).encode()


@dataclass
class Result:
    notebook: str
    seconds: float
    error: str | None = None


def execute(md: Path, after_chapters: bool = False, warm: str | None = None) -> Result:
    """Run ``md`` in a fresh kernel and write its executed twin; nothing is written on failure.

    ``after_chapters``: the notebook reads the chapters' verdicts. Its kernel starts, and its
    cells before the first that reads them run, while the chapters still run; that cell waits
    until every chapter has finished (``_CHAPTERS_DONE``, set by ``_execute_all``).
    ``warm``: the address of the parent of warm kernels (tools.warm_kernel), or None for a cold kernel."""
    import jupytext
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    rel = str(md.relative_to(ROOT))
    nb = jupytext.read(md)
    for n, cell in enumerate(nb.cells, start=1):
        cell.id = f"cell-{n}"  # stable ids keep committed twins free of random diffs
    with tempfile.NamedTemporaryFile("r", suffix=".trace", delete=False) as trace:
        os.environ["EVIDENCE_TRACE"] = trace.name
    sockets = tempfile.mkdtemp(prefix="evidence-kernel-")
    # Local sockets, not TCP: nothing listens on the network, and ipykernel does not warn about it.
    km = kernel_manager(warm, transport="ipc", ip=os.path.join(sockets, "kernel"))
    start, waited = time.perf_counter(), 0.0

    def wait_for_chapters(cell, cell_index):
        nonlocal waited
        if after_chapters and _CHAPTERS_DONE is not None and READS_CHAPTERS in cell.source:
            began = time.perf_counter()
            _CHAPTERS_DONE.wait()
            waited += time.perf_counter() - began

    try:
        NotebookClient(nb, km=km, timeout=TIMEOUT_SECONDS, kernel_name="python3", record_timing=False,
                       resources={"metadata": {"path": str(md.parent)}},
                       on_cell_execute=wait_for_chapters).execute()
    except CellExecutionError as err:
        return Result(rel, time.perf_counter() - start, _cell_error(err))
    except Exception as err:  # kernel died, timeout, bad notebook
        return Result(rel, time.perf_counter() - start, f"{type(err).__name__}: {err}")
    finally:
        if km.has_kernel:  # a kernel manager we pass in is ours to shut down
            km.shutdown_kernel()
        shutil.rmtree(sockets, ignore_errors=True)
        os.environ.pop("EVIDENCE_TRACE", None)
        inputs = sorted(set(Path(trace.name).read_text(encoding="utf-8").split()))
        Path(trace.name).unlink()
    seconds = time.perf_counter() - start - waited
    leak = _machine_path_in_outputs(nb)
    if leak:
        return Result(rel, seconds, leak)
    nb.metadata["evidence"] = {
        "source_sha256": _digest(md.read_bytes()),
        "package_sha256": package_digest(),
        "inputs": {name: input_digest(name) for name in inputs},
        "execution_seconds": round(seconds, 1),
        "verdicts": lifted_verdicts(nb),
    }
    text = jupytext.writes(nb, fmt="ipynb")
    atomic.write_text(twin(md), text if text.endswith("\n") else text + "\n")  # never a half-written twin
    return Result(rel, seconds)


ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _cell_error(err) -> str:
    """The exception's type and message first, then the start of the failing cell."""
    message = ANSI.sub("", str(getattr(err, "evalue", "") or "")).strip()
    name = getattr(err, "ename", None) or type(err).__name__
    return (f"{name}: {message}\n(a cell raised it; no output of the notebook was written)\n\n"
            f"The failing cell, and where it failed:\n{_first_lines(ANSI.sub('', str(err)))}")


def _first_lines(text: str, limit: int = 40) -> str:
    lines = text.strip().splitlines()
    return "\n".join(lines[:limit] + (["..."] if len(lines) > limit else []))


def _machine_path_in_outputs(nb) -> str | None:
    """An output that shows where the book is on this machine (e.g. a warning's file path), or None."""
    for n, cell in enumerate(nb.cells, start=1):
        text = json.dumps(cell.get("outputs", []), ensure_ascii=False)
        if str(ROOT) in text or str(ROOT).replace("/", "\\/") in text:
            return (f"cell {n}: an output shows this machine's path {ROOT}. Nothing was written: silence or "
                    f"reword what prints it (a warning: fix its cause, or catch it in the cell)")
    return None


def lifted_verdicts(nb) -> dict:
    """The verdicts a chapter computed (``Ledger.publish``), lifted from its outputs into its metadata."""
    from evidence.trace import VERDICTS_MIME

    verdicts: dict = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            verdicts.update(output.get("data", {}).get(VERDICTS_MIME, {}))
    return dict(sorted(verdicts.items()))


READS_CHAPTERS = "computed_verdicts("


def reads_other_chapters(md: Path) -> bool:
    """A notebook that reads the verdicts of the others (the scorecard) runs after them."""
    return READS_CHAPTERS in md.read_text(encoding="utf-8")


def run(notebooks: list[Path], workers: int, stale_only: bool = False) -> int:
    """Execute chapters first, then the notebooks that read their verdicts.

    With ``stale_only`` a reader of verdicts runs only if it is stale once the chapters have run
    (their new verdicts may leave it current); otherwise it starts beside the last chapters."""
    if not notebooks:
        print("notebook outputs are current: nothing to execute")
        return 0
    chapters = [md for md in notebooks if not reads_other_chapters(md)]
    with warm_kernels() as warm:
        if stale_only:
            results = _execute_all(chapters, workers, warm=warm)
            results += _execute_all([md for md in all_notebooks() if reads_other_chapters(md) and stale_reason(md)],
                                    workers, warm=warm)
        else:
            results = _execute_all(chapters, workers, then=[md for md in notebooks if reads_other_chapters(md)],
                                   warm=warm)
    return _report(results)


_CHAPTERS_DONE = None  # in a worker of _execute_all: an Event set once every chapter has finished


def _share(chapters_done) -> None:
    global _CHAPTERS_DONE
    _CHAPTERS_DONE = chapters_done


def longest_first(notebooks: list[Path]) -> list[Path]:
    """By the seconds each took when last executed (its twin's record): no long one starts last."""
    def last_seconds(md: Path) -> float:
        seconds = (_twin_record(twin(md)) or {}).get("execution_seconds", 0.0)  # None: absent or unreadable
        return seconds if isinstance(seconds, int | float) else 0.0

    return sorted(notebooks, key=last_seconds, reverse=True)


def _execute_all(notebooks: list[Path], workers: int, then: list[Path] = (), warm: str | None = None) -> list[Result]:
    """``notebooks`` on ``workers`` processes, longest first; each of ``then`` on a process of its own
    from the start, so that its kernel starts while the others run (see ``execute``)."""
    if not notebooks and not then:
        return []
    # Imported once here, so that every worker forked from this process starts with them.
    import jupytext  # noqa: F401
    import nbclient  # noqa: F401
    from jupyter_client import manager  # noqa: F401

    workers = max(1, min(workers, len(notebooks)))
    print(f"executing {len(notebooks) + len(then)} notebook(s) on "
          f"{(workers if notebooks else 0) + len(then)} worker(s)")
    fork = multiprocessing.get_context("fork")
    chapters_done = fork.Event()
    with ProcessPoolExecutor(max_workers=workers, mp_context=fork) as chapters, \
            ProcessPoolExecutor(max_workers=max(1, len(then)), mp_context=fork, initializer=_share,
                                initargs=(chapters_done,)) as readers:
        after = [readers.submit(execute, md, True, warm) for md in then]
        first = [chapters.submit(execute, md, False, warm) for md in longest_first(notebooks)]
        results = [future.result() for future in first]
        chapters_done.set()
        return results + [future.result() for future in after]


def _report(results: list[Result]) -> int:
    failed = [r for r in results if r.error]
    for r in results:
        print(f"  {'FAILED' if r.error else 'ok':6} {r.seconds:5.1f} s  {r.notebook}")
    for r in failed:
        print(f"\n{r.notebook}: {r.error}", file=sys.stderr)
    if failed:
        print(f"\n{len(failed)} notebook(s) failed: fix the cell named above and run the command again.",
              file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--stale", action="store_true", help="execute only notebooks whose inputs changed")
    group.add_argument("--all", action="store_true", help="execute every notebook")
    group.add_argument("paths", nargs="*", default=[], help="notebook .md files to execute")
    # One worker more than cores: a kernel's start waits on the disk and its sockets, and a third
    # worker fills those gaps (`--all`: 16.5 s against 17.2 s with two, 0.974x, farm-bench, 4 pairs).
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    args = parser.parse_args(argv)
    if args.all:
        chosen = all_notebooks()
    elif args.stale:
        chosen = []
        for md in all_notebooks():
            reason = stale_reason(md)
            if reason:
                print(f"stale: {md.relative_to(ROOT)} ({reason})")
                chosen.append(md)
    else:
        chosen = [Path(p).resolve() for p in args.paths]
    return run(chosen, args.workers, stale_only=args.stale)


if __name__ == "__main__":
    sys.exit(main())
