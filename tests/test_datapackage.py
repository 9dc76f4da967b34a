"""The data package: the shipped package validates; each kind of bad input gets a clear one-line message."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from evidence import BIB, DATA
from evidence.datapackage import DataError, check_package, load, lock


@pytest.fixture
def data(tmp_path):
    """A copy of data/ and references.bib that a test may break."""
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


def test_shipped_package_is_valid_and_locked():
    assert [str(p) for p in check_package()] == []


def test_validate_command_says_valid():
    result = subprocess.run([sys.executable, "-m", "evidence.datapackage", "validate"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def test_every_resource_is_documented():
    descriptor = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    for res in descriptor["resources"]:
        assert res.get("title") and res.get("description"), f"{res['name']}: title and description needed"
        assert res["schema"].get("primaryKey"), f"{res['name']}: primaryKey needed"
        assert str(res.get("hash", "")).startswith("sha256:"), f"{res['name']}: not locked"
        for field in res["schema"]["fields"]:
            assert field.get("description"), f"{res['name']}.{field['name']}: description needed"
            if field["type"] in ("number", "integer"):
                assert field.get("unit"), f"{res['name']}.{field['name']}: a numeric field needs a unit"


def test_missing_file(data):
    (data / "stated_ratios.csv").unlink()
    assert only(problems(data)) .startswith("data/stated_ratios.csv: file not found")


def test_renamed_header(data):
    edit(data / "funding.csv", "id,tracker,published", "id,compiler,published")
    found = problems(data)
    assert any("column 'tracker' is missing from the header" in p for p in found), found
    assert any("column 'compiler' is not in the schema" in p for p in found), found
    assert all(p.startswith("data/funding.csv") for p in found), found


def test_extra_column(data):
    path = data / "stated_ratios.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0] + ",extra"] + [line + "," for line in lines[1:]]) + "\n", encoding="utf-8")
    assert "column 'extra' is not in the schema" in only(problems(data))


def test_missing_column(data):
    path = data / "trackers.csv"
    lines = [line.rsplit(",", 1)[0] for line in path.read_text(encoding="utf-8").splitlines()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "column 'note' is missing from the header" in only(problems(data))


def test_empty_required_value(data):
    edit(data / "funding.csv", ",mckinsey2022betting,", ",,")
    found = problems(data)
    assert any(p.startswith("data/funding.csv, row 1 (line 2), column 'source'") for p in found), found


def test_text_in_numeric_column(data):
    edit(data / "funding.csv", ",15300,15300,USD,", ",n/a,15300,USD,")
    message = only(problems(data))
    assert message.startswith("data/funding.csv, row 1 (line 2), column 'amount_low': 'n/a' is not a valid number")


def test_an_amount_needs_at_least_one_end(data):
    edit(data / "funding.csv", ",15300,15300,USD,", ",,,USD,")
    message = only(problems(data))
    assert message.startswith("data/funding.csv, row 1 (line 2), column 'amount_low': neither amount_low nor "
                              "amount_high is given")


def test_an_upper_bound_alone_is_an_amount(data):
    edit(data / "funding.csv", ",15300,15300,USD,", ",,15300,USD,")
    assert problems(data) == []


def test_evidence_address_must_be_http(data):
    edit(data / "claim_evidence.csv", "https://nattothoughts.substack.com", "ftp://nattothoughts.substack.com")
    assert any("claim_evidence.csv, row 1 (line 2), column 'address'" in p for p in problems(data)), problems(data)


def test_impossible_date(data):
    edit(data / "trackers.csv", "2022-06", "2022-13")
    message = only(problems(data))
    assert message.startswith("data/trackers.csv, row 1 (line 2), column 'published'"), message


def test_duplicate_primary_key(data):
    edit(data / "stated_ratios.csv", "tqi2023-cn-eu,", "tqi2023-cn-us,")
    message = only(problems(data))
    assert message.startswith("data/stated_ratios.csv, row 2 (line 3)") and "unique" in message, message


def test_unknown_source_key(data):
    edit(data / "stated_ratios.csv", ",mckinsey2022betting,", ",mckinsey2099nothing,")
    message = only(problems(data))
    assert "column 'source': unknown reference key 'mckinsey2099nothing'" in message, message


def test_invalid_utf8(data):
    path = data / "trackers.csv"
    path.write_bytes(path.read_bytes().replace(b"McKinsey & Company", b"McKinsey \xff Company", 1))
    assert only(problems(data)) == ("data/trackers.csv: line 2 is not valid UTF-8 (byte 0xff). "
                                    "Re-save the file as UTF-8.")


def test_unterminated_quote(data):
    edit(data / "trackers.csv", "McKinsey & Company,", '"McKinsey & Company,')
    assert "a quoted cell opened on line 2 is never closed" in only(problems(data))


def test_foreign_key(data):
    edit(data / "stated_ratios.csv", "tqi2023-cn-us,The Quantum Insider 2023", "tqi2023-cn-us,The Quantum Outsider")
    message = only(problems(data))
    assert message.startswith("data/stated_ratios.csv, row 1 (line 2)") and "referenced table" in message, message


def test_ledger_verdict_without_evidence(data):
    edit(data / "claims.csv", "mckinsey2022betting;tqi2023china;optica2024global;itif2024innovative;"
         "computerweekly2025government,notebooks/spending", ",notebooks/spending")
    assert "verdict 'qualified' has no evidence" in only(problems(data))


def test_edited_but_not_locked(data):
    edit(data / "funding.csv", "announced to date (mid-2022)", "announced to date")
    message = only(problems(data, hashes=True))
    assert message.startswith("data/funding.csv: edited since it was last locked") and "make lock" in message


def test_lock_refuses_invalid_data_and_locks_valid_edits(data):
    edit(data / "funding.csv", ",15300,15300,USD,", ",n/a,15300,USD,")
    before = (data / "datapackage.json").read_text(encoding="utf-8")
    assert lock(data), "lock accepted invalid data"
    assert (data / "datapackage.json").read_text(encoding="utf-8") == before, "lock wrote despite problems"
    edit(data / "funding.csv", ",n/a,15300,USD,", ",15300,15300,USD,")
    edit(data / "funding.csv", "announced to date (mid-2022)", "announced to date")
    assert problems(data, hashes=True), "an unlocked edit went unnoticed"
    assert lock(data) == []
    assert problems(data, hashes=True) == []


def test_loader_refuses_bad_data_with_the_same_message(data):
    edit(data / "funding.csv", ",15300,15300,USD,", ",n/a,15300,USD,")
    with pytest.raises(DataError) as caught:
        load("funding", data_dir=data)
    assert "data/funding.csv, row 1 (line 2), column 'amount_low': 'n/a' is not a valid number" in str(caught.value)


def test_loader_types_are_strict():
    funding = load("funding")
    assert funding["amount_low"].dtype == "float64"
    assert str(funding["price_year"].dtype) == "Int64"
    assert funding["amount_high"].isna().any(), "empty optional numbers load as missing, not as 0"
