"""A cell that raises stops the executor with a message naming the notebook, and nothing is written.

(The strict build's other failures, data edits that are never stale, hidden folders and a new
chapter are checked on one author's copy built step after step: tests/test_author_copy.py.)
"""
from __future__ import annotations

from conftest import run_in


def append(path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_cell_that_raises_fails_and_names_the_notebook(repo_copy):
    append(repo_copy / "notebooks" / "spending.md",
           "\n```{code-cell} ipython3\n:tags: [hide-input]\n\n1 / 0\n```\n")
    result = run_in(repo_copy, "python", "-m", "tools.execute", "--stale")
    assert result.returncode == 1
    # The exception's type and message come first, before the cell that raised it.
    assert "notebooks/spending.md: ZeroDivisionError: division by zero\n(a cell raised it" in result.stderr
