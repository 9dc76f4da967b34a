"""Sphinx extension: every entry on the References page has a permanent address, ``#ref-<key>``.

sphinxcontrib-bibtex numbers its entries' ids (``id42``), which change when an entry is added.
The chapters' tables link a cited source to its entry (evidence.tables), so each entry also
gets the id evidence.references.anchor makes from its references.bib key.
"""
from __future__ import annotations

from docutils import nodes

from evidence.references import anchor


def add_key_ids(app, doctree, docname) -> None:
    citations = getattr(app.env.get_domain("cite"), "citations", [])
    whole_book = app.builder.name == "singlehtml"  # one doctree holding every page (the PDF editions' source)
    keys = {c.citation_id: c.key for c in citations if whole_book or c.bibliography_key.docname == docname}
    if not keys:
        return
    for node in doctree.findall(nodes.citation):
        key = next((keys[i] for i in node["ids"] if i in keys), None)
        if key and anchor(key) not in node["ids"]:
            node["ids"].append(anchor(key))


def setup(app):
    app.connect("doctree-resolved", add_key_ids)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
