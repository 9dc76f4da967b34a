"""`make pdf`: the PDF edition, printed from the single-page HTML build by headless Chromium.

Jupyter Book's own PDF routes need a browser download (pdfhtml) or a LaTeX toolchain; this
one uses Debian's chromium, already needed by the tests. The page is served on 127.0.0.1,
every chart is drawn (as vector SVG) before printing, and the endnotes of every chapter are
part of the page. The script refuses to print a page whose charts did not all draw.
"""
from __future__ import annotations

import sys
from pathlib import Path

from evidence import ROOT

SOURCE = ROOT / "_build" / "singlehtml"
OUTPUT = ROOT / "_build" / "pdf" / "chinas-quantum-push-recomputed.pdf"
PRINT_CSS = """
  .bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .header-article, .prev-next-area,
  .bd-footer, .bd-footer-content, .bd-footer-article, .skip-link, .cell details,
  button.evidence-sort::after { display: none !important; }
  .bd-container, .bd-container__inner, .bd-page-width, .bd-main, .bd-content, .bd-article-container,
  .bd-article { display: block !important; max-width: none !important; width: 100% !important;
                margin: 0 !important; padding: 0 !important; }
  .evidence-table-wrap { overflow: visible !important; }
  table.evidence-table { font-size: 7.5pt; }
  figure, .evidence-figure, tr { break-inside: avoid; }
"""


def _root_page(source: Path) -> Path:
    """The single page holding the whole book, copied to the output's top folder.

    The singlehtml builder writes the table of contents' root document (book/intro.html)
    with asset links relative to the top folder, so it only works from there.
    """
    import yaml

    root = source / (yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))["root"] + ".html")
    page = source / "print.html"
    if root.exists():
        page.write_text(root.read_text(encoding="utf-8"), encoding="utf-8")
    return page


def print_pdf(source: Path = SOURCE, output: Path = OUTPUT) -> dict:
    """Print source/index.html to output; return what was checked."""
    from tools.browser import CHARTS_SETTLED, chromium, serve

    root = _root_page(source)
    if not root.exists():
        raise SystemExit(f"no single-page build in {source}: run `make pdf` (it builds it first)")
    output.parent.mkdir(parents=True, exist_ok=True)
    with serve(source) as base, chromium() as browser:
        page = browser.new_page()
        page.goto(f"{base}/{root.relative_to(source)}", wait_until="load")
        charts = page.locator(".evidence-chart").count()
        if charts:
            page.wait_for_function(CHARTS_SETTLED, timeout=60000)
        drawn = page.locator(".evidence-chart svg.marks").count()
        if drawn != charts:
            raise SystemExit(f"pdf: only {drawn} of {charts} charts drew; not printing an incomplete edition")
        endnotes = page.locator(".footnote-list .footnote, aside.footnote").count()
        page.add_style_tag(content=PRINT_CSS)
        page.emulate_media(media="print")
        page.pdf(path=str(output), format="A4", print_background=True,
                 margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"})
    return {"charts": charts, "drawn": drawn, "endnotes": endnotes, "bytes": output.stat().st_size}


def main() -> int:
    checked = print_pdf()
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {checked['bytes']:,} bytes, {checked['drawn']} charts, "
          f"{checked['endnotes']} endnotes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
