"""An author's copy of the repository, built the way `make book` builds it, step after step.

What an author does, planted in one copy so that the site is built afresh once (a strict build
costs a tenth of `make test`) and then incrementally, as an author's next `make book` is:

1. pages planted in hidden folders and a synthetic site address (example.org, reserved for
   examples) set in the copy's _config.yml; built strictly; the site kept as it was (``authored``):
   no hidden page is published; every page is canonical, carries its card, and is in sitemap.xml;
2. then a data edit (the US figure of data/funding.csv), validated, locked, executed and built
   again without clearing any cache (``edited``): the new number is published;
3. then a new chapter scaffolded by `make chapter`, executed and built (``scaffolded``): it builds;
4. then three defects planted in book/methods.md and built again (``defects``): each fails the
   strict build with a message naming the file (--keep-going reports every warning).

The address, the hidden pages, the chapter and the defects exist only in the copy.
"""
from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import append, copy_repo, head, run_in

from tools.browser import page_paths
from tools.sphinx_meta import CARD, png_size

STRICT = ("jupyter-book", "build", ".", "--warningiserror", "--nitpick", "--keep-going")
BASE = "https://example.org/cqpr/"  # synthetic: only in the copy
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
HIDDEN = (".github/ISSUE_TEMPLATE/x.md", ".venv/lib/site-packages/pkg/page.md", ".hidden/page.ipynb")
CHAPTER = ("example_finding", "policy", "expl")
DEFECTS = {
    "missing bib key": ("{footcite:p}`nosuchkey2099`\n\n```{footbibliography}\n```\n", "nosuchkey2099"),
    "broken cross-reference": ("See {doc}`no-such-page`.\n", "no-such-page"),
    "missing glue key": ("Pasted: {glue:text}`../notebooks/spending.ipynb::no_such_key:.1f`.\n", "no_such_key"),
}


def _author(repo: Path) -> dict:
    for hidden in HIDDEN:
        (repo / hidden).parent.mkdir(parents=True, exist_ok=True)
        (repo / hidden).write_text("# not a page\n" if hidden.endswith(".md") else "{}", encoding="utf-8")
    config = repo / "_config.yml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("url: https://github.com/OWNER/chinas-quantum-push-recomputed",
                        "url: https://github.com/example/chinas-quantum-push-recomputed")
    config.write_text(text.replace("  config:\n", f"  config:\n    html_baseurl: {BASE}\n", 1), encoding="utf-8")
    return {"build": run_in(repo, *STRICT)}


def _scaffold(repo: Path) -> dict:
    scaffold = run_in(repo, "python", "-m", "tools.scaffold", *CHAPTER)
    execute = run_in(repo, "python", "-m", "tools.execute", f"notebooks/{CHAPTER[0]}.md")
    return {"scaffold": scaffold, "execute": execute, "build": run_in(repo, *STRICT)}


def _edit_data(repo: Path) -> dict:
    funding = repo / "data" / "funding.csv"
    text = funding.read_text(encoding="utf-8")
    us_row = re.search(r"^mck2022-us,.*$", text, flags=re.M).group(0)
    funding.write_text(text.replace(us_row, us_row.replace(",1900,1900,", ",3825,3825,")), encoding="utf-8")
    steps = {"validate": ("python", "-m", "evidence.datapackage", "validate"),
             "lock": ("python", "-m", "evidence.datapackage", "lock"),
             "execute": ("python", "-m", "tools.execute", "--stale"), "build": STRICT}
    return {name: run_in(repo, *step) for name, step in steps.items()}


@pytest.fixture(scope="module")
def author_copy(tmp_path_factory) -> tuple[Path, dict]:
    """Every step on one copy; the site after each step is kept beside it: (folder, outcome of each step)."""
    folder = tmp_path_factory.mktemp("author")
    repo = copy_repo(folder / "repo")
    steps = {}
    for name, step in (("authored", _author), ("edited", _edit_data), ("scaffolded", _scaffold)):
        steps[name] = step(repo)
        shutil.copytree(repo / "_build" / "html", folder / name)
    append(repo / "book" / "methods.md", "".join("\n" + text for text, _ in DEFECTS.values()))
    return folder, steps | {"defects": run_in(repo, *STRICT)}


# --- 1. hidden folders and a site address ---------------------------------------------------

def test_hidden_folders_and_notebook_sources_are_not_pages(author_copy):
    folder, outcome = author_copy
    built = outcome["authored"]["build"]
    assert built.returncode == 0, (built.stdout + built.stderr)[-3000:]
    site = folder / "authored"
    assert not list(site.rglob("page.html")) and not (site / ".github").exists()
    assert (site / "notebooks" / "spending.html").exists()


@pytest.fixture(scope="module")
def addressed(author_copy) -> Path:
    folder, outcome = author_copy
    built = outcome["authored"]["build"]
    assert built.returncode == 0, (built.stdout + built.stderr)[-4000:]
    return folder / "authored"


def test_with_an_address_every_page_is_canonical_and_carries_its_card(addressed):
    for path in page_paths(addressed):
        parsed = head(addressed / path)
        assert parsed.links.get("canonical") == BASE + path, (path, parsed.links.get("canonical"))
        assert parsed.meta.get("og:url") == BASE + path, (path, parsed.meta.get("og:url"))
        assert parsed.meta.get("og:image") == BASE + CARD, (path, parsed.meta.get("og:image"))
        assert parsed.meta.get("twitter:card") == "summary_large_image", path
        assert parsed.meta.get("description"), path
    png = (addressed / CARD).read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n"), "the card is not a PNG"
    width, height = png_size(png)
    assert width >= 1200 and 1.8 < width / height < 2.0, f"the card is {width}x{height}, not about 1200 × 630"


def test_with_an_address_the_sitemap_lists_every_page(addressed):
    tree = ET.parse(addressed / "sitemap.xml")
    listed = {loc.text for loc in tree.getroot().iter(f"{SITEMAP}loc")}
    expected = {BASE + path for path in page_paths(addressed)}
    assert expected <= listed, f"pages missing from sitemap.xml: {sorted(expected - listed)[:5]}"
    assert all(url.startswith(BASE) for url in listed), [u for u in listed if not u.startswith(BASE)][:5]


# --- 2. a data edit ---------------------------------------------------------------------------

def test_data_edit_is_published_after_lock_without_clearing_caches(author_copy):
    """Edit a CSV, lock, build: the new numbers appear in the chapter and in the prose that pastes them."""
    folder, outcome = author_copy
    assert outcome["authored"]["build"].returncode == 0
    edited = outcome["edited"]
    assert edited["validate"].returncode == 1
    assert "data/funding.csv: edited since it was last locked" in edited["validate"].stderr
    for step in ("lock", "execute", "build"):
        assert edited[step].returncode == 0, (step, (edited[step].stdout + edited[step].stderr)[-3000:])
    assert "stale: notebooks/spending.md (input data/funding.csv changed)" in edited["execute"].stdout
    intro = (folder / "edited" / "book" / "intro.html").read_text(encoding="utf-8")
    assert '<span class="pasted-text">4.0</span>' in intro, "the introduction still shows the old ratio"
    assert '<span class="pasted-text">8.1</span>' not in intro


# --- 3. a new chapter --------------------------------------------------------------------------

def test_new_chapter_builds(author_copy):
    """The author's copy scaffolded CHAPTER, executed it and built strictly
    (after its other edits, as an author's next `make book`)."""
    folder, outcome = author_copy
    name, _, prefix = CHAPTER
    steps = outcome["scaffolded"]
    assert f"created notebooks/{name}.md" in steps["scaffold"].stdout, steps["scaffold"]
    repo = folder / "repo"
    assert f"notebooks/{name}" in (repo / "_toc.yml").read_text(encoding="utf-8")
    assert f"{prefix}-01," in (repo / "data" / "claims.csv").read_text(encoding="utf-8")
    for step in ("execute", "build"):
        assert steps[step].returncode == 0, (step, (steps[step].stdout + steps[step].stderr)[-3000:])
    page = (folder / "scaffolded" / "notebooks" / f"{name}.html").read_text(encoding="utf-8")
    assert "Example finding" in page and "evidence-unverified" in page and "low confidence" in page


# --- 4. defects --------------------------------------------------------------------------------

@pytest.mark.parametrize("defect", DEFECTS, ids=list(DEFECTS))
def test_defect_fails_the_strict_build_naming_the_file(author_copy, defect):
    _, outcome = author_copy
    built = outcome["defects"]
    _, token = DEFECTS[defect]
    output = built.stdout + built.stderr
    assert built.returncode != 0, f"{defect}: the build succeeded"
    warnings = [line for line in output.splitlines() if token in line and "book/methods.md" in line]
    assert warnings, f"{defect}: no message names book/methods.md and {token}:\n{output[-3000:]}"
