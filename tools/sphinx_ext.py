"""Sphinx extension: offline chart JavaScript and never-stale cross-page glue.

- Serves the book's chart loader and a vega/vega-lite/vega-embed bundle from the site's
  own ``_static`` folder. The bundle is generated from the installed ``vl-convert-python``
  package (nothing third-party is committed) and cached per version under ``_build``.
- Re-reads every page that pastes glue from another page whenever any page changed:
  Sphinx would otherwise keep the old pasted value after the notebook's numbers changed.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

from evidence import DATA, ROOT

STATIC = ROOT / "evidence" / "static"
CROSS_PAGE_GLUE = re.compile(r"\{glue(?::[a-z]+)?\}`[^`]*::")


def _bundle_dir(outdir: Path) -> Path:
    import vl_convert

    version = getattr(vl_convert, "__version__", "unknown")
    cache = outdir.parent / ".evidence-static" / version
    bundle = cache / "vega-bundle.js"
    if not bundle.exists():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = bundle.with_suffix(".tmp")
        tmp.write_text(vl_convert.javascript_bundle(), encoding="utf-8")
        tmp.replace(bundle)
    return cache


def _add_static(app) -> None:
    if app.builder.format != "html":
        return
    app.config.html_static_path.extend([str(STATIC), str(_bundle_dir(Path(app.outdir)))])
    app.add_js_file("evidence-charts.js")
    app.add_js_file("evidence-tables.js")
    app.add_js_file("evidence-a11y.js")
    app.add_css_file("evidence.css")


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


def _copy_markdown_sources(app, exception):
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / "_sources" / "notebooks"
        target.mkdir(parents=True, exist_ok=True)
        for md in (ROOT / "notebooks").glob("*.md"):
            (target / md.name).write_bytes(md.read_bytes())


class MarkdownDirective(SphinxDirective):
    """A directive whose content is MyST Markdown generated at build time."""

    def markdown(self) -> list[str]:
        raise NotImplementedError

    def run(self):
        container = nodes.container()
        self.state.nested_parse(StringList(self.markdown(), source=self.env.docname), self.content_offset,
                                container, match_titles=True)
        return container.children


class DataPackageDirective(MarkdownDirective):
    """Document every resource of data/datapackage.json: fields, units, sources, users, download."""

    def markdown(self) -> list[str]:
        descriptor = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
        self.env.note_dependency(str(DATA / "datapackage.json"))
        users = _chapters_reading_each_file()
        lines = [f"Data package version **{descriptor['version']}**, licence "
                 f"{', '.join(lic['title'] for lic in descriptor.get('licenses', []))}.", ""]
        for res in descriptor["resources"]:
            chapters = [c for c in users.get(f"data/{res['path']}", []) if c in self.env.found_docs]
            lines += _resource_markdown(res, chapters)
        return lines + ["```{footbibliography}", "```"]


def _chapters_reading_each_file() -> dict[str, list[str]]:
    """Which chapter read which data file during its last execution (recorded by tools.execute)."""
    import nbformat

    users: dict[str, list[str]] = {}
    for ipynb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        inputs = nbformat.read(ipynb, as_version=4).metadata.get("evidence", {}).get("inputs", {})
        for path in inputs:
            users.setdefault(path, []).append(f"notebooks/{ipynb.stem}")
    return users


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _resource_markdown(res: dict, chapters: list[str]) -> list[str]:
    import csv

    rows = list(csv.DictReader((DATA / res["path"]).open(encoding="utf-8")))
    keys = sorted({r[f] for r in rows for f in ("source",) if r.get(f)})
    grades = {g: sum(r.get("grade") == g for r in rows) for g in "ABC"}
    lines = [f"## {res['title']}", "", res.get("description", ""), "",
             f"File {{download}}`{res['path']} <../data/{res['path']}>`, {len(rows)} rows, "
             f"primary key `{', '.join(res['schema'].get('primaryKey', []))}`.", ""]
    if any(grades.values()):
        lines += ["Rows by grade: " + ", ".join(f"{g} {n}" for g, n in grades.items()) + ".", ""]
    if chapters:
        lines += ["Used by: " + ", ".join(f"{{doc}}`/{c}`" for c in chapters) + ".", ""]
    if keys:
        lines += ["Sources: " + ", ".join(f"{{footcite:t}}`{k}`" for k in keys) + ".", ""]
    lines += ["| Field | Type | Unit | Description | Constraints |", "|---|---|---|---|---|"]
    for field in res["schema"]["fields"]:
        constraints = "; ".join(f"{k}: {v}" for k, v in field.get("constraints", {}).items())
        lines.append(f"| `{field['name']}` | {field['type']} | {_cell(field.get('unit', ''))} | "
                     f"{_cell(field.get('description', ''))} | {_cell(constraints)} |")
    return lines + [""]


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


class ExecutionStatisticsDirective(MarkdownDirective):
    """Each notebook's last execution time, whether its outputs are current, and the environment."""

    def markdown(self) -> list[str]:
        import platform
        from importlib.metadata import version

        import nbformat

        from tools.execute import all_notebooks, stale_reason, twin

        lines = ["| Notebook | Last execution (s) | Status | Data read |", "|---|---|---|---|"]
        for md in all_notebooks():
            ipynb = twin(md)
            self.env.note_dependency(str(md))
            if not ipynb.exists():
                lines.append(f"| `{md.stem}` | — | never executed | |")
                continue
            self.env.note_dependency(str(ipynb))
            record = nbformat.read(ipynb, as_version=4).metadata.get("evidence", {})
            status = stale_reason(md) or "current"
            inputs = ", ".join(f"`{p.removeprefix('data/')}`" for p in record.get("inputs", {}) if "#" not in p)
            lines.append(f"| `{md.stem}` | {record.get('execution_seconds', '—')} | {status} | {inputs} |")
        packages = ["jupyter-book", "sphinx", "myst-nb", "sphinxcontrib-bibtex", "pandas", "altair",
                    "vl-convert-python", "frictionless", "nbval"]
        lines += ["", f"Built with Python {platform.python_version()} on {platform.system()}:", "",
                  "| Package | Version |", "|---|---|"]
        lines += [f"| {name} | {version(name)} |" for name in packages]
        return lines


class BenchmarkResultsDirective(MarkdownDirective):
    """The latest committed `make bench` results (benchmarks/latest.json)."""

    def markdown(self) -> list[str]:
        path = ROOT / "benchmarks" / "latest.json"
        if not path.exists():
            return ["No benchmark has been committed yet: run `make bench` and commit `benchmarks/latest.json`."]
        from tools.bench import results_markdown

        self.env.note_dependency(str(path))

        return results_markdown(json.loads(path.read_text(encoding="utf-8")))


class ExportControlsTableDirective(MarkdownDirective):
    """The report's appendix table rebuilt from the data: one row per measure, each cell citing its source."""

    COLUMNS = [("adopted", "Adopted"), ("published", "Published"), ("in_force", "In force"),
               ("covers_quantum_computers", "Quantum computers"), ("covers_cryogenic_cooling", "Cryogenic cooling"),
               ("cryogenic_threshold", "Cooling threshold"), ("covers_cryo_cmos", "Cryo-CMOS")]

    def markdown(self) -> list[str]:
        from evidence import load

        for name in ("export_measures.csv", "export_measure_facts.csv"):
            self.env.note_dependency(str(DATA / name))
        measures, facts = load("export_measures"), load("export_measure_facts")
        header = ["Country", "Instrument", *(label for _, label in self.COLUMNS)]
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for m in measures.itertuples():
            legal = f" {{cite:p}}`{m.legal_text_source}`" if isinstance(m.legal_text_source, str) else ""
            reference = m.legal_reference if isinstance(m.legal_reference, str) else "not found"
            cells = [m.country, _cell(reference) + legal]
            for attribute, _ in self.COLUMNS:
                rows = facts[(facts["measure_id"] == m.id) & (facts["attribute"] == attribute)]
                cells.append(_fact_cell(rows))
            lines.append("| " + " | ".join(cells) + " |")
        return lines


def _fact_cell(rows) -> str:
    """A fact with its source; 'not found' where searched for in vain; both values where sources conflict."""
    if rows.empty:
        return "—"
    parts = []
    for r in rows.itertuples():
        if r.status == "not found":
            parts.append("not found")
        else:
            flag = " (conflict)" if r.status == "conflict" else ""
            parts.append(f"{_cell(r.value)}{flag} {{cite:p}}`{r.source}`")
    return "; ".join(dict.fromkeys(parts))


def setup(app):
    import pybtex.plugin

    from tools.bibstyle import Style

    pybtex.plugin.register_plugin("pybtex.style.formatting", "evidence", Style)
    app.add_directive("datapackage", DataPackageDirective)
    app.add_directive("citation", CitationDirective)
    app.add_directive("execution-statistics", ExecutionStatisticsDirective)
    app.add_directive("benchmark-results", BenchmarkResultsDirective)
    app.add_directive("export-controls-table", ExportControlsTableDirective)
    app.connect("builder-inited", _add_static)
    app.connect("env-get-outdated", _pages_with_cross_page_glue)
    app.connect("env-get-outdated", _performance_page_when_results_appear)
    app.connect("html-page-context", _notebook_pages_point_to_markdown, priority=600)
    app.connect("build-finished", _copy_markdown_sources)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
