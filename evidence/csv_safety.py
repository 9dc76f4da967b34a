"""CSV files for spreadsheets: no cell is read as a formula, and non-ASCII text opens correctly.

OWASP's rule against CSV injection: a text cell that starts with =, +, -, @, a tab or a
carriage return is prefixed with an apostrophe, which spreadsheets show as text. Numbers stay
numbers: numeric columns, and text cells that are plainly a number (-12.5), are left as they
are. Every file starts with a UTF-8 byte-order mark, without which spreadsheets read 北京市 as
mojibake.
"""
from __future__ import annotations

import csv
import io
import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
BOM = "\ufeff"


def neutral(cell: str) -> str:
    """The text of one cell, safe to open in a spreadsheet."""
    if cell.startswith(FORMULA_START) and not PLAIN_NUMBER.match(cell):
        return "'" + cell
    return cell


def frame_csv(frame) -> str:
    """A pandas frame as spreadsheet-safe CSV text (with the BOM)."""
    safe = frame.copy()
    for column in safe.columns:  # text cells only, whatever the column's dtype (object, str, category)
        if any(isinstance(v, str) for v in safe[column]):
            safe[column] = safe[column].map(lambda v: neutral(v) if isinstance(v, str) else v)
    safe.columns = [neutral(str(c)) for c in safe.columns]
    return BOM + safe.to_csv(index=False, lineterminator="\n")


def file_csv(text: str) -> str:
    """A CSV file's text, rewritten cell by cell to be spreadsheet-safe (with the BOM)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in csv.reader(io.StringIO(text.removeprefix(BOM))):
        writer.writerow([neutral(cell) for cell in row])
    return BOM + out.getvalue()
