"""A cell that raises stops the executor with a message naming the notebook, and nothing is written.

(The strict build's other failures, data edits that are never stale, hidden folders and a new
chapter are checked on one author's copy built step after step: tests/test_author_copy.py.)
"""
from __future__ import annotations

from conftest import append_cell, run_in


def test_cell_that_raises_fails_and_names_the_notebook(repo_copy):
    append_cell(repo_copy / "notebooks" / "spending.md", ":tags: [hide-input]\n\n1 / 0")
    result = run_in(repo_copy, "python", "-m", "tools.execute", "--stale")
    assert result.returncode == 1
    # The exception's type and message come first, before the cell that raised it.
    assert "notebooks/spending.md: ZeroDivisionError: division by zero\n(a cell raised it" in result.stderr
