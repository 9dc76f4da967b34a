"""Each bad input an attacker or a hurried contributor can write into data/, datapackage.json or
references.bib is refused by `make validate` with one line naming file, row and column (or
resource, field or entry) and what to do, and never with a traceback or a piece of a file it
should not have read. Every input here is synthetic, made on a copy in a temporary folder."""
from __future__ import annotations

import csv
import io
import json
import os
import shutil

import pytest
from conftest import append

from evidence import BIB, DATA, atomic
from evidence.datapackage import _package_digest, check_package, lock
from evidence.problems import Problem, listed


@pytest.fixture
def data(tmp_path):
    shutil.copytree(DATA, tmp_path / "data")
    shutil.copy(BIB, tmp_path / "references.bib")
    return tmp_path / "data"


def problems(data, hashes=False) -> list[str]:
    return [str(p) for p in check_package(data, check_hashes=hashes, bib=data.parent / "references.bib")]


def edit(path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test set-up: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def only(found: list[str]) -> str:
    assert len(found) == 1, f"expected exactly one problem, got: {found}"
    return found[0]


def descriptor(data) -> dict:
    return json.loads((data / "datapackage.json").read_text(encoding="utf-8"))


def save(data, d: dict) -> None:
    (data / "datapackage.json").write_text(json.dumps(d, indent=2), encoding="utf-8")


def field(d: dict, resource: str, name: str) -> dict:
    res = next(r for r in d["resources"] if r["name"] == resource)
    return next(f for f in res["schema"]["fields"] if f["name"] == name)


# --- CSV text ---------------------------------------------------------------------------------

def test_byte_order_mark(data):
    path = data / "trackers.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert only(problems(data)).startswith("data/trackers.csv: the file starts with a byte-order mark (BOM). "
                                           "Save it as UTF-8 without BOM")


def test_trailing_space_in_a_key_is_named_at_the_edited_row(data):
    edit(data / "trackers.csv", "McKinsey 2022,", "McKinsey 2022 ,")
    found = problems(data)
    assert found[0] == ("data/trackers.csv, row 1 (line 2), column 'tracker': 'McKinsey 2022 ' ends with a space "
                        "(U+0020). Delete it: keys and codes must match exactly."), found


def test_no_break_space_in_a_key_is_made_visible(data):
    edit(data / "trackers.csv", "McKinsey 2022,", "McKinsey\u00a02022,")
    found = problems(data)
    assert found[0].startswith("data/trackers.csv, row 1 (line 2), column 'tracker': 'McKinsey\\xa02022' contains a "
                               "no-break space (U+00A0)"), found


def test_duplicated_column(data):
    path = data / "stated_ratios.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    lines[0] = ",".join(header[:-1] + ["locator"])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert only(problems(data)) == (f"data/stated_ratios.csv: column 'locator' appears 2 times in the header (columns "
                                    f"{header.index('locator') + 1} and {len(header)}). Remove the duplicate column, "
                                    f"or rename it to the field it should be.")


def test_thousands_of_problems_are_all_counted_and_the_list_is_capped(data):
    path = data / "fx_rates.csv"
    text = path.read_text(encoding="utf-8")
    bad = "".join(f"EUR,{1000 + n},n/a,usd-per-unit,federalreserve2024g5a,x,A,\n" for n in range(1200))
    path.write_text(text + bad, encoding="utf-8")
    found = check_package(data, check_hashes=False, bib=data.parent / "references.bib")
    assert len(found) >= 2400, f"frictionless stopped counting at {len(found)}"
    lines = listed(found)
    assert len(lines) == 51 and lines[-1].startswith(f"... and {len(found) - 50:,} more problem(s) not listed "
                                                     f"({len(found):,} in all)"), lines[-1]


# --- the descriptor ---------------------------------------------------------------------------

def _drop(key):
    def change(d):
        del d["resources"][0][key]
    return change


DESCRIPTOR_MISTAKES = {
    "no schema": (_drop("schema"), "resource 'trackers' has no \"schema\""),
    "no path": (_drop("path"), "resource 'trackers' has no \"path\""),
    "no name": (_drop("name"), "resource 1 has no valid \"name\" (got None)"),
    "resources not a list": (lambda d: d.update(resources={"a": 1}), "\"resources\" is not a non-empty list"),
    "resource not an object": (lambda d: d["resources"].insert(0, "trackers.csv"), "resource 1 is not an object"),
    "fields not a list": (lambda d: d["resources"][0]["schema"].update(fields="tracker"),
                          "resource 'trackers': \"schema\" has no list of \"fields\""),
    "field without a name": (lambda d: d["resources"][0]["schema"]["fields"][0].pop("name"),
                             "resource 'trackers': field 1 has no valid \"name\""),
    "unknown field type": (lambda d: d["resources"][0]["schema"]["fields"][0].update(type="text"),
                           "resource 'trackers', field 'tracker': unknown type 'text'"),
    "duplicate resource names": (lambda d: d["resources"][1].update(name="trackers"),
                                 "2 resources are named 'trackers'"),
    "duplicate field names": (lambda d: d["resources"][0]["schema"]["fields"][1].update(name="tracker"),
                              "resource 'trackers': 2 fields are named 'tracker'"),
    "minimum on a string": (lambda d: d["resources"][0]["schema"]["fields"][0]["constraints"].update(minimum=3),
                            "resource 'trackers', field 'tracker' (string): constraint 'minimum' does not apply"),
    "bad pattern": (lambda d: d["resources"][0]["schema"]["fields"][0]["constraints"].update(pattern="(["),
                    "resource 'trackers', field 'tracker': pattern '([' is not a regular expression"),
    "primary key of no field": (lambda d: d["resources"][0]["schema"].update(primaryKey=["nope"]),
                                "resource 'trackers': primaryKey ['nope'] names no field"),
    "path upwards": (lambda d: d["resources"][0].update(path="../../etc/passwd"),
                     "resource 'trackers': path '../../etc/passwd' is refused: the path goes up with '..'"),
    "absolute path": (lambda d: d["resources"][0].update(path="/etc/passwd"),
                      "resource 'trackers': path '/etc/passwd' is refused: the path is absolute"),
    "URL path": (lambda d: d["resources"][0].update(path="https://attacker.invalid/x.csv"),
                 "resource 'trackers': path 'https://attacker.invalid/x.csv' is refused: the path is a URL"),
    "not a CSV": (lambda d: d["resources"][0].update(path="datapackage.json"),
                  "path 'datapackage.json' is refused: the path does not name a .csv file"),
    "number without maximum": (lambda d: field(d, "fx_rates", "rate")["constraints"].pop("maximum"),
                               "resource 'fx_rates', field 'rate' (number) declares no maximum"),
    "number without minimum": (lambda d: field(d, "fx_rates", "rate")["constraints"].pop("exclusiveMinimum"),
                               "resource 'fx_rates', field 'rate' (number) declares no minimum"),
    "year without maximum": (lambda d: field(d, "funding", "price_year")["constraints"].pop("maximum"),
                             "resource 'funding', field 'price_year' (integer) declares no maximum"),
    "infinite bound": (lambda d: field(d, "fx_rates", "rate")["constraints"].update(maximum="inf"),
                       "resource 'fx_rates', field 'rate': maximum 'inf' is not a finite number"),
    "partial date without latest": (lambda d: field(d, "milestones", "date")["constraints"].pop("latest"),
                                    "resource 'milestones', field 'date' (a date) declares no 'latest'"),
    "earliest before 1900": (lambda d: field(d, "milestones", "date")["constraints"].update(earliest="0001"),
                             "resource 'milestones', field 'date': earliest '0001' is before 1900"),
    "version not semver": (lambda d: d.update(version="1.0"), "package version '1.0' is not semver X.Y.Z"),
}


@pytest.mark.parametrize("case", DESCRIPTOR_MISTAKES, ids=list(DESCRIPTOR_MISTAKES))
def test_descriptor_mistake_is_one_line(data, case):
    change, expected = DESCRIPTOR_MISTAKES[case]
    d = descriptor(data)
    change(d)
    save(data, d)
    found = problems(data)
    assert found and all(p.startswith("data/datapackage.json: ") for p in found), found
    assert any(expected in p for p in found), found
    assert not any("root:" in p for p in found), "a refusal echoed a file it should not have read"


def test_empty_descriptor_after_an_interrupted_write(data):
    (data / "datapackage.json").write_text("", encoding="utf-8")
    assert only(problems(data)).startswith("data/datapackage.json: the file is empty (an interrupted write?)")


def test_descriptor_that_is_a_symbolic_link(data, tmp_path):
    real = tmp_path / "elsewhere.json"
    shutil.move(data / "datapackage.json", real)
    os.symlink(real, data / "datapackage.json")
    assert only(problems(data)).startswith("data/datapackage.json: refused: it is a symbolic link")


# --- files outside data/ ------------------------------------------------------------------------

def test_a_data_file_replaced_by_a_link_to_an_outside_file_is_never_read(data, tmp_path):
    outside = tmp_path / "passwd"
    outside.write_text("root:x:0:0:SECRET-OF-THE-BUILD-MACHINE\n", encoding="utf-8")
    (data / "trackers.csv").unlink()
    os.symlink(outside, data / "trackers.csv")
    found = problems(data)
    assert found[0] == ("data/datapackage.json: resource 'trackers' (path 'trackers.csv') is refused: the file is a "
                        "symbolic link. Keep the data file itself inside data/, not a link to it."), found
    assert not any("SECRET" in p or "root:" in p for p in found), found


def test_a_folder_linked_from_outside_is_refused(data, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(data / "trackers.csv", elsewhere / "trackers.csv")
    os.symlink(elsewhere, data / "sub")
    d = descriptor(data)
    d["resources"][0]["path"] = "sub/trackers.csv"
    save(data, d)
    assert any("resource 'trackers' (path 'sub/trackers.csv') is refused: a folder on the way is a symbolic link"
               in p for p in problems(data))


def test_a_resource_in_a_subfolder_is_read_and_its_edits_are_seen(data):
    (data / "sub").mkdir()
    shutil.move(data / "trackers.csv", data / "sub" / "trackers.csv")
    d = descriptor(data)
    d["resources"][0]["path"] = "sub/trackers.csv"
    save(data, d)
    assert problems(data) == []
    before = _package_digest(data)
    edit(data / "sub" / "trackers.csv", "McKinsey & Company", "McKinsey and Company")
    assert _package_digest(data) != before, "an edit in data/sub/ went unseen by `make book`"
    assert any(p.startswith("data/sub/trackers.csv: edited since it was last locked") for p in problems(data, True))


@pytest.mark.parametrize("edited", [False, True], ids=["unchanged", "edited during the check"])
def test_a_state_is_remembered_as_valid_only_if_unchanged_while_it_was_checked(data, tmp_path, monkeypatch, edited):
    from evidence import datapackage

    monkeypatch.setattr(datapackage, "VALIDATED", tmp_path / "validated")
    digest = _package_digest(data)

    def check(data_dir, **_):
        if edited:
            (data / "notes.txt").write_text("written while the package was being validated", encoding="utf-8")
        return []

    monkeypatch.setattr(datapackage, "check_package", check)
    assert datapackage._validated.__wrapped__(digest, data) == ()
    assert datapackage._valid_before(digest) is not edited


# --- absurd values --------------------------------------------------------------------------------

VALUES = {
    "infinite amount": ("funding.csv", ",15300,15300,USD,", ",inf,15300,USD,", "row 1 (line 2), column 'amount_low': "
                        "'inf' is not a finite number"),
    "nan amount": ("funding.csv", ",15300,15300,USD,", ",nan,15300,USD,", "column 'amount_low': 'nan' is not a finite"),
    "306-digit amount": ("funding.csv", ",15300,15300,USD,", ",1e308,15300,USD,",
                         "column 'amount_low': '1e308' breaks a constraint"),
    "zero exchange rate": ("fx_rates.csv", ",1.1301,usd-per-unit,", ",0,usd-per-unit,",
                           "column 'rate': '0' breaks a constraint"),
    "negative ratio": ("stated_ratios.csv", ",4,approximately,", ",-4,approximately,",
                       "column 'ratio': '-4' breaks a constraint"),
    "date in year 1": ("milestones.csv", ",2016-03,", ",0001-01-01,",
                       "column 'date': '0001-01-01' is before 1900, the earliest date this field allows"),
    "date in 2099": ("milestones.csv", ",2016-03,", ",2099-01-01,",
                     "column 'date': '2099-01-01' is after 2035-12-31, the latest date this field allows"),
    "publication after the edition": ("trackers.csv", "2022-06", "2027-01",
                                      "column 'published': '2027-01' is after 2026-11-20"),
    "price year after the edition": ("funding.csv", ",USD,2022,", ",USD,2029,",
                                     "column 'price_year': '2029' breaks a constraint"),
}


@pytest.mark.parametrize("case", VALUES, ids=list(VALUES))
def test_absurd_value_is_refused_at_its_cell(data, case):
    name, old, new, expected = VALUES[case]
    edit(data / name, old, new)
    found = problems(data)
    assert any(p.startswith(f"data/{name}, row ") and expected in p for p in found), found
    assert len(found) == 1, f"one cell, one message: {found}"


# --- the ledger -------------------------------------------------------------------------------------

@pytest.mark.parametrize("chapter,why", [("notebooks/ghost", "is not a notebook listed in _toc.yml"),
                                         ("book/methods", "is a prose page, which computes no verdict")])
def test_claim_whose_chapter_computes_nothing(data, chapter, why):
    edit(data / "claims.csv", ",notebooks/spending\n", f",{chapter}\n")
    message = only(problems(data))
    assert message.startswith("data/claims.csv, row ") and "column 'chapter': claim 'spend-" in message, message
    assert f"chapter {chapter!r} {why}" in message, message


# --- references.bib ---------------------------------------------------------------------------------

def test_duplicate_bibtex_key_is_named(data):
    bib = data.parent / "references.bib"
    text = bib.read_text(encoding="utf-8")
    start = text.index("@misc{mckinsey2022betting")
    bib.write_text(text + "\n" + text[start:text.index("\n}\n", start) + 3], encoding="utf-8")
    found = problems(data)
    assert any(p.startswith("references.bib: entry key 'mckinsey2022betting' is used twice (lines ") for p in found), \
        found


@pytest.mark.parametrize("field_name,value", [("url", "javascript:alert(1)"), ("archiveurl", "javascript:alert(1)"),
                                              ("note", "see \\url{javascript:alert(1)}"),
                                              ("note", "\\href{data:text/html,x}{here}"),
                                              ("url", "file:///etc/passwd")])
def test_reference_links_must_be_web_addresses(data, field_name, value):
    fields = {"author": "A. Attacker", "title": "T", "year": "2020", "url": "https://example.org/"}
    fields |= {field_name: value}
    entry = "@misc{attack2099,\n" + "".join(f"  {k} = {{{v}}},\n" for k, v in fields.items()) + "}\n"
    bib = data.parent / "references.bib"
    append(bib, "\n" + entry)
    found = only(problems(data))
    assert found.startswith(f"references.bib: entry 'attack2099', field '{field_name}': "), found
    assert "is not an http(s) address" in found, found


def test_a_field_given_twice_is_one_line_not_an_unknown_key_at_every_row(data):
    edit(data.parent / "references.bib", "@misc{mckinsey2022betting,", "@misc{mckinsey2022betting,\n  year = {1999},")
    assert only(problems(data)).startswith("references.bib: entry 'mckinsey2022betting' (line ")


def test_the_bibliography_style_never_links_to_another_scheme():
    from pybtex.database import parse_string

    from tools.bibstyle import Style

    entry = parse_string("@misc{a, author={A B}, title={T}, year={2020}, url={javascript:alert(1)}, "
                         "archiveurl={https://web.archive.org/web/1/https://example.org}}", "bibtex")
    html = next(iter(Style().format_entries(entry.entries.values()))).text.render_as("html")
    assert 'href="javascript:' not in html and "javascript:alert(1)" in html, html
    assert 'href="https://web.archive.org/web/1/https://example.org"' in html, html


# --- writing and spreadsheets -------------------------------------------------------------------------

def test_an_interrupted_write_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "twin.ipynb"
    target.write_text("old", encoding="utf-8")

    def killed(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["twin.ipynb"], "a temporary file was left behind"


def test_lock_killed_midway_leaves_the_descriptor_whole(data, monkeypatch):
    edit(data / "funding.csv", "announced to date (mid-2022)", "announced to date")
    before = (data / "datapackage.json").read_text(encoding="utf-8")
    monkeypatch.setattr(atomic.os, "replace", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        lock(data)
    assert (data / "datapackage.json").read_text(encoding="utf-8") == before


def test_spreadsheet_cells_never_start_a_formula():
    import pandas as pd

    from evidence.csv_safety import file_csv, frame_csv, neutral

    assert [neutral(c) for c in ["=1+1", "+x", "-x", "@SUM(A1)", "\tx", "\rx", "-12.5", "+3", "北京市", ""]] == \
        ["'=1+1", "'+x", "'-x", "'@SUM(A1)", "'\tx", "'\rx", "-12.5", "+3", "北京市", ""]
    text = frame_csv(pd.DataFrame({"event": ['=HYPERLINK("http://x","y")'], "amount": [-3.5]}))
    assert text.startswith("\ufeff") and list(csv.reader(io.StringIO(text[1:]))) == \
        [["event", "amount"], ["'=HYPERLINK(\"http://x\",\"y\")", "-3.5"]], text
    assert file_csv("a,b\n=cmd,-2\n") == "\ufeffa,b\n'=cmd,-2\n"


def test_problem_lines_name_the_place():
    expected = "data/x.csv, row 3 (line 4), column 'col': bad. Fix it."
    assert str(Problem("data/x.csv", "bad", "Fix it.", 3, "col")) == expected
