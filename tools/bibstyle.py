"""The book's bibliography style: pybtex's plain style, with titles as the sources spell them,
for sources in another language the English translation after the original title, and the
archived copy (web.archive.org) where the source gives one."""
from __future__ import annotations

from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.template import field, href, join, optional, sentence, words


class Style(PlainStyle):
    default_sorting_style = "author_year_title"

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
