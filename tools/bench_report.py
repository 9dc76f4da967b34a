"""The `make bench` results (benchmarks/latest.json) as Markdown, for the terminal and the book's
"Build and performance" page (tools/sphinx_ext.py, ``benchmark-results``)."""
from __future__ import annotations

BUILD_ROWS = [("Clean build (everything removed, outputs current)", "clean_build"),
              ("Full re-execution in parallel, then a clean build", "full_reexecution_parallel"),
              ("  its sequential floor", "full_reexecution_sequential_floor"),
              ("`make book`, nothing changed", "rebuild_nothing_changed"),
              ("`make book`, a file touched, nothing the site uses changed", "rebuild_sphinx_no_op"),
              ("`make book`, one notebook edited", "rebuild_one_notebook_edited"),
              ("`make book`, one data file edited", "rebuild_one_data_file_edited")]


def _met(goal: dict) -> str:
    return {True: "met", False: "**missed**", None: "—"}[goal["met"]]


def goals_markdown(results: dict) -> list[str]:
    lines = ["| Goal | Target | Median | Spread (min–max) | |", "|---|---|---|---|---|"]
    for g in results.get("goals", []):
        unit = f" {g['unit']}" if g["unit"] not in ("", "×") else ("×" if g["unit"] == "×" else "")
        where = f" ({g['page']})" if g.get("page") else ""
        target = f"{g['target']}{unit}" if g["target"] else "reported"
        note = f" ({g['note']})" if g.get("note") else ""
        lines.append(f"| {g['goal']}{where} | {target} | {g['median']}{unit} | {g['min']}–{g['max']} | "
                     f"{_met(g)}{note} |")
    return lines


def results_markdown(results: dict) -> list[str]:
    m, b = results["machine"], results["builds"]
    dash = lambda v: "—" if v is None else v  # noqa: E731
    lines = [f"Measured on {results['date']}: {m['cores']} cores ({m['cpu']}), {m['memory']}, Python "
             f"{m['python']}, {m['system']}; every timing {results['runs']} times (median, and the spread).", "",
             *goals_markdown(results), "",
             "| Build | min (s) | median (s) | max (s) |", "|---|---|---|---|"]
    lines += [f"| {label} | {b[k]['min']} | {b[k]['median']} | {b[k]['max']} |" for label, k in BUILD_ROWS if k in b]
    if results.get("make_test"):
        t = results["make_test"]
        lines.append(f"| `make test` | {t['min']} | {t['median']} | {t['max']} |")
    lines += ["", f"Notebooks executed: {b['notebooks_executed_after_notebook_edit']} after editing "
              f"`{b['edited_notebook']}`; {b['notebooks_executed_after_data_edit']} after editing "
              f"`{b['edited_data_file']}`.", "", "| Notebook | Execution (s) |", "|---|---|"]
    lines += [f"| `{name}` | {seconds} |" for name, seconds in b["notebook_seconds"].items()]
    lines += ["", "Per page, median of the runs; a fresh browser (cold cache), then a second visit in a new tab "
              "(warm), then a third from the landing page in the same tab (warm, link); times in ms from "
              "navigation start. Drawn: the first frame with every chart of the page on screen. Interactive: "
              "from pointing at the first chart to its interactive replacement.", "",
              "| Page | Requests | Gzip bytes | Charts | First paint | Charts drawn | Warm: drawn | "
              "Warm, link: drawn | Without scripts | Interactive (cold / warm) | Gzip bytes after |", "|---" * 11 + "|"]
    for p in results["pages"]:
        interactive = (f"{p['interactive_cold_ms']} / {p['interactive_warm_ms']}" if p.get("interactive_cold_ms")
                       is not None else "—")
        after = f"{p['gzip_bytes_after_interaction']:,}" if p.get("gzip_bytes_after_interaction") else "—"
        lines.append(f"| `{p['page']}` | {p['requests']} | {p['gzip_bytes']:,} | {p['charts']} | "
                     f"{dash(p.get('first_paint_ms'))} | {dash(p.get('charts_drawn_ms'))} | "
                     f"{dash(p.get('warm_charts_drawn_ms'))} | {dash(p.get('warm_link_charts_drawn_ms'))} | "
                     f"{dash(p.get('drawn_without_scripts'))} | "
                     f"{interactive} | {after} |")
    return lines
