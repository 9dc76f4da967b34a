"""`make chapter` scaffolds a chapter that executes and builds strictly, so the template cannot rot."""
from __future__ import annotations

from conftest import run_in


def test_new_chapter_builds(repo_copy):
    made = run_in(repo_copy, "python", "-m", "tools.scaffold", "example_finding", "policy", check=True)
    assert "created notebooks/example_finding.md" in made.stdout
    assert "notebooks/example_finding" in (repo_copy / "_toc.yml").read_text(encoding="utf-8")
    run_in(repo_copy, "python", "-m", "tools.execute", "notebooks/example_finding.md", check=True)
    built = run_in(repo_copy, "jupyter-book", "build", ".", "--warningiserror", "--nitpick", "--keep-going")
    assert built.returncode == 0, (built.stdout + built.stderr)[-3000:]
    page = (repo_copy / "_build" / "html" / "notebooks" / "example_finding.html").read_text(encoding="utf-8")
    assert "Example finding" in page and "evidence-unverified" in page


def test_scaffold_refuses_bad_names(repo_copy):
    result = run_in(repo_copy, "python", "-m", "tools.scaffold", "Bad Name", "policy")
    assert result.returncode == 1 and "use lowercase letters" in result.stderr
