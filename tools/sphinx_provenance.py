"""Sphinx extension: every number pasted into the prose opens the rows it was computed from.

``evidence.paste.paste(key, value, rows=...)`` records, in the glued output's metadata, the data
rows a value was computed from (fields, author-year citation, locator, grade, exchange rate).
Here the ``{glue:text}`` role is replaced by one that keeps that record with the number; on the
HTML page the number becomes a button that opens a panel listing the rows (the HTML popover
attribute: no script, offline, keyboard-reachable, Esc closes). With no popover support or no
CSS the number reads as the number; print shows the number only (print.css, tools/pdf_html.py).

Every value in a panel comes from data/ and is escaped: it is shown as text, never as markup.
"""
from __future__ import annotations

import html
import re

from docutils import nodes
from myst_nb.core.variables import RetrievalError
from myst_nb.ext.glue.roles import PasteTextRole
from myst_nb.ext.glue.utils import PendingGlueReference, retrieve_glue_data
from sphinx.transforms.post_transforms import SphinxPostTransform

METADATA_KEY = "evidence_provenance"  # evidence/paste.py writes it
PANEL_CLASS = "evidence-provenance"
NUMBER_CLASS = "evidence-pasted"


class pasted_value(nodes.inline):
    """A pasted value with the record of where it came from (``provenance``: a dict, or None)."""


class provenance_panels(nodes.General, nodes.Element):
    """The panels of one page, set after its last section (HTML only)."""


class ProvenanceTextRole(PasteTextRole):
    """myst-nb's ``{glue:text}``, keeping the provenance its paste recorded with the number."""

    def run(self):
        pasted, messages = super().run()
        if len(pasted) != 1 or isinstance(pasted[0], PendingGlueReference):
            return pasted, messages  # another document's value: resolved by CrossDocumentProvenance
        key = self.text.rsplit(":", 1)[0] if self.text.count(":") else self.text
        try:
            record = retrieve_glue_data(self.document, key).metadata.get(METADATA_KEY)
        except RetrievalError:
            record = None
        docname = getattr(getattr(self.document.settings, "env", None), "docname", "")
        wrapper = pasted_value(key=key, provenance=record, docname=docname)
        wrapper += pasted[0]
        return [wrapper], messages


class CrossDocumentProvenance(SphinxPostTransform):
    """Before myst-nb resolves ``{glue:text}`doc::key``` (priority 5), wrap it with its record."""

    default_priority = 4

    def apply(self, **kwargs):
        from myst_nb.ext.glue.crossref import read_glue_cache

        folder = self.env.mystnb_config.output_folder
        for pending in list(self.document.findall(PendingGlueReference)):
            if pending.get("gtype") != "text" or isinstance(pending.parent, pasted_value):
                continue
            output = read_glue_cache(folder, pending.refdoc).get(pending.key, {})
            record = output.get("metadata", {}).get(METADATA_KEY)
            wrapper = pasted_value(key=f"{pending.refdoc}::{pending.key}", provenance=record,
                                   docname=self.env.docname)
            pending.replace_self(wrapper)
            wrapper += pending


class PanelsAfterTheText(SphinxPostTransform):
    """One panel per pasted key of the page, collected at its end, each named by page and key."""

    default_priority = 900
    formats = ("html",)

    def apply(self, **kwargs):
        panels = {}
        for number in self.document.findall(pasted_value):
            if number["provenance"] is None:
                continue
            ident = panel_id(number.get("docname") or self.env.docname, number["key"])
            number["panel"] = ident
            panels.setdefault(ident, (number["key"], number.astext(), number["provenance"]))
        if panels:
            holder = provenance_panels()
            holder["html"] = "".join(panel_html(ident, shown, record)
                                     for ident, (_key, shown, record) in panels.items())
            self.document += holder


def panel_id(docname: str, key: str) -> str:
    return "provenance-" + re.sub(r"[^a-z0-9]+", "-", f"{docname}-{key}".lower()).strip("-")


def panel_html(ident: str, shown: str, record: dict) -> str:
    """The panel: the rows the value was computed from, each with its source, locator, grade and rate."""
    e = html.escape
    rows = record.get("rows", [])
    heading = ("No row of the data counts towards this number." if not rows else
               f"Computed from {'this row' if len(rows) == 1 else f'these {len(rows)} rows'} of the data package:")
    items = "".join(_row_html(row) for row in rows)
    more = (f'<p class="{PANEL_CLASS}-more">… and {int(record["omitted"])} more rows, in the chapter\'s tables.</p>'
            if record.get("omitted") else "")
    return (f'<div class="{PANEL_CLASS}" id="{e(ident)}" popover role="dialog" '
            f'aria-label="Where {e(shown)} comes from">'
            f'<button type="button" class="{PANEL_CLASS}-close" popovertarget="{e(ident)}" '
            f'popovertargetaction="hide" aria-label="Close">×</button>'
            f'<p class="{PANEL_CLASS}-title"><strong>{e(shown)}</strong> · {e(heading)}</p>'
            f'<ol class="{PANEL_CLASS}-rows">{items}</ol>{more}</div>')


def _row_html(row: dict) -> str:
    e = html.escape
    fields = "".join(f"<dt>{e(str(name))}</dt><dd>{e(str(value))}</dd>" for name, value in row.get("fields", []))
    cites = ", ".join(f'<a href="{e(c["url"])}" rel="noopener">{e(c["cite"])}</a>' if c.get("url") else e(c["cite"])
                      for c in row.get("source", []))
    about = [f"Source: {cites}" if cites else "", f"grade {e(row['grade'])}" if row.get("grade") else ""]
    source = " · ".join(part for part in about if part)
    locator = f'<p class="{PANEL_CLASS}-locator">Locator: {e(row["locator"])}</p>' if row.get("locator") else ""
    rate = f'<p class="{PANEL_CLASS}-rate">Exchange rate: {e(row["rate"])}</p>' if row.get("rate") else ""
    ident = f'<p class="{PANEL_CLASS}-id"><code>{e(row["id"])}</code></p>' if row.get("id") else ""
    return (f"<li>{ident}<dl>{fields}</dl>" + (f'<p class="{PANEL_CLASS}-source">{source}</p>' if source else "")
            + locator + rate + "</li>")


# --- writers -------------------------------------------------------------------------------------

def visit_pasted_html(self, node):
    if node.get("panel"):
        self.body.append(f'<button type="button" class="{NUMBER_CLASS}" popovertarget="{node["panel"]}" '
                         f'title="Where this number comes from">')


def depart_pasted_html(self, node):
    if node.get("panel"):
        self.body.append("</button>")


def visit_panels_html(self, node):
    self.body.append(f'<div class="{PANEL_CLASS}-panels">{node["html"]}</div>')
    raise nodes.SkipNode


def _pass(self, node):
    pass


def _skip(self, node):
    raise nodes.SkipNode


def setup(app):
    app.setup_extension("myst_nb")
    app.add_role_to_domain("glue", "text", ProvenanceTextRole(), override=True)
    app.add_node(pasted_value, html=(visit_pasted_html, depart_pasted_html), latex=(_pass, _pass),
                 text=(_pass, _pass), man=(_pass, _pass), texinfo=(_pass, _pass))
    app.add_node(provenance_panels, html=(visit_panels_html, None), latex=(_skip, None), text=(_skip, None),
                 man=(_skip, None), texinfo=(_skip, None))
    app.add_post_transform(CrossDocumentProvenance)
    app.add_post_transform(PanelsAfterTheText)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
