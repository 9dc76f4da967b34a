"""Sphinx extension: the site's side of the PDF editions.

- Links the print stylesheet (evidence/static/print.css, media="print") on every page, so a
  page printed from the browser looks like the PDF editions.
- Replaces the theme's ".pdf" download button (which printed the current page with
  ``window.print()``) by links to the two PDF editions that `make pdf` copies into the site.
"""
from __future__ import annotations

SITE_FOLDER = "pdf"  # _build/html/pdf/: where `make pdf` copies both editions
NAME = "chinas-quantum-push-recomputed"
EDITIONS = {"full": f"{NAME}.pdf", "brief": f"{NAME}-brief.pdf"}


def site_path(edition: str) -> str:
    """The edition's path inside the built site, e.g. 'pdf/chinas-quantum-push-recomputed.pdf'."""
    return f"{SITE_FOLDER}/{EDITIONS[edition]}"


def _add_print_css(app) -> None:
    if app.builder.format == "html":
        app.add_css_file("print.css", media="print")


def _edition_buttons(pathto) -> list[dict]:
    return [
        {"type": "link", "url": pathto(site_path("full"), 1), "text": "PDF, full edition",
         "tooltip": "Download the full edition (PDF)", "icon": "fas fa-file-pdf", "label": "download-pdf-full-button"},
        {"type": "link", "url": pathto(site_path("brief"), 1), "text": "PDF, brief edition",
         "tooltip": "Download the brief edition (PDF)", "icon": "fas fa-file-pdf",
         "label": "download-pdf-brief-button"},
    ]


def _pdf_button_points_to_the_editions(app, pagename, templatename, context, doctree):
    """Runs after sphinx-book-theme has made its buttons (priority 501)."""
    for group in context.get("header_buttons", []):
        if group.get("label") != "download-buttons":
            continue
        kept = [b for b in group["buttons"] if b.get("label") != "download-pdf-button"]
        group["buttons"] = kept + _edition_buttons(context["pathto"])


def setup(app):
    app.connect("builder-inited", _add_print_css)
    app.connect("html-page-context", _pdf_button_points_to_the_editions, priority=610)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
