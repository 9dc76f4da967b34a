"""Tables for readers: human column labels, linked author-year citations, numbers to their precision.

``table(frame, caption=...)`` renders a pandas frame as plain, deterministic HTML (no pandas
Styler: its random ids would break nbval):

- headers: the label the call gives (``labels={...}``), else the column's ``title`` in
  data/datapackage.json when it is a field of the frame's resource (``frame.attrs["resource"]``,
  set by ``evidence.load``, or ``resource=``), else the label of a column evidence computes
  (COMPUTED), else the column name with its underscores read as spaces: never a label that
  neither the package, the code nor the call states;
- a cell holding references.bib keys ('a; b' names two) shows 'McKinsey & Company (2022)'
  linked to its entry on the References page (evidence.references.anchor); a key named in
  free text (a note's '(tqi2024dilution)') shows as its linked citation too;
- numbers: whole numbers with thousands separators (years and codes without), decimals as
  recorded (at most three) or, for a computed value, three significant figures;
  ``formats={"ratio": ".1f"}`` states a column's precision where a claim needs one;
  True/False as yes/no; an empty cell (NaN, <NA>, None, '') as "—".

Every cell is escaped: data is never markup.
"""
from __future__ import annotations

import html
import json
import math
import numbers
import re
from functools import lru_cache

import pandas as pd

from evidence import DATA
from evidence.chart_spec import source_keys
from evidence.references import anchor, entries, short_cite
from evidence.trace import trace

EMPTY = "—"
REFERENCES_PAGE = "../book/references.html"   # from a chapter (notebooks/NAME.html)
MISSING_TEXT = {"", "nan", "NaN", "<NA>", "NaT", "None"}   # what str() makes of a missing value
UNGROUPED_UNITS = {"year", "code (no unit)", "position", "grid row", "grid column"}
RECORDED_DECIMALS = 3
SIGNIFICANT = 3
MAX_DECIMALS = 6
NUM = ' class="evidence-num"'


# Columns that evidence's own functions compute, with the meaning those functions give them.
COMPUTED = {
    "usd_low": "USD, low (millions)",      # evidence.money.to_usd
    "usd_high": "USD, high (millions)",
    "units_per_usd": "Units per USD",
    "rate_source": "Rate source",
}


@lru_cache(maxsize=1)
def _fields() -> dict[str, dict[str, dict]]:
    """{resource: {field name: field}} from data/datapackage.json."""
    package = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    return {res["name"]: {f["name"]: f for f in res.get("schema", {}).get("fields", [])
                          if isinstance(f, dict) and isinstance(f.get("name"), str)}
            for res in package.get("resources", []) if isinstance(res, dict) and "name" in res}


def data_field(column, resource: str | None) -> dict | None:
    """The field of ``resource`` a column is, or None (no resource named, or not one of its fields).

    Only the frame's own resource counts: a computed column may share a name with another
    resource's field (spending's share of a world total is not co-authorship's share).
    """
    if resource is None:
        return None
    if resource not in _fields():
        raise KeyError(f"table: no resource {resource!r} in data/datapackage.json; name one of its resources")
    return _fields()[resource].get(str(column))


def column_label(column, labels: dict | None = None, resource: str | None = None) -> str:
    """The header a reader sees for one column (see the module's docstring for the order)."""
    if labels and column in labels:
        return labels[column]
    field = data_field(column, resource)
    if field and isinstance(field.get("title"), str):
        trace(f"data/datapackage.json#{resource}")
        return field["title"]
    if column in COMPUTED:
        return COMPUTED[column]
    text = str(column).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def is_empty(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() in MISSING_TEXT


def _is_number(value) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool) and not is_empty(value)


def _recorded_decimals(value: float) -> int | None:
    """The decimals a number was written with (4.2 -> 1), or None when it has more than three: computed."""
    text = repr(float(value))
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else None
    return decimals if decimals is not None and decimals <= RECORDED_DECIMALS else None


def cell_decimals(value: float) -> int:
    """Decimals to show: none for a whole number, those recorded (at most three), else three
    significant figures for a computed value (0.35714285 -> 0.357, 1234.5678 -> 1,235)."""
    value = float(value)
    if value.is_integer():
        return 0
    recorded = _recorded_decimals(value)
    if recorded is not None:
        return recorded
    return max(0, min(MAX_DECIMALS, SIGNIFICANT - 1 - math.floor(math.log10(abs(value)))))


def number_text(value, grouped: bool = True, spec: str | None = None) -> str:
    """One number as a reader sees it: '15,300', '4.2', '0.357'; ``spec`` a format such as '.1f' or '.0%'."""
    if spec:
        text = format(value, spec)
    elif not math.isfinite(value):
        text = "∞" if value > 0 else "-∞"
    elif value != 0 and abs(value) < 10 ** -MAX_DECIMALS:
        text = f"{value:.{SIGNIFICANT}g}"
    else:
        text = f"{value:{',' if grouped else ''}.{cell_decimals(value)}f}"
    if re.fullmatch(r"-0(\.0*)?%?", text):  # a negative number that rounds to zero
        text = text[1:]
    return text.replace("-", "\u2212")


def cited_keys(value) -> list[str] | None:
    """The references.bib keys a cell holds ('a; b'), or None when it is not (only) keys."""
    keys = source_keys(value)
    known = entries()
    return keys if keys and all(k in known for k in keys) else None


def _cite_link(key: str, text: str) -> str:
    return f'<a class="evidence-cite" href="{REFERENCES_PAGE}#{anchor(key)}">{html.escape(text)}</a>'


def citation_html(keys: list[str]) -> str:
    """'McKinsey & Company (2022); …' with each citation linked to its References entry, escaped."""
    return "; ".join(_cite_link(k, short_cite(k)) for k in keys)


@lru_cache(maxsize=1)
def _key_in_text() -> re.Pattern:
    """A references.bib key standing as a word of free text (not part of an address or a longer word),
    with the parentheses around it when it stands alone in them."""
    keys = "|".join(sorted(map(re.escape, entries()), key=len, reverse=True))
    return re.compile(rf"(\()?(?<![\w/.-])({keys})(?![\w/-])(?(1)\))")


def text_html(text: str) -> str:
    """Free text, escaped, with every references.bib key in it shown as its linked citation:
    'The Quantum Insider (tqi2024dilution) reports' -> 'The Quantum Insider (Swayne, 2024) reports'."""
    out, at = [], 0
    for match in _key_in_text().finditer(text):
        key = match.group(2)
        out.append(html.escape(text[at:match.start()]))
        if match.group(1):
            inline = re.sub(r" \(([^()]*)\)$", r", \1", short_cite(key))
            out.append("(" + _cite_link(key, inline) + ")")
        else:
            out.append(_cite_link(key, short_cite(key)))
        at = match.end()
    return "".join(out) + html.escape(text[at:])


def _ungrouped(column, resource: str | None) -> bool:
    field = data_field(column, resource)
    unit = field.get("unit") if field else None
    return unit in UNGROUPED_UNITS or bool(re.search(r"(^|_)(year|code)$", str(column)))


def column_cells(column, values: pd.Series, spec: str | None = None, resource: str | None = None) -> list[str]:
    """Every cell of one column as escaped HTML."""
    grouped = not _ungrouped(column, resource)
    cells = []
    for value in values:
        if is_empty(value):
            cells.append(EMPTY)
        elif isinstance(value, bool) or type(value).__name__ == "bool_":
            cells.append("yes" if value else "no")
        elif _is_number(value):
            cells.append(html.escape(number_text(value, grouped, spec)))
        elif (keys := cited_keys(value)) is not None:
            cells.append(citation_html(keys))
        else:
            cells.append(text_html(str(value)))
    return cells


def _numeric(values: pd.Series) -> bool:
    """Whether a column holds numbers only (empty cells aside), and at least one."""
    present = [v for v in values.astype(object) if not is_empty(v)]
    return bool(present) and all(_is_number(v) for v in present)


def table_html(frame: pd.DataFrame, *, labels: dict | None = None, formats: dict | None = None,
               resource: str | None = None) -> str:
    """The frame as an HTML table for readers (no index)."""
    resource = resource or frame.attrs.get("resource")
    unknown = sorted(set(labels or {}) | set(formats or {}), key=str)
    unknown = [c for c in unknown if c not in frame.columns]
    if unknown:
        raise KeyError(f"table: labels or formats name columns the table does not have: {', '.join(map(str, unknown))}")
    columns = list(frame.columns)
    # A column of numbers is set right-aligned in tabular figures (evidence.css), its header too.
    numeric = [_numeric(frame[c]) for c in columns]
    heads = "".join(f'<th scope="col"{NUM if num else ""}>{html.escape(column_label(c, labels, resource))}</th>'
                    for c, num in zip(columns, numeric, strict=True))
    cells = [column_cells(c, frame[c].astype(object), (formats or {}).get(c), resource) for c in columns]
    rows = "".join("<tr>" + "".join(f"<td{NUM if num else ''}>{cell}</td>"
                                    for cell, num in zip(row, numeric, strict=True)) + "</tr>\n"
                   for row in zip(*cells, strict=True))
    return (f'<table class="dataframe evidence-table">\n<thead><tr>{heads}</tr></thead>\n'
            f"<tbody>\n{rows}</tbody>\n</table>")
