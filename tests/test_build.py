"""Strict builds: each kind of defect fails with a message naming the file; data edits are never stale.

Each test works on a throwaway copy of the repository (conftest.copy_repo) and runs the same
commands `make book` runs. Tests that only read a build share it: the three defects are planted
together in one copy and built once (--keep-going reports every warning), and the copy with
hidden folders is the one whose data is then edited and rebuilt.
"""
from __future__ import annotations

import re

import pytest
from conftest import copy_repo, run_in

STRICT = ("jupyter-book", "build", ".", "--warningiserror", "--nitpick", "--keep-going")


def append(path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_cell_that_raises_fails_and_names_the_notebook(repo_copy):
    append(repo_copy / "notebooks" / "spending.md",
           "\n```{code-cell} ipython3\n:tags: [hide-input]\n\n1 / 0\n```\n")
    result = run_in(repo_copy, "python", "-m", "tools.execute", "--stale")
    assert result.returncode == 1
    # The exception's type and message come first, before the cell that raised it.
    assert "notebooks/spending.md: ZeroDivisionError: division by zero\n(a cell raised it" in result.stderr


DEFECTS = {
    "missing bib key": ("{footcite:p}`nosuchkey2099`\n\n```{footbibliography}\n```\n", "nosuchkey2099"),
    "broken cross-reference": ("See {doc}`no-such-page`.\n", "no-such-page"),
    "missing glue key": ("Pasted: {glue:text}`../notebooks/spending.ipynb::no_such_key:.1f`.\n", "no_such_key"),
}


@pytest.fixture(scope="module")
def defective_build(tmp_path_factory):
    """A copy with every defect planted in book/methods.md, built strictly once."""
    repo = copy_repo(tmp_path_factory.mktemp("defects") / "repo")
    append(repo / "book" / "methods.md", "".join("\n" + text for text, _ in DEFECTS.values()))
    return run_in(repo, *STRICT)


@pytest.mark.parametrize("defect", DEFECTS, ids=list(DEFECTS))
def test_defect_fails_the_strict_build_naming_the_file(defective_build, defect):
    _, token = DEFECTS[defect]
    output = defective_build.stdout + defective_build.stderr
    assert defective_build.returncode != 0, f"{defect}: the build succeeded"
    warnings = [line for line in output.splitlines() if token in line and "book/methods.md" in line]
    assert warnings, f"{defect}: no message names book/methods.md and {token}:\n{output[-3000:]}"


HIDDEN = (".github/ISSUE_TEMPLATE/x.md", ".venv/lib/site-packages/pkg/page.md", ".hidden/page.ipynb")


@pytest.fixture(scope="module")
def built_copy(tmp_path_factory):
    """A copy with pages planted in hidden folders, built strictly once: (repo, result)."""
    repo = copy_repo(tmp_path_factory.mktemp("hidden") / "repo")
    for hidden in HIDDEN:
        (repo / hidden).parent.mkdir(parents=True, exist_ok=True)
        (repo / hidden).write_text("# not a page\n" if hidden.endswith(".md") else "{}", encoding="utf-8")
    return repo, run_in(repo, *STRICT)


def test_hidden_folders_and_notebook_sources_are_not_pages(built_copy):
    repo, result = built_copy
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    site = repo / "_build" / "html"
    assert not list(site.rglob("page.html")) and not (site / ".github").exists()
    assert (site / "notebooks" / "spending.html").exists()


def test_data_edit_is_published_after_lock_without_clearing_caches(built_copy):
    """Edit a CSV, lock, build: the new numbers appear in the chapter and in the prose that pastes them."""
    repo_copy, first = built_copy
    assert first.returncode == 0
    funding = repo_copy / "data" / "funding.csv"
    text = funding.read_text(encoding="utf-8")
    us_row = re.search(r"^mck2022-us,.*$", text, flags=re.M).group(0)
    funding.write_text(text.replace(us_row, us_row.replace(",1900,1900,", ",3825,3825,")), encoding="utf-8")

    unlocked = run_in(repo_copy, "python", "-m", "evidence.datapackage", "validate")
    assert unlocked.returncode == 1 and "data/funding.csv: edited since it was last locked" in unlocked.stderr

    run_in(repo_copy, "python", "-m", "evidence.datapackage", "lock", check=True)
    executed = run_in(repo_copy, "python", "-m", "tools.execute", "--stale", check=True)
    assert "stale: notebooks/spending.md (input data/funding.csv changed)" in executed.stdout
    assert run_in(repo_copy, *STRICT).returncode == 0
    intro = (repo_copy / "_build" / "html" / "book" / "intro.html").read_text(encoding="utf-8")
    assert '<span class="pasted-text">4.0</span>' in intro, "the introduction still shows the old ratio"
    assert '<span class="pasted-text">8.1</span>' not in intro
