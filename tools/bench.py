"""`make bench`: time the build on this machine against its floor, and write the results.

Measured, each several times (min / median / max):

- clean build: ``_build`` removed, dependencies installed, committed outputs current: what a
  reader's ``make book`` does on a fresh clone;
- its floor: the same Sphinx build alone (Jupyter Book's execution is always off here) plus one
  kernel start with ``import pandas, altair`` per notebook the clean build executed (none when
  outputs are current);
- clean build with every notebook re-executed in parallel (``make outputs`` then the build),
  against the sequential floor: the build alone plus one kernel start and import per notebook;
- rebuild with nothing changed; after editing one notebook; after editing one data file;
- each notebook's execution time; per page, the bytes the browser requests (raw and gzip)
  and the time until every chart has drawn in headless Chromium, offline;
- ``make test`` wall time (once; skipped with ``--no-test``).

Results are printed as a table and written to benchmarks/latest.json, which the book's
"Build and performance" page shows. Files the benchmark edits are restored afterwards.
"""
from __future__ import annotations

import argparse
import gzip
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


def run(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
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


def measure_builds(runs: int) -> dict:
    from tools.execute import twin

    out: dict = {}
    clean, floor, executed = [], [], []
    for _ in range(runs):
        shutil.rmtree(BUILD, ignore_errors=True)
        seconds, log = make_book()
        clean.append(seconds)
        executed.append(executed_count(log))
        shutil.rmtree(BUILD, ignore_errors=True)
        sphinx, _ = run(JB)
        floor.append(sphinx + sum(kernel_floor() for _ in range(executed[-1])))
    out["clean_build"] = stats(clean)
    out["clean_build_floor"] = stats(floor)
    out["clean_build_notebooks_executed"] = max(executed)

    mds = notebooks()
    twins = [twin(md) for md in mds]
    parallel, sequential_floor, sequential = [], [], []
    with restored(*twins):
        for _ in range(runs):
            shutil.rmtree(BUILD, ignore_errors=True)
            outputs, _ = run([PY, "-m", "tools.execute", "--all"])
            sphinx, _ = run(JB)
            parallel.append(outputs + sphinx)
            sequential_floor.append(sphinx + sum(kernel_floor() for _ in mds))
        seconds, _ = run([PY, "-m", "tools.execute", "--all", "--workers", "1"])
        sequential.append(seconds + sphinx)
        out["notebook_seconds"] = {md.stem: _execution_seconds(twin(md)) for md in mds}
    out["full_reexecution_parallel"] = stats(parallel)
    out["full_reexecution_sequential_floor"] = stats(sequential_floor)
    out["full_reexecution_sequential"] = stats(sequential)
    out["notebooks"] = len(mds)

    make_book()
    out["rebuild_nothing_changed"] = stats([make_book()[0] for _ in range(runs)])
    out.update(_rebuild_after_edits(runs, mds))
    return out


def _execution_seconds(ipynb: Path) -> float:
    import nbformat

    return nbformat.read(ipynb, as_version=4).metadata.get("evidence", {}).get("execution_seconds", 0.0)


def _rebuild_after_edits(runs: int, mds: list[Path]) -> dict:
    from tools.execute import twin

    target = next((md for md in mds if md.stem == "scorecard"), mds[0])
    notebook_edit, notebook_executed = [], []
    with restored(target, twin(target)):
        for n in range(runs):
            target.write_text(target.read_text(encoding="utf-8") + f"\n<!-- bench edit {n} -->\n", encoding="utf-8")
            seconds, log = make_book()
            notebook_edit.append(seconds)
            notebook_executed.append(executed_count(log))
    data_file = ROOT / "data" / "fx_rates.csv"
    descriptor = ROOT / "data" / "datapackage.json"
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
    return {"rebuild_one_notebook_edited": stats(notebook_edit), "edited_notebook": target.stem,
            "notebooks_executed_after_notebook_edit": max(notebook_executed),
            "rebuild_one_data_file_edited": stats(data_edit), "edited_data_file": "data/fx_rates.csv",
            "notebooks_executed_after_data_edit": max(data_executed)}


def measure_pages(site: Path) -> list[dict]:
    """Bytes requested and time until all charts drew, per page, each in a fresh browser context."""
    from tools.browser import chromium, page_paths, serve

    results = []
    with serve(site) as base, chromium() as browser:
        for path in page_paths(site):
            context = browser.new_context()
            page = context.new_page()
            bodies: list[bytes] = []
            page.on("requestfinished", lambda r, bodies=bodies: bodies.append(_body(r)))
            cold = _visit(page, f"{base}/{path}")
            page.wait_for_load_state("networkidle")
            warm = _visit(context.new_page(), f"{base}/{path}") if cold["charts"] else {}
            results.append({"page": path, "requests": len(bodies), "bytes": sum(map(len, bodies)),
                            "gzip_bytes": sum(len(gzip.compress(b, 6)) for b in bodies), "charts": cold["charts"],
                            "load_ms": cold["load_ms"], "all_charts_drawn_ms": cold.get("drawn_ms"),
                            "drawn_after_load_ms": cold.get("after_load_ms"),
                            "warm_all_charts_drawn_ms": warm.get("drawn_ms")})
            context.close()
    return results


def _visit(page, url: str) -> dict:
    """Milliseconds from navigation start to the load event and to every chart drawn."""
    page.goto(url, wait_until="load")
    charts = page.locator(".evidence-chart").count()
    out = {"charts": charts,
           "load_ms": page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")}
    if charts:
        from tools.browser import CHARTS_SETTLED

        page.wait_for_function(CHARTS_SETTLED, timeout=30000)
        out["drawn_ms"] = page.evaluate("performance.now()")
        out["after_load_ms"] = out["drawn_ms"] - out["load_ms"]
    return {k: round(v) if isinstance(v, float) else v for k, v in out.items()}


def _body(request) -> bytes:
    response = request.response()
    try:
        return response.body() if response else b""
    except Exception:  # redirects and aborted requests have no body
        return b""


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    memory = ""
    if Path("/proc/meminfo").exists():
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    return {"cores": os.cpu_count(), "cpu": cpu, "memory": memory, "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}"}


def results_markdown(results: dict) -> list[str]:
    m = results["machine"]
    rows = [("Clean build (outputs current)", "clean_build"), ("  its floor", "clean_build_floor"),
            ("Full re-execution, parallel, + build", "full_reexecution_parallel"),
            ("  sequential floor", "full_reexecution_sequential_floor"),
            ("  sequential execution, + build", "full_reexecution_sequential"),
            ("Rebuild, nothing changed", "rebuild_nothing_changed"),
            ("Rebuild, one notebook edited", "rebuild_one_notebook_edited"),
            ("Rebuild, one data file edited", "rebuild_one_data_file_edited")]
    b = results["builds"]
    lines = [f"Measured on {results['date']}: {m['cores']} cores ({m['cpu']}), {m['memory']}, Python "
             f"{m['python']}, {m['system']}; {results['runs']} runs each.", "",
             "| Measure | min (s) | median (s) | max (s) |", "|---|---|---|---|"]
    lines += [f"| {label} | {b[k]['min']} | {b[k]['median']} | {b[k]['max']} |" for label, k in rows if k in b]
    lines += ["", f"Notebooks executed: {b['clean_build_notebooks_executed']} in a clean build with current "
              f"outputs; {b['notebooks_executed_after_notebook_edit']} after editing `{b['edited_notebook']}`; "
              f"{b['notebooks_executed_after_data_edit']} after editing `{b['edited_data_file']}`.", "",
              "| Notebook | Execution (s) |", "|---|---|"]
    lines += [f"| `{name}` | {seconds} |" for name, seconds in b["notebook_seconds"].items()]
    dash = lambda v: "—" if v is None else v  # noqa: E731
    lines += ["", "Per page, in a fresh browser (cold cache) unless marked warm; times in ms from navigation start.",
              "",
              "| Page | Requests | Bytes | Gzip bytes | Charts | Load event | All charts drawn | Drawn after load "
              "| Warm: all drawn |", "|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| `{p['page']}` | {p['requests']} | {p['bytes']:,} | {p['gzip_bytes']:,} | {p['charts']} | "
              f"{dash(p.get('load_ms'))} | {dash(p['all_charts_drawn_ms'])} | {dash(p.get('drawn_after_load_ms'))} | "
              f"{dash(p.get('warm_all_charts_drawn_ms'))} |" for p in results["pages"]]
    if results.get("make_test_seconds"):
        lines += ["", f"`make test` wall time: {results['make_test_seconds']} s."]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the build against its floor.")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-test", action="store_true", help="skip timing `make test`")
    args = parser.parse_args(argv)
    results = {"date": date.today().isoformat(), "machine": machine(), "runs": args.runs,
               "builds": measure_builds(args.runs)}
    results["pages"] = measure_pages(BUILD / "html")
    if not args.no_test:
        results["make_test_seconds"] = round(run(["make", "-s", "test"])[0], 1)
    RESULTS.parent.mkdir(exist_ok=True)
    atomic.write_text(RESULTS, json.dumps(results, indent=2) + "\n")
    print("\n".join(results_markdown(results)))
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}; commit it so the book shows these numbers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
