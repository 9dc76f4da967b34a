"""`make pdf`: the full and the brief PDF editions, printed from the single-page build.

Jupyter Book's own PDF routes need a browser download (pdfhtml) or a LaTeX toolchain; this
one uses Debian's chromium, already needed by the tests. tools/pdf_html.py cuts both
editions from the single-page build; evidence/static/print.css lays them out (cover, running
heads, "page N of M"); Chromium prints them as tagged PDFs with bookmarks, every chart drawn
as vector SVG first. The full edition is printed twice: the first print tells on which page
each chapter starts, the second prints those numbers in its table of contents. Both PDFs are
copied into the site (_build/html/pdf/), which links them from every page.
"""
from __future__ import annotations

import datetime
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from evidence import DATA, ROOT
from tools.pdf_html import Book, PrintError, brief_edition, full_edition, headings
from tools.pdf_site import EDITIONS, SITE_FOLDER

SOURCE = ROOT / "_build" / "singlehtml"
OUT_DIR = ROOT / "_build" / "pdf"
OUTPUT = OUT_DIR / EDITIONS["full"]
BRIEF_OUTPUT = OUT_DIR / EDITIONS["brief"]
MEASURES = OUT_DIR / "editions.json"  # what the last print measured (charts drawn, tables too wide, pages)
SITE_COPY = ROOT / "_build" / "html" / SITE_FOLDER
PRINT_WIDTH_PX = 673  # A4 less the 16 mm side margins of print.css, at 96 px per inch: charts draw at this width

# The captions (or first heading cells) of tables wider than the printed text column.
TABLES_WIDER_THAN_THE_PAGE = """() => [...document.querySelectorAll('article table')]
    .filter(t => t.getBoundingClientRect().width > document.querySelector('article').clientWidth + 1)
    .map(t => (t.closest('.evidence-table-wrap')?.querySelector('.evidence-table-caption')?.textContent
               || t.querySelector('caption, th')?.textContent || '?').trim())"""

# For each chart: its id, its title and the texts (labels, legends) of the drawing printed.
CHART_TEXTS = """() => [...document.querySelectorAll('.evidence-chart')].map(el => ({
    id: el.id, title: el.closest('figure')?.querySelector('.evidence-chart-title')?.textContent.trim() || '',
    texts: [...new Set([...el.querySelectorAll('svg text')].filter(t => t.getBoundingClientRect().width > 0)
        .filter(t => !t.closest('[opacity="0"]') && getComputedStyle(t).opacity !== '0')
        .map(t => t.textContent.trim()).filter(Boolean))]}))"""


def book_facts() -> Book:
    """The cover's facts, each read from the file that owns it."""
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    package = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    content = ", ".join(lic.get("title", lic.get("name", "")) for lic in package.get("licenses", []))
    base = (config.get("html", {}).get("baseurl") or
            config.get("sphinx", {}).get("config", {}).get("html_baseurl") or "")
    return Book(
        title=config["title"], subtitle=" ".join(str(cff.get("abstract", "")).split()),
        version=str(cff["version"]), data_version=str(package["version"]),
        date=datetime.date.today().isoformat(), authors=[a["name"] for a in cff["authors"]],
        licence=f"Text and data: {content}. Code: {cff['license']} licence.", base_url=base,
        parts=[(part["caption"], [c["file"] for c in part["chapters"]]) for part in toc.get("parts", [])],
        root=toc["root"])


def check_fonts() -> None:
    """Chromium prints Chinese as empty boxes without a CJK font: refuse to print then."""
    try:
        listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip()
    except FileNotFoundError:
        listed = ""
    if not listed:
        raise PrintError("pdf: no font for Chinese text (fc-list :lang=zh is empty): install the Debian package "
                         "fonts-noto-cjk (make fonts does it as root) and re-run")


def _root_page(source: Path) -> tuple[str, str]:
    """The single page holding the whole book, and its name relative to the build's top folder."""
    import yaml

    name = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))["root"] + ".html"
    page = source / name
    if not page.exists():
        raise PrintError(f"pdf: no single-page build in {source}: run `make pdf` (it builds it first)")
    return page.read_text(encoding="utf-8"), name


def _print(browser, base: str, name: str, output: Path) -> dict:
    """Print one edition's HTML (served from the build's top folder) once every chart has drawn."""
    from tools.browser import CHARTS_DRAWN, CHARTS_SETTLED

    page = browser.new_page(viewport={"width": PRINT_WIDTH_PX, "height": 1000})
    page.emulate_media(media="print", color_scheme="light")
    page.goto(f"{base}/{name}", wait_until="load")
    charts = page.locator(".evidence-chart").count()
    if charts:
        page.wait_for_function(CHARTS_SETTLED, timeout=60000)
    drawn = page.evaluate(CHARTS_DRAWN)
    if drawn != charts:
        raise PrintError(f"pdf: only {drawn} of {charts} charts drew in {name}; not printing an incomplete edition")
    overflowing = page.evaluate(TABLES_WIDER_THAN_THE_PAGE)
    drawings = page.evaluate(CHART_TEXTS)
    page.pdf(path=str(output), prefer_css_page_size=True, print_background=True, outline=True, tagged=True,
             display_header_footer=False)
    page.close()
    return {"charts": charts, "drawn": drawn, "overflowing": overflowing, "drawings": drawings}


def _key(title: str) -> str:
    """A bookmark title compared without spaces: Chromium drops the space where a heading wraps."""
    return re.sub(r"\s+", "", title)


def chapter_pages(pdf: Path, titles: dict[str, str]) -> dict[str, int]:
    """On which page (1-based) each chapter starts, from the PDF's top-level bookmarks."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    starts = {}
    for item in reader.outline:
        if not isinstance(item, list):
            starts.setdefault(_key(item.title), reader.get_destination_page_number(item) + 1)
    missing = [t for t in titles.values() if _key(t) not in starts]
    if missing:
        raise PrintError(f"pdf: no bookmark for chapter {missing[0]!r}: its title must be the chapter's h1")
    return {doc: starts[_key(t)] for doc, t in titles.items()}


def mend_bookmarks(pdf: Path, headings: list[str]) -> int:
    """Give every bookmark its heading's own text; return how many titles needed mending.

    Chromium (156) builds bookmark titles from the laid-out lines: a wrapped heading loses the
    space at the wrap, and a heading pushed to the next page is listed with its text twice.
    """
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    writer = PdfWriter(clone_from=str(pdf))
    by_key = {_key(h): h for h in headings}
    mended = 0
    node = writer._root_object.get("/Outlines", {}).get("/First") if "/Outlines" in writer._root_object else None
    stack = [node] if node is not None else []
    while stack:
        item = stack.pop().get_object()
        title = str(item.get("/Title", ""))
        key = _key(title)
        half = key[: len(key) // 2]
        right = by_key.get(key) or (by_key.get(half) if len(key) % 2 == 0 and half * 2 == key else None)
        if right and right != title:
            item[NameObject("/Title")] = TextStringObject(right)
            mended += 1
        for link in ("/Next", "/First"):
            if link in item:
                stack.append(item[link])
    with pdf.open("wb") as out:
        writer.write(out)
    return mended


def summary(pdf: Path) -> dict:
    from pypdf import PdfReader

    reader = PdfReader(pdf)

    def count(items) -> int:
        return sum(count(i) if isinstance(i, list) else 1 for i in items)

    return {"pages": len(reader.pages), "bookmarks": count(reader.outline),
            "chapters": sum(not isinstance(i, list) for i in reader.outline), "bytes": pdf.stat().st_size}


def _edition(browser, base: str, source: Path, markup: str, output: Path) -> dict:
    """Write one edition's HTML beside the single page, print it, and mend its bookmarks."""
    name = f"print-{output.stem}.html"
    (source / name).write_text(markup, encoding="utf-8")
    checked = _print(browser, base, name, output)
    return {**checked, "mended": mend_bookmarks(output, headings(markup))}


def print_editions(source: Path = SOURCE, out_dir: Path = OUT_DIR, site_copy: Path | None = SITE_COPY) -> dict:
    """Write both editions into out_dir (and the site); return what was measured for each."""
    from bs4 import BeautifulSoup

    from tools.browser import chromium, serve
    from tools.pdf_html import chapters as split

    check_fonts()
    book = book_facts()
    page, name = _root_page(source)
    titles = {c.doc: c.title for c in split(BeautifulSoup(page, "html.parser"), book.root)}
    out_dir.mkdir(parents=True, exist_ok=True)
    full, brief = out_dir / EDITIONS["full"], out_dir / EDITIONS["brief"]
    with serve(source) as base, chromium() as browser:
        _edition(browser, base, source, full_edition(page, book, None, name), full)
        starts = chapter_pages(full, titles)
        result = {"full": _edition(browser, base, source, full_edition(page, book, starts, name), full),
                  "brief": _edition(browser, base, source, brief_edition(page, book, name), brief)}
    if chapter_pages(full, titles) != starts:
        raise PrintError("pdf: the chapters moved between the two prints; the table of contents would be wrong")
    result["full"].update(summary(full), starts=starts)
    result["brief"].update(summary(brief))
    (out_dir / MEASURES.name).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    if site_copy is not None:
        site_copy.mkdir(parents=True, exist_ok=True)
        for pdf in (full, brief):
            shutil.copy2(pdf, site_copy / pdf.name)
    return result


def main() -> int:
    try:
        result = print_editions()
    except PrintError as problem:
        print(problem, file=sys.stderr)
        return 1
    for edition, path in (("full", OUTPUT), ("brief", BRIEF_OUTPUT)):
        r = result[edition]
        print(f"wrote {path.relative_to(ROOT)}: {r['pages']} pages, {r['bookmarks']} bookmarks, "
              f"{r['drawn']} of {r['charts']} charts drawn, {r['bytes']:,} bytes")
        for caption in r["overflowing"]:
            print(f"warning: {path.name}: the table {caption!r} is wider than the page (see print.css)")
    print(f"copied both editions into {SITE_COPY.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
