"""The rows of the two series, from a snapshot, in the columns their schemas declare.

The schemas are the resources ``openalex_output`` and ``openalex_coauthorship`` of
``data/datapackage.json`` (the one description the validator, the Data page and this module
read): the column order comes from their fields, the European countries of the co-authorship
series from the ``enum`` of its ``country`` field.
"""
from __future__ import annotations

import csv
import io

from evidence.openalex import COAUTHOR_RESOURCE, FILTER_VERSION, OUTPUT_RESOURCE, PARTNER, SOURCE_KEY, WORLD
from tools.refresh.errors import NOTHING_WRITTEN, MalformedResponse, RefreshError
from tools.refresh.fetch import Snapshot

EU27 = ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
        "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK")
# Works per country and year are stored for these, plus any country among a year's TOP_N largest
# (so "more than any other country" is checked against every possible contender).
OUTPUT_COUNTRIES = ("CN", "US", *EU27, "GB", "CH", "JP", "KR", "IN", "CA", "AU")
TOP_N = 10


def schema(descriptor: dict, name: str) -> dict:
    for res in descriptor.get("resources", []):
        if res.get("name") == name:
            return res["schema"]
    raise RefreshError(f"data/datapackage.json has no resource {name!r}: restore it from git "
                       f"(git checkout -- data/datapackage.json). {NOTHING_WRITTEN}")


def columns(descriptor: dict, name: str) -> list[str]:
    return [f["name"] for f in schema(descriptor, name)["fields"]]


def european_countries(descriptor: dict) -> list[str]:
    """The countries the co-authorship series covers: its schema's country enum."""
    country = next((f for f in schema(descriptor, COAUTHOR_RESOURCE)["fields"] if f["name"] == "country"), {})
    enum = country.get("constraints", {}).get("enum")
    if not enum:
        raise RefreshError(f"data/datapackage.json: {COAUTHOR_RESOURCE}.country has no enum of countries: restore "
                           f"it from git. {NOTHING_WRITTEN}")
    return sorted(enum)


def _common(snapshot: Snapshot, locator: str) -> dict:
    return {"source": SOURCE_KEY, "locator": locator, "retrieved": snapshot.retrieved.isoformat(),
            "filter_version": FILTER_VERSION, "grade": "A"}


def output_rows(snapshot: Snapshot) -> list[dict]:
    rows = []
    for year in range(snapshot.first_year, snapshot.last_year + 1):
        counts = snapshot.counts[year, False]
        largest = sorted(counts, key=lambda c: (-counts[c], c))[:TOP_N]
        common = _common(snapshot, snapshot.urls[year, False])
        rows.append({"year": year, "country": WORLD, "works": snapshot.totals[year, False], **common,
                     "note": "meta.count: every work matching the filter, with or without a known country"})
        for country in sorted(set(OUTPUT_COUNTRIES) | set(largest)):
            note = "" if country in OUTPUT_COUNTRIES else f"among the {TOP_N} largest countries that year"
            rows.append({"year": year, "country": country, "works": counts.get(country, 0), **common, "note": note})
    return rows


def coauthorship_rows(snapshot: Snapshot, countries: list[str]) -> list[dict]:
    rows = []
    for year in range(snapshot.first_year, snapshot.last_year + 1):
        counts, with_partner = snapshot.counts[year, False], snapshot.counts[year, True]
        common = _common(snapshot, f"works: {snapshot.urls[year, False]} ; with {PARTNER}: "
                                   f"{snapshot.urls[year, True]}")
        for country in countries:
            works, joint = counts.get(country, 0), with_partner.get(country, 0)
            if joint > works:
                raise MalformedResponse(f"malformed response: {country} has more works with China ({joint}) than "
                                        f"works in all ({works}) in {year}. {NOTHING_WRITTEN}")
            rows.append({"year": year, "country": country, "works": works, "works_with_cn": joint,
                         "share": round(100 * joint / works, 4) if works else "", **common,
                         "note": "" if works else "no works that year: share undefined"})
    return rows


def csv_text(fields: list[str], rows: list[dict]) -> str:
    """The CSV in the schema's column order; a row key the schema does not know is a bug here."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    try:
        writer.writerows(rows)
    except ValueError as err:
        raise RefreshError(f"the rows do not fit the schema in data/datapackage.json ({err}): align "
                           f"tools/refresh/rows.py with it. {NOTHING_WRITTEN}") from None
    return out.getvalue()


def series(snapshot: Snapshot, descriptor: dict) -> dict[str, str]:
    """{resource name: CSV text} of both series."""
    return {OUTPUT_RESOURCE: csv_text(columns(descriptor, OUTPUT_RESOURCE), output_rows(snapshot)),
            COAUTHOR_RESOURCE: csv_text(columns(descriptor, COAUTHOR_RESOURCE),
                                        coauthorship_rows(snapshot, european_countries(descriptor)))}
