"""Read references.bib (bibtexparser 2.x) for short citations and key checks."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from evidence import BIB
from evidence.trace import trace


@lru_cache(maxsize=2)
def entries(bib: Path = BIB) -> dict[str, dict[str, str]]:
    """Every entry as {key: {field: plain value}}; raises ValueError naming the first problem."""
    from evidence.bib_rules import parse_problems, parse_quietly

    library = parse_quietly(bib.read_text(encoding="utf-8"))
    problems = parse_problems(library)
    if problems:
        raise ValueError(f"{bib.name}: {problems[0]}" + (f" ({len(problems)} problems in all)"
                                                         if len(problems) > 1 else ""))
    return {e.key: {f.key.lower(): plain(str(f.value)) for f in e.fields} for e in library.entries}


def plain(value: str) -> str:
    """BibTeX field text as a reader sees it: no braces, no escapes."""
    value = re.sub(r"\\([&%$#_{}])", r"\1", value)
    return re.sub(r"\s+", " ", value.replace("{", "").replace("}", "")).strip()


def short_author(entry: dict[str, str]) -> str:
    names = entry.get("author") or entry.get("organization") or entry.get("institution") or ""
    people = [n.strip() for n in names.split(" and ") if n.strip()]
    if not people:
        return "Anonymous"
    surname = lambda n: n.split(",")[0].strip()  # noqa: E731
    if len(people) == 1:
        return surname(people[0])
    if len(people) == 2:
        return f"{surname(people[0])} and {surname(people[1])}"
    return f"{surname(people[0])} et al."


def short_cite(key: str) -> str:
    """'McKinsey & Company (2022)' for a key; KeyError naming the key if it is missing.

    The key is recorded as an input of the running notebook: editing that entry makes it stale.
    """
    try:
        entry = entries()[key]
    except KeyError:
        raise KeyError(f"{key!r} is not in references.bib: add the entry or correct the key") from None
    trace(f"{BIB.name}#{key}")
    return f"{short_author(entry)} ({entry.get('year', 'n.d.')})"


def citation(key: str) -> str:
    """'McKinsey & Company (2022). Quantum Technology Monitor.': who, when and what, for a reader or a spreadsheet."""
    cited = short_cite(key)  # a KeyError naming the key if it is missing
    title = entries()[key].get("title", "").rstrip(".")
    return f"{cited}. {title}." if title else f"{cited}."


def web_address(key: str) -> str:
    """The entry's http(s) address, or '' when it has none (no other scheme is ever returned)."""
    from evidence.bib_rules import is_web_url

    url = entries().get(key, {}).get("url", "")
    return url if is_web_url(url) else ""


def anchor(key: str) -> str:
    """The element id of the key's entry on the References page (tools.sphinx_site gives every entry one)."""
    return "ref-" + re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")
