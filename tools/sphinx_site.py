"""Sphinx extension: what a reader of a fact-checking publication expects around the findings.

- ``key-findings``: claim cards for the claims named in the directive's content (one id per
  line), linking to each claim's permanent address on its chapter, built from the ledger and
  escaped (the ledger's text is shown, never parsed).
- ``verdicts-chart``: the verdicts-by-topic chart, drawn like every chart of the book (an SVG in
  the page, numbered, with its files: tools/sphinx_charts.py), with a link to the scorecard.
- ``claims.json`` (the whole ledger with the computed verdicts) and ``editions.atom`` (a feed
  of the data package's editions from data/CHANGELOG.md) are written into the site.
- Buttons that point to a placeholder repository address (``OWNER``) are left out of every
  page; a build with a published address (``html_baseurl``) and a placeholder repository fails.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

from evidence import DATA, ROOT

PLACEHOLDER = "OWNER"
REPOSITORY_BUTTONS = {"repository-button", "issues-button", "source-edit-button", "launch-buttons",
                      "binderhub-button"}


def _ledger():
    from evidence import load
    from evidence.claims import computed_verdicts

    claims = load("claims")
    computed = computed_verdicts()
    return claims.drop(columns=["verdict", "confidence"]).merge(computed.drop(columns="chapter"), on="id")


class KeyFindingsDirective(SphinxDirective):
    has_content = True

    def run(self):
        from evidence.cards import card

        self.env.note_dependency(__file__)  # a change to this directive re-renders the pages using it
        for name in ("claims.csv", "datapackage.json"):
            self.env.note_dependency(str(DATA / name))
        for ipynb in sorted((ROOT / "notebooks").glob("*.ipynb")):
            self.env.note_dependency(str(ipynb))
        ledger = _ledger().set_index("id", drop=False)
        wanted = [line.strip() for line in self.content if line.strip()]
        unknown = [claim_id for claim_id in wanted if claim_id not in ledger.index]
        if unknown:
            raise self.error(f"key-findings: no claim {', '.join(unknown)} in data/claims.csv")
        root = "../" * self.env.docname.count("/")
        cards = [card(ledger.loc[c], page=f"{root}{ledger.loc[c, 'chapter']}.html", heading_level=3) for c in wanted]
        return [nodes.raw("", '<div class="evidence-cards">' + "".join(cards) + "</div>", format="html")]


class VerdictsChartDirective(SphinxDirective):
    """The scorecard's chart, drawn like every chart of the book (evidence.charts, tools/sphinx_charts.py)."""

    def run(self):
        from evidence.charts import figure_html
        from evidence.scorecard import verdicts_by_topic, verdicts_by_topic_chart

        self.env.note_dependency(__file__)
        for ipynb in sorted((ROOT / "notebooks").glob("*.ipynb")):
            self.env.note_dependency(str(ipynb))
        by_topic = verdicts_by_topic(_ledger())
        description = ("Stacked horizontal bars counting the claims of each topic by verdict: confirmed, "
                       "qualified, contradicted or unverified.")
        figure = figure_html(verdicts_by_topic_chart(by_topic), name="landing-verdicts-by-topic",
                             description=description, data=by_topic.drop(columns="order"),
                             sources=["merics2024longview", "chinaquantum2025twosessions"]).data
        scorecard = f'{"../" * self.env.docname.count("/")}notebooks/scorecard.html'
        # Web-only: the PDF prints the scorecard's own chart (print-hide, tools/pdf_html.py).
        figure = figure.replace('class="evidence-figure"', 'class="evidence-figure print-hide"', 1)
        figure = figure.replace("</p></figcaption>", f' Every claim: <a href="{scorecard}">the scorecard</a>.'
                                "</p></figcaption>", 1)
        return [nodes.raw("", figure, format="html")]


class EditionDirective(SphinxDirective):
    """'Edition 0.2.0 of data, released 2026-12-01, by …': from datapackage.json and CITATION.cff."""

    def run(self):
        import yaml

        self.env.note_dependency(__file__)
        self.env.note_dependency(str(ROOT / "CITATION.cff"))
        self.env.note_dependency(str(DATA / "datapackage.json"))
        cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
        version = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))["version"]
        authors = ", ".join(a.get("name") or f"{a.get('given-names', '')} {a.get('family-names', '')}".strip()
                            for a in cff.get("authors", []))
        paragraph = nodes.paragraph(classes=["evidence-edition"])
        paragraph += nodes.strong(text=f"Edition {version}")
        paragraph += nodes.Text(f" (data package {version}), released {cff.get('date-released')}, by {authors}.")
        return [paragraph]


def _hide_placeholder_buttons(app, pagename, templatename, context, doctree):
    url = str(app.config.html_theme_options.get("repository_url", ""))
    if PLACEHOLDER not in url:
        return
    groups = context.get("header_buttons", [])
    for group in groups:
        if "buttons" in group:
            group["buttons"] = [b for b in group["buttons"] if b.get("label") not in REPOSITORY_BUTTONS
                                and PLACEHOLDER not in str(b.get("url", ""))]
    context["header_buttons"] = [g for g in groups if g.get("label") not in REPOSITORY_BUTTONS
                                 and PLACEHOLDER not in str(g.get("url", "")) and g.get("buttons", [None])]


def _refuse_published_placeholder(app, config):
    url = str(config.html_theme_options.get("repository_url", ""))
    if config.html_baseurl and PLACEHOLDER in url:
        raise ExtensionError(f"_config.yml: repository.url is still the placeholder {url!r} while the site has a "
                             f"published address (html_baseurl {config.html_baseurl!r}): set repository.url to "
                             f"the public repository")


def _claims_json_inputs() -> list[Path]:
    return [DATA / "claims.csv", DATA / "datapackage.json", ROOT / "_config.yml",
            *sorted((ROOT / "notebooks").glob("*.ipynb")), *sorted((ROOT / "evidence").glob("*.py"))]


def _write_claims_json(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir) / "claims.json"
    if out.exists() and out.stat().st_mtime_ns > max(p.stat().st_mtime_ns for p in _claims_json_inputs()):
        return  # written after every file it is made from changed (loading the ledger is a third of a rebuild)
    from evidence.cards import claim_url

    version = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))["version"]
    claims = _ledger()
    records = [{"id": r.id, "url": claim_url(r.chapter, r.id),
                **{k: (None if (v != v) else v) for k, v in r._asdict().items() if k not in ("Index", "id")}}
               for r in claims.itertuples()]
    out.write_text(json.dumps({"edition": version, "claims": records}, ensure_ascii=False, indent=1) + "\n",
                   encoding="utf-8")


def editions(changelog: str) -> list[tuple[str, str, str]]:
    """(version, date, text) for each '## X.Y.Z (YYYY-MM-DD)' section of data/CHANGELOG.md."""
    found = []
    for match in re.finditer(r"^## (\d+\.\d+\.\d+)\s*[—(-]?\s*(\d{4}-\d{2}-\d{2})?\)?[^\n]*\n(.*?)(?=^## |\Z)",
                             changelog, flags=re.M | re.S):
        found.append((match.group(1), match.group(2) or "", match.group(3).strip()))
    return found


def _write_atom(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    base = app.config.html_baseurl.rstrip("/") + "/" if app.config.html_baseurl else ""
    entries = []
    for version, day, text in editions((DATA / "CHANGELOG.md").read_text(encoding="utf-8")):
        when = f"{day or dt.date.today().isoformat()}T00:00:00Z"
        entries.append(f"<entry><id>urn:cqpr:edition:{version}</id><title>Edition {version}</title>"
                       f"<updated>{when}</updated><link href=\"{html.escape(base)}book/changelog.html\"/>"
                       f"<content type=\"text\">{html.escape(text)}</content></entry>")
    updated = entries[0].split("<updated>")[1].split("</updated>")[0] if entries else "2026-01-01T00:00:00Z"
    feed = ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            "<id>urn:cqpr:editions</id><title>China's Quantum Push, Recomputed: editions</title>"
            f"<updated>{updated}</updated><author><name>the contributors</name></author>"
            + "".join(entries) + "</feed>\n")
    (Path(app.outdir) / "editions.atom").write_text(feed, encoding="utf-8")


def setup(app):
    app.add_directive("key-findings", KeyFindingsDirective)
    app.add_directive("verdicts-chart", VerdictsChartDirective)
    app.add_directive("edition", EditionDirective)
    app.connect("config-inited", _refuse_published_placeholder)
    app.connect("html-page-context", _hide_placeholder_buttons, priority=700)
    app.connect("build-finished", _write_claims_json)
    app.connect("build-finished", _write_atom)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
