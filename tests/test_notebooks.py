"""Committed notebook twins: in sync with their MyST source, fully executed, current, deterministic.

nbval (configured in pytest.ini) then re-executes every twin and compares outputs exactly;
these checks close the gaps nbval leaves open (a never-executed notebook passes nbval).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from tools.execute import all_notebooks, stale_reason, twin

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = all_notebooks()
HIDDEN = {"hide-input", "remove-input", "hide-cell", "remove-cell"}
VOLATILE = [re.compile(p) for p in (r"altair-viz-[0-9a-f]{8}", r"\b0x[0-9a-f]{6,}\b", r"/tmp/")]


def ids(paths):
    return [p.stem for p in paths]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no MyST notebooks in notebooks/"


def test_every_twin_has_a_source():
    orphans = [p.name for p in (ROOT / "notebooks").glob("*.ipynb") if not p.with_suffix(".md").exists()]
    assert not orphans, f"executed notebooks without a .md source: {orphans}"


@pytest.mark.parametrize("md", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_twin_is_in_sync_with_source(md):
    assert twin(md).exists(), f"{md.name} was never executed: run `make outputs`"
    source = jupytext.read(md)
    executed = nbformat.read(twin(md), as_version=4)
    assert len(source.cells) == len(executed.cells), f"{md.name}: cell count differs from its twin: run `make outputs`"
    pairs = list(zip(source.cells, executed.cells, strict=True))
    for n, (a, b) in enumerate(pairs, start=1):
        assert (a.cell_type, a.source) == (b.cell_type, b.source), \
            f"{md.name}: cell {n} differs from {twin(md).name}: run `make outputs`"


@pytest.mark.parametrize("md", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_every_code_cell_was_executed_without_error(md):
    nb = nbformat.read(twin(md), as_version=4)
    for n, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is not None, f"{twin(md).name}: code cell {n} was never executed"
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{twin(md).name}: code cell {n} has an error output"


@pytest.mark.parametrize("md", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_outputs_are_current(md):
    reason = stale_reason(md)
    assert reason is None, f"{md.name}: committed outputs are stale ({reason}): run `make outputs` and commit"


@pytest.mark.parametrize("md", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_code_is_folded_in_the_book(md):
    for n, cell in enumerate(jupytext.read(md).cells, start=1):
        if cell.cell_type == "code":
            tags = set(cell.metadata.get("tags", []))
            assert tags & HIDDEN, f"{md.name}: code cell {n} is not tagged hide-input (or remove-input)"


@pytest.mark.parametrize("md", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_outputs_hold_nothing_volatile(md):
    text = twin(md).read_text(encoding="utf-8")
    for pattern in VOLATILE:
        match = pattern.search(text)
        assert not match, f"{twin(md).name}: volatile output {match.group(0)!r} would break nbval on re-execution"


@pytest.mark.parametrize("md", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_no_code_cell_is_longer_than_forty_lines(md):
    """Logic lives in the package, with unit tests; a chapter's cells only call it."""
    for n, cell in enumerate(jupytext.read(md).cells, start=1):
        if cell.cell_type == "code":
            lines = len(cell.source.splitlines())
            assert lines <= 40, f"{md.name}: code cell {n} has {lines} lines: move its logic into evidence/"


def test_the_longest_notebook_starts_first_and_an_unexecuted_one_last(tmp_path):
    """tools.execute orders chapters by the seconds their twins record, so no long one starts last."""
    from tools.execute import longest_first

    seconds = {"short": 1.5, "long": 4.2, "middle": 2.0}
    for name, took in seconds.items():
        record = {"cells": [], "nbformat": 4, "nbformat_minor": 5,
                  "metadata": {"evidence": {"execution_seconds": took}}}
        (tmp_path / f"{name}.ipynb").write_text(json.dumps(record), encoding="utf-8")
    (tmp_path / "broken.ipynb").write_text("{", encoding="utf-8")
    order = longest_first([tmp_path / f"{name}.md" for name in ("short", "never", "broken", "long", "middle")])
    assert [md.stem for md in order] == ["long", "middle", "short", "never", "broken"]


def test_a_notebook_reading_the_chapters_imports_before_it_reads_them():
    """The cell that reads the chapters' verdicts is not the first: the cells before it (the imports)
    run while the chapters still execute (tools.execute.execute, ``after_chapters``)."""
    from tools.execute import READS_CHAPTERS, reads_other_chapters

    readers = [md for md in NOTEBOOKS if reads_other_chapters(md)]
    assert readers, "no notebook reads the chapters' verdicts: the scorecard should"
    for md in readers:
        code = [cell.source for cell in jupytext.read(md).cells if cell.cell_type == "code"]
        assert READS_CHAPTERS not in code[0], f"{md.name}: its first code cell reads the chapters' verdicts"
