"""Currency conversion from the sourced rates table (data/fx_rates.csv)."""
from __future__ import annotations

import pandas as pd

AMOUNT_COLUMNS = ("amount_low", "amount_high")


def to_usd(frame: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    """Add usd_low/usd_high (millions of USD) and the rate used; USD rows pass through.

    The rate's provenance comes along (``rate_source``, ``rate_locator``, ``rate_grade``), so a
    figure pasted into the prose can show which rate turned it into dollars.

    A row whose currency and year have no sourced rate gets empty USD columns and
    ``rate_source`` = 'no sourced rate': it is never converted with a guessed rate.
    """
    keyed = rates.set_index(["currency", "year"])
    out = frame.copy()
    per_usd, rate_source, rate_locator, rate_grade = [], [], [], []
    for currency, year in zip(out["currency"], out["price_year"], strict=True):
        if currency == "USD":
            per_usd.append(1.0)
            rate_source.append("")
            rate_locator.append("")
            rate_grade.append("")
        elif (currency, year) in keyed.index:
            rate = keyed.loc[(currency, year)]
            if not 0 < float(rate["rate"]) < float("inf"):  # the schema refuses it; never divide by it
                raise ValueError(f"data/fx_rates.csv: the {currency} rate for {year} is {rate['rate']}; "
                                 f"a rate must be a finite number greater than zero")
            per_usd.append(rate["rate"] if rate["quotation"] == "units-per-usd" else 1 / rate["rate"])
            rate_source.append(str(rate["source"]))
            rate_locator.append("" if pd.isna(rate["locator"]) else str(rate["locator"]))
            rate_grade.append("" if pd.isna(rate["grade"]) else str(rate["grade"]))
        else:
            per_usd.append(float("nan"))
            rate_source.append("no sourced rate")
            rate_locator.append("")
            rate_grade.append("")
    out["units_per_usd"] = per_usd
    out["rate_source"] = rate_source
    out["rate_locator"] = rate_locator
    out["rate_grade"] = rate_grade
    for column in AMOUNT_COLUMNS:
        out[column.replace("amount", "usd")] = out[column] / out["units_per_usd"]
    return out


def amount_support(low: float, high: float, claimed: float, tolerance: float) -> str:
    """How a source's amount bears on a claimed amount (all in one currency and unit).

    - a point or range within ±tolerance of the claim: full;
    - only an upper bound ('nearly X', low empty) at or above the claim: partial, since the claim
      names the amount and the source only a ceiling;
    - no figure at all (e.g. no sourced rate to convert it): partial, the original figure stands;
    - anything else: none.
    """
    from evidence.verdicts import matches

    if pd.isna(low) and pd.isna(high):
        return "partial"
    if pd.isna(low):
        return "partial" if claimed <= high * (1 + tolerance) else "none"
    top = low if pd.isna(high) else high
    return "full" if matches(claimed, low, tolerance) and matches(claimed, top, tolerance) else "none"
