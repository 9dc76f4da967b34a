"""`make chapter` scaffolds a chapter that executes and builds strictly, and writes nothing when refused."""
from __future__ import annotations

import pytest
from conftest import run_in

WRITTEN = ["_toc.yml", "data/claims.csv", "data/datapackage.json"]


def test_new_chapter_builds(repo_copy):
    made = run_in(repo_copy, "python", "-m", "tools.scaffold", "example_finding", "policy", "expl", check=True)
    assert "created notebooks/example_finding.md" in made.stdout
    assert "notebooks/example_finding" in (repo_copy / "_toc.yml").read_text(encoding="utf-8")
    assert "expl-01," in (repo_copy / "data" / "claims.csv").read_text(encoding="utf-8")
    run_in(repo_copy, "python", "-m", "tools.execute", "notebooks/example_finding.md", check=True)
    built = run_in(repo_copy, "jupyter-book", "build", ".", "--warningiserror", "--nitpick", "--keep-going")
    assert built.returncode == 0, (built.stdout + built.stderr)[-3000:]
    page = (repo_copy / "_build" / "html" / "notebooks" / "example_finding.html").read_text(encoding="utf-8")
    assert "Example finding" in page and "evidence-unverified" in page and "low confidence" in page


@pytest.mark.parametrize("args,message", [
    (["Bad Name", "policy", "bad"], "use lowercase letters"),
    (["fine_name", "no-such-topic", "fine"], "choose one of: spending"),
    (["fine_name", "policy", "Pre1"], "lowercase letters only"),
    (["fine_name", "policy", "spend"], "already means topic 'spending'"),
])
def test_scaffold_refuses_and_writes_nothing(repo_copy, args, message):
    before = {name: (repo_copy / name).read_bytes() for name in WRITTEN}
    result = run_in(repo_copy, "python", "-m", "tools.scaffold", *args)
    assert result.returncode == 1 and message in result.stderr, result.stderr
    assert {name: (repo_copy / name).read_bytes() for name in WRITTEN} == before
    assert not (repo_copy / "notebooks" / f"{args[0]}.md").exists()
