"""Sphinx extension: every chart drawn in its page at build time, numbered, with its files.

A figure written by ``evidence.charts.figure`` holds the chart's Vega-Lite spec. When a page
is read, each figure on it gets, in page order:

- its number: "Figure N." before its title, a link to the figure's own address (``#figure-…``);
- its drawing: one SVG per page width (tools.chart_render.WIDTHS; CSS shows the one that fits),
  in the HTML, so the chart is there at first paint, with scripts off, in feed readers and in
  print; the spec itself leaves the page;
- its files, linked under the chart: ``figures/<name>.svg`` and ``.png`` (on white, with number,
  title, subtitle and source), and ``figures/<name>-<width>.vg.json``, the compiled Vega spec
  that ``evidence-charts.js`` fetches to make the chart interactive once a reader points at it.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

from evidence import atomic
from tools.chart_render import WIDTHS, Rendered, cached_files, render

logger = logging.getLogger(__name__)

FIGURE = re.compile(r'<figure class="evidence-figure(?P<classes>[^"]*)" id="figure-(?P<slug>[a-z0-9-]+)">'
                    r"(?P<body>.*?)</figure>", re.S)
SPEC = re.compile(r'\n?<script type="application/json" class="evidence-spec" data-chart="chart-[a-z0-9-]+">'
                  r"(?P<spec>.*?)</script>", re.S)
FOLDER = "figures"


def _cache(app) -> Path:
    return Path(app.outdir).parent / ".evidence-static" / "charts"


def _files(slug: str) -> dict[str, str]:
    files = {"svg": f"{slug}.svg", "png": f"{slug}.png"}
    return files | {variant: f"{slug}-{width}.vg.json" for variant, width in WIDTHS.items()}


def _drawing(slug: str, rendered: Rendered, root: str) -> str:
    variants = "".join(
        f'<div class="evidence-variant" data-variant="{variant}" data-width="{width}" '
        f'data-spec="{root}{FOLDER}/{_files(slug)[variant]}">{rendered.svgs[variant]}</div>'
        for variant, width in WIDTHS.items())
    return variants


def _exports(slug: str, root: str) -> str:
    files = _files(slug)
    return (f' <span class="evidence-exports">Download the chart: '
            f'<a class="evidence-export" download href="{root}{FOLDER}/{files["svg"]}">SVG</a> · '
            f'<a class="evidence-export" download href="{root}{FOLDER}/{files["png"]}">PNG</a></span>')


def draw_figure(match: re.Match, number: int, root: str, cache: Path, drawn: list) -> str:
    """One figure's HTML with its number, its SVG drawings and its export links."""
    slug, body = match.group("slug"), match.group("body")
    spec_match = SPEC.search(body)
    if spec_match is None:  # drawn already (e.g. a page read twice)
        return match.group(0)
    spec = json.loads(spec_match.group("spec"))
    label = f"Figure {number}."
    rendered = render(spec, slug, label, cache)
    drawn.append((slug, rendered))
    body = SPEC.sub("", body, count=1)
    body = body.replace('<p class="evidence-chart-title">',
                        f'<p class="evidence-chart-title"><a class="evidence-figure-number" href="#figure-{slug}">'
                        f"{label}</a> ", 1)
    body = re.sub(r'(<div class="evidence-chart" id="chart-[a-z0-9-]+"[^>]*)></div>',
                  lambda m: f'{m.group(1)} data-drawn="static">{_drawing(slug, rendered, root)}</div>', body, count=1)
    exports = _exports(slug, root)
    if '<span class="evidence-exports"' in body:
        body = re.sub(r'<span class="evidence-exports"[^>]*></span>', lambda m: exports, body, count=1)
    else:
        body = body.replace("</p></figcaption>", exports + "</p></figcaption>", 1)
    return f'<figure class="evidence-figure{match.group("classes")}" id="figure-{slug}">{body}</figure>'


def _draw_figures(app, doctree) -> None:
    docname = app.env.docname
    root = "../" * docname.count("/")
    cache, number, drawn = _cache(app), 0, []
    for node in list(doctree.findall(nodes.raw)):
        if node.get("format") != "html" or "evidence-spec" not in node.astext():
            continue

        def draw(match: re.Match) -> str:
            nonlocal number
            number += 1
            return draw_figure(match, number, root, cache, drawn)

        try:
            text = FIGURE.sub(draw, node.astext())
        except (ValueError, KeyError) as err:  # vl-convert's error for a spec it cannot draw
            logger.warning(f"a chart on this page cannot be drawn: {str(err).splitlines()[0]}", location=node)
            continue
        node.replace_self(nodes.raw("", text, format="html", classes=node.get("classes", [])))
    if drawn:  # a page with charts is read again when the code that draws them changes
        import tools.chart_render

        for code in (__file__, *tools.chart_render.drawing_code()):
            app.env.note_dependency(code)
    figures = getattr(app.env, "evidence_figures", {})
    figures[docname] = [(slug, rendered.key) for slug, rendered in drawn]
    app.env.evidence_figures = figures


def _purge(app, env, docname) -> None:
    getattr(env, "evidence_figures", {}).pop(docname, None)


def _merge(app, env, docnames, other) -> None:
    figures = getattr(env, "evidence_figures", {})
    figures.update({d: f for d, f in getattr(other, "evidence_figures", {}).items() if d in docnames})
    env.evidence_figures = figures


def _write_figure_files(app, exception) -> None:
    """Write each figure's files into the site; names used by two pages are refused."""
    if exception is not None or app.builder.format != "html":
        return
    folder = Path(app.outdir) / FOLDER
    owners: dict[str, str] = {}
    wanted: set[Path] = set()
    for docname, figures in sorted(getattr(app.env, "evidence_figures", {}).items()):
        for slug, key in figures:
            if slug in owners:
                logger.warning(f"two charts are named {slug!r} (on {owners[slug]} and {docname}): name one otherwise",
                               location=docname)
            owners[slug] = docname
            for kind, data in cached_files(_cache(app), key).items():
                path = folder / _files(slug)[kind]
                wanted.add(path)
                if not path.exists() or path.read_bytes() != data:
                    folder.mkdir(parents=True, exist_ok=True)
                    atomic.write_bytes(path, data)
    for stale in sorted(folder.glob("*")) if folder.is_dir() else []:
        if stale not in wanted:
            stale.unlink()
    keys = {key for figures in getattr(app.env, "evidence_figures", {}).values() for _, key in figures}
    for cached in sorted(_cache(app).glob("*")) if _cache(app).is_dir() else []:
        if cached.stem not in keys:  # a drawing no page shows any more
            cached.unlink()


def setup(app):
    app.connect("doctree-read", _draw_figures)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("build-finished", _write_figure_files)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
