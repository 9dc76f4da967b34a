"""The OpenAlex refresh pipeline, offline, against SYNTHETIC recorded responses (tests/fixtures/openalex).

Every test writes into a temporary copy of data/; none contacts a host other than the
local machine (the no-network test uses a closed port on 127.0.0.1).
"""
from __future__ import annotations

import csv
import datetime as dt
import email.message
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from evidence import BIB, DATA, ROOT, openalex
from evidence.datapackage import check_package

FIXTURES = ROOT / "tests" / "fixtures" / "openalex"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
FIRST, LAST = EXPECTED["first_year"], EXPECTED["last_year"]
TODAY = dt.date(2026, 1, 15)
MAIL = "tests@example.org"


# --- helpers --------------------------------------------------------------------------------

class Response(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def fixture_name(url: str) -> str:
    """The recorded response for a request URL, as a file name in tests/fixtures/openalex."""
    parts = urllib.parse.urlsplit(url)
    params = dict(urllib.parse.parse_qsl(parts.query))
    assert params.get("mailto") == MAIL, f"request without the polite-pool email: {url}"
    if parts.path.startswith("/topics/"):
        return f"topic_{parts.path.rsplit('/', 1)[-1]}.json"
    assert parts.path == "/works" and params["group_by"] == "authorships.countries", url
    filters = params["filter"].split(",")
    assert filters[0] == openalex.QUANTUM_FILTER, url
    year = next(f.split(":")[1] for f in filters if f.startswith("publication_year:"))
    kind = "with_cn" if "authorships.countries:CN" in filters else "all"
    page = 1 if params["cursor"] == "*" else int(params["cursor"].rsplit("-", 1)[-1])
    return f"works_{year}_{kind}_p{page}.json"


class Recorded:
    """An opener that answers from the fixtures; `faults` maps call numbers to exceptions or bodies."""

    def __init__(self, faults: dict | None = None):
        self.faults = faults or {}
        self.urls: list[str] = []

    def __call__(self, request, timeout=None):
        self.urls.append(request.full_url)
        fault = self.faults.get(len(self.urls))
        if isinstance(fault, BaseException):
            raise fault
        if isinstance(fault, bytes):
            return Response(fault)
        return Response((FIXTURES / fixture_name(request.full_url)).read_bytes())


def http_error(code: int, retry_after: str | None = None) -> urllib.error.HTTPError:
    headers = email.message.Message()
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    return urllib.error.HTTPError("https://api.openalex.org/works", code, "error", headers,
                                  io.BytesIO(b'{"error": "Rate limit exceeded"}'))


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def data(tmp_path) -> Path:
    """A throwaway copy of data/ (the pipeline must never write into the real one in tests)."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("openalex"))
    return target


@pytest.fixture(autouse=True)
def real_data_untouched():
    before = digest(DATA)
    yield
    assert digest(DATA) == before, "a test wrote into the repository's data/"


def run(data: Path, opener, sleeps: list | None = None, **kwargs):
    sleeps = [] if sleeps is None else sleeps
    return openalex.refresh(data_dir=data, first_year=FIRST, last_year=LAST, mailto=MAIL, api_key="",
                            opener=opener, sleep=sleeps.append, today=TODAY, **kwargs)


def rows(path: Path) -> list[dict]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


# --- a normal run ---------------------------------------------------------------------------

def test_normal_run_writes_series_snapshot_and_locked_package(data):
    version_before = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))["version"]
    opener = Recorded()
    result = run(data, opener)

    n_files = len(list(FIXTURES.glob("topic_*.json"))) + len(list(FIXTURES.glob("works_*.json")))
    assert len(opener.urls) == result.calls == n_files  # one request per recorded answer, paging included
    assert result.version == "{}.{}.0".format(*version_before.split(".")[:1], int(version_before.split(".")[1]) + 1)

    out = rows(data / "openalex_output.csv")
    by_key = {(int(r["year"]), r["country"]): r for r in out}
    page = json.loads((FIXTURES / "works_2019_all_p1.json").read_text(encoding="utf-8"))
    for group in page["group_by"]:
        code = group["key"].rsplit("/", 1)[-1]
        if code in openalex.OUTPUT_COUNTRIES:
            assert int(by_key[2019, code]["works"]) == group["count"]
    assert int(by_key[2019, "WORLD"]["works"]) == page["meta"]["count"]
    assert (2019, "RU") in by_key, "a country among the year's ten largest must be kept even if not listed"
    assert int(by_key[2020, "SE"]["works"]) > 0, "2020 is paged: groups from the second page are missing"
    first = by_key[2019, "CN"]
    assert first["source"] == "openalex2022" and first["grade"] == "A" and first["retrieved"] == TODAY.isoformat()
    assert first["filter_version"] == openalex.FILTER_VERSION
    assert first["locator"] == ("https://api.openalex.org/works?filter=topics.id:T10682|T10020,"
                                "publication_year:2019&group_by=authorships.countries")
    assert MAIL not in (data / "openalex_output.csv").read_text(encoding="utf-8")

    co = {(int(r["year"]), r["country"]): r for r in rows(data / "openalex_coauthorship.csv")}
    assert {c for _, c in co} == set(openalex.EUROPE)
    de = co[2019, "DE"]
    assert float(de["share"]) == pytest.approx(100 * int(de["works_with_cn"]) / int(de["works"]), abs=1e-4)
    assert co[2015, "MT"]["share"] == "" and co[2015, "MT"]["works"] == "0"

    descriptor = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    names = [r["name"] for r in descriptor["resources"]]
    assert {"openalex_output", "openalex_coauthorship"} <= set(names)
    assert check_package(data, bib=BIB) == [], "the refreshed package must validate with its new locks"
    raw = data / "openalex" / "raw" / TODAY.isoformat()
    assert len(list(raw.glob("works_*.json"))) == len(list(FIXTURES.glob("works_*.json")))
    index = json.loads((raw / "index.json").read_text(encoding="utf-8"))
    assert index["filter_version"] == openalex.FILTER_VERSION and MAIL not in json.dumps(index)
    changelog = (data / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {result.version} — {TODAY.isoformat()}" in changelog

    again = run(data, Recorded())  # a second refresh replaces the resources, never duplicates them
    descriptor = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in descriptor["resources"]] == names
    assert again.version != result.version and check_package(data, bib=BIB) == []


def test_series_helpers_find_the_designed_answers(data):
    run(data, Recorded())
    assert openalex.series_available("openalex_output", data) and openalex.series_available("openalex_coauthorship", data)
    assert not openalex.series_available("openalex_output", DATA.parent / "no-such-dir")
    from evidence.datapackage import load
    output, coauthorship = load("openalex_output", data), load("openalex_coauthorship", data)
    assert openalex.crossover_year(output) == EXPECTED["crossover_cn_over_all"]
    assert openalex.crossover_year(output, rivals=["US"]) == EXPECTED["crossover_cn_over_us"]
    peaks = openalex.peak_years(coauthorship).set_index("country")["peak_year"].to_dict()
    assert peaks == EXPECTED["peak_years"]


def test_the_api_key_is_sent_but_never_recorded(data):
    opener = Recorded()
    openalex.refresh(data_dir=data, first_year=FIRST, last_year=FIRST, mailto=MAIL, api_key="SECRET-KEY",
                     opener=opener, sleep=lambda s: None, today=TODAY)
    assert all("api_key=SECRET-KEY" in url for url in opener.urls)
    written = "".join(p.read_text(encoding="utf-8") for p in data.rglob("*") if p.suffix in (".csv", ".json", ".md"))
    assert "SECRET-KEY" not in written


# --- retries, bad answers, failures ----------------------------------------------------------

def test_429_then_success_waits_as_told(data):
    sleeps = []
    opener = Recorded({3: http_error(429, retry_after="7")})
    run(data, opener, sleeps)
    assert 7.0 in sleeps, f"Retry-After was not honoured: {sleeps}"
    assert opener.urls[2] == opener.urls[3], "the failed request was not retried"
    assert (data / "openalex_output.csv").exists()


def test_5xx_backs_off_exponentially_then_gives_up(data):
    before = digest(data)
    sleeps = []
    faults = {n: http_error(503) for n in range(3, 3 + openalex.MAX_ATTEMPTS)}
    with pytest.raises(openalex.RefreshError, match=r"HTTP 503 5 times .* Nothing was written"):
        run(data, Recorded(faults), sleeps)
    backoff = [s for s in sleeps if s != openalex.REQUEST_INTERVAL]
    assert backoff == [openalex.BASE_DELAY * 2 ** n for n in range(openalex.MAX_ATTEMPTS - 1)]
    assert digest(data) == before


def test_malformed_response_is_a_clear_error(data):
    before = digest(data)
    with pytest.raises(openalex.MalformedResponse, match=r"^malformed response: no meta\.count .*works\?filter="):
        run(data, Recorded({4: json.dumps({"synthetic": True, "group_by": []}).encode()}))
    with pytest.raises(openalex.MalformedResponse, match="not JSON"):
        run(data, Recorded({3: b"<html>Service Unavailable</html>"}))
    bad_key = {"synthetic": True, "meta": {"count": 5, "next_cursor": None},
               "group_by": [{"key": "https://openalex.org/institutions/I1", "key_display_name": "x", "count": 1}]}
    with pytest.raises(openalex.MalformedResponse, match="is not a country"):
        run(data, Recorded({3: json.dumps(bad_key).encode()}))
    assert digest(data) == before


def test_renamed_topic_stops_the_refresh(data):
    renamed = json.dumps({"synthetic": True, "id": "https://openalex.org/T10682", "display_name": "Something else"})
    with pytest.raises(openalex.RefreshError, match="bump FILTER_VERSION"):
        run(data, Recorded({1: renamed.encode()}))


def test_failure_half_way_writes_nothing(data):
    before = digest(data)
    opener = Recorded({15: urllib.error.URLError(ConnectionResetError("connection reset by peer"))})
    with pytest.raises(openalex.NoNetwork, match="Nothing was written"):
        run(data, opener)
    assert len(opener.urls) == 15, "the refresh went on after the failure"
    assert digest(data) == before and not (data / "openalex").exists()


def test_invalid_package_writes_nothing(data):
    # A problem found only when the staged package is validated: an unknown reference key.
    shares = data / "research_shares.csv"
    text = shares.read_text(encoding="utf-8")
    assert ",mit2025qir," in text, "test set-up: research_shares.csv no longer cites mit2025qir"
    shares.write_text(text.replace(",mit2025qir,", ",nosuchkey2024,", 1), encoding="utf-8")
    before = digest(data)
    with pytest.raises(openalex.RefreshError, match="does not validate: .*nosuchkey2024"):
        run(data, Recorded())
    assert digest(data) == before


def test_no_network_is_one_clear_line(data):
    # Port 9 (discard) on the loopback interface: refused at once, no other host is contacted.
    before = digest(data)
    with pytest.raises(openalex.NoNetwork) as err:
        run(data, urllib.request.urlopen, base_url="http://127.0.0.1:9")
    message = str(err.value)
    assert message.startswith("no network: could not reach 127.0.0.1:9") and "\n" not in message
    assert digest(data) == before


def test_missing_mailto_stops_before_any_request(data, monkeypatch):
    monkeypatch.delenv("OPENALEX_MAILTO", raising=False)
    opener = Recorded()
    with pytest.raises(openalex.MissingMailto, match="OPENALEX_MAILTO=you@example.org make refresh"):
        openalex.refresh(data_dir=data, first_year=FIRST, last_year=LAST, opener=opener, today=TODAY)
    assert opener.urls == []


def test_command_line_messages(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENALEX_MAILTO", "OPENALEX_API_KEY")}
    env["PYTHONPATH"] = str(ROOT)
    shutil.copytree(DATA, tmp_path / "data", ignore=shutil.ignore_patterns("openalex"))
    command = [sys.executable, "-m", "evidence.openalex", "refresh", "--data-dir", str(tmp_path / "data")]
    missing = subprocess.run(command, env=env, capture_output=True, text=True)
    assert missing.returncode == 1 and missing.stderr.startswith("refresh failed: OPENALEX_MAILTO is not set")
    assert len(missing.stderr.strip().splitlines()) == 1
    offline = subprocess.run(command + ["--base-url", "http://127.0.0.1:9"], env={**env, "OPENALEX_MAILTO": MAIL},
                             capture_output=True, text=True)
    assert offline.returncode == 1 and offline.stderr.startswith("refresh failed: no network")
    assert len(offline.stderr.strip().splitlines()) == 1
    plan = subprocess.run([sys.executable, "-m", "evidence.openalex", "plan", "--last-year", "2016"], env=env,
                          capture_output=True, text=True, check=True)
    assert plan.stdout.splitlines()[0] == "https://api.openalex.org/topics/T10682"
    assert len(plan.stdout.splitlines()) == 2 + 2 * (2016 - openalex.FIRST_YEAR + 1)


def test_synthetic_answers_never_reach_the_real_data_dir(monkeypatch):
    with pytest.raises(openalex.RefreshError, match="refusing to write synthetic"):
        openalex.refresh(data_dir=DATA, first_year=FIRST, last_year=FIRST, mailto=MAIL, api_key="",
                         opener=Recorded(), sleep=lambda s: None, today=TODAY)


def test_fixtures_are_marked_synthetic():
    files = sorted(FIXTURES.glob("*.json"))
    assert files and all(json.loads(p.read_text(encoding="utf-8")).get("synthetic") is True for p in files)
    assert "SYNTHETIC" in (FIXTURES / "README.md").read_text(encoding="utf-8")


def test_a_folder_without_a_data_package_is_refused(tmp_path):
    with pytest.raises(openalex.RefreshError, match="holds no datapackage.json"):
        openalex.refresh(data_dir=tmp_path, first_year=FIRST, last_year=FIRST, mailto=MAIL, api_key="",
                         opener=Recorded(), sleep=lambda s: None, today=TODAY)
