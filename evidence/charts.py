"""The book's chart style and an offline-safe way to show Altair charts.

Every chart is shown with ``figure(...)``: a title that states the finding (set on the
chart), a one-sentence description for screen readers, a source line read from the rows
drawn (their ``source`` column of references.bib keys) and a download of exactly those rows,
spreadsheet-safe (evidence.csv_safety) and with the sources as readable citations and web
addresses. The output is plain HTML holding the Vega-Lite spec as JSON; the book's build
(tools/sphinx_charts.py) renders it to SVG in the page, numbers the figure and adds its SVG
and PNG files, and the site's ``evidence-charts.js`` makes it interactive (tooltips) once a
reader points at it. Element ids derive from the chart's name, so re-executed outputs
compare equal in nbval.
"""
from __future__ import annotations

import html
import json
import re
import urllib.parse

import altair as alt
import pandas as pd
from IPython.display import HTML, display

from evidence.chart_spec import cite_sources, source_keys, wrap_axis_titles
from evidence.csv_safety import frame_csv
from evidence.references import citation, short_cite, web_address
from evidence.tables import table_html
from evidence.verdicts import VERDICTS

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies.
# Yellow comes last: on white it is the hardest to see.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"]
VERDICT_COLOURS = {"confirmed": "#009E73", "qualified": "#E69F00", "contradicted": "#D55E00",
                   "unverified": "#7F7F7F"}
# Arial's metrics everywhere: charts are laid out at build time, so the font the reader's browser
# draws them in must be as wide as the one they were measured with. Liberation Sans (Linux) is
# metric-compatible with Arial (macOS, Windows, iOS); vl-convert measures with it here.
FONT = "Arial, 'Liberation Sans', Helvetica, sans-serif"


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
            # Transparent: the page's own background shows through, light or dark.
            "background": None,
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


def chart_sources(data: pd.DataFrame, sources=None) -> list[str]:
    """The keys of the rows drawn (their ``source`` column), then any ``sources`` named besides, each once."""
    keys = [key for value in (data["source"] if "source" in data.columns else []) for key in source_keys(value)]
    keys += [key for value in (sources or []) for key in source_keys(value)]
    unique = list(dict.fromkeys(keys))
    if not unique:
        raise ValueError("a chart must name its sources: give the data drawn a 'source' column of references.bib "
                         "keys, or pass sources=[...]")
    return unique


def source_html(keys: list[str]) -> str:
    """The source line with each citation linked to its web address (http(s) only), escaped."""
    def cited(key: str) -> str:
        url = web_address(key)
        text = html.escape(short_cite(key))
        return f'<a href="{html.escape(url)}">{text}</a>' if url else text

    return "Source: " + "; ".join(cited(k) for k in keys) + "."


def readable_sources(data: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The rows for download: sources as citations and web addresses, never as bib keys."""
    out = data.copy()
    cells = out["source"] if "source" in out.columns else ["; ".join(keys)] * len(out)
    row_keys = [source_keys(v) for v in cells]
    out["source"] = ["; ".join(citation(k) for k in ks) for ks in row_keys]
    out["source_url"] = ["; ".join(filter(None, (web_address(k) for k in ks))) for ks in row_keys]
    return out


def _title_text(title) -> dict:
    if isinstance(title, (str, list)) or title is None:
        title = {"text": title or ""}
    lines = lambda t: " ".join(t) if isinstance(t, list) else (t or "")  # noqa: E731
    return {"title": lines(title.get("text")), "subtitle": lines(title.get("subtitle"))}


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


def figure(chart: alt.TopLevelMixin, *, name: str, description: str, data: pd.DataFrame, sources=None) -> None:
    """Display ``chart`` as an accessible, offline figure with a download of ``data``.

    ``data`` must be exactly the rows drawn; its ``source`` column (references.bib keys) gives
    the source line. ``sources`` names keys besides those (e.g. the text a chart checks).
    """
    display(figure_html(chart, name=name, description=description, data=data, sources=sources))


def chart_spec(chart, description: str, keys: list[str] | None = None) -> dict:
    """The Vega-Lite spec as the book draws it: sources cited in the tooltips, axis titles wrapped.

    ``keys``: the sources of rows that do not name their own (data without a ``source`` column).
    No width: the build renders each chart at the widths of the page (tools/sphinx_charts.py).
    """
    spec = chart.properties(description=description).to_dict()
    spec.pop("width", None)
    return wrap_axis_titles(cite_sources(spec, short_cite, keys))


def figure_html(chart, *, name, description, data, sources=None) -> HTML:
    slug = _slug(name)
    keys = chart_sources(data, sources)
    spec = chart_spec(chart, description, None if "source" in data.columns else keys)
    title = spec.pop("title", None)
    # What an exported image repeats beside the chart (the page shows it as HTML).
    spec["usermeta"] = {"evidence": {**_title_text(title), "source": source_line(keys)}}
    title = _title_html(title)
    spec_json = json.dumps(spec, sort_keys=True, ensure_ascii=False).replace("<", "\\u003c")
    # Spreadsheet-safe: no cell is read as a formula, and a BOM so that non-ASCII text opens correctly.
    csv_uri = "data:text/csv;charset=utf-8," + urllib.parse.quote(frame_csv(readable_sources(data, keys)))
    esc = html.escape
    return HTML(
        f'<figure class="evidence-figure" id="figure-{slug}">\n{title}\n'
        f'<div class="evidence-chart" id="chart-{slug}" role="img" aria-label="{esc(description)}"></div>\n'
        f'<script type="application/json" class="evidence-spec" data-chart="chart-{slug}">{spec_json}</script>\n'
        f'<figcaption><p class="evidence-description">{esc(description)}</p>\n'
        f'<p class="evidence-source">{source_html(keys)} '
        f'<a class="evidence-download" download="{slug}.csv" href="{csv_uri}">Download the data drawn (CSV)</a>'
        f'<span class="evidence-exports" data-chart="chart-{slug}"></span></p></figcaption>\n</figure>'
    )


def claimed_rule(values, field: str, kind: str = "Q") -> alt.Chart:
    """The dashed black rule every chart draws at what a claim names (a figure, a year), on x."""
    return alt.Chart(pd.DataFrame({field: list(values)})).mark_rule(strokeDash=[4, 3], color="#000").encode(
        x=f"{field}:{kind}")


def point_labels(base: alt.Chart, x: str, row: str, text: str, offset: int = 12) -> alt.Chart:
    """Each point's ``text`` written to its right. Where a ``row`` holds several points (a series of
    years), their labels alternate above and below the row's line, in the order of ``x``, so that a
    label never runs into its neighbour's."""
    return (base.transform_window(label_order="row_number()", groupby=[row], sort=[alt.SortField(x)])
            .transform_joinaggregate(row_points="count()", groupby=[row])
            .transform_calculate(label_dy=f"datum.row_points < 2 ? 0 : datum.label_order % 2 ? -{offset} : {offset}")
            .mark_text(align="left", dx=8, fontSize=11, dy=alt.ExprRef("datum.label_dy"))
            .encode(x=f"{x}:Q", text=f"{text}:N"))


def verdict_scale(domain=VERDICTS, colours_of=None) -> alt.Scale:
    """The verdict colours as an Altair scale; ``colours_of`` maps another vocabulary onto verdicts."""
    colours_of = colours_of or {v: v for v in domain}
    return alt.Scale(domain=list(domain), range=[VERDICT_COLOURS[colours_of[v]] for v in domain])


def small_multiples(chart: alt.Chart, by: str, order) -> alt.FacetChart:
    """One panel per value of ``by``, in ``order``, each with its own axes: for quantities that share no
    scale. A value's parts separated by " · " make its panel's header, on two lines."""
    two_lines = ("[join(slice(split(datum.label, ' · '), 0, 2), ' · '), "
                 "join(slice(split(datum.label, ' · '), 2), ' · ')]")
    header = alt.Header(labelAngle=0, labelOrient="top", labelAnchor="start", labelAlign="left", labelExpr=two_lines,
                        labelFontWeight=600, labelFontSize=12, labelPadding=2)
    return chart.facet(row=alt.Row(f"{by}:N", title=None, sort=list(order), header=header), spacing=10
                       ).resolve_scale(x="independent", y="independent")


def longest_word(names: pd.Series) -> pd.Series:
    """The letters in each name's longest word: what a label wrapped at its spaces must fit."""
    return names.map(lambda name: max(len(word) for word in str(name).split()))


def tile_labels(base: alt.Chart, field: str, longest: str = "longest_word", largest: int = 10,
                smallest: int = 6) -> alt.Chart:
    """Labels that fit their tiles at any width: a name wraps at its spaces, and its type shrinks to the
    tile's width for its longest word (the ``longest`` column, see ``longest_word``); cut short only below
    ``smallest`` px."""
    fitted = f"max({smallest}, min({largest}, (bandwidth('x') - 4) / (0.58 * datum.{longest})))"
    return base.mark_text(lineBreak=" ", limit=alt.ExprRef("bandwidth('x') - 2")).encode(
        text=f"{field}:N", size=alt.value(alt.ExprRef(fitted)))


def table(frame: pd.DataFrame, *, caption: str, online_only: bool = False, folded: str | None = None,
          labels: dict | None = None, formats: dict | None = None, resource: str | None = None) -> HTML:
    """A deterministic HTML table for readers (evidence.tables: labels, citations, numbers, "—").

    ``labels`` names computed columns the data package does not; ``formats`` states a column's
    precision ('.1f', '.0%'); ``resource`` says which data resource the columns come from.
    ``online_only`` marks an evidence table the PDF editions replace by a pointer to its page
    (tools/pdf_html.py): a full dump of the evidence, or a table the claim cards already carry.
    ``folded`` names what its rows are ("figures"): the table is folded under "The N figures
    behind this" (N its rows), for the full tables behind a finding that few readers need.
    """
    body = table_html(frame, labels=labels, formats=formats, resource=resource)
    mark = ' data-print="online-only"' if online_only else ""
    # A scrollable region must be reachable by keyboard: tabindex and a name.
    wrap = (f'<div class="evidence-table-wrap"{mark} tabindex="0" role="region" '
            f'aria-label="{html.escape(caption)}">'
            f'<p class="evidence-table-caption">{html.escape(caption)}</p>{body}</div>')
    if folded:
        from evidence.cards import fold

        wrap = fold(f"The {len(frame)} {folded} behind this — {caption}", wrap, kind="table")
    return HTML(wrap)
