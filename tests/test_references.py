"""References used by the book and the data: every cited key exists; every entry is used or listed."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from evidence.datapackage import bibkey_arity, read_descriptor
from evidence.references import entries

ROOT = Path(__file__).resolve().parents[1]
ROLE = re.compile(r"\{(?:foot)?cite(?::[a-z]+)?\}`([^`]+)`")
PAGES = sorted((ROOT / "book").glob("*.md")) + sorted((ROOT / "notebooks").glob("*.md"))


def cited_in_pages() -> dict[str, str]:
    cited = {}
    for page in PAGES:
        for keys in ROLE.findall(page.read_text(encoding="utf-8")):
            for key in keys.split(","):
                cited.setdefault(key.strip(), str(page.relative_to(ROOT)))
    return cited


def used_in_data() -> set[str]:
    descriptor, _ = read_descriptor()
    used = set()
    for res in descriptor["resources"]:
        frame = pd.read_csv(ROOT / "data" / res["path"], dtype=str, keep_default_na=False)
        for field in filter(bibkey_arity, res["schema"]["fields"]):
            used |= {k.strip() for cell in frame[field["name"]] for k in cell.split(";") if k.strip()}
    return used


def test_every_cited_key_exists():
    known = entries()
    missing = {key: page for key, page in cited_in_pages().items() if key not in known}
    assert not missing, f"cited but not in references.bib: {missing}"


def test_every_entry_is_cited_used_or_listed():
    # Entries with an `endnotes` field are listed on the References page as the MERICS
    # report's own sources; every other entry must be cited on a page or by a data row.
    used = set(cited_in_pages()) | used_in_data()
    unused = sorted(k for k, e in entries().items() if k not in used and "endnotes" not in e)
    assert not unused, f"entries neither cited, used by data, nor MERICS endnote documents: {unused}"


def test_references_page_lists_both_groups():
    text = (ROOT / "book" / "references.md").read_text(encoding="utf-8")
    assert ":filter: endnotes" in text and ":filter: not endnotes" in text


def test_original_titles_and_translations_both_render(site):
    import html
    import re

    page = html.unescape(re.sub(r"<[^>]+>", "", (site / "book" / "references.html").read_text(encoding="utf-8")))
    page = re.sub(r"\s+", " ", page)
    missing = []
    for key, entry in entries().items():
        if "titleaddon" in entry:
            for part in (entry["title"][:25], entry["titleaddon"][:25]):
                if part not in page:
                    missing.append(f"{key}: {part!r}")
    assert not missing, "not rendered on the References page: " + "; ".join(missing[:20])


def test_archived_copies_render(site):
    page = (site / "book" / "references.html").read_text(encoding="utf-8")
    missing = [k for k, e in entries().items() if "archiveurl" in e and e["archiveurl"] not in page]
    assert not missing, f"archived addresses not shown on the References page: {missing}"
