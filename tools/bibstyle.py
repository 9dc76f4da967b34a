"""The book's bibliography style: pybtex's plain style, with titles as the sources spell them,
for sources in another language the English translation after the original title, and the
archived copy (web.archive.org) where the source gives one.

No entry ever links to anything but an http(s) address: `make validate` refuses other schemes
(evidence.bib_rules), and should one reach a build anyway, its link is shown as text only.
"""
from __future__ import annotations

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


class Style(PlainStyle):
    default_sorting_style = "author_year_title"

    def format_entry(self, label, entry, bib_data=None):
        formatted = super().format_entry(label, entry, bib_data=bib_data)
        formatted.text = web_links_only(formatted.text)
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
