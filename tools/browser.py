"""Headless Chromium on the built site, offline: shared by the browser tests, `make bench` and `make pdf`.

The site is served on 127.0.0.1 only; Chromium (Debian's package, never a downloaded build)
resolves every other host to nothing, so no page can reach the outside world.
"""
from __future__ import annotations

import functools
import os
import shutil
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run", "--disable-sync", "--disable-quic",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
# A chart is drawn when one of its drawings (the SVG made at build time for a page width, or the
# interactive chart that replaced it) is on screen; see tools/sphinx_charts.py, evidence-charts.js.
CHART_SHOWN = "el => [...el.querySelectorAll('svg.marks')].some(s => s.getBoundingClientRect().width > 0)"
CHARTS_DRAWN = f"() => [...document.querySelectorAll('.evidence-chart')].filter({CHART_SHOWN}).length"
# True once every chart is drawn and none is being made interactive.
CHARTS_SETTLED = f"""() => [...document.querySelectorAll('.evidence-chart')].every({CHART_SHOWN})
                     && !document.querySelector('.evidence-variant[data-drawn="pending"]')"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(directory: Path):
    """Serve a folder on 127.0.0.1 (a free port); yield its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


@contextmanager
def chromium():
    """A headless Chromium browser (Playwright driving Debian's chromium)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError("Chromium is missing: install the Debian package 'chromium' (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def page_paths(site: Path) -> list[str]:
    """Every page of a built site, except redirect stubs (their target is a page in its own right)."""
    return sorted(str(p.relative_to(site)) for p in site.rglob("*.html")
                  if "_static" not in p.parts and 'http-equiv="Refresh"' not in p.read_text(encoding="utf-8"))
