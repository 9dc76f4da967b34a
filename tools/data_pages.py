"""The Data page (``{datapackage}``) and the export-controls appendix (``{export-controls-table}``).

Both are built as docutils nodes from the values of data/datapackage.json and the CSVs:
every title, description, unit, constraint and cell is text, never Markdown, MyST or HTML
(tools.docnodes). Each CSV is offered for download as a spreadsheet-safe copy
(evidence.csv_safety: no cell starts a formula, UTF-8 with a BOM), made under _build, and
only for a path that stays inside data/ (evidence.safe_paths).
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from evidence import BIB, DATA, ROOT, atomic
from evidence.csv_safety import file_csv
from evidence.safe_paths import plain_file_reason, resource_file
from tools.docnodes import citation, doc_link, download, fixed_myst, joined, literal, para, section, strong, table

logger = logging.getLogger(__name__)
DOWNLOADS = ROOT / "_build" / ".evidence-downloads"  # inside the book's root: Sphinx copies from there


def bib_keys() -> frozenset[str]:
    from evidence.bib_rules import check_bib

    return check_bib(BIB)[0]


def read_descriptor(directive) -> dict | None:
    path = DATA / "datapackage.json"
    directive.env.note_dependency(str(path))
    try:
        if plain_file_reason(path):
            raise ValueError(plain_file_reason(path))
        descriptor = json.loads(path.read_text(encoding="utf-8"))
        descriptor["resources"][0]["schema"]["fields"][0]["name"]  # noqa: B018 (the shape validate checks)
        return descriptor
    except (OSError, ValueError, KeyError, IndexError, TypeError) as err:
        logger.warning(f"data/datapackage.json cannot be shown ({type(err).__name__}): run make validate",
                       location=directive.get_location())
        return None


class DataPackageDirective(SphinxDirective):
    """Document every resource of data/datapackage.json: fields, units, sources, users, download."""

    def run(self):
        descriptor = read_descriptor(self)
        if descriptor is None:
            return []
        users = chapters_reading_each_file(self)
        keys = bib_keys()
        licences = ", ".join(str(lic.get("title", "")) for lic in descriptor.get("licenses", []))
        out = [para("Data package version ", strong(descriptor.get("version", "")), ", licence ", licences, ".")]
        for res in descriptor["resources"]:
            chapters = [c for c in users.get(f"data/{res['path']}", []) if c in self.env.found_docs]
            out.append(self.resource_section(res, chapters, keys))
        return out + fixed_myst(self, ["```{footbibliography}", "```"])

    def resource_section(self, res: dict, chapters: list[str], keys: frozenset[str]) -> nodes.section:
        node = section(self.state.document, res.get("title") or res["name"], f"resource-{res['name']}")
        path, reason = resource_file(DATA, res["path"])
        if reason:
            logger.warning(f"data/datapackage.json: resource {res['name']!r} is not shown: {reason}",
                           location=self.get_location())
            return node
        self.env.note_dependency(str(path))
        text = path.read_text(encoding="utf-8")
        rows = list(csv.DictReader(io.StringIO(text)))
        node += para(res.get("description", ""))
        primary = res["schema"].get("primaryKey", [])
        node += para("File ", download(res["path"], self.spreadsheet_copy(res["path"], text)),
                     f", {len(rows)} rows, primary key ",
                     literal(", ".join([primary] if isinstance(primary, str) else primary)), ".")
        grades = {g: sum(r.get("grade") == g for r in rows) for g in "ABC"}
        if any(grades.values()):
            node += para("Rows by grade: " + ", ".join(f"{g} {n}" for g, n in grades.items()) + ".")
        if chapters:
            node += para("Used by: ", *joined([doc_link(c) for c in chapters]), ".")
        cited = sorted({r["source"] for r in rows if r.get("source")})
        if cited:
            node += para("Sources: ", *joined([citation(self, "footcite:t", k, keys) for k in cited]), ".")
        node += table(["Field", "Type", "Unit", "Description", "Constraints"], [
            [[literal(f["name"])], f.get("type", ""), f.get("unit", ""), f.get("description", ""),
             "; ".join(f"{k}: {v}" for k, v in f.get("constraints", {}).items())]
            for f in res["schema"]["fields"]])
        return node

    def spreadsheet_copy(self, rel: str, text: str) -> str:
        """Write the download copy of data/<rel>; return its path from the book's root for Sphinx."""
        target = DOWNLOADS.joinpath(*rel.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        safe = file_csv(text)
        if not target.exists() or target.read_text(encoding="utf-8") != safe:
            atomic.write_text(target, safe)
        return "/" + target.relative_to(Path(self.env.srcdir)).as_posix()


def chapters_reading_each_file(directive) -> dict[str, list[str]]:
    """Which chapter read which data file during its last execution (recorded by tools.execute)."""
    from tools.execute import UnreadableTwin, read_twin

    users: dict[str, list[str]] = {}
    for ipynb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        try:
            inputs = read_twin(ipynb).metadata.get("evidence", {}).get("inputs", {})
        except UnreadableTwin as err:
            logger.warning(str(err), location=directive.get_location())
            continue
        for path in inputs:
            users.setdefault(path, []).append(f"notebooks/{ipynb.stem}")
    return users


class ExportControlsTableDirective(SphinxDirective):
    """The report's appendix table rebuilt from the data: the one table of evidence.export_controls
    (the chapter shows the same), every cell citing its sources."""

    def run(self):
        from evidence import DataError, load
        from evidence.export_controls import Controls

        for name in ("export_measures.csv", "export_measure_facts.csv", "datapackage.json"):
            self.env.note_dependency(str(DATA / name))
        try:
            appendix = Controls(load("export_measures"), load("export_measure_facts")).appendix()
        except (DataError, KeyError, ValueError) as err:
            logger.warning(f"the export-controls table is not shown: {str(err).splitlines()[0]} "
                           f"(run make validate)", location=self.get_location())
            return []
        keys = bib_keys()
        header = list(appendix[0]) if appendix else []
        rows = [[self.cell(cell, keys) for cell in row.values()] for row in appendix]
        return [table(header, rows)]

    def cell(self, cell, keys: frozenset[str]) -> list:
        """The cell's text, then a citation of each source behind it."""
        parts = [cell.text]
        for source in dict.fromkeys(cell.sources):
            parts += [" ", *citation(self, "cite:p", source, keys)]
        return parts
