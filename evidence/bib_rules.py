"""Checks on references.bib that `make validate` makes: it parses, no key is used twice, and every
link it gives (url, archiveurl, and \\url or \\href in any field) is an http(s) address."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from evidence.problems import Problem
from evidence.safe_paths import plain_file_reason

LINK_FIELDS = ("url", "archiveurl")
LATEX_LINK = re.compile(r"\\(?:url|href)\s*\{([^}]*)\}")


def is_web_url(url: str) -> bool:
    """True for an absolute http(s) address with a host and no whitespace or control character."""
    parts = urlsplit(url.strip())
    return (parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
            and not re.search(r"[\s\x00-\x1f\x7f]", url.strip()))


def parse_problems(library) -> list[str]:
    """What makes a parsed references.bib unusable, one sentence each (duplicate keys by name)."""
    from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock

    problems = []
    for block in library.failed_blocks:
        if isinstance(block, DuplicateFieldKeyBlock):
            fields = ", ".join(repr(k) for k in sorted(getattr(block, "duplicate_keys", None) or []))
            key = re.match(r"\s*@\w+\s*\{\s*([^,\s]+)", block.raw or "")
            entry = f"entry {key.group(1)!r}" if key else "the entry"
            problems.append(f"{entry} (line {block.start_line + 1}) gives the field {fields or '(?)'} twice: keep one")
        elif isinstance(block, DuplicateBlockKeyBlock):
            first = getattr(block.previous_block, "start_line", None)
            where = f" (lines {first + 1} and {block.start_line + 1})" if first is not None else ""
            problems.append(f"entry key {block.key!r} is used twice{where}: give one of the entries another key, "
                            f"or delete the duplicate")
        else:
            problems.append(f"the entry starting on line {block.start_line + 1} does not parse: check its braces, "
                            f"commas and quotes")
    return problems


def parse_quietly(text: str):
    """bibtexparser's library for ``text``; its parse warnings are not printed (they are reported)."""
    import logging

    import bibtexparser

    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        return bibtexparser.parse_string(text)
    finally:
        logger.setLevel(level)


def check_bib(bib: Path) -> tuple[frozenset[str], list[Problem]]:
    """The keys of references.bib and its problems. A file that does not parse gives no keys, so that
    its problem is reported once, not as an unknown key at every row that cites it."""
    name = bib.name
    reason = plain_file_reason(bib)
    if reason:
        return frozenset(), [Problem(name, f"refused: {reason}", "Replace it with the file itself (git checkout)")]
    if not bib.exists():
        return frozenset(), [Problem(name, "file not found", "Restore it from git (git checkout -- references.bib)")]
    try:
        library = parse_quietly(bib.read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:
        return frozenset(), [Problem(name, f"not valid UTF-8 (byte {err.start})", "Re-save the file as UTF-8")]
    problems = [Problem(name, p.split(": ", 1)[0], p.split(": ", 1)[1].capitalize() + ".")
                for p in parse_problems(library)]
    keys = frozenset(e.key for e in library.entries) if not problems else frozenset()
    for entry in library.entries:
        problems += _link_problems(name, entry)
    return keys, problems


def _link_problems(name: str, entry) -> list[Problem]:
    problems = []
    for field in entry.fields:
        key = field.key.lower()
        value = str(field.value)
        links = [value] if key in LINK_FIELDS else LATEX_LINK.findall(value)
        for link in links:
            if not is_web_url(link):
                problems.append(Problem(name, f"entry {entry.key!r}, field {key!r}: {link[:80]!r} is not an "
                                        f"http(s) address", "Give the web address starting with https:// "
                                        "(or http://), or remove the link"))
    return problems
