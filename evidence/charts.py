"""The book's chart style and an offline-safe way to show Altair charts.

Every chart is shown with ``figure(...)``: a title that states the finding (set on the
chart), a one-sentence description for screen readers, a source line and a download of
exactly the rows drawn (spreadsheet-safe: evidence.csv_safety). The output is plain HTML with
the Vega-Lite spec as JSON; the site's own ``evidence-charts.js`` draws it with the vega bundle served from ``_static``
(made at build time from the installed vl-convert package), so no page needs a CDN.
Element ids derive from the chart's name, so re-executed outputs compare equal in nbval.
"""
from __future__ import annotations

import html
import json
import re
import urllib.parse

import altair as alt
import pandas as pd
from IPython.display import HTML, display

from evidence.csv_safety import frame_csv
from evidence.references import short_cite

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies.
# Yellow comes last: on white it is the hardest to see.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"]
VERDICT_COLOURS = {"confirmed": "#009E73", "qualified": "#E69F00", "contradicted": "#D55E00",
                   "unverified": "#7F7F7F"}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def _theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": FONT,
            "range": {"category": PALETTE},
            "title": {"anchor": "start", "fontSize": 15, "fontWeight": 600, "subtitleFontSize": 12,
                      "subtitleColor": "#444", "limit": 0},
            "axis": {"labelFontSize": 12, "titleFontSize": 12, "titleFontWeight": 500, "gridColor": "#e6e6e6",
                     "labelLimit": 260},
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom", "columns": 2},
            "view": {"stroke": None, "continuousHeight": 300},
            "autosize": {"type": "fit-x", "contains": "padding"},
        }
    }


alt.theme.register("evidence", enable=True)(_theme)


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    if not slug:
        raise ValueError(f"chart name {name!r} gives an empty id; use letters and digits")
    return slug


def source_line(keys) -> str:
    """'Source: A (2022); B (2024).' from references.bib keys, in first-seen order."""
    unique = list(dict.fromkeys(k for k in keys if k))
    return "Source: " + "; ".join(short_cite(k) for k in unique) + "."


def _title_html(title) -> str:
    """The chart's title as HTML above the chart, where it wraps on narrow screens."""
    if title is None:
        raise ValueError("every chart needs a title that states its finding: chart.properties(title=...)")
    if isinstance(title, (str, list)):
        title = {"text": title}
    lines = lambda t: " ".join(t) if isinstance(t, list) else t  # noqa: E731
    out = f'<p class="evidence-chart-title">{html.escape(lines(title["text"]))}</p>'
    if title.get("subtitle"):
        out += f'<p class="evidence-chart-subtitle">{html.escape(lines(title["subtitle"]))}</p>'
    return out


def figure(chart: alt.TopLevelMixin, *, name: str, description: str, data: pd.DataFrame, sources) -> None:
    """Display ``chart`` as an accessible, offline figure with a download of ``data``.

    ``data`` must be exactly the rows drawn; ``sources`` the bib keys they come from.
    """
    display(_figure_html(chart, name=name, description=description, data=data, sources=sources))


def _figure_html(chart, *, name, description, data, sources) -> HTML:
    slug = _slug(name)
    spec = chart.properties(width="container", description=description).to_dict()
    title = _title_html(spec.pop("title", None))
    spec_json = json.dumps(spec, sort_keys=True, ensure_ascii=False).replace("<", "\\u003c")
    # Spreadsheet-safe: no cell is read as a formula, and a BOM so that non-ASCII text opens correctly.
    csv_uri = "data:text/csv;charset=utf-8," + urllib.parse.quote(frame_csv(data))
    esc = html.escape
    return HTML(
        f'<figure class="evidence-figure" id="figure-{slug}">\n{title}\n'
        f'<div class="evidence-chart" id="chart-{slug}" role="img" aria-label="{esc(description)}"></div>\n'
        f'<script type="application/json" class="evidence-spec" data-chart="chart-{slug}">{spec_json}</script>\n'
        f'<figcaption><p class="evidence-description">{esc(description)}</p>\n'
        f'<p class="evidence-source">{esc(source_line(sources))} '
        f'<a class="evidence-download" download="{slug}.csv" href="{csv_uri}">Download the data drawn (CSV)</a>'
        f'</p></figcaption>\n</figure>'
    )


def table(frame: pd.DataFrame, *, caption: str) -> HTML:
    """A plain, deterministic HTML table (pandas' Styler adds random ids that break nbval)."""
    body = frame.to_html(index=False, escape=True, na_rep="—", classes="evidence-table", border=0)
    # A scrollable region must be reachable by keyboard: tabindex and a name.
    return HTML(f'<div class="evidence-table-wrap" tabindex="0" role="region" aria-label="{html.escape(caption)}">'
                f'<p class="evidence-table-caption">{html.escape(caption)}</p>{body}</div>')
