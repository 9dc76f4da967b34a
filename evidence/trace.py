"""What a notebook tells the executor (tools.execute): what it read, so it knows when outputs go
stale, and (as outputs of this type) the verdicts a chapter computed. No pandas here: the executor
imports this in every worker."""
from __future__ import annotations

import os

VERDICTS_MIME = "application/vnd.evidence.verdicts+json"
CHAPTER_ROWS = "chapter="  # in a traced name: data/claims.csv#chapter=notebooks/NAME


def chapter_rows_of(chapter: str) -> str:
    """The part of a traced name that says a notebook read only ``chapter``'s rows of a claims table."""
    return CHAPTER_ROWS + chapter


def chapter_in(part: str) -> str | None:
    """The chapter named by such a part (``chapter=notebooks/NAME``), else None."""
    return part.removeprefix(CHAPTER_ROWS) if part.startswith(CHAPTER_ROWS) else None


def trace(input_name: str) -> None:
    """Record one input of the running notebook in the file named by ``EVIDENCE_TRACE``.

    A file is named by its path (``data/funding.csv``); one resource's schema by
    ``data/datapackage.json#name``; one chapter's rows of a claims table by
    ``data/claims.csv#chapter=notebooks/NAME``; one references.bib entry by ``references.bib#key``,
    so that an edit elsewhere in those files does not count as a change for this notebook.
    """
    log = os.environ.get("EVIDENCE_TRACE")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(input_name + "\n")
