"""`make chapter` writes nothing when refused (that the chapter it scaffolds executes and builds
strictly is checked on the author's copy: tests/test_author_copy.py)."""
from __future__ import annotations

import pytest
from conftest import run_in

WRITTEN = ["_toc.yml", "data/claims.csv", "data/datapackage.json"]


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
