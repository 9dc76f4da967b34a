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
    for output in buildstamp.OUTPUTS["pdf"]:
        (built / "_build" / output).parent.mkdir(parents=True, exist_ok=True)
        (built / "_build" / output).write_bytes(b"%PDF")
    assert not buildstamp.current("pdf", built), "the book's record was read as the PDF's"
    buildstamp.record("pdf", built)
    assert buildstamp.current("pdf", built) and buildstamp.current("book", built)


def test_what_was_noted_before_the_build_is_what_is_recorded(built):
    """An edit saved while the build ran is not vouched for: the note is taken before the build."""
    before = buildstamp.fingerprint(built)
    (built / "data" / "funding.csv").write_text("id,value\na,22\n", encoding="utf-8")  # during the build
    buildstamp.record("book", built, inputs=before)
    assert not buildstamp.current("book", built)


def test_a_build_run_with_other_options_is_not_current(built):
    buildstamp.record("book", built, inputs=buildstamp.fingerprint(built, "--warningiserror"))
    assert buildstamp.current("book", built, "--warningiserror")
    assert not buildstamp.current("book", built, ""), "a lenient build would stand for a strict one"


def test_the_command_line_says_how_it_is_used(capsys):
    assert buildstamp.main(["record", "book"]) == 2  # no inputs noted before the build
    assert "inputs [OPTIONS...]" in capsys.readouterr().err
