"""`make bench` judges each goal against its target and fails when one is missed.

The results below are SYNTHETIC (made up here to exercise the judging); real ones come from
`make bench` and are committed in benchmarks/latest.json.
"""
from __future__ import annotations

import json

import pytest

from tools import bench
from tools.bench_report import results_markdown


def timing(median: float) -> dict:
    return {"min": median * 0.9, "median": median, "max": median * 1.1, "samples": [median] * 3}


def synthetic(rebuild_s: float = 0.1, page_gzip: int = 190_000, warm_ms: int = 400) -> dict:
    chart_page = {"page": "notebooks/x.html", "charts": 2, "requests": 20, "bytes": 900_000, "gzip_bytes": page_gzip,
                  "first_paint_ms": 300, "charts_drawn_ms": 350, "warm_charts_drawn_ms": warm_ms,
                  "warm_link_charts_drawn_ms": warm_ms // 2,
                  "interactive_cold_ms": 500, "interactive_warm_ms": 300, "gzip_bytes_after_interaction": 500_000,
                  "drawn_without_scripts": 2}
    builds = {key: timing(1.0) for key in ("clean_build", "full_reexecution_parallel",
                                           "full_reexecution_sequential_floor", "rebuild_sphinx_no_op",
                                           "rebuild_one_notebook_edited", "rebuild_one_data_file_edited")}
    builds |= {"rebuild_nothing_changed": timing(rebuild_s), "reproduction_vs_floor": timing(0.8),
               "reproduction_cold_vs_floor": timing(1.1),
               "notebook_seconds": {"x": 2.0}, "notebooks": 1, "edited_notebook": "x",
               "notebooks_executed_after_notebook_edit": 1, "edited_data_file": "data/x.csv",
               "notebooks_executed_after_data_edit": 1}
    return {"date": "2026-01-01", "runs": 3, "machine": {"cores": 2, "cpu": "c", "memory": "1 GiB", "python": "3",
                                                       "system": "s"},
            "builds": builds, "pages": [chart_page, {"page": "a.html", "charts": 0, "requests": 1, "bytes": 1,
                                                     "gzip_bytes": 1}], "make_test": timing(100)}


def test_every_goal_is_judged_and_met_when_within_target():
    judged = {g["key"]: g for g in bench.goals(synthetic())}
    assert {k for k, (_, _, op, _) in bench.GOALS.items() if op} <= set(judged)
    assert all(g["met"] for g in judged.values() if g["target"]), judged
    assert judged["charts_without_scripts"]["median"] == 100


@pytest.mark.parametrize("override, missed", [({"rebuild_s": 2.5}, "rebuild_nothing_changed_s"),
                                              ({"page_gzip": 400_000}, "chart_page_gzip_kb"),
                                              ({"warm_ms": 800}, "charts_drawn_warm_ms")])
def test_a_missed_goal_is_named_and_fails_the_bench(monkeypatch, tmp_path, override, missed):
    results = synthetic(**override)
    assert [g["key"] for g in bench.goals(results) if g["met"] is False] == [missed]
    monkeypatch.setattr(bench, "RESULTS", tmp_path / "benchmarks" / "latest.json")
    monkeypatch.setattr(bench, "measure_reproduction", lambda runs, mds: results["builds"])
    monkeypatch.setattr(bench, "measure_rebuilds", lambda runs, mds: {})
    monkeypatch.setattr(bench, "measure_pages", lambda runs: results["pages"])
    monkeypatch.setattr(bench, "notebooks", lambda: [])
    monkeypatch.setattr(bench, "ROOT", tmp_path)
    assert bench.main(["--runs", "1", "--test-runs", "0"]) == 1
    written = json.loads((tmp_path / "benchmarks" / "latest.json").read_text(encoding="utf-8"))
    assert [g["key"] for g in written["goals"] if g["met"] is False] == [missed]


def test_a_record_from_before_the_link_visit_is_still_judged_and_shown():
    old = synthetic()
    del old["pages"][0]["warm_link_charts_drawn_ms"]
    judged = {g["key"]: g for g in bench.goals(old)}
    assert "charts_drawn_warm_link_ms" not in judged and judged["charts_drawn_warm_ms"]["met"]
    assert "| — |" in "\n".join(results_markdown(old | {"goals": bench.goals(old)}))


def test_the_report_shows_every_goal_with_its_target():
    lines = "\n".join(results_markdown(synthetic() | {"goals": bench.goals(synthetic())}))
    for label, _, op, target in bench.GOALS.values():
        assert label in lines
        if op:
            assert f"{op} {target}" in lines


def test_a_failing_make_test_run_is_named_with_its_failed_tests():
    results = synthetic()
    results["make_test"] |= {"passed": False, "last_summary": "763 passed in 545.50s",
                             "failures": [{"run": 1, "summary": "1 failed, 762 passed in 600s",
                                           "failed": ["FAILED tests/test_x.py::test_y - AssertionError"]}]}
    goal = next(g for g in bench.goals(results) if g["key"] == "make_test_s")
    assert goal["met"] is False  # 100 s would meet the target: the failure alone misses it
    assert goal["note"] == ("tests failed (run 1: 1 failed, 762 passed in 600s "
                            "FAILED tests/test_x.py::test_y - AssertionError)")
