"""The refresh's settings and command line: environment variables, one-line messages, make refresh.

Refreshes run in temporary copies of data/ (and CITATION.cff), against the SYNTHETIC API of
tests/openalex_fake.py, in-process or served on 127.0.0.1.
"""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openalex_fake import EXPECTED, KEY, FakeOpenAlex, copy_data, digest, page_files, rate_limited, serving

from evidence import BIB, DATA, ROOT, openalex
from evidence.datapackage import check_package
from tools.refresh.errors import SettingsError
from tools.refresh.settings import KEY_URL, Settings, from_environment

FIRST, LAST = EXPECTED["first_year"], EXPECTED["last_year"]
MAIL = "tests@example.org"
ENV_NAMES = ("OPENALEX_API", "OPENALEX_API_KEY", "OPENALEX_MAILTO")


@pytest.fixture
def data(tmp_path) -> Path:
    return copy_data(tmp_path)


@pytest.fixture(autouse=True)
def real_data_untouched():
    before = digest(DATA, ROOT / "CITATION.cff")
    yield
    assert digest(DATA, ROOT / "CITATION.cff") == before, "a test wrote into the repository's data/ or CITATION.cff"


def rows(path: Path) -> list[dict]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


def test_settings_come_from_the_environment():
    settings = from_environment({"OPENALEX_API_KEY": " k-1 ", "OPENALEX_API": "http://127.0.0.1:8080/"})
    assert settings == Settings(base_url="http://127.0.0.1:8080", api_key="k-1", mailto=None)
    assert from_environment({"OPENALEX_API_KEY": "k"}).base_url == "https://api.openalex.org"
    with pytest.raises(SettingsError, match=rf"^OPENALEX_API_KEY is not set: .*{KEY_URL}"):
        from_environment({"OPENALEX_MAILTO": MAIL})
    with pytest.raises(SettingsError, match="^OPENALEX_MAILTO contains a line break"):
        from_environment({"OPENALEX_API_KEY": "k", "OPENALEX_MAILTO": "a@b.org\r\nX-Injected: 1"})
    with pytest.raises(SettingsError, match="^OPENALEX_MAILTO='nobody' is not an email address"):
        from_environment({"OPENALEX_API_KEY": "k", "OPENALEX_MAILTO": "nobody"})
    with pytest.raises(SettingsError, match="^OPENALEX_API_KEY contains a space or a line break"):
        from_environment({"OPENALEX_API_KEY": "abc\ndef"})
    with pytest.raises(SettingsError, match="^OPENALEX_API='ftp://x' is not an http"):
        from_environment({"OPENALEX_API_KEY": "k", "OPENALEX_API": "ftp://x"})


def cli(*args: str, env: dict, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    return subprocess.run([sys.executable, "-m", "tools.refresh", *args], env={**base, **env,
                          "PYTHONPATH": str(ROOT)}, cwd=cwd, capture_output=True, text=True)


def one_line_failure(result: subprocess.CompletedProcess, start: str) -> None:
    assert result.returncode == 1, result
    assert result.stderr.startswith(f"refresh failed: {start}"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_command_line_messages(data):
    before = digest(data.parent)
    target = ["--data-dir", str(data)]
    one_line_failure(cli(*target, env={}), "OPENALEX_API_KEY is not set")
    one_line_failure(cli(*target, env={"OPENALEX_API_KEY": "k", "OPENALEX_MAILTO": "me@example.org\nX: y"}),
                     "OPENALEX_MAILTO contains a line break")
    one_line_failure(cli(*target, env={"OPENALEX_API_KEY": "k", "OPENALEX_API": "http://127.0.0.1:9"}),
                     "no network")
    assert digest(data.parent) == before
    plan = cli("plan", "--last-year", "2016", env={})
    assert plan.returncode == 0 and plan.stdout.splitlines()[0] == "https://api.openalex.org/topics/T10682"
    assert len(plan.stdout.splitlines()) == 2 + 2 * (2016 - openalex.FIRST_YEAR + 1)


def test_command_line_refresh_against_a_local_api(data):
    api = FakeOpenAlex(faults={5: rate_limited(retry_after="1")})
    with serving(api) as url:
        result = cli("--data-dir", str(data), "--first-year", str(FIRST), "--last-year", str(LAST),
                     env={"OPENALEX_API_KEY": KEY, "OPENALEX_API": url})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OpenAlex refresh done") and result.stderr == ""
    assert len(api.urls) == page_files() + 1, "the 429 should have been retried once"
    assert rows(data / "openalex_output.csv")[0]["locator"].startswith(url), "the locator names the address queried"
    assert check_package(data, bib=BIB) == []


def test_make_refresh_without_a_key_stops_before_setting_anything_up(tmp_path):
    """No key: one line naming the variable and where to get one; no venv created, nothing written."""
    venv = tmp_path / "no-venv-yet"
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    before = digest(DATA, ROOT / "CITATION.cff")
    result = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), f"VENV={venv}", "refresh"], env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0
    first = result.stderr.splitlines()[0]
    assert first.startswith("refresh failed: OPENALEX_API_KEY is not set") and KEY_URL in first, result.stderr
    assert "Traceback" not in result.stderr + result.stdout and result.stdout == ""
    assert not venv.exists(), "make refresh set up a virtual environment before checking the key"
    assert digest(DATA, ROOT / "CITATION.cff") == before
