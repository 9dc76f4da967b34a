"""Shared fixtures. Anything synthetic lives under tests/ and never reaches the book."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
SEEDS = ROOT.parent / "shared" / "seeds"
VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def site() -> Path:
    if not (SITE / "index.html").exists():
        pytest.fail("no built site in _build/html: run `make book` (make test does it first)")
    return SITE


# The built site on 127.0.0.1 and headless Chromium (tools/browser.py), for the browser tests.
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
    return dest


def run_in(copy: Path, *args: str, check: bool = False) -> subprocess.CompletedProcess:
    """Run a command of the venv inside a repo copy, importing `evidence` from the copy."""
    env = {**os.environ, "PYTHONPATH": str(copy)}
    command = [str(VENV_BIN / args[0]), *args[1:]]
    result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture
def repo_copy(tmp_path) -> Path:
    return copy_repo(tmp_path / "repo")


# The longest test files first (as measured), so that under `make test` (pytest-xdist, a file per
# worker) no long file starts last and keeps one core busy while the other has finished.
LONGEST_FIRST = ["test_research_notebooks.py", "test_attack.py", "test_browser_a11y.py", "test_build.py",
                 "test_build_safety.py", "test_browser_charts.py", "test_browser.py", "test_scaffold.py",
                 "test_release.py", "test_refresh_command.py", "test_pdf.py"]


def pytest_collection_modifyitems(items):
    rank = {name: n for n, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: a file's own order is kept
