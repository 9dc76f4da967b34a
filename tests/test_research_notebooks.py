"""The research and co-authorship chapters switch to the OpenAlex series once the data package has it.

As shipped, the committed twins say the series was not measured. Then the whole path a
maintainer takes runs in a throwaway copy of the repository, against the SYNTHETIC OpenAlex
API of tests/openalex_fake.py served on 127.0.0.1 (key required, per_page at most 100, cursor
paging, one 429 with Retry-After on the way):

    OPENALEX_API=http://127.0.0.1:PORT OPENALEX_API_KEY=... make refresh
    make book            # stops: the recorded verdicts no longer match the computation
    (record the verdicts the new data support in data/claims.csv) ; make lock
    make book            # builds, with the series drawn

The crossover and peak years the chapters compute must match the answers the fixtures were
built to give, the package must validate and CITATION.cff must name the new data version.
Nothing synthetic is written into the repository's own data/ or notebooks/.
"""
from __future__ import annotations

import ast
import csv
import html
import io
import json
import os
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from conftest import ROOT, VENV_BIN, copy_repo, run_in
from openalex_fake import EXPECTED, KEY, FakeOpenAlex, rate_limited, serving

NOTEBOOKS = ["notebooks/research_output.md", "notebooks/coauthorship.md"]


def twins(root: Path) -> dict[str, nbformat.NotebookNode]:
    return {Path(md).stem: nbformat.read(root / Path(md).with_suffix(".ipynb"), as_version=4) for md in NOTEBOOKS}


def glue(nb) -> dict:
    values = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                text = output["data"]["application/papermill.record/text/plain"]
                values[name] = ast.literal_eval(text)
    return values


def page_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            parts += [str(data.get("text/html", "")), str(data.get("text/markdown", ""))]
    return html.unescape("\n".join(parts))


def verdicts(nb) -> dict[str, str]:
    """The verdicts the chapter computed, as the executor lifted them into the twin's metadata."""
    return {claim: v["verdict"] for claim, v in nb.metadata["evidence"]["verdicts"].items()}


def set_verdicts(data: Path, wanted: dict[str, str], confidences: dict[str, str]) -> None:
    """What a maintainer does after a refresh: record the verdicts the new data support (then make lock)."""
    path = data / "claims.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    for row in rows:
        row["confidence"] = confidences.get(row["id"], row["confidence"])
        if row["id"] in wanted:
            row["verdict"] = wanted[row["id"]]
            keys = [k for k in row["evidence"].split(";") if k] + ["openalex2022"]
            row["evidence"] = ";".join(dict.fromkeys(keys))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def make(copy: Path, stamp: Path, *targets: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`make TARGET` in the copy, with this test run's virtual environment (never set up again there)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPENALEX_")}
    command = ["make", "--no-print-directory", "-C", str(copy), f"VENV={VENV_BIN.parent}", f"STAMP={stamp}",
               *targets]
    return subprocess.run(command, env={**clean, "PYTHONPATH": str(copy), **(env or {})}, capture_output=True,
                          text=True, timeout=1800)


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    copy = copy_repo(tmp_path_factory.mktemp("refreshed"))
    stamp = tmp_path_factory.mktemp("stamp") / "installed"
    stamp.touch()  # newer than every file of the copy: make will not set up a venv there
    api = FakeOpenAlex(faults={4: rate_limited(retry_after="1")})
    with serving(api) as url:
        refresh = make(copy, stamp, "refresh", env={"OPENALEX_API": url, "OPENALEX_API_KEY": KEY,
                                                    "LAST_YEAR": str(EXPECTED["last_year"])})
    first_book = make(copy, stamp, "book") if refresh.returncode == 0 else None
    set_verdicts(copy / "data", EXPECTED["verdicts_with_series"], EXPECTED["confidences_with_series"])
    lock = make(copy, stamp, "lock")
    book = make(copy, stamp, "book")
    return SimpleNamespace(copy=copy, stamp=stamp, api=api, refresh=refresh, first_book=first_book, lock=lock,
                           book=book, notebooks=twins(copy))


def test_without_the_series_the_pages_say_it_was_not_measured():
    shipped = twins(ROOT)  # the committed twins, which nbval checks against a fresh execution
    for name, nb in shipped.items():
        text = page_text(nb)
        assert "Not measured in this edition" in text, name
        assert glue(nb)["series_status"] == "not measured"
    assert glue(shipped["research_output"])["crossover_all"] == "not measured"
    # Without a series the published figures still bear: res-01 on them directly, coa-01 as context only.
    assert verdicts(shipped["research_output"])["res-01"] == "qualified"
    assert shipped["coauthorship"].metadata["evidence"]["verdicts"]["coa-01"] == {"verdict": "qualified",
                                                                                  "confidence": "low"}
    assert "figure-research-openalex-shares" not in page_text(shipped["research_output"])


def test_make_refresh_writes_the_series_through_the_documented_api(refreshed):
    result = refreshed.refresh
    assert result.returncode == 0, f"make refresh failed:\n{result.stdout}\n{result.stderr}"
    assert "OpenAlex refresh done" in result.stdout and "Traceback" not in result.stdout + result.stderr
    params = [refreshed.api.params(n) for n in range(1, len(refreshed.api.urls) + 1)]
    assert all(p.get("api_key") == KEY for p in params)
    assert {p["per_page"] for p in params if "per_page" in p} == {"100"}
    assert refreshed.api.urls[3] == refreshed.api.urls[4], "the 429 with Retry-After was not retried"
    data = refreshed.copy / "data"
    assert (data / "openalex_output.csv").read_text(encoding="utf-8").count("\n") > 100
    assert (data / "openalex_coauthorship.csv").read_text(encoding="utf-8").count("\n") > 100


def test_after_the_refresh_the_package_validates_and_the_citation_names_its_version(refreshed):
    copy = refreshed.copy
    assert refreshed.lock.returncode == 0, refreshed.lock.stderr
    validate = make(copy, refreshed.stamp, "validate")
    assert validate.returncode == 0, validate.stderr
    citation = run_in(copy, "python", "-m", "pytest", "-q", "tests/test_citation.py")
    assert citation.returncode == 0, citation.stdout + citation.stderr
    version = json.loads((copy / "data" / "datapackage.json").read_text(encoding="utf-8"))["version"]
    shipped = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))["version"]
    assert version != shipped and f"## {version} — " in (copy / "data" / "CHANGELOG.md").read_text(encoding="utf-8")


def test_the_book_stops_until_the_new_verdicts_are_recorded_then_builds(refreshed):
    first = refreshed.first_book
    assert first is not None and first.returncode != 0, "make book accepted verdicts the new data contradict"
    assert "research_output" in first.stdout + first.stderr
    book = refreshed.book
    assert book.returncode == 0, f"make book failed after the verdicts were recorded:\n{book.stdout[-3000:]}\n" \
                                 f"{book.stderr[-3000:]}"
    page = (refreshed.copy / "_build" / "html" / "notebooks" / "research_output.html").read_text(encoding="utf-8")
    assert "figure-research-openalex-shares" in page and "<strong>Measured.</strong>" in page
    assert "<strong>Not measured in this edition.</strong>" not in page


def test_with_the_series_the_crossover_year_is_computed(refreshed):
    nb = refreshed.notebooks["research_output"]
    values = glue(nb)
    assert values["series_status"] == "measured"
    assert values["crossover_all"] == EXPECTED["crossover_cn_over_all"]
    assert values["crossover_us"] == EXPECTED["crossover_cn_over_us"]
    text = page_text(nb)
    assert "figure-research-openalex-shares" in text and "Not measured in this edition" not in text
    assert f"every year since {EXPECTED['crossover_cn_over_all']}" in text
    assert verdicts(nb)["res-01"] == EXPECTED["verdicts_with_series"]["res-01"]


def test_with_the_series_each_countrys_peak_year_is_computed(refreshed):
    nb = refreshed.notebooks["coauthorship"]
    values = glue(nb)
    assert values["series_status"] == "measured"
    peaks = {key.removeprefix("peak_"): value for key, value in values.items()
             if re.fullmatch(r"peak_[A-Z]{2}", key)}
    assert peaks == EXPECTED["peak_years"]
    assert "figure-coauthorship-shares" in page_text(nb)
    assert verdicts(nb)["coa-01"] == EXPECTED["verdicts_with_series"]["coa-01"]
