"""The two PDF editions as HTML: the single-page build of the book, rearranged for print.

Both editions are cut from the same single-page build, so they carry the numbers, verdicts
and prose of the site they were built with. Layout lives in evidence/static/print.css; this
module only chooses and orders content:

- the full edition: a cover, a table of contents, every chapter and appendix; the long
  evidence tables (more than LONG_TABLE_ROWS rows, or marked online only by
  ``evidence.charts.table``), the data dictionary and the benchmark
  page are replaced by a pointer to their online page; one bibliography, the References
  page, to which every endnote marker now points (the per-chapter endnotes repeated the
  same entries and are not printed);
- the brief edition: a cover, the key findings of the landing page, the verdicts-by-topic
  chart, every claim of the ledger on one line with its verdict and confidence, the method
  and how to cite.

Links between book pages become links inside the PDF; links to pages that are not printed
go to the online edition (html_baseurl) or, without one, are left as plain text.
"""
from __future__ import annotations

import csv
import html
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from evidence import DATA

LONG_TABLE_ROWS = 25          # tables longer than this are evidence dumps: online only in print
ONLINE_ONLY = ("book/data", "book/performance")   # the data dictionary and the benchmarks
SCORECARD_TABLE = "scorecard"  # the web scorecard's id: printed as the one-line ledger instead
LANDING_SKIPS = ("how-to-read-this-book",)        # the landing page's reading guide, not a finding
BRIEF_CHART = "figure-scorecard-verdicts-by-topic"
BRIEF_METHOD, BRIEF_CITE = "book/methods", "book/cite"
VERDICT_WORDS = ("confirmed", "qualified", "contradicted", "unverified")
NO_VALUE = "—"


class PrintError(Exception):
    """A problem that stops an edition from being printed; the message is one line."""


@dataclass
class Book:
    """What a cover says: from _config.yml, CITATION.cff and data/datapackage.json."""
    title: str
    subtitle: str
    version: str
    data_version: str
    date: str
    authors: list[str]
    licence: str
    base_url: str = ""
    parts: list[tuple[str, list[str]]] = field(default_factory=list)  # (caption, docnames)
    root: str = "book/intro"


@dataclass
class Chapter:
    doc: str
    title: str
    node: Tag


# --- reading the single-page build ------------------------------------------------------------

def _heading_text(heading: Tag) -> str:
    return " ".join(t for t in heading.find_all(string=True)
                    if not (t.parent.name == "a" and "headerlink" in (t.parent.get("class") or []))).strip()


def headings(page: str) -> list[str]:
    """The text of every heading of a page, in order (what its bookmarks should say)."""
    soup = BeautifulSoup(page, "html.parser")
    return [_heading_text(h) for h in soup.find_all(re.compile(r"^h[1-6]$"))]


def _shift_headings(section: Tag, by: int) -> None:
    for h in section.find_all(re.compile(r"^h[1-6]$")):
        h.name = f"h{min(6, max(1, int(h.name[1]) + by))}"


def chapters(soup: BeautifulSoup, root: str) -> list[Chapter]:
    """Every document of the single page, in the order of the table of contents, headed by an h1."""
    article = soup.select_one("article.bd-article")
    if article is None or article.find("section") is None:
        raise PrintError("the single-page build has no article: rebuild it (jupyter-book build . --builder singlehtml)")
    landing = article.find("section")
    found = []
    for span in landing.select("span[id^=document-]"):
        section = span.find_next_sibling("section")
        found.append((span["id"].removeprefix("document-"), section.extract()))
        span.decompose()
    for wrapper in landing.select("div.toctree-wrapper"):
        wrapper.decompose()
    result = [Chapter(root, _heading_text(landing.find("h1")), landing.extract())]
    for doc, section in found:
        _shift_headings(section, -1)
        result.append(Chapter(doc, _heading_text(section.find("h1")), section))
    article.clear()
    return result


def _wrap(soup, chapter: Chapter, number: int) -> Tag:
    wrapper = soup.new_tag("div", attrs={"class": "print-chapter", "id": f"document-{chapter.doc}",
                                         "data-doc": chapter.doc, "style": f"page: chapter-{number}"})
    wrapper.append(chapter.node)
    return wrapper


# --- the ledger ---------------------------------------------------------------------------------

def ledger_rows() -> list[dict]:
    """data/claims.csv, sorted like the scorecard; 'confidence' is '—' where the ledger has none."""
    with (DATA / "claims.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["confidence"] = (row.get("confidence") or "").strip() or NO_VALUE
    return sorted(rows, key=lambda r: (r["topic"], r["id"]))


def ledger_table(soup, link_claims: bool) -> Tag:
    """Every claim on one line: id, quote (cut to the line), verdict, confidence; grouped by topic."""
    rows, topic = [], None
    for r in ledger_rows():
        if r["topic"] != topic:
            topic = r["topic"]
            rows.append(f'<tr class="print-ledger-topic"><th colspan="4" scope="rowgroup">{html.escape(topic)}</th>'
                        '</tr>')
        claim = html.escape(r["id"])
        ident = f'<a href="#claim-{claim}">{claim}</a>' if link_claims else claim
        verdict = html.escape(r["verdict"])
        rows.append(f'<tr><td>{ident}</td><td>{html.escape(r["quote"])}</td>'
                    f'<td><span class="evidence-badge evidence-{verdict}">{verdict}</span></td>'
                    f'<td>{html.escape(r["confidence"])}</td></tr>')
    table = ('<table class="evidence-table print-ledger"><caption>Every claim of the ledger (data/claims.csv) '
             'with its verdict and confidence</caption><thead><tr><th scope="col">Claim</th><th scope="col">Quote'
             '</th><th scope="col">Verdict</th><th scope="col">Confidence</th></tr></thead><tbody>'
             + "".join(rows) + "</tbody></table>")
    return BeautifulSoup(table, "html.parser").table


# --- cover and contents ---------------------------------------------------------------------

def cover(soup, book: Book, edition: str) -> Tag:
    online = f"<p>Online edition: {html.escape(book.base_url)}</p>" if book.base_url else ""
    markup = (
        f'<div class="print-cover" id="cover">'
        f'<p class="print-cover-title">{html.escape(book.title)}</p>'
        f'<p class="print-cover-subtitle">{html.escape(book.subtitle)}</p>'
        f'<p class="print-cover-edition">{html.escape(edition)}</p>'
        f'<p>Version {html.escape(book.version)}, data package version {html.escape(book.data_version)}</p>'
        f'<div class="print-cover-meta"><p>{html.escape(", ".join(book.authors))}</p>'
        f'<p>Printed {html.escape(book.date)}</p><p>{html.escape(book.licence)}</p>{online}</div></div>')
    return BeautifulSoup(markup, "html.parser").div


def contents(soup, book: Book, titles: dict[str, str], pages: dict[str, int]) -> Tag:
    def item(doc: str) -> str:
        page = pages.get(doc)
        return (f'<li><a href="#document-{html.escape(doc)}"><span class="print-contents-title">'
                f'{html.escape(titles[doc])}</span><span class="print-contents-leader"></span>'
                f'<span class="print-contents-page">{page if page else "00"}</span></a></li>')

    groups = [f"<ol>{item(book.root)}</ol>"]
    for caption, docs in book.parts:
        groups.append(f'<p class="print-contents-part">{html.escape(caption)}</p>'
                      f'<ol>{"".join(item(d) for d in docs if d in titles)}</ol>')
    markup = (f'<div class="print-contents" id="contents" style="page: contents">'
              f'<h1>Contents</h1>{"".join(groups)}</div>')
    return BeautifulSoup(markup, "html.parser").div


def running_heads(soup, book: Book, heads: list[str]) -> None:
    """The running head of each chapter: one @page rule per chapter, content only (layout: print.css)."""
    def css_string(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    title = css_string(book.title)
    rules = [f'@page contents {{ @top-left {{ content: "Contents"; }} @top-right {{ content: {title}; }} }}']
    rules += [f"@page chapter-{n} {{ @top-left {{ content: {css_string(head)}; }} @top-right {{ content: {title}; }} }}"
              for n, head in enumerate(heads)]
    style = soup.new_tag("style", attrs={"id": "print-running-heads", "media": "print"})
    style.string = "\n".join(rules)
    soup.head.append(style)


# --- what print leaves out ----------------------------------------------------------------------

def _online(book: Book, doc: str, fragment: str = "") -> tuple[str, str]:
    """(href, text) of a page of the online edition; href is '' without a base URL."""
    path = f"{doc}.html" + (f"#{fragment}" if fragment else "")
    if book.base_url:
        url = book.base_url.rstrip("/") + "/" + path
        return url, url
    return "", f"{path} of the online edition"


def pointer(soup, book: Book, doc: str, what: str, fragment: str = "") -> Tag:
    href, text = _online(book, doc, fragment)
    where = f'<a href="{html.escape(href)}">{html.escape(text)}</a>' if href else html.escape(text)
    return BeautifulSoup(f'<p class="print-only print-pointer">{html.escape(what)} is online only, at {where}.</p>',
                         "html.parser").p


def _online_only_chapter(soup, book: Book, chapter: Chapter) -> None:
    keep = [chapter.node.find("h1")] + chapter.node.find_all("p", recursive=False)[:1]
    for child in list(chapter.node.children):
        if child not in keep:
            child.extract()
    chapter.node.append(pointer(soup, book, chapter.doc, "This appendix"))


def _long_tables(soup, book: Book, chapter: Chapter) -> None:
    for table in chapter.node.find_all("table"):
        rows = len(table.select("tbody > tr")) or len(table.find_all("tr")) - 1
        if table.get("id") == SCORECARD_TABLE:
            wrap = table.find_parent("div", class_="evidence-table-wrap") or table
            note = pointer(soup, book, chapter.doc, "The full table, with the reason for each verdict,",
                           SCORECARD_TABLE)
            wrap.replace_with(ledger_table(soup, link_claims=True))
            chapter.node.find("table", class_="print-ledger").insert_after(note)
            continue
        wrap = table.find_parent("div", class_="evidence-table-wrap") or table
        if rows <= LONG_TABLE_ROWS and wrap.get("data-print") != "online-only":
            continue
        caption = wrap.find(class_="evidence-table-caption") or table.find("caption")
        name = caption.get_text(" ", strip=True) if caption else "The full table"
        wrap.replace_with(pointer(soup, book, chapter.doc, f"The table “{name}” ({rows} rows)"))


def one_bibliography(soup, chapters_: list[Chapter], references: Chapter) -> None:
    """Point every endnote marker at the References entry of the same source, then drop the endnotes."""
    entries = {_norm(c.find("p").get_text()): c for c in references.node.select("div.citation") if c.find("p")}
    notes = {}
    for note in soup.select("aside.footnote[id^=footcite-]"):
        if note.find("p"):
            notes.setdefault(note["id"], _norm(note.find("p").get_text()))
    for marker in soup.select('a.footnote-reference[href^="#footcite-"]'):
        target = marker["href"][1:]
        entry = entries.get(notes.get(target, ""))
        if entry is None:
            raise PrintError(f"pdf: endnote {target.removeprefix('footcite-')} has no entry on the References page "
                             "(book/references.md): it would print without its source")
        marker["href"] = f"#{entry['id']}"
        marker.string = "[" + entry.find(class_="label").get_text(strip=True).strip("[]") + "]"
    for chapter in chapters_:
        for footnotes in chapter.node.select("aside.footnote-list"):
            if all(n.get("id", "").startswith("footcite-") for n in footnotes.select("aside.footnote")):
                footnotes.decompose()


# Docutils "smart quotes" curl the quotes, dashes and ellipses of the endnotes but not of the
# References page: entries are compared with both sides straightened.
_STRAIGHT = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                           "\u2014": "-", "\u2026": "..."})


def _norm(text: str) -> str:
    return re.sub(r"-+", "-", re.sub(r"\s+", " ", text).strip().translate(_STRAIGHT))


# --- links ----------------------------------------------------------------------------------------

def rewrite_links(soup, book: Book, page_name: str) -> None:
    """Book pages -> #anchors; other pages -> the online edition (or plain text); data: links dropped."""
    ids = {t["id"] for t in soup.find_all(id=True)}
    printed = {t["data-doc"] for t in soup.select("[data-doc]")}
    for a in soup.find_all("a", href=True):
        href = a["href"]
        scheme = urlsplit(href).scheme
        if scheme in ("http", "https") and urlsplit(href).hostname not in ("127.0.0.1", "localhost"):
            continue
        if scheme in ("data", "javascript"):
            a.decompose()
            continue
        if scheme == "mailto":
            continue
        target = _internal_target(a, href, page_name, ids, printed)
        if target:
            a["href"] = target
            continue
        doc, fragment = _page_of(a, href, page_name)
        online, _ = _online(book, doc, fragment) if doc else ("", "")
        if online:
            a["href"] = online
        else:
            a.unwrap()


def _page_of(a: Tag, href: str, page_name: str) -> tuple[str, str]:
    """(docname, fragment) of a relative link, resolved against the page it was written for."""
    url = urlsplit(href)
    if url.path in ("", page_name):
        return "", url.fragment
    holder = a.find_parent(attrs={"data-doc": True})
    base = f"/{holder['data-doc']}.html" if holder else "/"
    path = urlsplit(urljoin(base, url.path)).path.lstrip("/")
    return (path.removesuffix(".html") if path.endswith(".html") else ""), url.fragment


def _internal_target(a: Tag, href: str, page_name: str, ids: set[str], printed: set[str]) -> str:
    url = urlsplit(href)
    if url.path in ("", page_name) and not url.scheme:
        return f"#{url.fragment}" if url.fragment in ids else ""
    doc, fragment = _page_of(a, href, page_name)
    if fragment and fragment in ids and doc in printed:
        return f"#{fragment}"
    return f"#document-{doc}" if doc in printed else ""


# --- the two editions ---------------------------------------------------------------------------

def screen_only(soup) -> None:
    """Drop what is for the screen only; a pasted number prints as the number, without its panel."""
    for hidden in soup.select(".print-hide, .onlyprint, a.evidence-download, .evidence-provenance-panels"):
        hidden.decompose()
    for number in soup.select("button.evidence-pasted"):
        number.unwrap()


def _prepare(page: str, book: Book) -> tuple[BeautifulSoup, Tag, list[Chapter]]:
    soup = BeautifulSoup(page, "html.parser")
    screen_only(soup)  # before the chapters are cut out, so no copy keeps them
    for fold in soup.select("details.evidence-fold"):
        fold["open"] = ""  # what the site folds (the rest of a chapter's claims, full tables) prints open
    found = chapters(soup, book.root)
    soup.body["class"] = soup.body.get("class", []) + ["print-edition"]
    return soup, soup.select_one("article.bd-article"), found


def full_edition(page: str, book: Book, pages: dict[str, int] | None = None,
                 page_name: str = "book/intro.html") -> str:
    soup, article, found = _prepare(page, book)
    by_doc = {c.doc: c for c in found}
    references = by_doc.get("book/references")
    if references is None:
        raise PrintError("pdf: the book has no References page (book/references.md): nothing to point endnotes at")
    article.append(cover(soup, book, "Full edition"))
    article.append(contents(soup, book, {c.doc: c.title for c in found}, pages or {}))
    for number, chapter in enumerate(found):
        article.append(_wrap(soup, chapter, number))
    one_bibliography(soup, found, references)
    references.node["class"] = references.node.get("class", []) + ["print-bibliography"]
    for chapter in found:
        if chapter.doc in ONLINE_ONLY:
            _online_only_chapter(soup, book, chapter)
        else:
            _long_tables(soup, book, chapter)
    running_heads(soup, book, [c.title for c in found])
    rewrite_links(soup, book, page_name)
    return str(soup)


def brief_edition(page: str, book: Book, page_name: str = "book/intro.html") -> str:
    soup, article, found = _prepare(page, book)
    by_doc = {c.doc: c for c in found}
    landing = by_doc[book.root].node
    for skip in LANDING_SKIPS:
        for node in landing.select(f"section#{skip}"):
            for endnotes in node.select("aside.footnote-list"):  # the landing's sources, kept
                landing.append(endnotes.extract())
            node.decompose()
    landing.find("h1").string = "Key findings"
    chart = next((c.node.find(id=BRIEF_CHART) for c in found if c.node.find(id=BRIEF_CHART)), None)
    if chart is None:
        raise PrintError(f"pdf: the scorecard's chart {BRIEF_CHART} is missing from the single-page build")
    verdicts = _section(soup, "verdicts-by-topic-print", "Verdicts by topic", chart.extract())
    claims = _section(soup, "every-claim", "Every claim and its verdict", ledger_table(soup, link_claims=False))
    parts = [Chapter(book.root, "Key findings", landing), Chapter("brief/verdicts", "Verdicts by topic", verdicts),
             Chapter("brief/claims", "Every claim and its verdict", claims)]
    for doc in (BRIEF_METHOD, BRIEF_CITE):
        if doc not in by_doc:
            raise PrintError(f"pdf: the brief edition needs {doc}.md, which is not in the single-page build")
        parts.append(by_doc[doc])
    by_doc[BRIEF_METHOD].node["class"] = by_doc[BRIEF_METHOD].node.get("class", []) + ["print-method"]
    article.append(cover(soup, book, "Brief edition"))
    for number, chapter in enumerate(parts):
        article.append(_wrap(soup, chapter, number))
    running_heads(soup, book, [c.title for c in parts])
    rewrite_links(soup, book, page_name)
    return str(soup)


def _section(soup, ident: str, title: str, *content: Tag) -> Tag:
    section = soup.new_tag("section", attrs={"id": ident})
    heading = soup.new_tag("h1")
    heading.string = title
    section.append(heading)
    for node in content:
        section.append(node)
    return section
