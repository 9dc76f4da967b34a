"""Charts readers can cite and reuse (issue 17, item 7) and the pieces that make them (issue 19, item 1).

On the built site: every figure is numbered in page order and linkable, holds its drawing as SVG
for each page width, offers SVG and PNG files and a CSV with a byte-order mark whose sources are
citations with web addresses (never bib keys). Unit checks of the spec edits and of the renderer
use small synthetic charts defined here.
"""
from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

from evidence.chart_spec import CITED, cite_sources, wrap_axis_titles
from evidence.charts import chart_sources, figure_html, point_labels, readable_sources
from evidence.references import entries
from tools.chart_render import WIDTHS

ROOT = Path(__file__).resolve().parents[1]
FIGURE = re.compile(r'<figure class="evidence-figure[^"]*" id="figure-([a-z0-9-]+)">(.*?)</figure>', re.S)
A_KEY = "merics2024longview"  # a references.bib entry the book cites


def chart_pages(site: Path) -> dict[Path, list[tuple[str, str]]]:
    pages = {p: FIGURE.findall(p.read_text(encoding="utf-8")) for p in sorted(site.rglob("*.html"))
             if "_static" not in p.parts}
    return {p: figures for p, figures in pages.items() if figures}


def test_every_figure_is_numbered_in_page_order_and_linkable(site):
    pages = chart_pages(site)
    assert sum(map(len, pages.values())) >= 8, "fewer charts than the book draws: the check would prove little"
    for page, figures in pages.items():
        for n, (slug, body) in enumerate(figures, start=1):
            assert f'<a class="evidence-figure-number" href="#figure-{slug}">Figure {n}.</a>' in body, \
                f"{page.name}: figure {slug} is not numbered {n}"


def test_every_figure_holds_an_svg_for_each_width_and_no_spec(site):
    for page, figures in chart_pages(site).items():
        for slug, body in figures:
            for variant, width in WIDTHS.items():
                drawing = re.search(rf'data-variant="{variant}" data-width="{width}"[^>]*>(<svg[^>]*>)', body)
                assert drawing, f"{page.name}: {slug} has no {variant} drawing"
                assert 'class="marks"' in drawing.group(1) and f'width="{width}"' in drawing.group(1)
            assert "evidence-spec" not in body, f"{page.name}: {slug} still carries its Vega-Lite spec"


def test_exports_are_files_of_the_site(site):
    for page, figures in chart_pages(site).items():
        for slug, body in figures:
            links = dict(re.findall(r'class="evidence-export" download href="([^"]+\.(svg|png))"', body))
            assert {kind for kind in links.values()} == {"svg", "png"}, f"{page.name}: {slug} lacks an export"
            for href in links:
                path = (page.parent / href).resolve()
                assert path.is_file(), f"{page.name}: {href} does not exist"
                data = path.read_bytes()
                if path.suffix == ".png":
                    assert data.startswith(b"\x89PNG"), f"{href} is not a PNG"
                else:
                    assert data.startswith(b"<svg") and b"Figure " in data and b"Source: " in data, \
                        f"{href}: the exported SVG does not carry its number and source line"
            for spec in re.findall(r'data-spec="([^"]+)"', body):
                json.loads((page.parent / spec).read_text(encoding="utf-8"))


def test_csv_downloads_cite_sources_with_web_addresses_and_a_bom(site):
    keys = set(entries())
    for page, figures in chart_pages(site).items():
        for slug, body in figures:
            uri = re.search(r'href="data:text/csv;charset=utf-8,([^"]*)"', body).group(1)
            text = urllib.parse.unquote(uri)
            assert text.startswith("\ufeff"), f"{page.name}: {slug}'s CSV has no byte-order mark"
            rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
            assert rows and {"source", "source_url"} <= set(rows[0]), f"{slug}: no source and source_url columns"
            for row in rows:
                assert not set(re.split(r";\s*", row["source"])) & keys, f"{slug}: a bib key as source: {row}"
                assert not row["source"] or re.search(r"\S \((\d{4}|n\.d\.)\)\. ", row["source"]), \
                    f"{slug}: not a citation: {row['source']}"
                assert all(u.startswith(("https://", "http://")) for u in row["source_url"].split("; ") if u)


def test_the_research_shares_chart_has_one_axis_per_panel(site):
    page = (site / "notebooks" / "research_output.html").read_text(encoding="utf-8")
    body = dict(FIGURE.findall(page))["research-published-shares"]
    wide = body.split('data-variant="narrow"')[0]
    axes = re.findall(r"aria-label=\"X-axis", wide)
    assert len(axes) >= 4, f"the published shares share {len(axes)} x-axis: incomparable metrics on one axis"


# Unit checks on small synthetic charts (defined here, never part of the book).
def _chart(frame: pd.DataFrame, title: str = "A synthetic finding") -> alt.Chart:
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("value:Q", title="A deliberately long axis title that would be cut off on a narrow phone screen"),
        y="name:N", tooltip=["name", "value"]).properties(title=title)


def test_sources_come_from_the_rows_drawn():
    frame = pd.DataFrame({"name": ["a", "b"], "value": [1, 2], "source": [A_KEY, f"{A_KEY}; {A_KEY}"]})
    assert chart_sources(frame) == [A_KEY]
    with pytest.raises(ValueError, match="must name its sources"):
        chart_sources(frame.drop(columns="source"))
    readable = readable_sources(frame, [A_KEY])
    assert A_KEY not in "".join(readable["source"]) and readable["source_url"].str.startswith("https://").all()


def test_tooltips_name_the_source_and_long_axis_titles_wrap():
    frame = pd.DataFrame({"name": ["a"], "value": [1], "source": [A_KEY]})
    spec = wrap_axis_titles(cite_sources(_chart(frame).to_dict(), lambda key: f"cited {key}"))
    rows = next(iter(spec["datasets"].values()))
    assert rows[0][CITED] == f"cited {A_KEY}"
    assert spec["encoding"]["tooltip"][-1] == {"field": CITED, "type": "nominal", "title": "Source"}
    title = spec["encoding"]["x"]["title"]
    assert isinstance(title, list) and len(title) == 2 and all(len(line) <= 44 for line in title)


def test_figure_html_is_deterministic_and_escaped():
    frame = pd.DataFrame({"name": ["<b>x</b>"], "value": [1], "source": [A_KEY]})
    made = [figure_html(_chart(frame, "<i>t</i>"), name="synthetic-test", description="d <s>", data=frame).data
            for _ in range(2)]
    assert made[0] == made[1]
    assert "<i>t</i>" not in made[0] and "<b>x</b>" not in made[0] and "d <s>" not in made[0]


def test_the_svg_is_byte_stable_across_processes(tmp_path):
    """Two fresh processes render the same spec to the same bytes (no cache shared between them)."""
    frame = pd.DataFrame({"name": ["a", "b"], "value": [1, 2], "source": [A_KEY, A_KEY]})
    spec = json.loads(re.search(r'class="evidence-spec"[^>]*>(.*?)</script>',
                                figure_html(_chart(frame), name="s", description="d", data=frame).data, re.S).group(1))
    (tmp_path / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    code = ("import json, sys; from pathlib import Path; from tools.chart_render import render; "
            "r = render(json.loads(Path(sys.argv[1]).read_text()), 's', 'Figure 1.', Path(sys.argv[2])); "
            "print(json.dumps([r.svgs, r.vega, r.export_svg, r.export_png.hex()]))")
    outputs = [subprocess.run([sys.executable, "-c", code, str(tmp_path / "spec.json"), str(tmp_path / f"cache{n}")],
                              cwd=ROOT, capture_output=True, text=True, check=True).stdout for n in range(2)]
    assert outputs[0] == outputs[1], "the same chart rendered to different bytes in two runs"


def test_claimed_rule_and_verdict_scale_are_the_one_style():
    from evidence.charts import VERDICT_COLOURS, claimed_rule, verdict_scale
    from evidence.verdicts import VERDICTS

    rule = claimed_rule([4], "claim").to_dict()
    assert rule["mark"] == {"type": "rule", "strokeDash": [4, 3], "color": "#000"}
    assert rule["encoding"]["x"] == {"field": "claim", "type": "quantitative"}
    assert claimed_rule([2017, 2020], "year", "O").to_dict()["encoding"]["x"]["type"] == "ordinal"
    scale = verdict_scale().to_dict()
    assert scale == {"domain": list(VERDICTS), "range": [VERDICT_COLOURS[v] for v in VERDICTS]}
    mapped = verdict_scale(["found", "conflict"], {"found": "confirmed", "conflict": "contradicted"}).to_dict()
    assert mapped["range"] == [VERDICT_COLOURS["confirmed"], VERDICT_COLOURS["contradicted"]]


def _drawn_at(svg: str, role: str) -> dict[str, float]:
    """The y of each mark of one kind ("point" or "text mark"), by its aria-label's row and year."""
    marks = re.findall(rf'aria-label="year: (\d+); row: (\w)[^"]*" role="graphics-symbol" aria-roledescription="{role}"'
                       r' [^>]*?transform="translate\([\d.-]+,([\d.-]+)\)', svg)
    return {f"{row}{year}": float(y) for year, row, y in marks}


def test_labels_of_a_rows_several_points_alternate_above_and_below_its_line():
    """Synthetic: a row (a) with three years close together, so that each label would run past the
    next point, and a row (b) with one; drawn at each width a page shows."""
    from tools.chart_render import _svg, _vega, sized

    frame = pd.DataFrame({"row": ["a", "a", "a", "b"], "year": [2000, 2010, 2019, 2015],
                          "shown": ["750 papers a year", "3,324 papers a year", "16,267 papers a year", "10.9 %"]})
    base = alt.Chart(frame).encode(y="row:N")
    chart = base.mark_point().encode(x="year:Q") + point_labels(base, "year", "row", "shown")
    for width in WIDTHS.values():
        svg = _svg(_vega(sized(chart.to_dict(), width)))
        points, labels = _drawn_at(svg, "point"), _drawn_at(svg, "text mark")
        beside = labels["b2015"] - points["b2015"]  # a lone point's label: on its line (the text's baseline)
        offsets = [labels[k] - points[k] - beside for k in ("a2000", "a2010", "a2019")]
        assert offsets == [-12, 12, -12], (width, offsets)


def test_an_edit_to_the_drawing_code_draws_every_chart_again(monkeypatch):
    """The render cache's key covers the code that draws (no version number to remember to bump)."""
    from tools import chart_render

    spec = {"mark": "point", "data": {"values": [{"a": 1}]}, "encoding": {"x": {"field": "a", "type": "quantitative"}}}
    before = chart_render.digest(spec)
    from evidence import chart_spec

    assert {chart_render.__file__, chart_spec.__file__} <= set(chart_render.drawing_code())
    monkeypatch.setattr(chart_render, "drawing_code", lambda: (chart_render.__file__,))
    assert chart_render.digest(spec) != before
