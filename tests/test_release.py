"""One owner for the data version (tools/release.py): datapackage.json, CITATION.cff and the changelog together.

Releases run on copies of the three files (or of the repository); the repository's own are
never touched.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess

import jsonschema
import pytest
import yaml
from conftest import ROOT, VENV_BIN, copy_repo, run_in

from evidence import atomic
from tools import release

DAY = dt.date(2099, 1, 2)  # a release day no real release has, so every dated line must change
CFF_SCHEMA = ROOT / "tests" / "fixtures" / "citation-file-format-1.2.0.schema.json"


@pytest.fixture
def paths(tmp_path) -> release.Paths:
    (tmp_path / "data").mkdir()
    for rel in ("data/datapackage.json", "data/CHANGELOG.md", "CITATION.cff"):
        shutil.copy2(ROOT / rel, tmp_path / rel)
    return release.Paths.of(tmp_path)


def state(paths: release.Paths) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (paths.descriptor, paths.citation,
                                                                        paths.changelog)}


def current(paths: release.Paths) -> str:
    return json.loads(paths.descriptor.read_text(encoding="utf-8"))["version"]


def test_next_version_follows_semver():
    assert release.next_version("0.1.0", "patch") == "0.1.1"
    assert release.next_version("0.1.3", "minor") == "0.2.0"
    assert release.next_version("0.9.3", "major") == "1.0.0"
    with pytest.raises(release.ReleaseError, match="not semver"):
        release.next_version("0.1", "patch")


def test_a_release_writes_the_version_everywhere_it_is_stated(paths):
    before = current(paths)
    changelog_before = paths.changelog.read_text(encoding="utf-8")
    new = release.release(paths, bump="patch", changes=["funding.csv: a corrected amount (synthetic test)"],
                          released=DAY)
    assert new == release.next_version(before, "patch") == current(paths)
    cff = yaml.safe_load(paths.citation.read_text(encoding="utf-8"))
    assert cff["version"] == new and str(cff["date-released"]) == DAY.isoformat()
    errors = list(jsonschema.Draft7Validator(json.loads(CFF_SCHEMA.read_text(encoding="utf-8"))).iter_errors(cff))
    assert not errors, errors
    changelog = paths.changelog.read_text(encoding="utf-8")
    entry = f"## {new} — {DAY.isoformat()}\n\n- funding.csv: a corrected amount (synthetic test)\n"
    assert entry in changelog and changelog.index(entry) < changelog.index(f"## {before} ")
    assert changelog.replace(entry + "\n", "") == changelog_before, "the rest of the changelog must stay as written"
    original = (ROOT / "CITATION.cff").read_text(encoding="utf-8").splitlines()
    changed = [line for line, old in zip(paths.citation.read_text(encoding="utf-8").splitlines(), original, strict=True)
               if line != old]
    assert changed == [f'version: "{new}"', f'date-released: "{DAY.isoformat()}"'], changed


def test_an_unreleased_section_becomes_the_versions_entry(paths):
    text = paths.changelog.read_text(encoding="utf-8")
    first = text.index("\n## ") + 1
    paths.changelog.write_text(text[:first] + "## Unreleased\n\n- milestones.csv: one date corrected\n\n"
                               + text[first:], encoding="utf-8")
    new = release.release(paths, version=release.next_version(current(paths), "minor"), released=DAY)
    changelog = paths.changelog.read_text(encoding="utf-8")
    assert "Unreleased" not in changelog
    assert f"## {new} — {DAY.isoformat()}\n\n- milestones.csv: one date corrected\n" in changelog


@pytest.mark.parametrize("kwargs, message", [
    ({"bump": "patch"}, "does not say what changed"),
    ({"version": "0.0.9", "changes": ["x"]}, "is not after the current"),
    ({"version": "1.0", "changes": ["x"]}, "is not semver"),
    ({"changes": ["x"]}, "say which version"),
    ({"bump": "patch", "version": "9.9.9", "changes": ["x"]}, "say which version"),
])
def test_a_refused_release_writes_nothing(paths, kwargs, message):
    before = state(paths)
    with pytest.raises(release.ReleaseError, match=message):
        release.release(paths, released=DAY, **kwargs)
    assert state(paths) == before


def test_a_citation_without_one_version_line_is_refused_by_name(paths):
    paths.citation.write_text(paths.citation.read_text(encoding="utf-8").replace('version: "', 'edition: "'),
                              encoding="utf-8")
    before = state(paths)
    with pytest.raises(release.ReleaseError, match=r"^CITATION.cff: expected one top-level 'version:' line, found 0"):
        release.release(paths, bump="minor", changes=["x"], released=DAY)
    assert state(paths) == before


def test_atomic_writes_replace_nothing_when_one_file_cannot_be_written(tmp_path):
    first = tmp_path / "a.txt"
    first.write_text("old", encoding="utf-8")
    with pytest.raises(OSError):
        atomic.replace_all({first: "new", tmp_path / "no-such-dir" / "b.txt": "new"})
    assert first.read_text(encoding="utf-8") == "old" and [p.name for p in tmp_path.iterdir()] == ["a.txt"]
    atomic.replace_all({first: "new"})
    assert first.read_text(encoding="utf-8") == "new" and [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_make_release_then_the_citation_test_passes(tmp_path):
    copy = copy_repo(tmp_path / "repo")
    stamp = tmp_path / "stamp"
    stamp.touch()
    env = {**os.environ, "PYTHONPATH": str(copy)}
    command = ["make", "--no-print-directory", "-C", str(copy), f"VENV={VENV_BIN.parent}", f"STAMP={stamp}",
               "release", "BUMP=minor", 'CHANGES=funding.csv: "quoted" words, a $$ sign and a comma (synthetic test)']
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    version = json.loads((copy / "data" / "datapackage.json").read_text(encoding="utf-8"))["version"]
    assert version == release.next_version(json.loads((ROOT / "data" / "datapackage.json").read_text(
        encoding="utf-8"))["version"], "minor")
    assert '- funding.csv: "quoted" words, a $ sign and a comma (synthetic test)' in \
        (copy / "data" / "CHANGELOG.md").read_text(encoding="utf-8")
    citation = run_in(copy, "python", "-m", "pytest", "-q", "tests/test_citation.py")
    assert citation.returncode == 0, citation.stdout + citation.stderr
    refused = subprocess.run(command[:-2] + ["BUMP=patch"], env=env, capture_output=True, text=True)
    assert refused.returncode != 0
    assert refused.stderr.splitlines()[0].startswith("release refused: the release does not say what changed")
    assert "Traceback" not in refused.stderr
