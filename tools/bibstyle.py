"""The book's bibliography style: pybtex's plain style, with titles as the sources spell them,
for sources in another language the English translation after the original title, and the
archived copy (web.archive.org) where the source gives one.

No entry ever links to anything but an http(s) address: `make validate` refuses other schemes
(evidence.bib_rules), and should one reach a build anyway, its link is shown as text only.

sphinxcontrib-bibtex formats every entry on every build, even when nothing changed (about a
third of a no-change rebuild). Formatted entries are therefore kept, keyed by everything the
formatting reads (label, type, fields, people) and by this style's source and pybtex's version,
in ``_build/.evidence-static/bibliography.pickle`` (``load_cache``/``save_cache``): an edited
entry is formatted again, an unchanged one is not.
"""
from __future__ import annotations

import hashlib
import pickle
from functools import cache
from importlib.metadata import version
from pathlib import Path

from pybtex.richtext import BaseMultipartText, HRef, Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.template import field, href, join, optional, sentence, words

from evidence.bib_rules import is_web_url


def web_links_only(text):
    """Rich text with every link that is not an http(s) address replaced by its plain text."""
    if not isinstance(text, BaseMultipartText):
        return text
    parts = [web_links_only(part) for part in text.parts]
    if isinstance(text, HRef) and not is_web_url(text.url):
        return Text(*parts)
    return text._create_similar(parts)


def _entry_points_looked_up_once() -> None:
    """pybtex looks its plugins up among the installed packages' entry points on every name, label and
    sort it formats (about 1,300 times a build, each a scan of every installed package: a third of a
    clean build). The installed packages do not change during a build: each lookup is made once."""
    import pybtex.plugin

    if getattr(pybtex.plugin.entry_points, "evidence_cached", False):
        return
    scan = pybtex.plugin.entry_points

    @cache
    def found(group: str, name: str) -> tuple:
        return tuple(scan(group=group, name=name))

    def entry_points(group: str, name: str | None = None):
        return found(group, name) if name is not None else scan(group=group)

    entry_points.evidence_cached = True
    pybtex.plugin.entry_points = entry_points


_entry_points_looked_up_once()
_FORMATTED: dict[tuple, object] = {}
_ADDED = False


def _stamp() -> str:
    """What every formatted entry depends on besides the entry: this module's code and pybtex."""
    return hashlib.sha256(Path(__file__).read_bytes() + version("pybtex").encode()).hexdigest()


def _entry_key(label: str, entry) -> tuple:
    people = tuple((role, tuple(str(p) for p in persons)) for role, persons in entry.persons.items())
    return (label, entry.key, entry.type, tuple((k, str(v)) for k, v in entry.fields.items()), people)


def load_cache(path: Path) -> None:
    global _ADDED
    _FORMATTED.clear()
    _ADDED = False
    try:
        stamp, formatted = pickle.loads(path.read_bytes())
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
        return  # no cache yet, or an unreadable one: everything is formatted afresh
    if stamp == _stamp():
        _FORMATTED.update(formatted)


def save_cache(path: Path) -> None:
    from evidence import atomic

    if _ADDED:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_bytes(path, pickle.dumps((_stamp(), dict(_FORMATTED)), pickle.HIGHEST_PROTOCOL))


class Style(PlainStyle):
    default_sorting_style = "author_year_title"

    def format_entry(self, label, entry, bib_data=None):
        global _ADDED
        key = _entry_key(label, entry)
        if bib_data is None and key in _FORMATTED:
            return _FORMATTED[key]
        formatted = super().format_entry(label, entry, bib_data=bib_data)
        formatted.text = web_links_only(formatted.text)
        if bib_data is None:
            _FORMATTED[key] = formatted
            _ADDED = True
        return formatted

    def format_title(self, e, which_field, as_sentence=True):
        # No change of case: proper nouns (US, EU, QuantumCTek) stay as written.
        title = join(sep=" ")[field(which_field), optional["[", field("titleaddon"), "]"]]
        return sentence[title] if as_sentence else title

    def format_web_refs(self, e):
        archived = field("archiveurl", raw=True)
        return sentence[
            optional[self.format_url(e), optional[" (visited on ", field("urldate"), ")"]],
            optional[words["Archived copy:", href(archived)[archived]]],
            optional[self.format_doi(e)],
        ]
