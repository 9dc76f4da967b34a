"""Sphinx directive ``verdict-rule``: the verdict engine's truth table, evaluated at build time.

The table is built as docutils nodes from ``evidence.verdicts.rule_table`` (never as MyST
text), so the Methods page shows the rule the chapters use, not a restatement of it.
"""
from __future__ import annotations

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from evidence import ROOT

COLUMNS = [("evidence", "Evidence (support, grade; on a second part)"), ("verdict", "Verdict"),
           ("confidence", "Confidence")]


def table_node(rows: list[dict[str, str]], columns: list[tuple[str, str]], caption: str) -> nodes.table:
    """A docutils table from plain values: every cell is text, never parsed as markup."""
    table = nodes.table(classes=["evidence-rule-table"])
    table += nodes.title(text=caption)
    group = nodes.tgroup(cols=len(columns))
    table += group
    group += [nodes.colspec(colwidth=1) for _ in columns]
    head, body = nodes.thead(), nodes.tbody()
    head += _row([label for _, label in columns])
    for row in rows:
        body += _row([row[key] for key, _ in columns], classes=[f"evidence-{row.get('verdict', '')}"])
    group += [head, body]
    return table


def _row(values: list[str], classes: list[str] | None = None) -> nodes.row:
    row = nodes.row(classes=classes or [])
    for value in values:
        entry = nodes.entry()
        entry += nodes.paragraph(text=str(value))
        row += entry
    return row


class VerdictRuleDirective(SphinxDirective):
    def run(self):
        from evidence.verdicts import rule_table

        self.env.note_dependency(str(ROOT / "evidence" / "verdicts.py"))
        self.env.note_dependency(__file__)
        container = nodes.container(classes=["print-hide"])
        container += table_node(rule_table(), COLUMNS, "The verdict rule on every case (generated from the engine)")
        return [container]


def setup(app):
    app.add_directive("verdict-rule", VerdictRuleDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
