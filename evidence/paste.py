"""Paste computed values into the prose (myst-nb glue), as plain Python numbers, with the rows
they were computed from.

``paste(key, value, rows=frame)`` glues ``value`` as myst-nb's ``glue`` does and records, in the
output's metadata (``evidence_provenance``), the data rows it was given: their fields, their
source as an author-year citation, locator and grade, and the exchange rate applied to them
(the ``units_per_usd``/``rate_*`` columns of :func:`evidence.money.to_usd`). The site shows that
record as a panel behind the number (tools/sphinx_provenance.py). Values are recorded as
text, never as markup: the site escapes every one of them.
"""
from __future__ import annotations

import dataclasses
import numbers

import pandas as pd

# Shown as the row's provenance line, not among its fields.
PROVENANCE_COLUMNS = ("source", "locator", "grade", "units_per_usd", "rate_source", "rate_locator",
                      "rate_grade", "note")
ID_COLUMNS = ("id", "claim_id")
MAX_ROWS = 40  # a panel is a glance; more rows than this are counted, and stay in the chapter's tables
METADATA_KEY = "evidence_provenance"


def paste(key: str, value, rows=None, show: tuple[str, ...] | None = None) -> None:
    """Glue ``value`` under ``key`` for ``{glue:text}`key:fmt``` in the prose.

    ``rows`` (a DataFrame, a row as a Series, a dataclass such as a claim reading, or a list of
    these) are the data the value was computed from; ``show`` names the columns to list for each
    row (all but the provenance columns when omitted). NumPy scalars are turned into Python
    numbers first: their repr (``np.float64(15.3)``) cannot be formatted by the glue role.
    """
    from IPython.core.formatters import format_display_data
    from IPython.display import display
    from myst_nb.ext.glue import GLUE_PREFIX

    bundle, metadata = format_display_data(plain_value(value))
    metadata["scrapbook"] = {"name": key, "mime_prefix": GLUE_PREFIX}
    if rows is not None:
        metadata[METADATA_KEY] = provenance(rows, show)
    display({GLUE_PREFIX + mime: data for mime, data in bundle.items()}, raw=True, metadata=metadata)


def plain_value(value):
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        return value
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def provenance(rows, show: tuple[str, ...] | None = None) -> dict:
    """The record a panel shows: {"rows": [...], "omitted": n}; every value a string."""
    records = as_records(rows)  # none for a count of zero: the panel says no row counts
    unknown = [c for c in show or () if records and not any(c in r for r in records)]
    if unknown:
        raise KeyError(f"paste(show=...) names {', '.join(unknown)}, which none of the rows has")
    return {"rows": [described(r, show) for r in records[:MAX_ROWS]], "omitted": max(0, len(records) - MAX_ROWS)}


def as_records(rows) -> list[dict]:
    if isinstance(rows, pd.DataFrame):
        if rows.index.name and rows.index.name not in rows.columns:
            rows = rows.reset_index()  # rows looked up by a column (frame.set_index("id")): keep it
        return [dict(zip(rows.columns, values, strict=True)) for values in rows.itertuples(index=False)]
    if isinstance(rows, pd.Series):
        record = rows.to_dict()
        if isinstance(rows.name, str) and not any(c in record for c in ID_COLUMNS):
            record = {"id": rows.name, **record}  # a row looked up by its id (frame.set_index("id"))
        return [record]
    if dataclasses.is_dataclass(rows) and not isinstance(rows, type):
        return [dataclasses.asdict(rows)]
    if isinstance(rows, dict):
        return [rows]
    if isinstance(rows, list | tuple):
        return [record for part in rows for record in as_records(part)]
    raise TypeError(f"paste(rows=...) takes a DataFrame, a Series, a dataclass or a list of them, "
                    f"not {type(rows).__name__}")


def described(record: dict, show: tuple[str, ...] | None) -> dict:
    ident = next((text(record[c]) for c in ID_COLUMNS if c in record and text(record[c])), "")
    names = show if show is not None else [c for c in record if c not in PROVENANCE_COLUMNS and c not in ID_COLUMNS]
    fields = [[c.replace("_", " "), text(record.get(c), c)] for c in names if text(record.get(c), c)]
    return {"id": ident, "fields": fields, "source": cited(record.get("source")),
            "locator": text(record.get("locator")), "grade": text(record.get("grade")), "rate": rate(record)}


def cited(keys) -> list[dict]:
    """Each ';'-separated references.bib key as {"cite": 'McKinsey & Company (2022)', "url": ...}."""
    from evidence.chart_spec import source_keys
    from evidence.references import short_cite, web_address

    return [{"cite": short_cite(k), "url": web_address(k)} for k in source_keys(text(keys))]


def rate(record: dict) -> str:
    """'1 USD = 6.7518 CNY (price year 2017), Federal Reserve (2021), grade A: locator' or ''."""
    source = text(record.get("rate_source"))
    if not source:
        return ""  # USD rows, and rows no rate was applied to
    if source == "no sourced rate":
        return "no sourced rate for this currency and year: not converted"
    parts = [f"1 USD = {text(record.get('units_per_usd'))} {text(record.get('currency'))}"
             f" (price year {text(record.get('price_year'), 'price_year')})",
             ", ".join(c["cite"] for c in cited(source))]
    if text(record.get("rate_grade")):
        parts.append(f"grade {text(record['rate_grade'])}")
    line = ", ".join(parts)
    return f"{line}: {text(record['rate_locator'])}" if text(record.get("rate_locator")) else line


def text(value, column: str = "") -> str:
    """A cell as a reader reads it: '' for empty, 15300.0 as '15,300', 0.1 as '0.1', a year as 2022."""
    if value is None or (not isinstance(value, str | list | tuple | dict) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    grouping = "" if "year" in column or "date" in column or "period" in column else ","
    if isinstance(value, numbers.Integral):
        return f"{int(value):{grouping}}"
    if isinstance(value, numbers.Real):
        number = float(value)
        return f"{int(number):{grouping}}" if number.is_integer() and abs(number) < 1e15 else f"{number:,.6g}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)
