"""What `make validate`, `make lock` and `make book` do with broken inputs, on throwaway copies of
the repository (conftest.copy_repo): one line naming the file and what to do, never a traceback;
every input seen for staleness; no claim counted unchecked; nothing of the machine published."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import ROOT, append_cell, run_in

STRICT = ("jupyter-book", "build", ".", "--warningiserror", "--nitpick", "--keep-going")
VALIDATE = ("python", "-m", "evidence.datapackage", "validate")
LOCK = ("python", "-m", "evidence.datapackage", "lock")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test set-up: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BROKEN_DESCRIPTORS = {
    "empty file": "",
    "not JSON": "{\"resources\": [",
    "a list": "[]",
    "resources not a list": json.dumps({"version": "1.0.0", "resources": {"trackers": "trackers.csv"}}),
    "resource without schema": json.dumps({"version": "1.0.0", "resources": [{"name": "t", "path": "trackers.csv"}]}),
    "resource with a path outside": json.dumps({"version": "1.0.0", "resources": [
        {"name": "t", "path": "../../../../etc/passwd", "schema": {"fields": [{"name": "a", "type": "string"}]}}]}),
}


@pytest.mark.parametrize("case", BROKEN_DESCRIPTORS, ids=list(BROKEN_DESCRIPTORS))
@pytest.mark.parametrize("command", [VALIDATE, LOCK], ids=["validate", "lock"])
def test_broken_descriptor_is_one_line_without_traceback(repo_copy, case, command):
    (repo_copy / "data" / "datapackage.json").write_text(BROKEN_DESCRIPTORS[case], encoding="utf-8")
    result = run_in(repo_copy, *command)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "root:" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("data/datapackage.json: ") and lines[-1].startswith("data package not "), lines


def test_an_edit_in_a_data_subfolder_is_never_skipped(repo_copy):
    data = repo_copy / "data"
    (data / "sub").mkdir()
    shutil.move(data / "trackers.csv", data / "sub" / "trackers.csv")
    edit(data / "datapackage.json", '"path": "trackers.csv"', '"path": "sub/trackers.csv"')
    run_in(repo_copy, *LOCK, check=True)
    run_in(repo_copy, *VALIDATE, check=True)
    assert "unchanged since it last validated" in run_in(repo_copy, *VALIDATE, "--if-changed", check=True).stdout
    edit(data / "sub" / "trackers.csv", "McKinsey & Company", "McKinsey and Company")
    result = run_in(repo_copy, *VALIDATE, "--if-changed")
    assert result.returncode == 1, result.stdout
    assert result.stderr.startswith("data/sub/trackers.csv: edited since it was last locked"), result.stderr


def test_a_validation_is_remembered_for_those_bytes_and_another_does_not_displace_it(repo_copy):
    """A passed validation is remembered by the digest of what it validated; validating another state
    (an edit, or a test's own copy of data/) does not make the first one validate again."""
    data, remembered = repo_copy / "data", repo_copy / "_build" / ".evidence" / "validated"
    remembered.unlink(missing_ok=True)
    first = {name: (data / name).read_bytes() for name in ("trackers.csv", "datapackage.json")}
    run_in(repo_copy, *VALIDATE, check=True)
    edit(data / "trackers.csv", "McKinsey & Company", "McKinsey and Company")
    run_in(repo_copy, *LOCK, check=True)
    second = run_in(repo_copy, *VALIDATE, "--if-changed", check=True)
    assert "unchanged since it last validated" not in second.stdout, "an edited package was not validated"
    for name, content in first.items():
        (data / name).write_bytes(content)
    back = run_in(repo_copy, *VALIDATE, "--if-changed", check=True)
    assert "unchanged since it last validated" in back.stdout, "the first state was forgotten"
    assert len(remembered.read_text().split()) == 2


@pytest.mark.parametrize("change", ["toc", "source"])
def test_a_chapter_gone_from_the_toc_or_disk_is_never_skipped(repo_copy, change):
    """The ledger's chapter rule reads _toc.yml and notebooks/: a validation remembered before either
    changed does not stand for the package after it."""
    run_in(repo_copy, *VALIDATE, check=True)
    if change == "toc":
        edit(repo_copy / "_toc.yml", "      - file: notebooks/two_sessions\n", "")
    else:
        (repo_copy / "notebooks" / "two_sessions.md").unlink()
    result = run_in(repo_copy, *VALIDATE, "--if-changed")
    assert result.returncode == 1, result.stdout
    assert "chapter 'notebooks/two_sessions' is not a notebook listed in _toc.yml" in result.stderr, result.stderr


def test_a_changed_reference_makes_the_notebooks_citing_it_stale(repo_copy):
    bib = repo_copy / "references.bib"
    text = bib.read_text(encoding="utf-8")
    start = text.index("@misc{mckinsey2022betting,")
    entry = text[start:text.index("\n}\n", start)]
    changed = re.sub(r"(year\s*=\s*\{)2022\}", r"\g<1>2019}", entry)
    assert changed != entry, "test set-up: no year 2022 in the entry"
    bib.write_text(text.replace(entry, changed), encoding="utf-8")
    result = run_in(repo_copy, "python", "-c", "from tools.execute import all_notebooks, stale_reason\n"
                    "for md in all_notebooks(): print(md.stem, stale_reason(md))", check=True)
    reasons = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())
    assert reasons["spending"] == "input references.bib#mckinsey2022betting changed", reasons
    assert reasons["two_sessions"] == "None", "a notebook that never cites the entry went stale"


def test_an_edited_claim_makes_only_its_chapter_and_the_scorecard_stale(repo_copy):
    """A chapter reads its own rows of the claims tables (evidence.claims.Ledger): an edit of another
    chapter's claim leaves it current; the scorecard, which reads every claim, goes stale."""
    claims = repo_copy / "data" / "claims.csv"
    lines = claims.read_text(encoding="utf-8").splitlines()
    n = next(n for n, line in enumerate(lines) if line.startswith("spend-01,"))
    lines[n] = lines[n].replace("MERICS: China has raised", "MERICS: China raised", 1)
    assert lines[n] != claims.read_text(encoding="utf-8").splitlines()[n], "test set-up: the statement is not there"
    claims.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_in(repo_copy, "python", "-c", "from tools.execute import all_notebooks, stale_reason\n"
                    "for md in all_notebooks(): print(md.stem, stale_reason(md))", check=True)
    reasons = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())
    assert reasons["spending"] == "input data/claims.csv#chapter=notebooks/spending changed", reasons
    assert reasons["scorecard"] == "input data/claims.csv changed", reasons
    assert {name for name, reason in reasons.items() if reason != "None"} == {"spending", "scorecard"}, reasons


def test_an_unreadable_twin_is_named_and_executed_again(repo_copy):
    twin = repo_copy / "notebooks" / "scorecard.ipynb"
    twin.write_text("", encoding="utf-8")  # what a write killed midway used to leave
    built = run_in(repo_copy, *STRICT)
    output = built.stdout + built.stderr
    assert built.returncode != 0
    assert "notebooks/scorecard.ipynb is unreadable (it is empty)" in output, output[-3000:]
    assert "the build stopped before reading any page" in output, output[-3000:]
    assert "Traceback" not in output and "NotJSONError" not in output, output[-3000:]
    executed = run_in(repo_copy, "python", "-m", "tools.execute", "--stale", check=True)
    assert "stale: notebooks/scorecard.md (scorecard.ipynb is unreadable)" in executed.stdout
    assert json.loads(twin.read_text(encoding="utf-8"))["cells"], "the twin was not written again"


def test_a_claim_no_chapter_computes_fails_the_build_naming_it(repo_copy):
    claims = repo_copy / "data" / "claims.csv"
    lines = claims.read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines):
        if line.startswith("spend-01,"):
            lines[n] = line.rsplit(",", 1)[0] + ",notebooks/scorecard"  # a notebook that checks no claim
        if line.startswith("spend-02,"):
            lines[n] = line.rsplit(",", 1)[0] + ",notebooks/ghost"  # no such notebook (make validate refuses it)
    claims.write_text("\n".join(lines) + "\n", encoding="utf-8")
    built = run_in(repo_copy, *STRICT)
    output = built.stdout + built.stderr
    assert built.returncode != 0
    assert "data/claims.csv, claim spend-01: notebooks/scorecard computes no verdict for it" in output, output[-3000:]
    assert "data/claims.csv, claim spend-02: its chapter 'notebooks/ghost' is not a notebook of the book" in output


def test_no_output_shows_the_machine_path(repo_copy):
    """A warning raised in the shared package names its file relative to the repository; an output
    that would still show the machine's path is refused before the twin is written."""
    warned = repo_copy / "notebooks" / "scorecard.md"
    append_cell(warned, "import warnings\nimport evidence\n"
                        "warnings.warn_explicit('divide by zero', RuntimeWarning, "
                        "str(evidence.ROOT / 'evidence' / 'money.py'), 24)")
    leaking = repo_copy / "notebooks" / "spending.md"
    before = (repo_copy / "notebooks" / "spending.ipynb").read_bytes()
    append_cell(leaking, "import evidence\nprint(evidence.ROOT)")
    result = run_in(repo_copy, "python", "-m", "tools.execute", str(warned), str(leaking))
    assert result.returncode == 1
    assert "notebooks/spending.md: cell " in result.stderr and "an output shows this machine's path" in result.stderr
    assert (repo_copy / "notebooks" / "spending.ipynb").read_bytes() == before, "the leaking twin was written"
    twin = (repo_copy / "notebooks" / "scorecard.ipynb").read_text(encoding="utf-8")
    assert "evidence/money.py:24: RuntimeWarning: divide by zero" in twin
    assert str(repo_copy) not in twin


def test_the_site_shows_no_path_of_this_machine(site):
    leaks = [str(p.relative_to(site)) for p in site.rglob("*") if p.is_file() and p.suffix in
             (".html", ".csv", ".js", ".txt", ".md", ".ipynb", ".json") and str(ROOT).encode() in p.read_bytes()]
    assert not leaks, f"pages or downloads show {ROOT}: {leaks[:10]}"


def test_no_committed_twin_shows_the_machine_path():
    leaks = [p.name for p in (ROOT / "notebooks").glob("*.ipynb") if str(ROOT) in p.read_text(encoding="utf-8")]
    assert not leaks, f"committed outputs show {ROOT}: {leaks}"


def test_the_data_page_shows_the_bounds(site):
    page = (site / "book" / "data.html").read_text(encoding="utf-8")
    assert "exclusiveMinimum: 0; maximum: 5000" in page, "the fx rate bounds are not on the Data page"
    assert "earliest: 1900; latest: 2026-11-20" in page, "the date bounds are not on the Data page"


def test_downloads_no_page_links_are_removed(tmp_path):
    from tools.downloads import prune_downloads

    downloads = tmp_path / "_downloads"
    kept, stale = downloads / "aaa" / "funding.csv", downloads / "bbb" / "hostname"
    for path in (kept, stale):
        path.parent.mkdir(parents=True)
        path.write_text("x", encoding="utf-8")
    app = SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(format="html"),
                          env=SimpleNamespace(dlfiles={"data/funding.csv": ({"book/data"}, "aaa/funding.csv")}))
    prune_downloads(app, None)
    assert kept.exists() and not stale.exists() and not stale.parent.exists()
