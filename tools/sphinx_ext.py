"""Sphinx extension: offline chart JavaScript and never-stale cross-page glue.

- Serves the book's chart loader and a vega/vega-lite/vega-embed bundle from the site's
  own ``_static`` folder, loaded only when a reader interacts with a chart. The bundle is
  generated from the installed ``vl-convert-python`` package (nothing third-party is
  committed) and cached per version under ``_build``.
- Re-reads every page that pastes glue from another page whenever any page changed:
  Sphinx would otherwise keep the old pasted value after the notebook's numbers changed.
- The directives that show data (tools.data_pages) build docutils nodes from values: nothing
  from data/, datapackage.json or references.bib is parsed as Markdown, MyST or HTML.
- Refuses to build when a claim's verdict is not computed by its chapter (tools.claims_gate)
  or a notebook twin cannot be read, and removes downloads no page links any more.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from evidence import DATA, ROOT, atomic
from tools.data_pages import DataPackageDirective, ExportControlsTableDirective
from tools.docnodes import literal, para, table
from tools.downloads import prune_downloads

logger = logging.getLogger(__name__)

STATIC = ROOT / "evidence" / "static"
CROSS_PAGE_GLUE = re.compile(r"\{glue(?::[a-z]+)?\}`[^`]*::")


def _bundle_dir(outdir: Path) -> Path:
    import vl_convert

    version = getattr(vl_convert, "__version__", "unknown")
    cache = outdir.parent / ".evidence-static" / version
    bundle = cache / "vega-bundle.js"
    if not bundle.exists():
        cache.mkdir(parents=True, exist_ok=True)
        # Only vega-embed is usable from it: its `vega` and `vegaLite` globals are null.
        atomic.write_text(bundle, vl_convert.javascript_bundle())
    return cache


def _add_static(app) -> None:
    if app.builder.format != "html":
        return
    app.config.html_static_path.extend([str(STATIC), str(_bundle_dir(Path(app.outdir)))])
    app.add_js_file("evidence-charts.js")
    app.add_js_file("evidence-tables.js")
    app.add_js_file("evidence-a11y.js")
    app.add_js_file("evidence-reveal.js")
    app.add_css_file("evidence.css")
    app.add_css_file("evidence-charts.css")


def _performance_page_when_results_appear(app, env, added, changed, removed):
    """Sphinx can only depend on files that exist: re-read the page when the results file is new."""
    from sphinx.environment import _last_modified_time

    results, page = ROOT / "benchmarks" / "latest.json", "book/performance"
    if results.exists() and page in env.all_docs and _last_modified_time(results) > env.all_docs[page]:
        return [page]
    return []


def _pages_with_cross_page_glue(app, env, added, changed, removed):
    if not (added or changed or removed):
        return []
    outdated = []
    for docname in env.found_docs:
        path = Path(env.doc2path(docname))
        if path.suffix == ".md" and CROSS_PAGE_GLUE.search(path.read_text(encoding="utf-8")):
            outdated.append(docname)
    return outdated


def _notebook_pages_point_to_markdown(app, pagename, templatename, context, doctree):
    """On notebook pages, offer the MyST source (.md) for download, and edit it rather than the twin.

    Runs after sphinx-book-theme has made its buttons (priority 501).
    """
    if not pagename.startswith("notebooks/") or not (ROOT / f"{pagename}.md").exists():
        return
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"].insert(0, {
                "type": "link", "url": f"{context['pathto']('_sources', 1)}/{pagename}.md", "text": ".md",
                "tooltip": "Download the MyST notebook source", "icon": "fas fa-file-lines",
                "label": "download-myst-button"})
        for button in group.get("buttons", [group]):
            if button.get("label") == "source-edit-button":
                button["url"] = str(button["url"]).replace(f"{pagename}.ipynb", f"{pagename}.md")


def _one_copy_of_each_script(app, pagename, templatename, context, doctree):
    """Each script once: sphinx-thebe and sphinx-togglebutton register their inline configuration
    twice under jupyter-book (once as filename None, once as ''), and the second
    ``const THEBE_JS_URL`` is a console error on every page."""
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen, unique = set(), []
    for js in sorted(scripts, key=lambda js: getattr(js, "priority", 500)):
        key = (getattr(js, "filename", js) or "", tuple(sorted(getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique


def _publish_changed_static_files(app, exception) -> None:
    """The book's own static files, copied whenever they changed: Sphinx copies static files only
    when some page is rewritten, so an edited script or stylesheet would wait for a page edit."""
    if exception is not None or app.builder.format != "html":
        return
    generated = Path(app.outdir).parent / ".evidence-static"
    ours = [Path(f) for f in app.config.html_static_path if Path(f).resolve().is_relative_to(STATIC.resolve())
            or Path(f).resolve().is_relative_to(generated.resolve())]
    for folder in ours:
        for source in sorted(p for p in folder.iterdir() if p.is_file()):
            target = Path(app.outdir) / "_static" / source.name
            data = source.read_bytes()
            if not target.exists() or target.read_bytes() != data:
                target.parent.mkdir(parents=True, exist_ok=True)
                atomic.write_bytes(target, data)


def _copy_markdown_sources(app, exception):
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / "_sources" / "notebooks"
        target.mkdir(parents=True, exist_ok=True)
        for md in (ROOT / "notebooks").glob("*.md"):
            atomic.write_bytes(target / md.name, md.read_bytes())


class MarkdownDirective(SphinxDirective):
    """A directive whose content is MyST Markdown generated at build time."""

    def markdown(self) -> list[str]:
        raise NotImplementedError

    def run(self):
        container = nodes.container()
        self.state.nested_parse(StringList(self.markdown(), source=self.env.docname), self.content_offset,
                                container, match_titles=True)
        return container.children


class CitationDirective(MarkdownDirective):
    """How to cite: the book's version (CITATION.cff), the data version and the build date."""

    def markdown(self) -> list[str]:
        import datetime

        import yaml

        cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
        data_version = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))["version"]
        built = datetime.date.today().isoformat()
        author = cff["authors"][0]["name"]
        year = str(cff["date-released"])[:4]
        self.env.note_dependency(str(ROOT / "CITATION.cff"))
        return [f"{author} ({year}). *{cff['title']}*. Version {cff['version']}, data package version "
                f"{data_version}, built {built}.", "",
                "```bibtex",
                "@book{chinasquantumpushrecomputed,",
                f"  author  = {{{{{author}}}}},",
                f"  title   = {{{cff['title']}}},",
                f"  year    = {{{year}}},",
                f"  edition = {{{cff['version']} (data {data_version}, built {built})}},",
                "}", "```"]


class ExecutionStatisticsDirective(SphinxDirective):
    """Each notebook's last execution time, whether its outputs are current, and the environment."""

    def run(self):
        import platform
        from importlib.metadata import version

        from tools.execute import UnreadableTwin, all_notebooks, read_twin, stale_reason, twin

        rows = []
        for md in all_notebooks():
            ipynb = twin(md)
            self.env.note_dependency(str(md))
            if not ipynb.exists():
                rows.append([[literal(md.stem)], "—", "never executed", ""])
                continue
            self.env.note_dependency(str(ipynb))
            try:
                record = read_twin(ipynb).metadata.get("evidence", {})
            except UnreadableTwin as err:
                logger.warning(str(err), location=self.get_location())
                rows.append([[literal(md.stem)], "—", "unreadable", ""])
                continue
            inputs = [literal(p.removeprefix("data/")) for p in record.get("inputs", {}) if "#" not in p]
            rows.append([[literal(md.stem)], str(record.get("execution_seconds", "—")),
                         stale_reason(md) or "current", [n for i in inputs for n in (i, ", ")][:-1]])
        packages = ["jupyter-book", "sphinx", "myst-nb", "sphinxcontrib-bibtex", "pandas", "altair",
                    "vl-convert-python", "frictionless", "nbval"]
        return [table(["Notebook", "Last execution (s)", "Status", "Data read"], rows),
                para(f"Built with Python {platform.python_version()} on {platform.system()}:"),
                table(["Package", "Version"], [[name, version(name)] for name in packages])]


class BenchmarkResultsDirective(MarkdownDirective):
    """The latest committed `make bench` results (benchmarks/latest.json)."""

    def markdown(self) -> list[str]:
        path = ROOT / "benchmarks" / "latest.json"
        if not path.exists():
            return ["No benchmark has been committed yet: run `make bench` and commit `benchmarks/latest.json`."]
        import tools.bench_report
        from tools.bench_report import results_markdown

        self.env.note_dependency(str(path))
        self.env.note_dependency(tools.bench_report.__file__)

        return results_markdown(json.loads(path.read_text(encoding="utf-8")))


def _bibliography_cache(app) -> Path:
    return Path(app.outdir).parent / ".evidence-static" / "bibliography.pickle"


def _load_bibliography_cache(app) -> None:
    from tools.bibstyle import load_cache

    load_cache(_bibliography_cache(app))


def _save_bibliography_cache(app, exception) -> None:
    from tools.bibstyle import save_cache

    if exception is None:
        save_cache(_bibliography_cache(app))


def _check_twins_and_claims(app) -> None:
    """Before reading any page: every twin is readable, and every claim's verdict is computed by its chapter."""
    from tools.claims_gate import gate_problems
    from tools.execute import UnreadableTwin, read_twin

    problems = []
    for ipynb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        try:
            read_twin(ipynb)
        except UnreadableTwin as err:  # left out of the build (the contents then name it), never parsed
            problems.append(str(err))
            app.config.exclude_patterns.append(ipynb.relative_to(ROOT).as_posix())
    problems = list(dict.fromkeys(problems + gate_problems(ROOT)))
    for problem in problems:
        logger.warning(problem)
    if problems and (app.warningiserror or app.keep_going):
        # A strict build would fail on them anyway: stop before reading pages rather than after
        # building all of them. (A lenient build goes on without the twins, and its contents say so.)
        # SystemExit, not a SphinxError: jupyter-book turns any exception of a build into a
        # RuntimeError and its traceback; an exit prints this sentence alone (tests/test_build_safety.py).
        sys.exit(f"the build stopped before reading any page: fix the {len(problems)} problem(s) above "
                 f"and build again")


def setup(app):
    import pybtex.plugin

    from tools.bibstyle import Style

    pybtex.plugin.register_plugin("pybtex.style.formatting", "evidence", Style)
    app.setup_extension("tools.sphinx_refs")  # #ref-<key> ids on the References page
    app.add_directive("datapackage", DataPackageDirective)
    app.add_directive("citation", CitationDirective)
    app.add_directive("execution-statistics", ExecutionStatisticsDirective)
    app.add_directive("benchmark-results", BenchmarkResultsDirective)
    app.add_directive("export-controls-table", ExportControlsTableDirective)
    app.connect("builder-inited", _add_static)
    app.connect("builder-inited", _check_twins_and_claims)
    app.connect("builder-inited", _load_bibliography_cache)
    app.connect("build-finished", _save_bibliography_cache)
    app.connect("env-get-outdated", _pages_with_cross_page_glue)
    app.connect("env-get-outdated", _performance_page_when_results_appear)
    app.connect("html-page-context", _notebook_pages_point_to_markdown, priority=600)
    app.connect("html-page-context", _one_copy_of_each_script, priority=900)
    app.connect("build-finished", _copy_markdown_sources)
    app.connect("build-finished", _publish_changed_static_files)
    app.connect("build-finished", prune_downloads)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
