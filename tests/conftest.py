"""Shared fixtures. Anything synthetic lives under tests/ and never reaches the book."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from evidence.datapackage import VALIDATED

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
SEEDS = ROOT.parent / "shared" / "seeds"
VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def site() -> Path:
    if not (SITE / "index.html").exists():
        pytest.fail("no built site in _build/html: run `make book` (make test does it first)")
    return SITE


# The built site on 127.0.0.1 and headless Chromium (tools/browser.py), for the browser tests: one
# of each per test file. (Not per session: code that starts its own Playwright, such as the PDF
# printing a stale edition, cannot run while another is open in the same process.)
@pytest.fixture(scope="module")
def server(site):
    from tools.browser import serve

    with serve(site) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    from tools.browser import chromium

    try:
        with chromium() as browser:
            yield browser
    except RuntimeError as missing:
        pytest.fail(str(missing))


def seed(name: str) -> str:
    path = SEEDS / name
    if not path.exists():
        pytest.fail(f"source text {path} is missing: the repository expects ../shared/seeds beside it")
    return path.read_text(encoding="utf-8")


# What the build keeps between builds by content (charts drawn by digest of their spec, formatted
# bibliography entries, the vega bundle): a copy reuses it, so that its first build costs what a
# second build of the repository costs, not a first one. Nothing in it depends on the copy's path.
BUILD_CACHE = ROOT / "_build" / ".evidence-static"


def copy_repo(dest: Path) -> Path:
    """A throwaway copy of the tracked files plus the executed notebooks, for tests that edit things."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    if BUILD_CACHE.is_dir():
        shutil.copytree(BUILD_CACHE, dest / "_build" / ".evidence-static")
    # A passed validation is remembered for exactly what it read (data/, references.bib, _toc.yml,
    # the notebook sources present, the package): a copy with all of that unchanged does not repeat it.
    if VALIDATED.is_file():
        (dest / VALIDATED.relative_to(ROOT)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(VALIDATED, dest / VALIDATED.relative_to(ROOT))
    return dest


def run_in(copy: Path, *args: str, check: bool = False) -> subprocess.CompletedProcess:
    """Run a command of the venv inside a repo copy, importing `evidence` from the copy."""
    env = {**os.environ, "PYTHONPATH": str(copy)}
    command = [str(VENV_BIN / args[0]), *args[1:]]
    result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def append(path: Path, text: str) -> None:
    """Add text at the end of a file of a copy (a planted page, cell, entry or defect)."""
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def append_cell(md: Path, code: str) -> None:
    append(md, f"\n```{{code-cell}} ipython3\n{code}\n```\n")


@pytest.fixture
def repo_copy(tmp_path) -> Path:
    return copy_repo(tmp_path / "repo")


# The <head> of a built page: its meta tags and links, by name (tests/test_meta.py, test_author_copy.py).
class Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta, self.links = {}, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and (attrs.get("property") or attrs.get("name")):
            self.meta[attrs.get("property") or attrs.get("name")] = attrs.get("content", "")
        if tag == "link" and attrs.get("rel"):
            self.links[attrs["rel"]] = attrs.get("href", "")


def head(page: Path) -> Head:
    parsed = Head()
    parsed.feed(page.read_text(encoding="utf-8"))
    return parsed


# The longest test files first (as measured: seconds each takes alone), so that under `make test`
# (pytest-xdist, a file per worker, --no-loadscope-reorder) no long file starts last and keeps one
# core busy while the others have finished.
LONGEST_FIRST = ["test_attack.py", "test_browser_a11y.py", "test_author_copy.py", "test_research_notebooks.py",
                 "test_browser_charts.py", "test_browser.py", "test_pdf.py", "test_build_safety.py",
                 "test_data_rules.py", "test_datapackage.py", "test_refresh_command.py", "test_openalex.py",
                 "test_provenance.py", "test_browser_scorecard.py", "test_browser_reading.py", "test_build.py"]


def pytest_collection_modifyitems(items):
    rank = {name: n for n, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: a file's own order is kept
