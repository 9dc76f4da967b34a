"""Docutils nodes from values: how the book's directives show data without ever parsing it.

A value read from data/, datapackage.json or references.bib becomes a ``nodes.Text`` (or sits
inside a ``literal``), which every Sphinx writer escapes. The only MyST these helpers parse is a
fixed template: a citation role around a key that matched a strict pattern and is a key of
references.bib, and the ``footbibliography`` directive.
"""
from __future__ import annotations

import re

from docutils import nodes
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.util import logging

logger = logging.getLogger(__name__)
BIB_KEY = re.compile(r"[A-Za-z0-9_-]+")
CITE_ROLES = ("cite:p", "cite:t", "footcite:p", "footcite:t")


def inline(part) -> nodes.Node:
    return part if isinstance(part, nodes.Node) else nodes.Text(str(part))


def para(*parts) -> nodes.paragraph:
    node = nodes.paragraph()
    node.extend(inline(p) for p in parts)
    return node


def literal(value) -> nodes.literal:
    return nodes.literal(text=str(value))


def strong(value) -> nodes.strong:
    return nodes.strong(text=str(value))


def joined(items: list, sep: str = ", ") -> list[nodes.Node]:
    out: list[nodes.Node] = []
    for n, item in enumerate(items):
        if n:
            out.append(nodes.Text(sep))
        out.extend(item if isinstance(item, list) else [inline(item)])
    return out


def table(header: list[str], rows: list[list]) -> nodes.table:
    """A table whose cells are lists of inline nodes (or plain values, shown as text)."""
    group = nodes.tgroup(cols=len(header))
    group.extend(nodes.colspec(colwidth=1) for _ in header)
    head, body = nodes.thead(), nodes.tbody()
    head += _row([[h] for h in header])
    body.extend(_row(r) for r in rows)
    group += head
    group += body
    return nodes.table("", group)


def _row(cells: list) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        entry += para(*(cell if isinstance(cell, list) else [cell]))
        row += entry
    return row


def section(document, title, fallback_id: str) -> nodes.section:
    """A section titled with ``title`` as text, with an anchor made from it (or from fallback_id)."""
    ident = nodes.make_id(str(title)) or nodes.make_id(fallback_id)
    if ident in document.ids:
        ident = nodes.make_id(fallback_id)
    node = nodes.section(ids=[ident], names=[nodes.fully_normalize_name(str(title))])
    node += nodes.title(text=str(title))
    document.note_implicit_target(node, node)
    return node


def doc_link(docname: str) -> addnodes.pending_xref:
    """A link to a page of the book, shown with the page's title (like {doc}`/docname`)."""
    return addnodes.pending_xref("", nodes.inline(docname, docname, classes=["xref", "std", "std-doc"]),
                                 refdomain="std", reftype="doc", reftarget=f"/{docname}", refexplicit=False,
                                 refwarn=True)


def download(label: str, target: str) -> addnodes.download_reference:
    """A download of ``target`` (a path from the book's root, starting with /), labelled ``label``."""
    return addnodes.download_reference("", "", nodes.literal(label, label, classes=["xref", "download"]),
                                       refdomain="", reftype="download", reftarget=target, refexplicit=True,
                                       refwarn=True)


def citation(directive, role: str, key, known: frozenset[str]) -> list[nodes.Node]:
    """The nodes of ``{role}`key``` for a key of references.bib; the key as text (and a warning) otherwise."""
    key = str(key)
    if role not in CITE_ROLES:
        raise ValueError(f"unknown citation role {role!r}")
    if not BIB_KEY.fullmatch(key) or key not in known:
        logger.warning(f"{key[:60]!r} is not a key of references.bib: shown as text, not cited",
                       location=directive.get_location())
        return [nodes.Text(key)]
    parsed, messages = directive.state.inline_text(f"{{{role}}}`{key}`", directive.lineno)
    return [*parsed, *messages]


def fixed_myst(directive, lines: list[str]) -> list[nodes.Node]:
    """Nodes of a fixed MyST template written in the code (never of data)."""
    container = nodes.container()
    directive.state.nested_parse(StringList(lines, source=directive.env.docname), directive.content_offset,
                                 container)
    return container.children
