"""Every query of a refresh, answered into memory (nothing is written here).

The queries are defined in ``evidence.openalex`` (what the chapters describe); this module
pages through their groups with a cursor (``cursor=*``, then ``meta.next_cursor``, at most
PER_PAGE groups a page, the documented maximum), checks each answer's shape and keeps every
response body for the raw snapshot.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from evidence.openalex import FILTER_VERSION, TOPICS, query_url, works_params
from tools.refresh.client import Client
from tools.refresh.errors import NOTHING_WRITTEN, MalformedResponse, RefreshError

PER_PAGE = 100   # documented range of per_page: 1-100
MAX_PAGES = 20   # of groups per query (there are about 250 countries)


def last_complete_year(today: dt.date | None = None) -> int:
    return (today or dt.date.today()).year - 1


def plan(first_year: int, last_year: int) -> list[str]:
    """The readable URL of every query a refresh makes (before paging)."""
    urls = [query_url(f"/topics/{t}", {}) for t in TOPICS]
    for year in range(first_year, last_year + 1):
        urls += [query_url("/works", works_params(year, p)) for p in (False, True)]
    return urls


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def country_code(key: str) -> str:
    """'https://openalex.org/countries/DE' or 'DE' -> 'DE' (the two forms OpenAlex uses)."""
    return key.rstrip("/").rsplit("/", 1)[-1].upper()


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
        code = country_code(group["key"])
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
    if cursor is not None and (not isinstance(cursor, str) or not cursor):
        raise bad("meta.next_cursor is neither text nor null")
    return meta["count"], counts, cursor


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

    def keep(self, name: str, url: str, body: bytes, data: dict) -> None:
        self.raw[name] = body
        self.index.append({"file": name, "query_url": url, "retrieved": self.retrieved.isoformat()})
        self.synthetic |= data.get("synthetic") is True


def check_topics(client: Client, snapshot: Snapshot) -> None:
    """The topics still carry the names the filter version was written for."""
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
        snapshot.keep(f"topic_{topic}.json", url, body, data)


def fetch_groups(client: Client, snapshot: Snapshot, year: int, with_partner: bool) -> None:
    """All groups of one year's query, page by page, into the snapshot."""
    params = works_params(year, with_partner)
    url = query_url("/works", params, client.base_url)
    kind = "with_cn" if with_partner else "all"
    total, counts, cursor, page = None, {}, "*", 0
    while cursor is not None:
        page += 1
        if page > MAX_PAGES:
            raise MalformedResponse(f"malformed response: more than {MAX_PAGES} pages of groups for {url}. "
                                    f"{NOTHING_WRITTEN}")
        body, data = client.get("/works", dict(params, per_page=str(PER_PAGE), cursor=cursor))
        count, groups, cursor = parse_groups(data, url)
        if total is not None and count != total:
            raise MalformedResponse(f"malformed response: meta.count changed between pages of {url}. "
                                    f"{NOTHING_WRITTEN}")
        total = count
        twice = set(groups) & set(counts)
        if twice:
            raise MalformedResponse(f"malformed response: {sorted(twice)} on two pages of {url}. {NOTHING_WRITTEN}")
        counts.update(groups)
        snapshot.keep(f"works_{year}_{kind}_p{page}.json", url, body, data)
        if not groups:
            break  # the documented end: an empty page (with or without a null cursor)
    snapshot.totals[year, with_partner] = total
    snapshot.counts[year, with_partner] = counts
    snapshot.urls[year, with_partner] = url  # the locator names the address actually queried


def fetch(client: Client, first_year: int, last_year: int, today: dt.date) -> Snapshot:
    if first_year > last_year:
        raise RefreshError(f"no years to fetch: {first_year} is after {last_year}. {NOTHING_WRITTEN}")
    snapshot = Snapshot(retrieved=today, first_year=first_year, last_year=last_year)
    check_topics(client, snapshot)
    for year in range(first_year, last_year + 1):
        for with_partner in (False, True):
            fetch_groups(client, snapshot, year, with_partner)
    return snapshot
