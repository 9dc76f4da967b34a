"""The claims ledger (data/claims.csv): what each claim asserts, and the check of its verdict.

A chapter builds the evidence for each claim it checks from its data and calls
``Ledger.check(claim_id, evidence)``. The one rule (``evidence.verdicts.assess``) turns the
evidence into a verdict and a confidence; if the ledger records anything else the notebook
raises, so the build and nbval fail and name the claim. ``Ledger.finish`` fails if a claim
of the chapter went unchecked, and ``Ledger.publish`` hands the computed verdicts on as
structured data (the executor lifts them into the twin's metadata, where the scorecard,
the introduction's counts and the tests read them).

What a claim asserts (a figure, a unit, a tolerance, who leads whom) is data too:
``Ledger.reading`` reads it from data/claim_readings.csv.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass

import pandas as pd
from IPython.display import HTML, display

from evidence.cards import cards_html, fold, other_claims_summary, verdict_badge
from evidence.datapackage import load
from evidence.trace import VERDICTS_MIME, chapter_rows_of
from evidence.verdicts import CONFIDENCES, VERDICTS, Assessment, Evidence, assess

__all__ = ["Ledger", "Evidence", "VerdictMismatch", "VERDICTS", "CONFIDENCES", "VERDICTS_MIME", "badge"]


class VerdictMismatch(AssertionError):
    pass


@dataclass(frozen=True)
class Reading:
    """What one part of a claim asserts (a row of data/claim_readings.csv); absent fields are None."""

    claim_id: str
    part: str
    value: float | None
    unit: str | None
    tolerance: float | None
    date: str | None
    leader: str | None
    compared_with: str | None
    metric: str | None
    field: str | None
    period_start: int | None
    period_end: int | None
    yearly_only: bool | None
    only_source: str | None
    cited_source: str | None
    note: str | None


class Ledger:
    """The rows of data/claims.csv that one chapter checks."""

    def __init__(self, chapter: str):
        self.chapter = chapter
        # Only this chapter's rows are kept, and traced: an edit of another chapter's claim leaves
        # this chapter's outputs current (tools.execute.chapter_rows digests the same rows).
        mine = chapter_rows_of(chapter)
        claims = load("claims", rows=mine)
        self.rows = claims[claims["chapter"] == chapter].set_index("id")
        if self.rows.empty:
            raise ValueError(f"data/claims.csv has no claims with chapter {chapter!r}")
        readings = load("claim_readings", rows=mine)
        self._readings = readings[readings["claim_id"].isin(self.rows.index)]
        documents = load("claim_evidence", rows=mine)
        self.documents = documents[documents["claim_id"].isin(self.rows.index)]
        self.computed: dict[str, Assessment] = {}
        self.shown: list[str] | None = None  # the headline cards, once shown

    # --- what a claim asserts ------------------------------------------------------------
    def reading(self, claim_id: str, part: str = "claim") -> Reading:
        self._row(claim_id)
        rows = self._readings[(self._readings["claim_id"] == claim_id) & (self._readings["part"] == part)]
        if len(rows) != 1:
            raise KeyError(f"data/claim_readings.csv needs exactly one row for claim {claim_id!r}, part {part!r} "
                           f"(found {len(rows)})")
        row = rows.iloc[0]
        return Reading(**{name: (None if pd.isna(row[name]) else row[name].item() if hasattr(row[name], "item")
                                 else row[name]) for name in Reading.__dataclass_fields__})

    def readings(self, claim_id: str) -> list[Reading]:
        parts = self._readings[self._readings["claim_id"] == claim_id]["part"]
        return [self.reading(claim_id, part) for part in parts]

    # --- the claims as readers see them --------------------------------------------------
    def show_claims(self, headline: list[str] | None = None) -> None:
        """Display the chapter's claims as cards (each with its ClaimReview record); paste ``n_claims``.

        With ``headline`` (claim ids), only those cards, in that order: the claims the chapter's
        headline chart is about; ``show_other_claims`` then folds the rest. The cards show the
        ledger's verdicts; the checks further down recompute each one and the notebook fails if
        any differs, so a published card always agrees with its computation.
        """
        from evidence.paste import paste

        paste("n_claims", len(self.rows), rows=self.rows, show=("statement",))
        ids = list(self.rows.index) if headline is None else list(headline)
        for claim_id in ids:
            self._row(claim_id)
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self.chapter}: show_claims names a claim twice: {', '.join(ids)}")
        self.shown = ids
        display(HTML(cards_html(self._cards(ids), self.chapter)))

    def show_other_claims(self) -> None:
        """The cards ``show_claims`` did not show, folded under a summary that counts them."""
        shown = self.shown
        if shown is None:
            raise ValueError(f"{self.chapter}: call show_claims(headline=[...]) before show_other_claims()")
        others = [claim_id for claim_id in self.rows.index if claim_id not in shown]
        if not others:
            raise ValueError(f"{self.chapter}: every claim is a headline claim: nothing to fold")
        display(HTML(fold(other_claims_summary(len(shown), len(self.rows)),
                          cards_html(self._cards(others), self.chapter), kind="claims")))

    def _cards(self, ids: list[str]):
        return self.rows.loc[ids].reset_index().itertuples()

    # --- the check -----------------------------------------------------------------------
    def documented(self, claim_id: str) -> list[Evidence]:
        """The documentary evidence recorded for a claim in data/claim_evidence.csv (what sources state)."""
        rows = self.documents[self.documents["claim_id"] == claim_id]
        return [Evidence.not_found(part=r.part) if r.status == "not found"
                else Evidence(r.support, r.grade, r.source, part=r.part, self_reported=_flag(r.self_reported),
                              context=_flag(r.context))
                for r in rows.itertuples()]

    def unchecked(self) -> list[str]:
        """The chapter's claims no check has computed yet, in ledger order."""
        return [claim_id for claim_id in self.rows.index if claim_id not in self.computed]

    def check_documented(self) -> list[HTML]:
        """Check every claim not computed above on its documentary evidence alone; one badge each.

        A claim with neither a computed check nor rows in data/claim_evidence.csv is refused: it
        would otherwise pass as unverified without anyone having looked.
        """
        bare = [c for c in self.unchecked() if self.documents[self.documents["claim_id"] == c].empty]
        if bare:
            raise VerdictMismatch(f"{self.chapter}: claims {', '.join(bare)} have no computed check and no rows in "
                                  f"data/claim_evidence.csv: record what was searched for (status 'not found' "
                                  f"when nothing was), or check them in a cell of this chapter")
        return [self.check(claim_id) for claim_id in self.unchecked()]

    def documents_of(self, claim_ids: list[str]) -> pd.DataFrame:
        """The rows of data/claim_evidence.csv for some claims, for a table (excerpts as the sources word them)."""
        rows = self.documents[self.documents["claim_id"].isin(claim_ids)]
        return rows[["claim_id", "part", "status", "support", "grade", "source", "excerpt"]].fillna("")

    def check(self, claim_id: str, evidence: list[Evidence] = ()) -> HTML:
        """Compute the claim's verdict and confidence from its evidence; raise if the ledger disagrees.

        The evidence is what the chapter computes from its data plus, always, the documentary
        evidence recorded for the claim in data/claim_evidence.csv.
        """
        row = self._row(claim_id)
        result = assess([*evidence, *self.documented(claim_id)])
        recorded = Assessment(row.verdict, row.confidence)
        if recorded != result:
            raise VerdictMismatch(
                f"claim {claim_id} ({self.chapter}): data/claims.csv says {recorded.verdict!r} with "
                f"{recorded.confidence!r} confidence but the evidence gives {result.verdict!r} with "
                f"{result.confidence!r} confidence. If the data changed on purpose, update verdict, confidence "
                f"and rationale in data/claims.csv (then make lock); otherwise fix the data.")
        self.computed[claim_id] = result
        return badge(claim_id, result, row.rationale)

    def finish(self, paste_counts: bool = False) -> pd.DataFrame:
        """Fail if a claim of this chapter was not checked; return the chapter's verdict table.

        With ``paste_counts``, the number of claims per verdict is pasted as ``n_<verdict>``.
        """
        missing = sorted(set(self.rows.index) - set(self.computed))
        if missing:
            raise VerdictMismatch(f"{self.chapter}: claims {', '.join(missing)} are assigned to this chapter in "
                                  f"data/claims.csv but were not checked here")
        verdicts = self.rows.reset_index()[["id", "verdict", "confidence", "quote"]]
        if paste_counts:
            from evidence.paste import paste

            for verdict in VERDICTS:
                with_verdict = self.rows[self.rows["verdict"] == verdict]
                paste(f"n_{verdict}", len(with_verdict), rows=with_verdict, show=("statement", "verdict", "confidence"))
        return verdicts

    def publish(self) -> None:
        """Hand the computed verdicts on as structured data (one JSON output, lifted by the executor)."""
        self.finish()
        record = {claim_id: {"verdict": a.verdict, "confidence": a.confidence}
                  for claim_id, a in sorted(self.computed.items())}
        display({VERDICTS_MIME: record, "text/plain": json.dumps(record, sort_keys=True)}, raw=True)

    def _row(self, claim_id: str):
        if claim_id not in self.rows.index:
            raise KeyError(f"claim {claim_id!r} is not in data/claims.csv with chapter {self.chapter!r}")
        return self.rows.loc[claim_id]


def _flag(value) -> bool:
    """A boolean cell of the data package: empty counts as false."""
    return bool(value) if pd.notna(value) else False


def badge(claim_id: str, result: Assessment, rationale: str) -> HTML:
    """The verdict line under the evidence: verdict and confidence in words, then why."""
    return HTML(f'<p class="evidence-verdict" id="verdict-{html.escape(claim_id)}">'
                f'{verdict_badge(result)} <strong>Verdict on claim {html.escape(claim_id)}.</strong> '
                f'{html.escape(rationale)}</p>')


def read_verdicts(ipynb) -> dict:
    """The verdicts a chapter's executed twin records (lifted by the executor from ``Ledger.publish``)."""
    from pathlib import Path

    try:
        notebook = json.loads(Path(ipynb).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # unreadable: the executor re-executes it, the build names it
        return {}
    return notebook.get("metadata", {}).get("evidence", {}).get("verdicts", {})


def computed_verdicts() -> pd.DataFrame:
    """Every verdict and confidence the chapters computed in their last execution, by claim.

    Each chapter's twin is traced as an input, so the reader re-executes when a verdict changes.
    """
    from evidence import ROOT
    from evidence.trace import trace as _trace

    rows = []
    for ipynb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        verdicts = read_verdicts(ipynb)
        if verdicts:
            _trace(f"notebooks/{ipynb.name}#verdicts")
        rows += [{"id": claim_id, "chapter": f"notebooks/{ipynb.stem}", **v} for claim_id, v in verdicts.items()]
    return pd.DataFrame(rows, columns=["id", "chapter", "verdict", "confidence"])


def describe_readings(readings: pd.DataFrame, claim_id: str) -> str:
    """What a claim asserts, in a few words per part (from data/claim_readings.csv), for tables."""
    words = []
    for r in readings[readings["claim_id"] == claim_id].itertuples():
        bits = []
        if pd.notna(r.value):
            bits.append(f"{r.value:,.6g} {r.unit or ''}".strip()
                        + (f" ±{r.tolerance:.0%}" if pd.notna(r.tolerance) and r.tolerance else ""))
        if pd.notna(r.date):
            bits.append(str(r.date))
        if pd.notna(r.leader):
            bits.append(f"{r.leader} ahead of {r.compared_with}" if pd.notna(r.compared_with) else str(r.leader))
        elif pd.notna(r.compared_with):
            bits.append(str(r.compared_with).replace(";", ", "))
        if pd.notna(r.metric):
            bits.append(str(r.metric))
        if pd.notna(r.period_start):
            bits.append(f"{int(r.period_start)}–{int(r.period_end)}")
        words.append((f"{r.part}: " if r.part != "claim" else "") + ", ".join(bits))
    return "; ".join(words)
