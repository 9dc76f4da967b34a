"""The research and co-authorship chapters switch to the OpenAlex series when the data package has it.

Both notebooks are executed in throwaway copies of the repository: once as shipped (no
series), once after a refresh from the SYNTHETIC responses in tests/fixtures/openalex. The
crossover and peak years they compute must match the answers the fixtures were built to
give. Nothing synthetic is written into the repository's own data/ or notebooks/.
"""
from __future__ import annotations

import ast
import csv
import datetime as dt
import html
import io
import re
from pathlib import Path

import nbformat
import pytest
from conftest import copy_repo, run_in
from test_openalex import EXPECTED, MAIL, Recorded

from evidence import openalex
from evidence.datapackage import lock

NOTEBOOKS = ["notebooks/research_output.md", "notebooks/coauthorship.md"]


def executed(copy: Path) -> dict[str, nbformat.NotebookNode]:
    result = run_in(copy, "python", "-m", "tools.execute", "--workers", "2", *NOTEBOOKS)
    assert result.returncode == 0, f"notebooks failed in the copy:\n{result.stdout}\n{result.stderr}"
    return {Path(md).stem: nbformat.read(copy / Path(md).with_suffix(".ipynb"), as_version=4) for md in NOTEBOOKS}


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
    """What an author does after a refresh: record the verdicts the new data support, then lock."""
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
    problems = lock(data)
    assert problems == [], problems


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    return executed(copy_repo(tmp_path_factory.mktemp("shipped")))


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    copy = copy_repo(tmp_path_factory.mktemp("refreshed"))
    openalex.refresh(data_dir=copy / "data", first_year=EXPECTED["first_year"], last_year=EXPECTED["last_year"],
                     mailto=MAIL, api_key="", opener=Recorded(), sleep=lambda s: None, today=dt.date(2026, 1, 15))
    assert openalex.series_available("openalex_output", copy / "data")
    set_verdicts(copy / "data", EXPECTED["verdicts_with_series"], EXPECTED["confidences_with_series"])
    return executed(copy)


def test_without_the_series_the_pages_say_it_was_not_measured(shipped):
    for name, nb in shipped.items():
        text = page_text(nb)
        assert "Not measured in this edition" in text, name
        assert glue(nb)["series_status"] == "not measured"
    assert glue(shipped["research_output"])["crossover_all"] == "not measured"
    assert verdicts(shipped["research_output"])["res-01"] == "unverified"
    assert verdicts(shipped["coauthorship"])["coa-01"] == "unverified"
    assert "figure-research-openalex-shares" not in page_text(shipped["research_output"])


def test_with_the_series_the_crossover_year_is_computed(refreshed):
    nb = refreshed["research_output"]
    values = glue(nb)
    assert values["series_status"] == "measured"
    assert values["crossover_all"] == EXPECTED["crossover_cn_over_all"]
    assert values["crossover_us"] == EXPECTED["crossover_cn_over_us"]
    text = page_text(nb)
    assert "figure-research-openalex-shares" in text and "Not measured in this edition" not in text
    assert f"every year since {EXPECTED['crossover_cn_over_all']}" in text
    assert verdicts(nb)["res-01"] == EXPECTED["verdicts_with_series"]["res-01"]


def test_with_the_series_each_countrys_peak_year_is_computed(refreshed):
    nb = refreshed["coauthorship"]
    values = glue(nb)
    assert values["series_status"] == "measured"
    peaks = {key.removeprefix("peak_"): value for key, value in values.items()
             if re.fullmatch(r"peak_[A-Z]{2}", key)}
    assert peaks == EXPECTED["peak_years"]
    assert "figure-coauthorship-shares" in page_text(nb)
    assert verdicts(nb)["coa-01"] == EXPECTED["verdicts_with_series"]["coa-01"]
