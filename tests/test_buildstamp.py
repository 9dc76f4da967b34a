"""`make book` and `make test` skip a build only when nothing it reads changed (tools/buildstamp.py).

Each test works on a small synthetic folder under tmp_path (a repository's shape: sources, a
.venv stamp, a _build with the build's output), never on the repository itself.
"""
from __future__ import annotations

import os

import pytest

from tools import buildstamp


@pytest.fixture
def built(tmp_path):
    """A synthetic root whose book was just built and recorded."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "spending.md").write_text("# Spending\n", encoding="utf-8")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "funding.csv").write_text("id,value\na,1\n", encoding="utf-8")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / ".installed").touch()
    (tmp_path / "_build" / "html").mkdir(parents=True)
    (tmp_path / "_build" / "html" / "index.html").write_text("<html></html>", encoding="utf-8")
    buildstamp.record("book", tmp_path)
    return tmp_path


def _later(path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def test_recorded_build_is_current_until_an_input_changes(built):
    assert buildstamp.current("book", built)
    (built / "data" / "funding.csv").write_text("id,value\na,2\n", encoding="utf-8")
    assert not buildstamp.current("book", built)


@pytest.mark.parametrize("edit", ["touch", "new file", "deleted file", "new install", "output gone"])
def test_any_change_makes_the_next_build_run(built, edit):
    if edit == "touch":
        _later(built / "notebooks" / "spending.md")
    elif edit == "new file":
        (built / "notebooks" / "satellites.md").write_text("# Satellites\n", encoding="utf-8")
    elif edit == "deleted file":
        (built / "data" / "funding.csv").unlink()
    elif edit == "new install":
        _later(built / ".venv" / ".installed")
    else:
        (built / "_build" / "html" / "index.html").unlink()
    assert not buildstamp.current("book", built), edit


def test_what_the_build_writes_and_caches_are_not_inputs(built):
    (built / "_build" / "html" / "new.html").write_text("<html></html>", encoding="utf-8")
    (built / "notebooks" / "__pycache__").mkdir()
    (built / "notebooks" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert buildstamp.current("book", built)


def test_each_build_has_its_own_record(built):
    assert not buildstamp.current("pdf", built), "the PDF was never printed in this folder"
