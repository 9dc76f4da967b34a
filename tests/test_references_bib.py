"""Checks on references.bib: it parses, is consistent, and covers the MERICS endnotes."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import bibtexparser
import pytest
from bibtexparser.model import DuplicateBlockKeyBlock

REPO = Path(__file__).resolve().parents[1]
BIB_PATH = REPO / "references.bib"
SEED_PATH = Path(__file__).resolve().parents[2] / "shared/seeds/000_967ff135b9d37158.txt"

ENDNOTE_COUNT = 63
ENDNOTES_WITHOUT_DOCUMENT = {24, 28}  # author interview; authors' own Crunchbase count
ALLOWED_TYPES = {"techreport", "report", "online", "misc", "article"}
FIELDS_NEEDED_BY_TYPE = {
    "techreport": {"institution"},
    "report": {"institution"},
    "online": {"url"},
    "article": {"journal"},
    "misc": set(),
}
WAYBACK_PREFIX = re.compile(r"^https?://web\.archive\.org/web/\d+/")
TRAILING_PUNCTUATION = ".,;:)]"


# --- helpers -----------------------------------------------------------------

@pytest.fixture(scope="module")
def library():
    return bibtexparser.parse_file(str(BIB_PATH))


@pytest.fixture(scope="module")
def entries(library):
    return library.entries


def field(entry, name):
    """Field value as a stripped string, or None when the field is absent."""
    f = entry.fields_dict.get(name)
    return str(f.value).strip() if f is not None else None


def strip_wayback(url):
    return WAYBACK_PREFIX.sub("", url)


def clean_endnote_url(raw):
    """Trim sentence punctuation after a URL and undo the one known run-on ('.pdfAnd')."""
    url = raw.rstrip(TRAILING_PUNCTUATION)
    return re.sub(r"\.pdfAnd$", ".pdf", url)


def read_endnotes():
    """Endnote number -> endnote text, read from the seed copy of the MERICS report."""
    if not SEED_PATH.exists():
        pytest.fail(f"MERICS seed text not found at {SEED_PATH}; cannot check endnote coverage")
    notes = {}
    for line in SEED_PATH.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^(\d+)\s*\|\s*(.*)$", line)
        if m:
            notes[int(m.group(1))] = m.group(2)
    return notes


def endnote_urls():
    return {
        clean_endnote_url(raw)
        for text in read_endnotes().values()
        for raw in re.findall(r"https?://\S+", text)
    }


def cited_endnotes(entry):
    value = field(entry, "endnotes") or ""
    return {int(n) for n in re.findall(r"\d+", value)}


# --- (a) parsing ---------------------------------------------------------------

def test_bib_parses_without_failed_blocks(library):
    assert not library.failed_blocks, "failed blocks: " + "; ".join(
        f"{type(b).__name__} at line {b.start_line}: {b.raw[:60]!r}" for b in library.failed_blocks
    )


def test_bib_loads_in_pybtex(entries):
    """sphinxcontrib-bibtex reads the file with pybtex, which is stricter (e.g. '@' in comments)."""
    database = pytest.importorskip("pybtex.database")
    loaded = database.parse_file(str(BIB_PATH))
    assert set(loaded.entries.keys()) == {e.key for e in entries}, "pybtex and bibtexparser disagree on keys"


def test_no_duplicate_keys(library, entries):
    dup_blocks = [b.key for b in library.failed_blocks if isinstance(b, DuplicateBlockKeyBlock)]
    assert not dup_blocks, f"duplicate keys: {dup_blocks}"
    keys = [e.key for e in entries]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    assert not repeated, f"duplicate keys: {repeated}"


# --- (b) no shared url / doi -------------------------------------------------------

@pytest.mark.parametrize("name", ["url", "doi"])
def test_no_two_entries_share(entries, name):
    seen = {}
    for e in entries:
        value = field(e, name)
        if value:
            norm = value.lower().rstrip("/")
            assert norm not in seen, f"{name} {value} is used by both {seen[norm]} and {e.key}"
            seen[norm] = e.key


# --- (c) required fields -------------------------------------------------------------

def test_every_entry_has_core_fields(entries):
    for e in entries:
        assert e.entry_type.lower() in ALLOWED_TYPES, f"{e.key}: unexpected entry type @{e.entry_type}"
        assert field(e, "author") or field(e, "organization"), f"{e.key}: no author or organization"
        for name in ("title", "year"):
            assert field(e, name), f"{e.key}: missing {name}"
        assert field(e, "url") or field(e, "doi"), f"{e.key}: neither url nor doi"
        missing = {f for f in FIELDS_NEEDED_BY_TYPE[e.entry_type.lower()] if not field(e, f)}
        assert not missing, f"{e.key} (@{e.entry_type}): missing {sorted(missing)}"


def test_dates_are_iso(entries):
    for e in entries:
        for name in ("date", "urldate"):
            value = field(e, name)
            if value:
                assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value), f"{e.key}: {name} {value!r} not ISO"


# --- (d) well-formed urls ---------------------------------------------------------------

def test_urls_are_well_formed(entries):
    for e in entries:
        for name in ("url", "archiveurl"):
            url = field(e, name)
            if url is None:
                continue
            parts = urlsplit(url)
            assert parts.scheme in ("http", "https"), f"{e.key}: {name} {url} has no http(s) scheme"
            assert parts.netloc, f"{e.key}: {name} {url} has no host"
            assert not re.search(r"\s", url), f"{e.key}: {name} {url} contains whitespace"


def test_archiveurl_points_to_the_url(entries):
    for e in entries:
        archived = field(e, "archiveurl")
        if archived:
            assert strip_wayback(archived) == field(e, "url"), (
                f"{e.key}: archiveurl {archived} does not archive url {field(e, 'url')}"
            )


# --- (e) every endnote URL is in the bibliography ------------------------------------------

def test_every_endnote_url_is_in_bib(entries):
    urls = {field(e, "url") for e in entries} - {None}
    archived = {field(e, "archiveurl") for e in entries} - {None}
    missing = [
        u for u in sorted(endnote_urls())
        if u not in urls and u not in archived and strip_wayback(u) not in urls
    ]
    assert not missing, "endnote URLs with no entry: " + ", ".join(missing)


# --- (f) every endnote is covered ------------------------------------------------------------

def test_every_endnote_is_covered(entries):
    covered = set().union(*(cited_endnotes(e) for e in entries))
    expected = set(range(1, ENDNOTE_COUNT + 1)) - ENDNOTES_WITHOUT_DOCUMENT
    missing = sorted(expected - covered)
    assert not missing, f"endnotes cited by no entry: {missing}"
    strays = sorted(covered - expected)
    assert not strays, f"endnotes field names unknown or excluded notes: {strays}"


def test_seed_has_all_endnotes():
    numbers = set(read_endnotes())
    assert numbers == set(range(1, ENDNOTE_COUNT + 1)), (
        f"seed endnotes missing: {sorted(set(range(1, ENDNOTE_COUNT + 1)) - numbers)}"
    )
