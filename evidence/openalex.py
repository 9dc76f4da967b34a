"""Refresh the OpenAlex series on quantum research output and Europe–China co-authorship.

    OPENALEX_MAILTO=you@example.org python -m evidence.openalex refresh     # what `make refresh` runs
    python -m evidence.openalex plan                                          # list the queries, no network

OpenAlex (https://openalex.org, data CC0) is queried through its API at https://api.openalex.org.
Only the standard library is used for HTTP (urllib); the opener is injectable for tests.

What is counted (FILTER_VERSION "1")
------------------------------------
A *quantum work* is a work whose OpenAlex topics (up to three per work) include

- T10682 "Quantum Computing Algorithms and Architecture", or
- T10020 "Quantum Information and Cryptography",

i.e. ``filter=topics.id:T10682|T10020``. For every publication year from 2015 to the last
complete year, two grouped queries are made (``group_by=authorships.countries``, paged with a
cursor until OpenAlex has no more groups):

1. all quantum works of the year, grouped by the countries of their authors' affiliations;
2. the same, restricted to works with at least one author in China
   (``authorships.countries:CN``).

From (1): works per country and year, and the year's total (``meta.count``, stored as country
``WORLD``). From (2): for each European country, the works that *also* have an author in China;
divided by (1) this is the co-authorship share. Grouping (2) by country gives, in one call, the
same count as the pair of filters ``authorships.countries:DE,authorships.countries:CN`` would for
each country separately.

Counting is *whole counting*: a work with authors in China and Germany counts once for each, so
country shares of the world total add up to more than 100 %. A work counts for a country when
OpenAlex assigned at least one of its authors' affiliations to that country.

What this under-counts, and other limits
----------------------------------------
- Quantum **sensing and metrology**, quantum materials and most experimental quantum optics:
  works there are mostly tagged with other topics, so they are largely missing. Post-quantum
  (classical) cryptography may be included through T10020.
- Works with no country (no affiliation OpenAlex could place) count in ``WORLD`` but in no country.
- Topic assignment is automatic (OpenAlex's classifier); it changes when OpenAlex re-classifies,
  and recent years keep growing as OpenAlex indexes late records. Each refresh therefore keeps
  its raw responses, dated, under ``data/openalex/raw/YYYY-MM-DD/``.
- MERICS does not say how it counted papers; this filter is one reasonable choice, not theirs.

A change to the topics, the grouping or the countries is a new FILTER_VERSION.

Politeness and failure
----------------------
The email in ``OPENALEX_MAILTO`` is sent as ``mailto=`` (OpenAlex's polite pool) and in the
User-Agent; ``OPENALEX_API_KEY``, if set, is sent as ``api_key=`` (OpenAlex documents a free key
as required for regular use since February 2026; the ~25 calls of a refresh fit the key-less daily
allowance). Neither is ever written to disk. Requests are spaced by REQUEST_INTERVAL seconds;
HTTP 429 and 5xx are retried with exponential backoff (honouring Retry-After) up to MAX_ATTEMPTS
times. No network stops the run at once with a one-line message.

All or nothing: every response is fetched into memory first; then the new CSVs, descriptor,
changelog and raw snapshot are staged in a temporary directory beside ``data/``, the whole
package is validated and locked there (``evidence.datapackage.lock``), and only then are the files
moved into ``data/``. Any failure before that point leaves ``data/`` exactly as it was.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import email.utils
import io
import json
import os
import re
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from evidence import DATA

API = "https://api.openalex.org"
FILTER_VERSION = "1"
TOPICS = {  # topic id -> display name the filter was written for (checked at every refresh)
    "T10682": "Quantum Computing Algorithms and Architecture",
    "T10020": "Quantum Information and Cryptography",
}
QUANTUM_FILTER = "topics.id:" + "|".join(TOPICS)
GROUP_BY = "authorships.countries"
PARTNER = "CN"
FIRST_YEAR = 2015
WORLD = "WORLD"

EU27 = ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
        "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK")
# Works per country and year are stored for these, plus any country among a year's ten largest
# (so "more than any other country" is checked against every possible contender).
OUTPUT_COUNTRIES = ("CN", "US", *EU27, "GB", "CH", "JP", "KR", "IN", "CA", "AU")
TOP_N = 10
# Co-authorship with China is stored for every European country of the output list.
EUROPE = (*EU27, "GB", "CH")

SOURCE_KEY = "openalex2022"
OUTPUT_RESOURCE = "openalex_output"
COAUTHOR_RESOURCE = "openalex_coauthorship"
RAW_DIR = Path("openalex") / "raw"

REQUEST_INTERVAL = 0.2  # seconds between requests
MAX_ATTEMPTS = 5        # per request, for HTTP 429 and 5xx
BASE_DELAY = 2.0        # first backoff, doubled at each attempt
MAX_DELAY = 120.0       # a longer Retry-After means the daily allowance is gone: stop
TIMEOUT = 30            # seconds per request
MAX_PAGES = 20          # group_by pages per query (200 groups each)

Opener = Callable[..., object]  # like urllib.request.urlopen(request, timeout=...)


# --- errors: str() is the one line shown to the user -------------------------------------

class RefreshError(Exception):
    """The refresh stopped; nothing was written."""


class MissingMailto(RefreshError):
    pass


class NoNetwork(RefreshError):
    pass


class MalformedResponse(RefreshError):
    pass


NOTHING_WRITTEN = "Nothing was written."


# --- the queries -------------------------------------------------------------------------

def last_complete_year(today: dt.date | None = None) -> int:
    return (today or dt.date.today()).year - 1


def works_params(year: int, with_partner: bool) -> dict[str, str]:
    filters = [QUANTUM_FILTER, f"publication_year:{year}"]
    if with_partner:
        filters.append(f"{GROUP_BY}:{PARTNER}")
    return {"filter": ",".join(filters), "group_by": GROUP_BY}


def query_url(path: str, params: dict[str, str], base_url: str = API) -> str:
    """The readable URL recorded as a row's locator (no email, key, paging)."""
    query = urllib.parse.urlencode(params, safe=":|,")
    return f"{base_url}{path}" + (f"?{query}" if query else "")


def plan(first_year: int = FIRST_YEAR, last_year: int | None = None) -> list[str]:
    last_year = last_complete_year() if last_year is None else last_year
    urls = [query_url(f"/topics/{t}", {}) for t in TOPICS]
    for year in range(first_year, last_year + 1):
        urls += [query_url("/works", works_params(year, p)) for p in (False, True)]
    return urls


# --- HTTP --------------------------------------------------------------------------------

def _retry_after(headers) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _error_detail(err: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(err.read().decode("utf-8"))
        message = body.get("message") or body.get("error")
        return f": {message}" if message else ""
    except Exception:  # the detail is optional
        return ""


@dataclass
class Client:
    """Polite, retrying GETs against the OpenAlex API."""

    mailto: str
    api_key: str | None = None
    base_url: str = API
    opener: Opener = urllib.request.urlopen
    sleep: Callable[[float], None] = time.sleep
    interval: float = REQUEST_INTERVAL
    max_attempts: int = MAX_ATTEMPTS
    calls: int = 0
    successes: int = 0

    def get(self, path: str, params: dict[str, str]) -> tuple[bytes, dict]:
        recorded = query_url(path, params, self.base_url)
        sent = dict(params, mailto=self.mailto)
        if self.api_key:
            sent["api_key"] = self.api_key
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(sent)}"
        host = urllib.parse.urlsplit(self.base_url).netloc
        request = urllib.request.Request(url, headers={
            "User-Agent": f"chinas-quantum-push-recomputed/{FILTER_VERSION} (mailto:{self.mailto})",
            "Accept": "application/json"})
        for attempt in range(1, self.max_attempts + 1):
            if self.calls:
                self.sleep(self.interval)
            self.calls += 1
            try:
                with self.opener(request, timeout=TIMEOUT) as response:
                    body = response.read()
            except urllib.error.HTTPError as err:
                transient = err.code == 429 or 500 <= err.code <= 599
                if not transient:
                    raise RefreshError(f"OpenAlex refused the query with HTTP {err.code}{_error_detail(err)} "
                                       f"({recorded}); check the filter (FILTER_VERSION {FILTER_VERSION}). "
                                       f"{NOTHING_WRITTEN}") from None
                hint = ("the daily allowance may be used up: try again tomorrow, or set OPENALEX_API_KEY"
                        if err.code == 429 else "OpenAlex seems to be having trouble: try again later")
                if attempt == self.max_attempts:
                    raise RefreshError(f"OpenAlex answered HTTP {err.code} {attempt} times for {recorded}; {hint}. "
                                       f"{NOTHING_WRITTEN}") from None
                delay = _retry_after(err.headers)
                delay = BASE_DELAY * 2 ** (attempt - 1) if delay is None else delay
                if delay > MAX_DELAY:
                    raise RefreshError(f"OpenAlex asks to wait {delay:.0f} s before retrying (HTTP {err.code}); "
                                       f"{hint}. {NOTHING_WRITTEN}") from None
                self.sleep(delay)
                continue
            except TimeoutError:
                if not self.successes:
                    raise NoNetwork(f"no network: {host} did not answer within {TIMEOUT} s; make refresh needs "
                                    f"internet access. {NOTHING_WRITTEN}") from None
                if attempt == self.max_attempts:
                    raise RefreshError(f"{host} timed out {attempt} times for {recorded}; try again later. "
                                       f"{NOTHING_WRITTEN}") from None
                self.sleep(BASE_DELAY * 2 ** (attempt - 1))
                continue
            except (urllib.error.URLError, OSError) as err:
                reason = getattr(err, "reason", err)
                raise NoNetwork(f"no network: could not reach {host} ({reason}); make refresh needs internet "
                                f"access. {NOTHING_WRITTEN}") from None
            self.successes += 1
            return body, _json_object(body, recorded)
        raise AssertionError("unreachable")  # pragma: no cover


def _json_object(body: bytes, url: str) -> dict:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise MalformedResponse(f"malformed response: OpenAlex sent something that is not JSON for {url} "
                                f"({err}). {NOTHING_WRITTEN}") from None
    if not isinstance(data, dict):
        raise MalformedResponse(f"malformed response: expected a JSON object for {url}. {NOTHING_WRITTEN}")
    return data


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def parse_groups(data: dict, url: str) -> tuple[int, dict[str, int], str | None]:
    """(meta.count, {country code: count}, meta.next_cursor) of one group_by page."""
    def bad(what: str) -> MalformedResponse:
        return MalformedResponse(f"malformed response: {what} in the answer to {url}. {NOTHING_WRITTEN}")

    meta, groups = data.get("meta"), data.get("group_by")
    if not isinstance(meta, dict) or not _is_count(meta.get("count")):
        raise bad("no meta.count (a whole number)")
    if not isinstance(groups, list):
        raise bad("no group_by list")
    counts: dict[str, int] = {}
    for group in groups:
        if not isinstance(group, dict) or not isinstance(group.get("key"), str) or not _is_count(group.get("count")):
            raise bad("a group_by entry without a text key and a whole-number count")
        code = group["key"].rstrip("/").rsplit("/", 1)[-1].upper()  # "https://openalex.org/countries/DE" or "DE"
        if code == "UNKNOWN":
            continue
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise bad(f"group key {group['key']!r} is not a country")
        if code in counts:
            raise bad(f"country {code} appears twice")
        if group["count"] > meta["count"]:
            raise bad(f"country {code} has more works ({group['count']}) than the query ({meta['count']})")
        counts[code] = group["count"]
    cursor = meta.get("next_cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise bad("meta.next_cursor is neither text nor null")
    return meta["count"], counts, cursor


# --- fetching everything (in memory) -----------------------------------------------------

@dataclass
class Snapshot:
    """Everything one refresh fetched, before anything is written."""

    retrieved: dt.date
    first_year: int
    last_year: int
    raw: dict[str, bytes] = field(default_factory=dict)        # file name -> response body
    index: list[dict] = field(default_factory=list)            # file name, query URL, retrieved
    totals: dict[tuple[int, bool], int] = field(default_factory=dict)
    counts: dict[tuple[int, bool], dict[str, int]] = field(default_factory=dict)
    urls: dict[tuple[int, bool], str] = field(default_factory=dict)
    synthetic: bool = False


def _keep(snapshot: Snapshot, name: str, url: str, body: bytes, data: dict) -> None:
    snapshot.raw[name] = body
    snapshot.index.append({"file": name, "query_url": url, "retrieved": snapshot.retrieved.isoformat()})
    snapshot.synthetic |= data.get("synthetic") is True


def fetch(client: Client, first_year: int, last_year: int, today: dt.date) -> Snapshot:
    if first_year > last_year:
        raise RefreshError(f"no years to fetch: {first_year} is after {last_year}. {NOTHING_WRITTEN}")
    snapshot = Snapshot(retrieved=today, first_year=first_year, last_year=last_year)
    for topic, expected in TOPICS.items():
        path = f"/topics/{topic}"
        body, data = client.get(path, {})
        url = query_url(path, {}, client.base_url)
        name = data.get("display_name")
        if not isinstance(name, str):
            raise MalformedResponse(f"malformed response: no display_name for topic {topic} ({url}). "
                                    f"{NOTHING_WRITTEN}")
        if name != expected:
            raise RefreshError(f"OpenAlex now names topic {topic} {name!r}, but FILTER_VERSION {FILTER_VERSION} "
                               f"was written for {expected!r}: review the filter in evidence/openalex.py and bump "
                               f"FILTER_VERSION. {NOTHING_WRITTEN}")
        _keep(snapshot, f"topic_{topic}.json", url, body, data)
    for year in range(first_year, last_year + 1):
        for with_partner in (False, True):
            params = works_params(year, with_partner)
            url = query_url("/works", params, client.base_url)
            total, counts, cursor, page = None, {}, "*", 0
            while cursor is not None:
                page += 1
                if page > MAX_PAGES:
                    raise MalformedResponse(f"malformed response: more than {MAX_PAGES} pages of groups for {url}. "
                                            f"{NOTHING_WRITTEN}")
                body, data = client.get("/works", dict(params, per_page="200", cursor=cursor))
                count, groups, cursor = parse_groups(data, url)
                if total is not None and count != total:
                    raise MalformedResponse(f"malformed response: meta.count changed between pages of {url}. "
                                            f"{NOTHING_WRITTEN}")
                total = count
                twice = set(groups) & set(counts)
                if twice:
                    raise MalformedResponse(f"malformed response: {sorted(twice)} on two pages of {url}. "
                                            f"{NOTHING_WRITTEN}")
                counts.update(groups)
                _keep(snapshot, f"works_{year}_{'with_cn' if with_partner else 'all'}_p{page}.json", url, body, data)
                if not groups:
                    break
            snapshot.totals[year, with_partner] = total
            snapshot.counts[year, with_partner] = counts
            snapshot.urls[year, with_partner] = url
    return snapshot


# --- rows --------------------------------------------------------------------------------

OUTPUT_FIELDS = ["year", "country", "works", "source", "locator", "retrieved", "filter_version", "grade", "note"]
COAUTHOR_FIELDS = ["year", "country", "works", "works_with_cn", "share", "source", "locator", "retrieved",
                   "filter_version", "grade", "note"]


def output_rows(snapshot: Snapshot) -> list[dict]:
    rows = []
    for year in range(snapshot.first_year, snapshot.last_year + 1):
        counts = snapshot.counts[year, False]
        largest = sorted(counts, key=lambda c: (-counts[c], c))[:TOP_N]
        countries = sorted(set(OUTPUT_COUNTRIES) | set(largest))
        common = {"source": SOURCE_KEY, "locator": snapshot.urls[year, False],
                  "retrieved": snapshot.retrieved.isoformat(), "filter_version": FILTER_VERSION, "grade": "A"}
        rows.append({"year": year, "country": WORLD, "works": snapshot.totals[year, False], **common,
                     "note": "meta.count: every work matching the filter, with or without a known country"})
        for country in countries:
            note = "" if country in OUTPUT_COUNTRIES else f"among the {TOP_N} largest countries that year"
            rows.append({"year": year, "country": country, "works": counts.get(country, 0), **common, "note": note})
    return rows


def coauthorship_rows(snapshot: Snapshot) -> list[dict]:
    rows = []
    for year in range(snapshot.first_year, snapshot.last_year + 1):
        counts, with_cn = snapshot.counts[year, False], snapshot.counts[year, True]
        locator = f"works: {snapshot.urls[year, False]} ; with CN: {snapshot.urls[year, True]}"
        for country in sorted(EUROPE):
            works, joint = counts.get(country, 0), with_cn.get(country, 0)
            if joint > works:
                raise MalformedResponse(f"malformed response: {country} has more works with China ({joint}) than "
                                        f"works in all ({works}) in {year}. {NOTHING_WRITTEN}")
            rows.append({"year": year, "country": country, "works": works, "works_with_cn": joint,
                         "share": round(100 * joint / works, 4) if works else "",
                         "source": SOURCE_KEY, "locator": locator, "retrieved": snapshot.retrieved.isoformat(),
                         "filter_version": FILTER_VERSION, "grade": "A",
                         "note": "" if works else "no works that year: share undefined"})
    return rows


def _csv_text(fields: list[str], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


# --- the data package descriptor -----------------------------------------------------------

_COMMON_FIELDS = {
    "source": {"name": "source", "type": "string",
               "description": "references.bib key of the dataset queried (OpenAlex).",
               "constraints": {"required": True, "enum": [SOURCE_KEY]}},
    "retrieved": {"name": "retrieved", "type": "date", "description": "Day the OpenAlex API was queried (UTC).",
                  "constraints": {"required": True}},
    "filter_version": {"name": "filter_version", "type": "string",
                       "description": "Version of the quantum filter and grouping (FILTER_VERSION in "
                                      "evidence/openalex.py, where each version is documented).",
                       "constraints": {"required": True, "pattern": r"^[0-9]+$"}},
    "grade": {"name": "grade", "type": "string",
              "description": "Reliability: A, counted directly in the original dataset through its API.",
              "constraints": {"required": True, "enum": ["A", "B", "C"]}},
    "note": {"name": "note", "type": "string", "description": "Caveats for this row."},
}
_YEAR = {"name": "year", "type": "integer", "description": "Publication year (OpenAlex publication_year).",
         "unit": "year", "constraints": {"required": True, "minimum": 2000, "maximum": 2100}}
_FILTER_NOTE = (f"Quantum works are those whose OpenAlex topics include {' or '.join(TOPICS)} "
                f"({'; '.join(f'{k} {v!r}' for k, v in TOPICS.items())}); quantum sensing and metrology are largely "
                f"missed. Whole counting by author affiliation country.")


def output_resource() -> dict:
    return {
        "name": OUTPUT_RESOURCE, "path": f"{OUTPUT_RESOURCE}.csv",
        "title": "Quantum research works per country and year (OpenAlex)",
        "description": "Works per publication year with at least one author affiliated in the country, counted in "
                       "OpenAlex by `python -m evidence.openalex refresh`. " + _FILTER_NOTE +
                       f" Country {WORLD} is the year's total. Raw responses are kept under data/openalex/raw/.",
        "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
        "schema": {"fields": [
            _YEAR,
            {"name": "country", "type": "string",
             "description": f"ISO 3166-1 alpha-2 code of an author affiliation country as OpenAlex assigns it, or "
                            f"{WORLD} for all works matching the filter. Listed: {', '.join(OUTPUT_COUNTRIES)}, plus "
                            f"any country among the year's {TOP_N} largest.",
             "constraints": {"required": True, "pattern": f"^([A-Z]{{2}}|{WORLD})$"}},
            {"name": "works", "type": "integer",
             "description": "Quantum works published that year with at least one author in the country (whole "
                            "counting); for WORLD, all quantum works of the year.",
             "unit": "works", "constraints": {"required": True, "minimum": 0}},
            _COMMON_FIELDS["source"],
            {"name": "locator", "type": "string",
             "description": "The query URL (without the caller's email, key and paging).",
             "constraints": {"required": True, "pattern": r"^https?://\S+$"}},
            _COMMON_FIELDS["retrieved"], _COMMON_FIELDS["filter_version"], _COMMON_FIELDS["grade"],
            _COMMON_FIELDS["note"]],
            "primaryKey": ["year", "country"]},
    }


def coauthorship_resource() -> dict:
    return {
        "name": COAUTHOR_RESOURCE, "path": f"{COAUTHOR_RESOURCE}.csv",
        "title": "Quantum works co-authored with China, by European country and year (OpenAlex)",
        "description": "For each European country (EU-27, GB, CH) and publication year: quantum works with an "
                       "author in the country, those that also have an author in China, and the share. Counted in "
                       "OpenAlex by `python -m evidence.openalex refresh`. " + _FILTER_NOTE,
        "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
        "schema": {"fields": [
            _YEAR,
            {"name": "country", "type": "string", "description": "ISO 3166-1 alpha-2 code of the European country.",
             "constraints": {"required": True, "enum": sorted(EUROPE)}},
            {"name": "works", "type": "integer",
             "description": "Quantum works published that year with at least one author in the country.",
             "unit": "works", "constraints": {"required": True, "minimum": 0}},
            {"name": "works_with_cn", "type": "integer",
             "description": "Of those, works that also have at least one author affiliated in China.",
             "unit": "works", "constraints": {"required": True, "minimum": 0}},
            {"name": "share", "type": "number",
             "description": "works_with_cn as a percentage of works (rounded to 4 decimals); empty when works is 0.",
             "unit": "percent", "constraints": {"minimum": 0, "maximum": 100}},
            _COMMON_FIELDS["source"],
            {"name": "locator", "type": "string",
             "description": "The two query URLs (all works; works with an author in China), without the caller's "
                            "email, key and paging.",
             "constraints": {"required": True, "pattern": r"^works: https?://\S+ ; with CN: https?://\S+$"}},
            _COMMON_FIELDS["retrieved"], _COMMON_FIELDS["filter_version"], _COMMON_FIELDS["grade"],
            _COMMON_FIELDS["note"]],
            "primaryKey": ["year", "country"],
            "foreignKeys": [{"fields": ["year", "country"],
                             "reference": {"resource": OUTPUT_RESOURCE, "fields": ["year", "country"]}}]},
    }


def _bump_minor(version: str) -> str:
    major, minor, _ = (int(x) for x in version.split("."))
    return f"{major}.{minor + 1}.0"


def updated_descriptor(descriptor: dict) -> dict:
    """The descriptor with both resources added or replaced (in place) and the minor version bumped."""
    new = {OUTPUT_RESOURCE: output_resource(), COAUTHOR_RESOURCE: coauthorship_resource()}
    resources = []
    for res in descriptor["resources"]:
        resources.append(new.pop(res["name"]) if res["name"] in new else res)
    resources += [new[name] for name in (OUTPUT_RESOURCE, COAUTHOR_RESOURCE) if name in new]
    return {**descriptor, "version": _bump_minor(descriptor["version"]), "resources": resources}


def updated_changelog(text: str | None, version: str, snapshot: Snapshot, n_output: int, n_coauthor: int) -> str:
    entry = (f"## {version} — {snapshot.retrieved.isoformat()}\n\n"
             f"- OpenAlex refresh (filter version {FILTER_VERSION}, publication years {snapshot.first_year}–"
             f"{snapshot.last_year}): `{OUTPUT_RESOURCE}` ({n_output} rows) and `{COAUTHOR_RESOURCE}` "
             f"({n_coauthor} rows) written; raw responses in `data/{RAW_DIR.as_posix()}/"
             f"{snapshot.retrieved.isoformat()}/`.\n\n")
    if not text:
        return "# Data package changelog\n\n" + entry
    lines = text.splitlines(keepends=True)
    for n, line in enumerate(lines):  # before the first released version (after any "Unreleased" section)
        if line.startswith("## ") and "unreleased" not in line.lower():
            return "".join(lines[:n]) + entry + "".join(lines[n:])
    return text.rstrip("\n") + "\n\n" + entry


# --- writing (all or nothing) --------------------------------------------------------------

@dataclass
class Result:
    version: str
    output_rows: int
    coauthorship_rows: int
    raw_dir: Path
    calls: int


def write(snapshot: Snapshot, data_dir: Path = DATA) -> Result:
    """Stage, validate and lock the refreshed package beside data_dir, then move it in."""
    from evidence.datapackage import lock

    data_dir = Path(data_dir).resolve()
    if snapshot.synthetic and data_dir == DATA.resolve():
        raise RefreshError(f"refusing to write synthetic test responses into {DATA}. {NOTHING_WRITTEN}")
    descriptor_path = data_dir / "datapackage.json"
    before = descriptor_path.read_bytes()
    outputs, coauthors = output_rows(snapshot), coauthorship_rows(snapshot)
    day = snapshot.retrieved.isoformat()
    with tempfile.TemporaryDirectory(prefix=".openalex-refresh-", dir=data_dir.parent) as tmp:
        stage = Path(tmp) / "data"
        shutil.copytree(data_dir, stage, ignore=shutil.ignore_patterns(RAW_DIR.parts[0]))
        (stage / f"{OUTPUT_RESOURCE}.csv").write_text(_csv_text(OUTPUT_FIELDS, outputs), encoding="utf-8")
        (stage / f"{COAUTHOR_RESOURCE}.csv").write_text(_csv_text(COAUTHOR_FIELDS, coauthors), encoding="utf-8")
        descriptor = updated_descriptor(json.loads(before.decode("utf-8")))
        (stage / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n",
                                                encoding="utf-8")
        changelog = stage / "CHANGELOG.md"
        changelog.write_text(updated_changelog(changelog.read_text(encoding="utf-8") if changelog.exists() else None,
                                               descriptor["version"], snapshot, len(outputs), len(coauthors)),
                             encoding="utf-8")
        raw = Path(tmp) / "raw"
        raw.mkdir()
        for name, body in snapshot.raw.items():
            (raw / name).write_bytes(body)
        (raw / "index.json").write_text(json.dumps({
            "filter_version": FILTER_VERSION, "filter": QUANTUM_FILTER, "group_by": GROUP_BY,
            "retrieved": day, "files": snapshot.index}, indent=2) + "\n", encoding="utf-8")
        problems = lock(stage)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise RefreshError(f"the refreshed data package does not validate: {problems[0]}{more}. {NOTHING_WRITTEN}")
        if descriptor_path.read_bytes() != before:
            raise RefreshError(f"{descriptor_path} changed while refreshing: run the refresh again. {NOTHING_WRITTEN}")
        # Commit: the snapshot first, the descriptor (with the new hashes) last.
        target = data_dir / RAW_DIR / day
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.move(str(target), str(Path(tmp) / "replaced-raw"))
        shutil.move(str(raw), str(target))
        for name in (f"{OUTPUT_RESOURCE}.csv", f"{COAUTHOR_RESOURCE}.csv", "CHANGELOG.md", "datapackage.json"):
            os.replace(stage / name, data_dir / name)
    return Result(descriptor["version"], len(outputs), len(coauthors), target, 0)


def refresh(*, data_dir: Path = DATA, first_year: int = FIRST_YEAR, last_year: int | None = None,
            mailto: str | None = None, api_key: str | None = None, base_url: str = API,
            opener: Opener = urllib.request.urlopen, sleep: Callable[[float], None] = time.sleep,
            today: dt.date | None = None) -> Result:
    """Fetch every series from OpenAlex, then write them into data_dir (all or nothing)."""
    mailto = os.environ.get("OPENALEX_MAILTO", "") if mailto is None else mailto
    if "@" not in mailto.strip():
        raise MissingMailto("OPENALEX_MAILTO is not set to an email address: OpenAlex asks callers to identify "
                            "themselves (polite pool). Run: OPENALEX_MAILTO=you@example.org make refresh. "
                            + NOTHING_WRITTEN)
    if not (Path(data_dir) / "datapackage.json").is_file():
        raise RefreshError(f"{data_dir} holds no datapackage.json: point --data-dir at the book's data folder. "
                           + NOTHING_WRITTEN)
    api_key = os.environ.get("OPENALEX_API_KEY") or None if api_key is None else api_key
    today = today or dt.datetime.now(dt.UTC).date()
    last_year = last_complete_year(today) if last_year is None else last_year
    client = Client(mailto=mailto.strip(), api_key=api_key, base_url=base_url.rstrip("/"), opener=opener, sleep=sleep)
    snapshot = fetch(client, first_year, last_year, today)
    result = write(snapshot, data_dir)
    result.calls = client.calls
    return result


# --- for the notebooks ---------------------------------------------------------------------

def series_available(name: str = OUTPUT_RESOURCE, data_dir: Path = DATA) -> bool:
    """True when data_dir/datapackage.json lists the resource (i.e. after a refresh)."""
    from evidence.datapackage import _rel, _trace

    path = Path(data_dir) / "datapackage.json"
    _trace(f"{_rel(path)}#{name}")  # the notebook goes stale when the resource appears
    if not path.exists():
        return False
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    return any(res.get("name") == name for res in descriptor.get("resources", []))


def leads_by_year(output, leader: str = PARTNER, rivals=None):
    """Per year: the leader's works, the largest rival and its works, and whether the leader is ahead.

    ``output`` is the openalex_output table; rivals default to every other country in it.
    """
    import pandas as pd

    frame = output[output["country"] != WORLD]
    if rivals is not None:
        frame = frame[frame["country"].isin([leader, *rivals])]
    rows = []
    for year, group in frame.groupby("year", sort=True):
        own = group.loc[group["country"] == leader, "works"]
        others = group[group["country"] != leader].sort_values(["works", "country"], ascending=[False, True])
        if own.empty or others.empty:
            continue
        top = others.iloc[0]
        rows.append({"year": int(year), "leader_works": int(own.iloc[0]), "top_rival": top["country"],
                     "top_rival_works": int(top["works"]), "leads": bool(own.iloc[0] > top["works"])})
    return pd.DataFrame(rows, columns=["year", "leader_works", "top_rival", "top_rival_works", "leads"])


def crossover_year(output, leader: str = PARTNER, rivals=None) -> int | None:
    """First year of the unbroken run of years, up to the last one, in which the leader is ahead.

    None when the leader is not ahead in the last year of the series.
    """
    leads = leads_by_year(output, leader, rivals)
    if leads.empty or not leads["leads"].iloc[-1]:
        return None
    year = int(leads["year"].iloc[-1])
    for row in leads.iloc[::-1].itertuples():
        if not row.leads:
            break
        year = int(row.year)
    return year


def peak_years(coauthorship):
    """Per country: the year its co-authorship share with China was highest (earliest if tied)."""
    import pandas as pd

    rows = []
    for country, group in coauthorship.dropna(subset=["share"]).groupby("country", sort=True):
        group = group.sort_values("year")
        best = group.loc[group["share"].idxmax()]
        rows.append({"country": country, "peak_year": int(best["year"]), "peak_share": float(best["share"])})
    return pd.DataFrame(rows, columns=["country", "peak_year", "peak_share"])


# --- command line --------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evidence.openalex", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("refresh", "query OpenAlex and rewrite the two series in data/ (needs network)"),
                       ("plan", "print the queries a refresh would make (no network)")):
        command = sub.add_parser(name, help=text)
        command.add_argument("--first-year", type=int, default=FIRST_YEAR)
        command.add_argument("--last-year", type=int, default=None, help="default: the last complete year")
        if name == "refresh":
            command.add_argument("--data-dir", type=Path, default=DATA)
            command.add_argument("--base-url", default=API, help="another API address (for tests)")
    args = parser.parse_args(argv)
    if args.command == "plan":
        print("\n".join(plan(args.first_year, args.last_year)))
        return 0
    try:
        result = refresh(data_dir=args.data_dir, first_year=args.first_year, last_year=args.last_year,
                         base_url=args.base_url)
    except RefreshError as err:
        print(f"refresh failed: {err}", file=sys.stderr)
        return 1
    print(f"OpenAlex refresh done ({result.calls} requests): {result.output_rows} rows in "
          f"{OUTPUT_RESOURCE}.csv, {result.coauthorship_rows} in {COAUTHOR_RESOURCE}.csv, raw responses in "
          f"{result.raw_dir}; data package {result.version} locked.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
