"""``make refresh``: re-measure the OpenAlex series of the data package, all or nothing.

    OPENALEX_API_KEY=... make refresh               # python -m tools.refresh
    .venv/bin/python -m tools.refresh plan          # list the queries, no network
    python3 -m tools.refresh check                  # only check the environment

What is counted is defined, and documented, in ``evidence.openalex`` (the chapters describe
the same filter). This package does the measuring:

- ``settings``: OPENALEX_API_KEY (required), OPENALEX_API, OPENALEX_MAILTO, checked first;
- ``client``: spaced GETs, retries and the documented meaning of 403 and 429;
- ``fetch``: the queries, cursor paging of the groups, shape checks, all in memory;
- ``rows``: the two series in the columns their schemas in data/datapackage.json declare;
- ``write``: staging, the new data version (``tools.release``), validation, lock, atomic moves.
"""
from __future__ import annotations

import datetime as dt
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from evidence import DATA
from evidence.openalex import FIRST_YEAR
from tools.refresh.errors import NOTHING_WRITTEN, RefreshError
from tools.refresh.settings import Settings


def refresh(settings: Settings, *, data_dir: Path = DATA, first_year: int = FIRST_YEAR, last_year: int | None = None,
            opener: Callable = urllib.request.urlopen, sleep: Callable[[float], None] = time.sleep,
            today: dt.date | None = None):
    """Fetch every series from OpenAlex, then write them into data_dir (all or nothing)."""
    from tools.refresh.client import Client
    from tools.refresh.fetch import fetch, last_complete_year
    from tools.refresh.write import write

    if not (Path(data_dir) / "datapackage.json").is_file():
        raise RefreshError(f"{data_dir} holds no datapackage.json: point --data-dir at the book's data folder. "
                           + NOTHING_WRITTEN)
    today = today or dt.datetime.now(dt.UTC).date()
    last_year = last_complete_year(today) if last_year is None else last_year
    client = Client(settings, opener=opener, sleep=sleep)
    snapshot = fetch(client, first_year, last_year, today)
    result = write(snapshot, data_dir)
    result.calls = client.calls
    return result
