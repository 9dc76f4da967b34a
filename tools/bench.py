"""`make bench`: measure the goals of issue 19 on this machine, write them, and fail if one is missed.

Every timing is taken ``--runs`` times (default 3) and reported as median, min and max.

Goals (each row of benchmarks/latest.json's ``goals``, against its target):

- the largest chart page, as gzip would send everything it requests when it opens (cold cache);
- every chart drawn with scripts off (the SVG made at build time);
- every chart drawn, from navigation start, on a second visit (warm, in a new tab), on the slowest
  chart page;
- `make book` with nothing changed;
- `make test`, everything installed;
- full reproduction (every notebook re-executed in parallel, then the site built from scratch)
  against its sequential floor (the same build plus one kernel start and ``import pandas,
  altair`` per notebook, one after the other): below 1.0 means parallel execution beats the floor.
  The executor forks its kernels from a parent that imported those modules once
  (tools/warm_kernel.py); the floor stays the cold one, and the same reproduction with cold
  kernels is reported beside it.

Reported beside them, without a target: the cold times, the warm time of a page opened from the
landing page in the same tab (no renderer process to start), time to interactive once a reader
points at a chart, what a page transfers by then, a clean build with current outputs, Sphinx's
own no-change path (a file touched, nothing the site uses changed), and rebuilds after editing
one notebook and one data file. Files the benchmark edits are restored afterwards.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from evidence import ROOT, atomic

BUILD = ROOT / "_build"
RESULTS = ROOT / "benchmarks" / "latest.json"
PY = sys.executable
JB = [str(Path(PY).parent / "jupyter-book"), "build", str(ROOT), "--warningiserror", "--nitpick", "--keep-going"]
# key: (label, unit, comparison, target); a target of None is reported, never judged.
GOALS = {
    "chart_page_gzip_kb": ("Largest chart page as it opens (gzip)", "KB", "<=", 350),
    "charts_without_scripts": ("Charts drawn with scripts off (of all charts)", "%", ">=", 100),
    "charts_drawn_warm_ms": ("Every chart drawn, warm, slowest chart page", "ms", "<=", 500),
    "rebuild_nothing_changed_s": ("`make book`, nothing changed", "s", "<=", 2),
    "make_test_s": ("`make test`, everything installed", "s", "<=", 150),
    "reproduction_vs_floor": ("Full reproduction ÷ its sequential floor", "×", "<", 1.0),
    "reproduction_cold_vs_floor": ("The same, every kernel started cold (EVIDENCE_COLD_KERNELS=1)", "×", None, None),
    "charts_drawn_warm_link_ms": ("Every chart drawn, warm, opened from the landing page in the same tab, "
                                  "slowest chart page", "ms", None, None),
    "charts_drawn_cold_ms": ("Every chart drawn, cold, slowest chart page", "ms", None, None),
    "interactive_warm_ms": ("Chart interactive after pointing at it, warm, slowest page", "ms", None, None),
    "chart_page_interactive_gzip_kb": ("Largest chart page after pointing at a chart (gzip)", "KB", None, None),
    "rebuild_sphinx_no_op_s": ("`make book`, a file touched but nothing the site uses changed", "s", None, None),
    "rebuild_one_notebook_s": ("`make book` after editing one notebook", "s", None, None),
    "rebuild_one_data_file_s": ("`make book` after editing one data file", "s", None, None),
    "clean_build_s": ("Clean build, outputs current", "s", None, None),
}


def run(command: list[str], **env: str) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env={**os.environ, **env})
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return seconds, result.stdout


def make_book() -> tuple[float, str]:
    return run(["make", "-s", "book"])


def stats(samples: list[float]) -> dict:
    return {"min": round(min(samples), 2), "median": round(statistics.median(samples), 2),
            "max": round(max(samples), 2), "samples": [round(s, 2) for s in samples]}


def executed_count(output: str) -> int:
    match = re.search(r"executing (\d+) notebook", output)
    return int(match.group(1)) if match else 0


def kernel_floor() -> float:
    """One kernel start, `import pandas, altair`, and shutdown: the least a notebook can cost.

    Started exactly as the executor starts its kernels (local sockets), so the floor is fair.
    """
    import tempfile

    from jupyter_client.manager import KernelManager

    sockets = tempfile.mkdtemp(prefix="evidence-floor-")
    km = KernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "kernel"))
    start = time.perf_counter()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        kc.execute_interactive("import pandas, altair", timeout=120)
    finally:
        kc.stop_channels()
        km.shutdown_kernel()
        shutil.rmtree(sockets, ignore_errors=True)
    return time.perf_counter() - start


@contextmanager
def restored(*paths: Path):
    """Put the given files back exactly as they were, whatever happens in between."""
    saved = {p: p.read_bytes() for p in paths}
    try:
        yield
    finally:
        for path, content in saved.items():
            atomic.write_bytes(path, content)


def notebooks() -> list[Path]:
    from tools.execute import all_notebooks

    return all_notebooks()


def _clean_site() -> None:
    """Everything the build made goes, caches included: what a fresh clone starts from."""
    shutil.rmtree(BUILD, ignore_errors=True)


def measure_reproduction(runs: int, mds: list[Path]) -> dict:
    from tools.execute import twin

    clean, parallel, cold, floor = [], [], [], []
    for _ in range(runs):
        _clean_site()
        clean.append(run(JB)[0])
    with restored(*(twin(md) for md in mds)):
        for _ in range(runs):
            _clean_site()
            outputs, _ = run([PY, "-m", "tools.execute", "--all"])
            sphinx, _ = run(JB)
            notebook_seconds = {md.stem: _execution_seconds(twin(md)) for md in mds}
            cold_outputs, _ = run([PY, "-m", "tools.execute", "--all"], EVIDENCE_COLD_KERNELS="1")
            parallel.append(outputs + sphinx)
            cold.append(cold_outputs + sphinx)
            floor.append(sphinx + sum(kernel_floor() for _ in mds))
    ratios = [p / f for p, f in zip(parallel, floor, strict=True)]
    cold_ratios = [c / f for c, f in zip(cold, floor, strict=True)]
    return {"clean_build": stats(clean), "full_reexecution_parallel": stats(parallel),
            "full_reexecution_sequential_floor": stats(floor), "reproduction_vs_floor": stats(ratios),
            "full_reexecution_cold_kernels": stats(cold), "reproduction_cold_vs_floor": stats(cold_ratios),
            "notebook_seconds": notebook_seconds, "notebooks": len(mds)}


def _execution_seconds(ipynb: Path) -> float:
    import nbformat

    return nbformat.read(ipynb, as_version=4).metadata.get("evidence", {}).get("execution_seconds", 0.0)


def measure_rebuilds(runs: int, mds: list[Path]) -> dict:
    from tools.execute import twin

    make_book()
    nothing = [make_book()[0] for _ in range(runs)]
    touched = []
    for _ in range(runs):
        (ROOT / "README.md").touch()
        touched.append(make_book()[0])
    target = next((md for md in mds if md.stem == "scorecard"), mds[0])
    notebook_edit, notebook_executed = [], []
    with restored(target, twin(target)):
        for n in range(runs):
            target.write_text(target.read_text(encoding="utf-8") + f"\n<!-- bench edit {n} -->\n", encoding="utf-8")
            seconds, log = make_book()
            notebook_edit.append(seconds)
            notebook_executed.append(executed_count(log))
    data_file, descriptor = ROOT / "data" / "fx_rates.csv", ROOT / "data" / "datapackage.json"
    data_edit, data_executed = [], []
    with restored(data_file, descriptor, *(twin(md) for md in mds)):
        for n in range(runs):
            data_file.write_text(data_file.read_text(encoding="utf-8").replace(
                "(as read)", f"(as read{' ' * (n + 1)})", 1), encoding="utf-8")
            run([PY, "-m", "evidence.datapackage", "lock"])
            seconds, log = make_book()
            data_edit.append(seconds)
            data_executed.append(executed_count(log))
    make_book()  # back to the committed state
    return {"rebuild_nothing_changed": stats(nothing), "rebuild_sphinx_no_op": stats(touched),
            "rebuild_one_notebook_edited": stats(notebook_edit), "edited_notebook": target.stem,
            "notebooks_executed_after_notebook_edit": max(notebook_executed),
            "rebuild_one_data_file_edited": stats(data_edit), "edited_data_file": "data/fx_rates.csv",
            "notebooks_executed_after_data_edit": max(data_executed)}


PAGE_MEASURES = ("requests", "bytes", "gzip_bytes", "first_paint_ms", "load_ms", "charts_drawn_ms",
                 "warm_first_paint_ms", "warm_charts_drawn_ms", "warm_link_charts_drawn_ms",
                 "interactive_cold_ms", "interactive_warm_ms",
                 "gzip_bytes_after_interaction", "drawn_without_scripts")


def measure_pages(runs: int) -> list[dict]:
    """Each page measured ``runs`` times; per measure, the median (and the spread of the drawing times)."""
    from tools.bench_pages import measure_pages as once

    rounds = [once(BUILD / "html") for _ in range(runs)]
    pages = []
    for visits in zip(*rounds, strict=True):
        page = {"page": visits[0]["page"], "charts": visits[0]["charts"]}
        for key in PAGE_MEASURES:
            values = [v[key] for v in visits if v.get(key) is not None]
            if values:
                page[key] = round(statistics.median(values))
                if key.endswith("_ms"):
                    page[f"{key}_spread"] = [min(values), max(values)]
        pages.append(page)
    return pages


def measure_make_test(runs: int) -> dict:
    """`make test` wall time; whether every run passed is recorded beside it (a failing run still counts)."""
    seconds, passed, failures = [], True, []
    for run_number in range(1, runs + 1):
        start = time.perf_counter()
        result = subprocess.run(["make", "-s", "test"], cwd=ROOT, capture_output=True, text=True)
        seconds.append(time.perf_counter() - start)
        passed &= result.returncode == 0
        summary = re.findall(r"^=+ (.*(?:passed|failed).*) =+$", result.stdout, flags=re.M)
        if result.returncode != 0:  # which run, and what failed in it: a flaky test must be findable
            failed = re.findall(r"^(?:FAILED|ERROR) .*$", result.stdout, flags=re.M)
            failures.append({"run": run_number, "summary": summary[-1] if summary else "",
                             "failed": failed or [(result.stdout + result.stderr)[-1500:]]})
    return stats(seconds) | {"passed": passed, "last_summary": summary[-1] if summary else "", "failures": failures}


def _goal(key: str, median: float, low: float | None = None, high: float | None = None) -> dict:
    label, unit, comparison, target = GOALS[key]
    met = None
    if comparison is not None:
        met = {"<=": median <= target, "<": median < target, ">=": median >= target}[comparison]
    return {"key": key, "goal": label, "unit": unit, "target": None if target is None else f"{comparison} {target}",
            "median": median, "min": low if low is not None else median, "max": high if high is not None else median,
            "met": met}


def goals(results: dict) -> list[dict]:
    b, pages = results["builds"], [p for p in results["pages"] if p["charts"]]
    slowest = lambda key: max(pages, key=lambda p: p.get(key, 0))  # noqa: E731
    out = []
    heaviest = max(pages, key=lambda p: p["gzip_bytes"])
    out.append(_goal("chart_page_gzip_kb", round(heaviest["gzip_bytes"] / 1000, 1)))
    shown = sum(p.get("drawn_without_scripts", 0) for p in pages)
    out.append(_goal("charts_without_scripts", round(100 * shown / sum(p["charts"] for p in pages), 1)))
    for key, page_key in (("charts_drawn_warm_ms", "warm_charts_drawn_ms"),
                          ("charts_drawn_warm_link_ms", "warm_link_charts_drawn_ms"),
                          ("charts_drawn_cold_ms", "charts_drawn_ms"), ("interactive_warm_ms", "interactive_warm_ms")):
        if not any(page_key in p for p in pages):  # a record from before the measure existed lacks it
            continue
        page = slowest(page_key)
        low, high = page.get(f"{page_key}_spread", [page[page_key]] * 2)
        out.append(_goal(key, page[page_key], low, high) | {"page": page["page"]})
    interacted = max(pages, key=lambda p: p.get("gzip_bytes_after_interaction", 0))
    out.append(_goal("chart_page_interactive_gzip_kb", round(interacted["gzip_bytes_after_interaction"] / 1000, 1)))
    for key, build_key in (("rebuild_nothing_changed_s", "rebuild_nothing_changed"),
                           ("rebuild_sphinx_no_op_s", "rebuild_sphinx_no_op"),
                           ("rebuild_one_notebook_s", "rebuild_one_notebook_edited"),
                           ("rebuild_one_data_file_s", "rebuild_one_data_file_edited"),
                           ("clean_build_s", "clean_build"), ("reproduction_vs_floor", "reproduction_vs_floor"),
                           ("reproduction_cold_vs_floor", "reproduction_cold_vs_floor")):
        if build_key in b:  # a record from before the row existed lacks it
            out.append(_goal(key, b[build_key]["median"], b[build_key]["min"], b[build_key]["max"]))
    if results.get("make_test"):
        t = results["make_test"]
        goal = _goal("make_test_s", t["median"], t["min"], t["max"])
        if not t.get("passed", True):  # as fast as it may be, a failing make test meets no goal
            failed = t.get("failures") or [{"run": "?", "summary": t.get("last_summary", ""), "failed": []}]
            named = "; ".join(f"run {f['run']}: {f['summary']} {' '.join(f['failed'][:3])}".strip() for f in failed)
            goal |= {"met": False, "note": f"tests failed ({named})"}
        out.append(goal)
    order = list(GOALS)
    return sorted(out, key=lambda g: order.index(g["key"]))


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    memory = ""
    if Path("/proc/meminfo").exists():
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    return {"cores": os.cpu_count(), "cpu": cpu, "memory": memory, "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}"}


def main(argv: list[str] | None = None) -> int:
    from tools.bench_report import results_markdown

    parser = argparse.ArgumentParser(description="Measure the goals of the build and the site; fail if one is missed.")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--test-runs", type=int, default=3, help="times to run `make test` (0: skip it)")
    args = parser.parse_args(argv)
    mds = notebooks()
    results = {"date": date.today().isoformat(), "machine": machine(), "runs": args.runs,
               "builds": measure_reproduction(args.runs, mds) | measure_rebuilds(args.runs, mds)}
    results["pages"] = measure_pages(args.runs)
    if args.test_runs:
        results["make_test"] = measure_make_test(args.test_runs)
    results["goals"] = goals(results)
    RESULTS.parent.mkdir(exist_ok=True)
    atomic.write_text(RESULTS, json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print("\n".join(results_markdown(results)))
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}; commit it so the book shows these numbers")
    missed = [g["goal"] for g in results["goals"] if g["met"] is False]
    if missed:
        print(f"bench: {len(missed)} goal(s) missed: {'; '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
