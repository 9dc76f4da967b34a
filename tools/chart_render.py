"""Render a chart's Vega-Lite spec (as ``evidence.charts.figure`` wrote it) for the site, offline.

For each width a page shows charts at (``WIDTHS``: the text column on a desktop and on a
phone) the spec is compiled to Vega and drawn to SVG by vl-convert; the SVG goes into the page,
the Vega spec into a file the interactive layer fetches when a reader points at the chart.
For export, the wide chart is drawn once more on white with its figure number, title, subtitle
and source line, as SVG and as PNG (twice the resolution).

Renders are cached under ``_build/.evidence-static/charts`` by a digest of the spec, the
widths, the vl-convert version and the drawing code, so a page that is read again costs nothing
for an unchanged chart; the same spec always gives the same bytes.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from evidence import atomic

WIDTHS = {"wide": 688, "narrow": 358}  # px: the text column at 1280 px, and on a 390 px phone
COMPOSITE = ("facet", "vconcat", "hconcat", "concat", "repeat")


@dataclass(frozen=True)
class Rendered:
    key: str  # the cache entry's name
    svgs: dict[str, str]  # variant -> SVG for the page
    vega: dict[str, str]  # variant -> compiled Vega spec (JSON text)
    export_svg: str
    export_png: bytes


def drawing_code() -> tuple[str, ...]:
    """The files of the code that turns a spec into drawings (the render cache's key and Sphinx's
    dependencies both name them: an edit to one draws every chart again)."""
    from evidence import chart_spec

    return (__file__, chart_spec.__file__)


def digest(spec: dict) -> str:
    import vl_convert

    code = [hashlib.sha256(Path(module).read_bytes()).hexdigest() for module in drawing_code()]
    text = json.dumps([spec, WIDTHS, vl_convert.__version__, code], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _vega(spec: dict) -> dict:
    import vl_convert

    return vl_convert.vegalite_to_vega(spec)


def _svg(vega: dict) -> str:
    import vl_convert

    return vl_convert.vega_to_svg(vega)


def _svg_width(svg: str) -> float:
    return float(re.search(r'<svg[^>]* width="([\d.]+)"', svg).group(1))


def sized(spec: dict, width: int) -> dict:
    """The spec drawn ``width`` px wide in all: a single or layered view fits it exactly; a faceted or
    stacked one gets the inner width that makes it so (measured on a first drawing)."""
    spec = _labels_leave_room(json.loads(json.dumps(spec)), width)
    if width < NARROW_BELOW:
        spec = _narrow(spec, width)
    if not any(key in spec for key in COMPOSITE):
        spec["width"] = width
        return spec
    spec["autosize"] = {"type": "pad"}  # fit-x is not supported for composite views
    inner = [spec["spec"]] if isinstance(spec.get("spec"), dict) else spec.get("vconcat", [])
    if not inner:
        raise ValueError("a chart built with hconcat, concat or repeat cannot be fitted to the page: use facet "
                         "(row) or vconcat")
    guess = width * 0.7
    for _ in range(4):
        for view in inner:
            view["width"] = round(guess)
        off = width - _svg_width(_svg(_vega(spec)))
        if abs(off) < 1:
            break
        guess += off
    return spec


LABEL_SHARE = 0.4  # of a drawing's width: the most its axis labels (and on a phone its legends) take


def _capped(holder: dict, width: int, *keys: str) -> None:
    for key in keys:
        holder[key] = min(holder.get(key, width), width)


def _labels_leave_room(spec: dict, width: int, share: float = LABEL_SHARE) -> dict:
    """Axis labels take at most ``share`` of the width (longer ones end in an ellipsis; the tooltip and
    the CSV keep them whole), so that a narrow drawing keeps room for its marks."""
    from evidence.chart_spec import views

    limit = int(width * share)
    for view, _ in views(spec):
        for channel in ("y", "x"):
            axis = ((view.get("encoding") or {}).get(channel) or {}).get("axis")
            if isinstance(axis, dict) and isinstance(axis.get("labelLimit"), (int, float)):
                axis["labelLimit"] = min(axis["labelLimit"], limit)
    axis_config = spec.setdefault("config", {}).setdefault("axis", {})
    _capped(axis_config, limit, "labelLimit")
    return spec


NARROW_BELOW = 500  # px: a drawing for a phone
LEGEND_CHANNELS = ("color", "fill", "stroke", "shape", "size", "opacity", "strokeDash")


def _narrow(spec: dict, width: int) -> dict:
    """On a phone, legends list one entry per line, one legend under another, and long axis titles
    wrap to the width: Vega wraps none of them, so they ran past the drawing's right edge."""
    from evidence.chart_spec import views, wrap_axis_titles

    # A legend starts where the plot does, after the axis labels (at most LABEL_SHARE of the width):
    # its entries get the same share. 12 px text is about 6.5 px a letter.
    label_limit, title_chars = int(width * LABEL_SHARE), int(width * (1 - LABEL_SHARE) / 6.5)
    for view, _ in views(spec):
        for channel, definition in (view.get("encoding") or {}).items():
            if not isinstance(definition, dict):
                continue
            legend = definition.get("legend")
            if channel in LEGEND_CHANNELS and isinstance(legend, dict):
                legend["columns"] = 1
                _capped(legend, label_limit, "labelLimit", "titleLimit")
    wrap_axis_titles(spec, title_chars, channels=("x", "x2"))  # a y title is turned: the height is its room
    legend_config = spec.setdefault("config", {}).setdefault("legend", {})
    legends_stacked = {"bottom": {"direction": "vertical", "anchor": "start"}}  # one under another
    legend_config.update(columns=1, layout=legends_stacked)
    _capped(legend_config, label_limit, "labelLimit", "titleLimit")
    return spec


def _unique_ids(svg: str, prefix: str) -> str:
    """Ids inside one SVG (clip paths, gradients) made unique on a page that shows several."""
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    for name in ids:
        svg = svg.replace(f'id="{name}"', f'id="{prefix}-{name}"').replace(f"url(#{name})", f"url(#{prefix}-{name})")
        svg = svg.replace(f'href="#{name}"', f'href="#{prefix}-{name}"')
    return svg


def _export_spec(spec: dict, number: str) -> dict:
    """The wide chart on white, titled as the page titles it and with its source line, to stand on its own."""
    meta = spec.get("usermeta", {}).get("evidence", {})
    export = sized(spec, WIDTHS["wide"])
    subtitle = [line for line in (meta.get("subtitle"), meta.get("source")) if line]
    export["title"] = {"text": f"{number} {meta.get('title', '')}".strip(), "subtitle": subtitle}
    export.setdefault("config", {})["background"] = "white"
    return export


def render(spec: dict, slug: str, number: str, cache: Path) -> Rendered:
    """The chart's SVGs, Vega specs and export files, from the cache when the spec was drawn before."""
    key = digest({"spec": spec, "number": number})
    stored = cache / f"{key}.json"
    png = cache / f"{key}.png"
    if stored.exists() and png.exists():
        saved = json.loads(stored.read_text(encoding="utf-8"))
        return Rendered(key, saved["svgs"], saved["vega"], saved["export_svg"], png.read_bytes())
    import vl_convert

    svgs, vegas = {}, {}
    for variant, width in WIDTHS.items():
        vega = _vega(sized(spec, width))
        svgs[variant] = _unique_ids(_svg(vega), f"chart-{slug}-{variant}")
        vegas[variant] = json.dumps(vega, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    export = _vega(_export_spec(spec, number))
    rendered = Rendered(key, svgs, vegas, _svg(export), vl_convert.vega_to_png(export, scale=2))
    cache.mkdir(parents=True, exist_ok=True)
    atomic.write_bytes(png, rendered.export_png)
    atomic.write_text(stored, json.dumps({"svgs": svgs, "vega": vegas, "export_svg": rendered.export_svg}))
    return rendered


def cached_files(cache: Path, key: str) -> dict[str, bytes]:
    """A rendered chart's files for the site: {"svg", "png", and one Vega spec per variant: bytes}."""
    saved = json.loads((cache / f"{key}.json").read_text(encoding="utf-8"))
    files = {"svg": saved["export_svg"].encode(), "png": (cache / f"{key}.png").read_bytes()}
    return files | {variant: saved["vega"][variant].encode() for variant in WIDTHS}
