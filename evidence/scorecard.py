"""The scorecard's pieces shared by the scorecard chapter and the landing page: the chart of
verdicts by topic, a one-line summary of the verdicts, and the table of every claim (Claim ·
Verdict · Confidence · Why · Quote) whose rows link to the claim cards."""
from __future__ import annotations

import html

import altair as alt
import pandas as pd

from evidence.cards import SOURCE_TEXTS, anchor
from evidence.charts import verdict_scale
from evidence.verdicts import CONFIDENCES, VERDICTS

MARKS = {"high": "●●●", "medium": "●●○", "low": "●○○"}
HEADINGS = ("Claim", "Verdict", "Confidence", "Why", "Quote")


def verdicts_by_topic(claims: pd.DataFrame) -> pd.DataFrame:
    """Claims counted by topic and verdict (the rows the chart draws)."""
    by_topic = claims.groupby(["topic", "verdict"], as_index=False).size().rename(columns={"size": "claims"})
    by_topic["order"] = by_topic["verdict"].map(VERDICTS.index)
    return by_topic.sort_values(["topic", "order"]).reset_index(drop=True)


def verdicts_by_topic_chart(by_topic: pd.DataFrame) -> alt.Chart:
    counts = by_topic.groupby("verdict")["claims"].sum().reindex(list(VERDICTS), fill_value=0)
    total = int(counts.sum())
    return alt.Chart(by_topic).mark_bar().encode(
        y=alt.Y("topic:N", title=None, sort=alt.EncodingSortField("claims", op="sum", order="descending")),
        x=alt.X("sum(claims):Q", title="Claims (count)"),
        color=alt.Color("verdict:N", title="Verdict", sort=list(VERDICTS),
                        scale=verdict_scale()),
        order=alt.Order("order:Q"),
        tooltip=["topic", "verdict", "claims"],
    ).properties(title={"text": f"Of {total} claims, {counts['confirmed']} are confirmed and "
                                f"{counts['contradicted']} contradicted",
                        "subtitle": "Claims of both texts by topic, coloured by the verdict the evidence supports"})


def summary_line(claims: pd.DataFrame) -> str:
    """One line: how many claims, and a verdict badge with its count for each verdict."""
    counts = claims["verdict"].value_counts().reindex(list(VERDICTS), fill_value=0)
    badges = " ".join(f'<span class="evidence-summary-item"><span class="evidence-badge evidence-{v}">{v}</span> '
                      f"<strong>{n}</strong></span>" for v, n in counts.items())
    return (f'<p class="evidence-summary"><strong>{len(claims)}</strong> claims: {badges} '
            f'<a href="#every-claim">the table of every claim</a></p>')


def _claim_cell(row) -> str:
    esc = html.escape
    link = f"../{esc(row.chapter)}.html#{esc(anchor(row.id))}"
    return (f'<span class="evidence-scorecard-statement">{esc(row.statement)}</span>'
            f'<span class="evidence-claim-id"><a href="{link}" title="The claim card and its evidence">'
            f"claim {esc(row.id)}</a> · {esc(row.topic)}</span>")


def _confidence_cell(confidence: str) -> str:
    return (f'<span class="evidence-confidence evidence-confidence-{confidence}">'
            f'<span aria-hidden="true">{MARKS[confidence]}</span> {confidence}'
            '<span class="evidence-phone-only"> confidence</span></span>')


def _why_cell(row, compared: str) -> str:
    esc = html.escape
    return esc(row.rationale) + (f'<span class="evidence-claim-id">As compared: {esc(compared)}</span>'
                                 if compared else "")


def _quote_cell(row) -> str:
    esc = html.escape
    where = SOURCE_TEXTS.get(row.source, (row.source,))[0]
    locator = row.locator if isinstance(row.locator, str) and row.locator else ""
    where_text = esc(where) + (", " + esc(locator) if locator else "")
    return f'<q>{esc(row.quote)}</q><span class="evidence-claim-id">{where_text}</span>'


def row_html(row, compared: str) -> str:
    """One claim as a row; its cells carry their heading (the cards on a phone show it) and a sort key."""
    esc = html.escape
    cells = [(_claim_cell(row), f"{row.topic} {row.id}"),
             (f'<span class="evidence-badge evidence-{esc(row.verdict)}">{esc(row.verdict)}</span>',
              str(VERDICTS.index(row.verdict))),
             (_confidence_cell(row.confidence), str(CONFIDENCES.index(row.confidence))),
             (_why_cell(row, compared), ""), (_quote_cell(row), "")]
    attributes = " ".join(f'data-{name}="{esc(getattr(row, name))}"' for name in ("verdict", "confidence", "topic"))
    return f'<tr id="scorecard-{esc(row.id)}" {attributes}>' + "".join(
        f'<td class="evidence-col-{label.lower()}" data-label="{label}"' + (f' data-sort="{esc(key)}"' if key else "")
        + f">{cell}</td>" for (cell, key), label in zip(cells, HEADINGS, strict=True)) + "</tr>"


def table_html(claims: pd.DataFrame, compared: dict[str, str]) -> str:
    """Every claim, grouped by topic (the order of the Claim column, which says so with aria-sort).

    Complete without scripts; evidence-tables.js adds sorting by any column and the filters by
    verdict, confidence and topic named in data-filters (in the order data-*-order gives)."""
    header = "".join(f'<th scope="col" class="evidence-col-{h.lower()}"'
                     + (' aria-sort="ascending"' if h == "Claim" else "") + f">{h}</th>" for h in HEADINGS)
    rows = "".join(row_html(r, compared.get(r.id, "")) for r in claims.sort_values(["topic", "id"]).itertuples())
    return ('<div class="evidence-table-wrap evidence-scorecard-wrap" role="region" aria-label="All claims">'
            '<table class="evidence-table evidence-sortable" id="scorecard" data-filters="verdict confidence topic" '
            f'data-verdict-order="{" ".join(VERDICTS)}" data-confidence-order="{" ".join(CONFIDENCES)}">'
            "<caption>Every claim, grouped by topic: the verdict, how strong the evidence is, why, and the "
            "words of the source text. Follow a claim to its card and its evidence.</caption>"
            f"<thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table></div>")
