"""Segment the two source texts into numbered units, deterministically (data/claims_coverage.csv).

The rule, kept small because the coverage test re-applies it to the seeds on every run:

1. Paragraphs. The text is split into lines; every non-blank line is one paragraph, its
   whitespace runs collapsed to one space.
2. Kinds of paragraph, tested in this order:
   - endnote: the line starts with a number and a bar ("12 | ..."). The whole line is one
     unit; its section is "Endnote <number>".
   - list item: the line starts with "- ". The marker is removed; the rest is a heading or
     a body paragraph by the two rules below.
   - heading: the line does not end in sentence punctuation (. ! ? :), once trailing endnote
     digits and closing quotes or brackets are dropped. A heading is one unit and opens a
     new section named by its own text.
   - body: anything else, split into sentences by rule 3.
3. Sentences. A body paragraph is cut after a terminal mark [.!?], optionally followed by
   closing quotes or brackets and by one or two endnote digits glued to the mark
   ("standard.1 As"), when whitespace and then an uppercase Latin letter or an opening quote
   or bracket follow. There is no cut after the abbreviations below, inside an ellipsis (a
   mark preceded by a period), or at a decimal point ("0.1 Kelvin"); a period after a number
   of four or more digits does cut ("in April 2024.31 However": a year, then endnote 31).
4. Sections. Paragraphs before the first heading are in section "Lead"; a body unit's section
   is "<heading> ¶<p>", p counting the paragraphs since that heading from 1.
5. Numbering. n counts the units (headings, sentences, endnotes) of each text from 1.

Every unit is a verbatim substring of the whitespace-collapsed text, and the units of a
paragraph joined with single spaces give the paragraph back (less the "- " marker).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ENDNOTE = re.compile(r"^(\d+)\s*\|")
LIST_MARKER = "- "
CLOSERS = "”’\"')]"
OPENERS = "“‘\"(["
TERMINAL_END = re.compile(r"[.!?:][" + re.escape(CLOSERS) + r"]*\d{0,2}$")
CUT = re.compile(r"(?<!\.)[.!?][" + re.escape(CLOSERS) + r"]*\d{0,2}(?=\s+[A-Z" + re.escape(OPENERS) + r"])")
ABBREVIATIONS = ("e.g.", "i.e.", "No.", "etc.", "vs.", "Mr.", "Dr.", "St.", "U.S.")
# The two source texts, by their references.bib keys, and their files in ../shared/seeds.
SEED_FILES = {"merics2024longview": "000_967ff135b9d37158.txt",
              "chinaquantum2025twosessions": "003_04f2d53d03a34c31.txt"}


@dataclass(frozen=True)
class Unit:
    n: int
    section: str
    kind: str  # heading | sentence | endnote
    sentence: str


def collapse(line: str) -> str:
    return re.sub(r"\s+", " ", line).strip()


def is_heading(paragraph: str) -> bool:
    return TERMINAL_END.search(paragraph) is None


def ends_with_abbreviation(text: str) -> bool:
    return any(text.endswith(" " + a) or text == a for a in ABBREVIATIONS)


def is_decimal_point(paragraph: str, mark: int) -> bool:
    """A period between digits, unless the number before it has four or more digits (a year)."""
    if paragraph[mark] != "." or not paragraph[mark + 1:mark + 2].isdigit():
        return False
    digits_before = re.search(r"\d+$", paragraph[:mark])
    return digits_before is not None and len(digits_before.group()) <= 3


def split_sentences(paragraph: str) -> list[str]:
    """Cut a body paragraph after each terminal mark that rule 3 accepts."""
    sentences, start = [], 0
    for match in CUT.finditer(paragraph):
        if ends_with_abbreviation(paragraph[start:match.start() + 1]) or is_decimal_point(paragraph, match.start()):
            continue
        sentences.append(paragraph[start:match.end()].strip())
        start = match.end()
    rest = paragraph[start:].strip()
    return [*sentences, rest] if rest else sentences


def segment(text: str) -> list[Unit]:
    """The units of one source text, in order."""
    units: list[Unit] = []
    section, paragraph_no = "Lead", 0
    for raw in text.splitlines():
        line = collapse(raw)
        if not line:
            continue
        endnote = ENDNOTE.match(line)
        if endnote:
            units.append(Unit(len(units) + 1, f"Endnote {endnote.group(1)}", "endnote", line))
            continue
        line = line.removeprefix(LIST_MARKER).strip()
        if is_heading(line):
            section, paragraph_no = line, 0
            units.append(Unit(len(units) + 1, line, "heading", line))
            continue
        paragraph_no += 1
        units += [Unit(len(units) + 1 + i, f"{section} ¶{paragraph_no}", "sentence", s)
                  for i, s in enumerate(split_sentences(line))]
    return units


def segment_file(path: Path) -> list[Unit]:
    return segment(Path(path).read_text(encoding="utf-8"))
