"""The scorecard's pieces shared by the scorecard chapter and the landing page."""
from __future__ import annotations

import altair as alt
import pandas as pd

from evidence.charts import verdict_scale
from evidence.verdicts import VERDICTS


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
