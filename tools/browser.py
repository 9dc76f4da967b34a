"""Headless Chromium on the built site, offline: shared by the browser tests, `make bench` and `make pdf`.

The site is served on 127.0.0.1 only; Chromium (Debian's package, never a downloaded build)
resolves every other host to nothing, so no page can reach the outside world.
"""
from __future__ import annotations

import functools
import gzip
import os
import shutil
import threading
import time
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


def record_transfers(page) -> list[tuple[str, int, int]]:
    """Every request the page finishes from now on: (url, bytes, bytes as gzip -6 would send them)."""
    transfers: list[tuple[str, int, int]] = []

    def finished(request):
        response = request.response()
        try:
            body = response.body() if response else b""
        except Exception:  # a redirect has no body
            body = b""
        transfers.append((request.url, len(body), len(gzip.compress(body, 6))))

    page.on("requestfinished", finished)
    return transfers


class Quiet:
    """Waits until every request the page started has finished and none started for ``QUIET_MS``, so
    what the page transferred is complete. Playwright's "networkidle" wait does the same, but once,
    with the machine busy, it timed out without saying which request was still open; this one names them."""

    QUIET_MS, LIMIT_MS = 500, 20_000

    def __init__(self, page):
        self.page, self.open, self.last = page, {}, time.monotonic()
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, request):
        self.open[id(request)], self.last = request.url, time.monotonic()

    def _ended(self, request):
        self.open.pop(id(request), None)
        self.last = time.monotonic()

    def wait(self, url: str) -> None:
        deadline = time.monotonic() + self.LIMIT_MS / 1000
        while self.open or time.monotonic() - self.last < self.QUIET_MS / 1000:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url}: requests still open after {self.LIMIT_MS} ms: "
                                   f"{list(self.open.values())[:5]}")
            self.page.wait_for_timeout(50)


def page_paths(site: Path) -> list[str]:
    """Every page of a built site, except redirect stubs (their target is a page in its own right)."""
    return sorted(str(p.relative_to(site)) for p in site.rglob("*.html")
                  if "_static" not in p.parts and 'http-equiv="Refresh"' not in p.read_text(encoding="utf-8"))
