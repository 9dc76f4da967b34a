"""The claims ledger (data/claims.csv) and the checks that keep its verdicts honest.

A chapter computes a verdict for each claim it checks and calls ``Ledger.check``; if the
ledger records a different verdict the notebook raises, so the build and nbval fail and
name the claim. ``Ledger.finish`` fails if a claim assigned to the chapter went unchecked.
"""
from __future__ import annotations

import html
from collections.abc import Iterable

import pandas as pd
from IPython.display import HTML

from evidence.datapackage import load

VERDICTS = ("confirmed", "qualified", "contradicted", "unverified")
SUPPORT = ("full", "partial", "none")


class VerdictMismatch(AssertionError):
    pass


def verdict_from_support(support: Iterable[str]) -> str:
    """Combine how each independent piece of evidence bears on a claim.

    'full': the evidence states what the claim states; 'partial': it is consistent only
    under some reading (a range that contains the figure, one tracker among several);
    'none': it points the other way. No evidence at all leaves the claim unverified.
    """
    support = list(support)
    unknown = set(support) - set(SUPPORT)
    if unknown:
        raise ValueError(f"support must be one of {SUPPORT}, got {sorted(unknown)}")
    if not support:
        return "unverified"
    if all(s == "full" for s in support):
        return "confirmed"
    if all(s == "none" for s in support):
        return "contradicted"
    return "qualified"


# How the status of a checked source row bears on a claim.
STATUS_SUPPORT = {"verified": "full", "partial": "partial", "conflict": "none"}


def verdict_from_status(statuses: Iterable[str], grades: Iterable[str]) -> str:
    """Verdict from the status and grade of each checked element of a claim.

    Statuses are verified, partial, conflict or not found. Elements not found carry no
    evidence either way; a claim with an element not found cannot be confirmed as a whole,
    so at best it is qualified. A grade-C element supports at most partially (cap_for_grade).
    """
    pairs = list(zip(statuses, grades, strict=True))
    statuses = [s for s, _ in pairs]
    found = [cap_for_grade(STATUS_SUPPORT[s], g) for s, g in pairs if s != "not found"]
    verdict = verdict_from_support(found)
    if verdict == "confirmed" and len(found) < len(statuses):
        verdict = "qualified"
    return verdict


def cap_for_grade(support: str, grade: str) -> str:
    """A figure read only through a mirror or aggregator (grade C) supports a claim at most partially."""
    return "partial" if support == "full" and grade == "C" else support


def within(value: float, target: float, tolerance: float) -> bool:
    """True when value lies within ±tolerance (a fraction) of target."""
    return abs(value - target) <= tolerance * target


class Ledger:
    """The rows of data/claims.csv that one chapter checks."""

    def __init__(self, chapter: str):
        self.chapter = chapter
        claims = load("claims")
        self.rows = claims[claims["chapter"] == chapter].set_index("id")
        if self.rows.empty:
            raise ValueError(f"data/claims.csv has no claims with chapter {chapter!r}")
        self.computed: dict[str, str] = {}

    def quote(self, claim_id: str) -> HTML:
        """The claim as a block quote, its text escaped: markup in the ledger is shown, never run."""
        row = self._row(claim_id)
        return HTML(f'<blockquote class="evidence-claim" id="claim-{claim_id}"><p>{html.escape(row.quote)}</p>'
                    f'<p class="evidence-claim-id">Claim {claim_id}</p></blockquote>')

    def show_claims(self) -> None:
        """Display every claim of the chapter as a quote and paste their number as ``n_claims``."""
        from IPython.display import display

        from evidence.paste import paste

        paste("n_claims", len(self.rows))
        for claim_id in self.rows.index:
            display(self.quote(claim_id))

    def check(self, claim_id: str, computed: str) -> HTML:
        """Assert the ledger's verdict equals the computed one; return a verdict badge."""
        if computed not in VERDICTS:
            raise ValueError(f"claim {claim_id}: {computed!r} is not a verdict ({', '.join(VERDICTS)})")
        row = self._row(claim_id)
        if row.verdict != computed:
            raise VerdictMismatch(
                f"claim {claim_id} ({self.chapter}): data/claims.csv says {row.verdict!r} but the computation "
                f"gives {computed!r}. If the data changed on purpose, update the verdict and rationale in "
                f"data/claims.csv (then make lock); otherwise fix the data.")
        self.computed[claim_id] = computed
        return badge(claim_id, computed, row.rationale)

    def finish(self, paste_counts: bool = False) -> pd.DataFrame:
        """Fail if a claim of this chapter was not checked; return the chapter's verdict table.

        With ``paste_counts``, the number of claims per verdict is pasted as ``n_<verdict>``.
        """
        missing = sorted(set(self.rows.index) - set(self.computed))
        if missing:
            raise VerdictMismatch(f"{self.chapter}: claims {', '.join(missing)} are assigned to this chapter in "
                                  f"data/claims.csv but were not checked here")
        verdicts = self.rows.reset_index()[["id", "verdict", "quote"]]
        if paste_counts:
            from evidence.paste import paste

            for verdict, group in verdicts.groupby("verdict"):
                paste(f"n_{verdict}", len(group))
        return verdicts

    def _row(self, claim_id: str):
        if claim_id not in self.rows.index:
            raise KeyError(f"claim {claim_id!r} is not in data/claims.csv with chapter {self.chapter!r}")
        return self.rows.loc[claim_id]


def badge(claim_id: str, verdict: str, rationale: str) -> HTML:
    return HTML(f'<p class="evidence-verdict"><span class="evidence-badge evidence-{verdict}">{verdict}</span> '
                f'<strong>Verdict on claim {claim_id}.</strong> {html.escape(rationale)}</p>')
