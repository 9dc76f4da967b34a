"""The OpenAlex refresh (tools/refresh), offline, against a SYNTHETIC API (tests/openalex_fake.py).

Every test writes into a temporary copy of data/ (and CITATION.cff); none contacts a host other
than the local machine (the no-network tests use a closed port on 127.0.0.1).
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from openalex_fake import (
    EXPECTED,
    FIXTURES,
    KEY,
    FakeOpener,
    Fault,
    copy_data,
    digest,
    page_files,
    rate_limited,
    slow_down,
)

from evidence import BIB, DATA, ROOT, openalex
from evidence.datapackage import check_package
from tools.refresh import client as client_module
from tools.refresh import fetch as fetch_module
from tools.refresh import refresh
from tools.refresh.errors import ApiRefused, MalformedResponse, NoNetwork, RefreshError
from tools.refresh.rows import EU27, OUTPUT_COUNTRIES, TOP_N
from tools.refresh.settings import KEY_URL, Settings

FIRST, LAST = EXPECTED["first_year"], EXPECTED["last_year"]
TODAY = dt.date(2026, 1, 15)
MAIL = "tests@example.org"
SETTINGS = Settings(base_url=openalex.API, api_key=KEY)


@pytest.fixture
def data(tmp_path) -> Path:
    return copy_data(tmp_path)


@pytest.fixture(autouse=True)
def real_data_untouched():
    before = digest(DATA, ROOT / "CITATION.cff")
    yield
    assert digest(DATA, ROOT / "CITATION.cff") == before, "a test wrote into the repository's data/ or CITATION.cff"


def run(data: Path, opener=None, sleeps: list | None = None, settings: Settings = SETTINGS, **kwargs):
    sleeps = [] if sleeps is None else sleeps
    return refresh(settings, data_dir=data, first_year=FIRST, last_year=LAST, opener=opener or FakeOpener(),
                   sleep=sleeps.append, today=TODAY, **kwargs)


def rows(path: Path) -> list[dict]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


def version(data: Path) -> str:
    return json.loads((data / "datapackage.json").read_text(encoding="utf-8"))["version"]


def recorded_groups(name: str) -> dict[str, int]:
    """Every country of one recorded query, over all its pages: {'DE': 667, ...}."""
    counts = {}
    for page in sorted(FIXTURES.glob(f"works_{name}_p*.json")):
        for group in json.loads(page.read_text(encoding="utf-8"))["group_by"]:
            counts[group["key"].rsplit("/", 1)[-1]] = group["count"]
    return counts


# --- a normal run ---------------------------------------------------------------------------

def test_normal_run_writes_series_snapshot_version_and_locked_package(data):
    before = version(data)
    opener = FakeOpener()
    result = run(data, opener)

    assert len(opener.urls) == result.calls == page_files()  # one request per recorded answer, paging included
    works_calls = [opener.api.params(n) for n in range(1, len(opener.urls) + 1) if "/works" in opener.urls[n - 1]]
    assert {p["per_page"] for p in works_calls} == {"100"}, "per_page must stay within the documented 1-100"
    assert all(p["api_key"] == KEY and "mailto" not in p for p in works_calls)
    assert works_calls[0]["cursor"] == "*" and works_calls[1]["cursor"] not in ("*", ""), "cursor paging not followed"
    major, minor, _ = before.split(".")
    assert result.version == version(data) == f"{major}.{int(minor) + 1}.0"
    cff = yaml.safe_load((data.parent / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["version"] == result.version and str(cff["date-released"]) == TODAY.isoformat()

    out = rows(data / "openalex_output.csv")
    by_key = {(int(r["year"]), r["country"]): r for r in out}
    recorded = recorded_groups("2019_all")
    for code in OUTPUT_COUNTRIES:
        assert int(by_key[2019, code]["works"]) == recorded.get(code, 0), code
    page = json.loads((FIXTURES / "works_2019_all_p1.json").read_text(encoding="utf-8"))
    assert int(by_key[2019, "WORLD"]["works"]) == page["meta"]["count"]
    assert (2019, "RU") in by_key, "a country among the year's ten largest must be kept even if not listed"
    second_page = [g["key"].rsplit("/", 1)[-1] for g in
                   json.loads((FIXTURES / "works_2020_all_p2.json").read_text(encoding="utf-8"))["group_by"]]
    late = next(code for code in second_page if code in OUTPUT_COUNTRIES)
    assert int(by_key[2020, late]["works"]) == recorded_groups("2020_all")[late] > 0, "second page of groups lost"
    first = by_key[2019, "CN"]
    assert first["source"] == "openalex2022" and first["grade"] == "A" and first["retrieved"] == TODAY.isoformat()
    assert first["filter_version"] == openalex.FILTER_VERSION
    assert first["locator"] == ("https://api.openalex.org/works?filter=topics.id:T10682|T10020,"
                                "publication_year:2019&group_by=authorships.countries")

    co = {(int(r["year"]), r["country"]): r for r in rows(data / "openalex_coauthorship.csv")}
    assert {c for _, c in co} == {*EU27, "GB", "CH"}
    de = co[2019, "DE"]
    assert float(de["share"]) == pytest.approx(100 * int(de["works_with_cn"]) / int(de["works"]), abs=1e-4)
    assert co[2015, "MT"]["share"] == "" and co[2015, "MT"]["works"] == "0"

    assert check_package(data, bib=BIB) == [], "the refreshed package must validate with its new locks"
    raw = data / "openalex" / "raw" / TODAY.isoformat()
    assert len(list(raw.glob("works_*.json"))) == len(list(FIXTURES.glob("works_*.json")))
    index = json.loads((raw / "index.json").read_text(encoding="utf-8"))
    assert index["filter_version"] == openalex.FILTER_VERSION
    changelog = (data / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {result.version} — {TODAY.isoformat()}" in changelog
    assert not list(data.parent.glob(".openalex-refresh-*")) and not list(data.glob(".*.tmp")), "temporary files left"

    names = [r["name"] for r in json.loads((data / "datapackage.json").read_text(encoding="utf-8"))["resources"]]
    again = run(data)  # a second refresh replaces the rows, never duplicates resources
    assert [r["name"] for r in json.loads((data / "datapackage.json").read_text(encoding="utf-8"))["resources"]] \
        == names
    assert len(rows(data / "openalex_output.csv")) == len(out)
    assert again.version != result.version and check_package(data, bib=BIB) == []


def test_series_helpers_find_the_designed_answers(data):
    assert not openalex.series_available("openalex_output", data), "the shipped CSV holds only its header"
    run(data)
    assert openalex.series_available("openalex_output", data)
    assert openalex.series_available("openalex_coauthorship", data)
    assert not openalex.series_available("openalex_output", DATA.parent / "no-such-dir")
    assert not openalex.series_available("no_such_resource", data)
    from evidence.datapackage import load
    output, coauthorship = load("openalex_output", data), load("openalex_coauthorship", data)
    assert openalex.crossover_year(output) == EXPECTED["crossover_cn_over_all"]
    assert openalex.crossover_year(output, rivals=["US"]) == EXPECTED["crossover_cn_over_us"]
    peaks = openalex.peak_years(coauthorship).set_index("country")["peak_year"].to_dict()
    assert peaks == EXPECTED["peak_years"]


def test_the_key_and_email_are_sent_but_never_recorded(data):
    opener = FakeOpener(key="SECRET-KEY")
    run(data, opener, settings=Settings(base_url=openalex.API, api_key="SECRET-KEY", mailto=MAIL))
    assert all("api_key=SECRET-KEY" in url and "mailto=tests%40example.org" in url for url in opener.urls)
    assert all(MAIL in agent for agent in opener.user_agents)
    written = "".join(p.read_text(encoding="utf-8") for p in data.parent.rglob("*")
                      if p.suffix in (".csv", ".json", ".md", ".cff"))
    assert "SECRET-KEY" not in written and MAIL not in written
    assert "SECRET-KEY" not in repr(Settings(base_url=openalex.API, api_key="SECRET-KEY"))


def test_the_schemas_in_the_data_package_describe_what_the_refresh_stores():
    descriptor = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in descriptor["resources"]}
    fields = {name: {f["name"]: f for f in resources[name]["schema"]["fields"]}
              for name in (openalex.OUTPUT_RESOURCE, openalex.COAUTHOR_RESOURCE)}
    assert sorted(fields[openalex.COAUTHOR_RESOURCE]["country"]["constraints"]["enum"]) == sorted({*EU27, "GB", "CH"})
    assert f"{TOP_N} largest" in fields[openalex.OUTPUT_RESOURCE]["country"]["description"]
    for name in fields:
        description = resources[name]["description"]
        assert all(topic in description and title in description for topic, title in openalex.TOPICS.items())
        assert (DATA / resources[name]["path"]).read_text(encoding="utf-8") == ",".join(fields[name]) + "\n", \
            f"{name}: the committed file must hold only the header until a refresh"


# --- the documented errors: 403, 429, 5xx, 400, 401 -----------------------------------------

def test_429_with_a_short_retry_after_waits_as_told_and_retries(data):
    sleeps = []
    opener = FakeOpener(faults={3: rate_limited(retry_after="7")})
    run(data, opener, sleeps)
    assert 7.0 in sleeps, f"Retry-After was not honoured: {sleeps}"
    assert opener.urls[2] == opener.urls[3], "the refused request was not retried"
    assert (data / "openalex_output.csv").read_text(encoding="utf-8").count("\n") > 1


@pytest.mark.parametrize("retry_after, says", [(None, "tomorrow"), ("86000", "in 23.9 h")])
def test_429_daily_limit_stops_at_once(data, retry_after, says):
    before = digest(data.parent)
    opener = FakeOpener(faults={3: rate_limited(retry_after)})
    with pytest.raises(ApiRefused) as err:
        run(data, opener)
    assert len(opener.urls) == 3, "the refresh went on after the daily limit"
    message = str(err.value)
    assert "daily limit" in message and says in message and message.endswith("Nothing was written.")
    assert digest(data.parent) == before


def test_403_slow_down_backs_off_and_retries(data):
    sleeps = []
    opener = FakeOpener(faults={3: slow_down(), 4: slow_down()})
    run(data, opener, sleeps)
    backoff = [s for s in sleeps if s != client_module.REQUEST_INTERVAL]
    assert backoff == [client_module.BASE_DELAY, client_module.BASE_DELAY * 2]
    assert opener.urls[2] == opener.urls[3] == opener.urls[4]


def test_403_for_ever_gives_up_with_the_apis_words(data):
    faults = {n: slow_down() for n in range(3, 3 + client_module.MAX_ATTEMPTS)}
    with pytest.raises(ApiRefused, match=r"HTTP 403 5 times .*rate limit exceeded; slow down.*wait a few minutes"):
        run(data, FakeOpener(faults=faults))


def test_5xx_backs_off_exponentially_then_gives_up(data):
    before = digest(data.parent)
    sleeps = []
    faults = {n: Fault(503) for n in range(3, 3 + client_module.MAX_ATTEMPTS)}
    with pytest.raises(RefreshError, match=r"HTTP 503 5 times .* Nothing was written"):
        run(data, FakeOpener(faults=faults), sleeps)
    backoff = [s for s in sleeps if s != client_module.REQUEST_INTERVAL]
    assert backoff == [client_module.BASE_DELAY * 2 ** n for n in range(client_module.MAX_ATTEMPTS - 1)]
    assert digest(data.parent) == before


def test_a_per_page_over_100_is_refused_by_the_api_and_reported(data, monkeypatch):
    monkeypatch.setattr(fetch_module, "PER_PAGE", 200)  # what the refresh sent before 2026
    opener = FakeOpener()
    with pytest.raises(ApiRefused, match=r"HTTP 400: .*per_page is '200'; it must be between 1 and 100") as err:
        run(data, opener)
    assert len(opener.urls) == 3, "a 400 must not be retried"
    assert "\n" not in str(err.value)


def test_a_wrong_key_names_the_variable(data):
    with pytest.raises(ApiRefused, match=rf"HTTP 401: .*invalid api_key.*check OPENALEX_API_KEY .*{KEY_URL}"):
        run(data, FakeOpener(), settings=Settings(base_url=openalex.API, api_key="not-the-key"))


# --- bad answers and failures ---------------------------------------------------------------

def test_an_empty_page_ends_the_paging_even_with_a_cursor(data):
    count = json.loads((FIXTURES / "works_2015_with_cn_p1.json").read_text(encoding="utf-8"))["meta"]["count"]
    empty = {"synthetic": True, "meta": {"count": count, "per_page": 100, "groups_count": 0, "next_cursor": "more"},
             "results": [], "group_by": []}
    opener = FakeOpener(faults={6: Fault(body=json.dumps(empty).encode())})  # 2015's second page with CN
    run(data, opener)
    assert not any("cursor=more" in url for url in opener.urls), "paged on past an empty page"


def test_malformed_response_is_a_clear_error(data):
    before = digest(data.parent)
    with pytest.raises(MalformedResponse, match=r"^malformed response: no meta\.count .*works\?filter="):
        run(data, FakeOpener(faults={4: Fault(body=json.dumps({"synthetic": True, "group_by": []}).encode())}))
    with pytest.raises(MalformedResponse, match="not JSON"):
        run(data, FakeOpener(faults={3: Fault(body=b"<html>Service Unavailable</html>")}))
    bad_key = {"synthetic": True, "meta": {"count": 5, "next_cursor": None},
               "group_by": [{"key": "https://openalex.org/institutions/I1", "key_display_name": "x", "count": 1}]}
    with pytest.raises(MalformedResponse, match="is not a country"):
        run(data, FakeOpener(faults={3: Fault(body=json.dumps(bad_key).encode())}))
    assert digest(data.parent) == before


def test_renamed_topic_stops_the_refresh(data):
    renamed = json.dumps({"synthetic": True, "id": "https://openalex.org/T10682", "display_name": "Something else"})
    with pytest.raises(RefreshError, match="bump FILTER_VERSION"):
        run(data, FakeOpener(faults={1: Fault(body=renamed.encode())}))


def test_failure_half_way_writes_nothing(data):
    before = digest(data.parent)
    reset = Fault(exception=urllib.error.URLError(ConnectionResetError("connection reset by peer")))
    opener = FakeOpener(faults={15: reset})
    with pytest.raises(NoNetwork, match="Nothing was written"):
        run(data, opener)
    assert len(opener.urls) == 15, "the refresh went on after the failure"
    assert digest(data.parent) == before and not (data / "openalex").exists()


def test_invalid_package_writes_nothing(data):
    # A problem found only when the staged package is validated: an unknown reference key.
    shares = data / "research_shares.csv"
    text = shares.read_text(encoding="utf-8")
    assert ",mit2025qir," in text, "test set-up: research_shares.csv no longer cites mit2025qir"
    shares.write_text(text.replace(",mit2025qir,", ",nosuchkey2024,", 1), encoding="utf-8")
    before = digest(data.parent)
    with pytest.raises(RefreshError, match="does not validate: .*nosuchkey2024"):
        run(data)
    assert digest(data.parent) == before


def test_a_full_disk_while_staging_is_one_line_and_writes_nothing(data, monkeypatch):
    from tools.refresh import write as write_module

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(write_module.shutil, "copytree", full)
    before = digest(data.parent)
    with pytest.raises(RefreshError, match=r"^could not stage the refresh .*No space left on device; check free"):
        run(data)
    assert digest(data.parent) == before


def test_no_network_is_one_clear_line(data):
    # Port 9 (discard) on the loopback interface: refused at once, no other host is contacted.
    before = digest(data.parent)
    with pytest.raises(NoNetwork) as err:
        run(data, urllib.request.urlopen, settings=Settings(base_url="http://127.0.0.1:9", api_key=KEY))
    message = str(err.value)
    assert message.startswith("no network: could not reach 127.0.0.1:9") and "\n" not in message
    assert digest(data.parent) == before


def test_synthetic_answers_never_reach_a_git_checkout():
    with pytest.raises(RefreshError, match="refusing to write synthetic test responses"):
        refresh(SETTINGS, data_dir=DATA, first_year=FIRST, last_year=FIRST, opener=FakeOpener(),
                sleep=lambda s: None, today=TODAY)


def test_a_folder_without_a_data_package_is_refused(tmp_path):
    with pytest.raises(RefreshError, match="holds no datapackage.json"):
        refresh(SETTINGS, data_dir=tmp_path, first_year=FIRST, last_year=FIRST, opener=FakeOpener(),
                sleep=lambda s: None, today=TODAY)


def test_fixtures_are_marked_synthetic_and_shaped_like_todays_answers():
    files = sorted(FIXTURES.glob("*.json"))
    assert files and all(json.loads(p.read_text(encoding="utf-8")).get("synthetic") is True for p in files)
    assert "SYNTHETIC" in (FIXTURES / "README.md").read_text(encoding="utf-8")
    for page in FIXTURES.glob("works_*.json"):
        answer = json.loads(page.read_text(encoding="utf-8"))
        assert answer["meta"]["per_page"] == 100 and len(answer["group_by"]) <= 100, page.name
        assert answer["results"] == [] and "next_cursor" in answer["meta"], page.name
    assert len(list(FIXTURES.glob("works_*_p2.json"))) == 2 * (LAST - FIRST + 1), "every query should need paging"
