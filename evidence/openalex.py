"""The OpenAlex series as the chapters read them: what is counted, and the analyses.

The series themselves are measured by ``make refresh`` (the tool in ``tools/refresh``); their
schemas are the resources ``openalex_output`` and ``openalex_coauthorship`` of
``data/datapackage.json``, whose CSVs hold only a header until a refresh has filled them.

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
"""
from __future__ import annotations

import csv
import json
import urllib.parse
from pathlib import Path

from evidence import DATA

API = "https://api.openalex.org"  # the address row locators name (a refresh may query a mirror)
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

SOURCE_KEY = "openalex2022"
OUTPUT_RESOURCE = "openalex_output"
COAUTHOR_RESOURCE = "openalex_coauthorship"


def works_params(year: int, with_partner: bool) -> dict[str, str]:
    """The filter and grouping of one year's query (without key, email or paging)."""
    filters = [QUANTUM_FILTER, f"publication_year:{year}"]
    if with_partner:
        filters.append(f"{GROUP_BY}:{PARTNER}")
    return {"filter": ",".join(filters), "group_by": GROUP_BY}


def query_url(path: str, params: dict[str, str], base_url: str = API) -> str:
    """The readable URL recorded as a row's locator (no email, key, paging)."""
    query = urllib.parse.urlencode(params, safe=":|,")
    return f"{base_url}{path}" + (f"?{query}" if query else "")


# --- for the notebooks ---------------------------------------------------------------------

def series_available(name: str = OUTPUT_RESOURCE, data_dir: Path = DATA) -> bool:
    """True when the resource's CSV holds at least one row (i.e. after a refresh)."""
    from evidence.problems import rel as _rel
    from evidence.trace import trace as _trace

    descriptor_path = Path(data_dir) / "datapackage.json"
    if not descriptor_path.exists():
        return False
    resources = json.loads(descriptor_path.read_text(encoding="utf-8")).get("resources", [])
    path = next((Path(data_dir) / r["path"] for r in resources if r.get("name") == name and r.get("path")), None)
    if path is None:
        return False
    _trace(_rel(path))  # the notebook goes stale when the refresh writes rows
    if not path.exists():
        return False
    with path.open(encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        next(rows, None)  # the header
        return any(row for row in rows)


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
