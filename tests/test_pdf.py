"""The PDF editions, checked on the PDFs themselves (pypdf for structure, PDFium for text): full and
brief, printed once per session.

`make test` prints them (after the single-page build) before pytest runs; the fixture
reprints only when a PDF is older than what it is made from.
"""
from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from tools import pdf
from tools.pdf_html import chapters
from tools.pdf_site import EDITIONS, site_path

ROOT = Path(__file__).resolve().parents[1]
SINGLE_PAGE = pdf.SOURCE / "book" / "intro.html"
INPUTS = [SINGLE_PAGE, *(ROOT / "tools").glob("pdf*.py"), ROOT / "evidence" / "static" / "print.css",
          ROOT / "data" / "claims.csv", ROOT / "data" / "datapackage.json", ROOT / "CITATION.cff",
          ROOT / "_config.yml", ROOT / "_toc.yml"]
VERDICTS = ("confirmed", "qualified", "contradicted", "unverified")


def _key(text: str) -> str:
    """Text compared as a reader sees it: ligatures undone (ﬁ -> fi), spaces ignored."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _fresh() -> bool:
    outputs = [pdf.OUTPUT, pdf.BRIEF_OUTPUT, pdf.MEASURES]
    if not all(p.exists() for p in outputs):
        return False
    return max(p.stat().st_mtime for p in INPUTS if p.exists()) < min(p.stat().st_mtime for p in outputs)


def page_texts(path: Path) -> list[str]:
    """Each page's text as Chrome's PDF viewer (PDFium) gives it to a reader who searches or copies.
    PDFium marks a hyphen that breaks a word at a line end as U+0002; the page shows a hyphen."""
    document = pdfium.PdfDocument(path)
    try:
        return [page.get_textpage().get_text_bounded().replace("\x02", "-") for page in document]
    finally:
        document.close()


class Edition:
    def __init__(self, path: Path, measured: dict):
        self.path, self.measured = path, measured
        self.reader = PdfReader(path)  # structure: outline, links, tags
        self.pages = page_texts(path)
        self.keys = [_key(t) for t in self.pages]

    def top_bookmarks(self) -> list[tuple[str, int]]:
        return [(b.title, self.reader.get_destination_page_number(b) + 1)
                for b in self.reader.outline if not isinstance(b, list)]

    def links(self) -> list[dict]:
        return [a.get_object() for page in self.reader.pages for a in (page.get("/Annots") or [])
                if a.get_object().get("/Subtype") == "/Link"]


@pytest.fixture(scope="session")
def editions(site) -> dict[str, Edition]:
    if not SINGLE_PAGE.exists() or SINGLE_PAGE.stat().st_mtime < (site / "book" / "intro.html").stat().st_mtime:
        jb = Path(sys.executable).parent / "jupyter-book"
        built = subprocess.run([str(jb), "build", ".", "--builder", "singlehtml", "--warningiserror", "--nitpick",
                                "--keep-going"], cwd=ROOT, capture_output=True, text=True)
        assert built.returncode == 0, (built.stdout + built.stderr)[-3000:]
    if not _fresh():
        pdf.print_editions()
    measured = json.loads(pdf.MEASURES.read_text(encoding="utf-8"))
    return {"full": Edition(pdf.OUTPUT, measured["full"]), "brief": Edition(pdf.BRIEF_OUTPUT, measured["brief"])}


@pytest.fixture(scope="session")
def book_chapters() -> dict[str, str]:
    """docname -> title of every chapter and appendix, from the single-page build."""
    from bs4 import BeautifulSoup

    return {c.doc: c.title for c in chapters(BeautifulSoup(SINGLE_PAGE.read_text(encoding="utf-8"), "html.parser"),
                                             "book/intro")}


def _ledger() -> list[dict]:
    with (ROOT / "data" / "claims.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# --- both editions ---------------------------------------------------------------------------

@pytest.mark.parametrize("edition, most", [("full", 90), ("brief", 16)])
def test_page_count_within_its_limit(editions, edition, most):
    pages = len(editions[edition].pages)
    assert 2 < pages <= most, f"{edition} edition: {pages} pages (at most {most})"


@pytest.mark.parametrize("edition, label", [("full", "Full edition"), ("brief", "Brief edition")])
def test_cover_names_title_edition_date_authors_licence(editions, edition, label):
    import yaml

    cover = editions[edition].keys[0]
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    package = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))
    expected = [cff["title"], label, f"data package version {package['version']}", "Printed 20",
                *(a["name"] for a in cff["authors"]), *(lic["title"] for lic in package["licenses"])]
    missing = [e for e in expected if _key(e.replace("'", "’")) not in cover and _key(e) not in cover]
    assert not missing, f"{edition} cover lacks {missing}"
    assert "page1of" not in cover, "the cover carries a page number"


@pytest.mark.parametrize("edition", ["full", "brief"])
def test_every_page_after_the_cover_says_page_n_of_m(editions, edition):
    keys = editions[edition].keys
    wrong = [n for n, text in enumerate(keys[1:], start=2) if f"page{n}of{len(keys)}" not in text]
    assert not wrong, f"{edition} edition: pages without 'page N of {len(keys)}': {wrong}"


@pytest.mark.parametrize("edition", ["full", "brief"])
def test_running_head_names_the_chapter_on_every_page(editions, edition):
    e = editions[edition]
    starts = [(page, title) for title, page in e.top_bookmarks()]
    wrong = []
    for n in range(starts[0][0], len(e.pages) + 1):
        title = [t for page, t in starts if page <= n][-1]
        if _key(title) not in e.keys[n - 1]:
            wrong.append((n, title))
    assert not wrong, f"{edition} edition: pages whose running head does not name their chapter: {wrong[:5]}"


@pytest.mark.parametrize("edition", ["full", "brief"])
def test_no_link_to_the_print_server_or_data_and_web_links_absolute(editions, edition):
    bad = []
    for link in editions[edition].links():
        action = link.get("/A")
        if action is not None and "/URI" in action:
            url = str(action["/URI"])
            if urlsplit(url).scheme not in ("http", "https") or urlsplit(url).hostname in ("127.0.0.1", "localhost"):
                bad.append(url[:80])
        elif "/Dest" not in link:
            bad.append(str(link)[:80])
    assert not bad, f"{edition} edition: links that point nowhere in print: {bad[:10]}"


@pytest.mark.parametrize("edition", ["full", "brief"])
def test_tagged_and_chinese_text_embedded_and_extractable(editions, edition):
    e = editions[edition]
    assert "/StructTreeRoot" in e.reader.trailer["/Root"], f"{edition} edition is not a tagged PDF"
    han = sum(len(re.findall(r"[\u4e00-\u9fff]", t)) for t in e.pages)
    assert han > (1000 if edition == "full" else 0), f"{edition} edition: only {han} Chinese characters extractable"


def test_chinese_of_the_data_is_in_the_full_edition(editions):
    """The Chinese names of data/china_divisions.csv (printed in the Two Sessions chapter) are text in the PDF."""
    with (ROOT / "data" / "china_divisions.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    names = [v for r in rows for v in r.values() if re.fullmatch(r"[\u4e00-\u9fff]{2,}", v or "")]
    assert names, "data/china_divisions.csv has no Chinese names to look for"
    text = "".join(editions["full"].keys)
    missing = [n for n in names if n not in text]
    assert not missing, f"Chinese names missing from the PDF's text: {missing[:10]}"


# --- the full edition ---------------------------------------------------------------------

def test_bookmarks_for_every_chapter_and_appendix(editions, book_chapters):
    titles = [t for t, _ in editions["full"].top_bookmarks()]
    missing = [t for t in book_chapters.values() if t not in titles]
    assert not missing, f"no bookmark for {missing}"
    assert sum(1 for t in titles if t == "Contents") == 1


def test_contents_lists_every_chapter_with_its_page(editions, book_chapters):
    e = editions["full"]
    contents = e.keys[1]
    assert contents.startswith(_key("Contents")) or "Contents" in e.pages[1]
    starts = dict(e.top_bookmarks())
    for title in book_chapters.values():
        assert _key(title) + str(starts[title]) in contents, f"contents: {title!r} without its page {starts[title]}"
    inside = [link for link in e.links() if "/Dest" in link]
    assert len(inside) > 100, f"only {len(inside)} links inside the PDF"


def test_every_web_chart_drawn(editions, site):
    measured = editions["full"].measured
    pages = (site / "notebooks").glob("*.html")  # the landing page repeats the scorecard chart: web only
    on_site = sum(len(re.findall(r'class="evidence-chart[ "]', p.read_text(encoding="utf-8"))) for p in pages)
    assert measured["charts"] == measured["drawn"] == on_site > 0, measured
    for chart in measured["drawings"]:
        pages = [n for n, text in enumerate(editions["full"].keys) if _key(chart["title"]) in text]
        assert pages, f"chart {chart['id']}: its title is not in the PDF"
        drawn = [t for t in chart["texts"] if _key(t) in editions["full"].keys[pages[0]]]
        assert chart["texts"] and len(drawn) == len(chart["texts"]), \
            f"chart {chart['id']}: labels missing from its page: {sorted(set(chart['texts']) - set(drawn))[:5]}"


def test_tables_fit_the_page_width(editions):
    for edition in ("full", "brief"):
        assert editions[edition].measured["overflowing"] == [], editions[edition].measured["overflowing"]


def test_one_bibliography_and_no_web_only_pages(editions):
    e = editions["full"]
    text = "".join(e.keys)
    # An entry of the References page that every chapter cited: printed once, not after each chapter.
    entry = _key("Authors not named in the text used here")
    assert text.count(entry) == 1, f"the MERICS entry is printed {text.count(entry)} times"
    assert re.search(r"\[S\d+\]", "".join(e.pages)), "endnote markers do not point at References entries"
    for gone in ("Show code cell source", "Download the data drawn", "Constraints", "make bench"):
        assert _key(gone) not in text, f"printed although web-only: {gone!r}"
    assert _key("book/data.html") in text, "no pointer to the online page book/data.html"
    assert _key("Each notebook is executed only when its text") not in text, "the benchmark page is not printed"


# --- the brief edition -----------------------------------------------------------------------

def test_brief_has_findings_chart_claims_method_citation(editions):
    e = editions["brief"]
    titles = [t for t, _ in e.top_bookmarks()]
    assert titles == ["Key findings", "Verdicts by topic", "Every claim and its verdict", "Methods", "How to cite"]
    starts = dict(e.top_bookmarks())
    assert starts["How to cite"] == starts["Methods"] + 1, "the method takes more than one page"
    assert e.measured["charts"] == e.measured["drawn"] == 1


def test_brief_verdicts_and_confidence_equal_the_ledger(editions):
    e = editions["brief"]
    lines = [line for page in e.reader.pages for line in page.extract_text(extraction_mode="layout").splitlines()]
    ledger = _ledger()
    has_confidence = "confidence" in ledger[0]
    wrong = []
    for row in ledger:
        starts = re.compile(rf"\s*{re.escape(row['id'])}\s")
        found = [line for line in lines if starts.match(unicodedata.normalize("NFKC", line))]
        if len(found) != 1:
            wrong.append(f"{row['id']}: on {len(found)} lines")
            continue
        line = unicodedata.normalize("NFKC", found[0])
        # Text extraction may run the verdict and confidence cells together ("unverifiedlow").
        printed = [v for v in VERDICTS if re.search(rf"\b{v}(?=\b|high|medium|low)", line)]
        confidence = ((row.get("confidence") or "").strip() or "—") if has_confidence else "—"
        if printed != [row["verdict"]] or not line.rstrip().endswith(confidence):
            wrong.append(f"{row['id']}: ledger {row['verdict']}/{confidence}, printed {line.strip()[-60:]!r}")
    assert not wrong, "brief edition disagrees with data/claims.csv:\n" + "\n".join(wrong[:10])


# --- the site and the set-up ------------------------------------------------------------------

def test_site_links_both_editions_and_drops_the_print_button(editions, site):
    for edition in EDITIONS:
        assert (site / site_path(edition)).read_bytes()[:5] == b"%PDF-"
    landing = (site / "book" / "intro.html").read_text(encoding="utf-8")
    chapter = (site / "notebooks" / "spending.html").read_text(encoding="utf-8")
    for edition in EDITIONS:
        assert f'href="../{site_path(edition)}"' in landing
        assert chapter.count(f"../{site_path(edition)}") >= 1, "the header does not link the PDF editions"
    assert "window.print()" not in landing + chapter
    assert 'media="print"' in chapter and "print.css" in chapter


def test_missing_chinese_font_stops_the_print_with_one_line(monkeypatch, capsys):
    monkeypatch.setattr(pdf.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout="", stderr=""))
    assert pdf.main() == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "fc-list :lang=zh" in err and "fonts-noto-cjk" in err, err


def test_online_only_tables_become_pointers(editions, site):
    """Each table a chapter marks online only (evidence.charts.table) prints as a pointer, not as rows."""
    text = "".join(editions["full"].keys)
    marked = []
    for page in (site / "notebooks").glob("*.html"):
        marked += [(page.name, caption) for caption in
                   re.findall(r'data-print="online-only"[^>]*>\s*<p class="evidence-table-caption">([^<]+)</p>',
                              page.read_text(encoding="utf-8"))]
    assert len(marked) >= 6, f"expected every chapter's verdict table to be marked online only, found {marked}"
    for name, caption in marked:
        caption = unicodedata.normalize("NFKC", caption.replace("&#x27;", "'").replace("&quot;", '"'))
        assert _key(f"The table “{caption}”") in text, f"{name}: no pointer for the table {caption!r}"


def _outline_titles(outline) -> list[str]:
    return [t for item in outline for t in (_outline_titles(item) if isinstance(item, list) else [item.title])]


def test_what_the_site_folds_prints_open(editions, site):
    """The claim cards a chapter folds into a closed <details> on the site are printed in the full edition
    (tools/pdf_html.py opens every fold; Chromium prints a closed one closed): each card's statement, a
    heading, is a bookmark of the PDF (the verdict lines and the ledger name the claims too, so the text
    alone would not tell)."""
    from bs4 import BeautifulSoup

    bookmarks = {_key(t) for t in _outline_titles(editions["full"].reader.outline)}
    folded = []
    for page in sorted((site / "notebooks").glob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        folded += [(page.name, card.find(class_="evidence-card-statement").get_text(" ", strip=True))
                   for card in soup.select("details.evidence-fold article.evidence-card[id]")]
    assert len(folded) >= 100, f"expected the chapters' other claims folded on the site, found {len(folded)}"
    missing = [(name, statement) for name, statement in folded if _key(statement) not in bookmarks]
    assert not missing, f"{len(missing)} folded claim cards missing from the full PDF, e.g. {missing[:3]}"
