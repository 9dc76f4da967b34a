"""National export controls on quantum items: one reading of data/export_measures.csv and
data/export_measure_facts.csv, used by the chapter and by the appendix table alike.

A fact about a measure (a date, whether it covers an item) may be stated by several sources.
Consistent rows resolve to the most precise value ('2024-11-01' refines '2024-11'); rows
marked ``conflict`` are all kept; a fact searched for in vain is 'not found'.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from evidence.verdicts import GRADES, Evidence, support_of

COUNTRY_NAMES = {"ES": "Spain", "NL": "Netherlands", "FR": "France", "GB": "United Kingdom", "CA": "Canada",
                 "JP": "Japan", "DE": "Germany", "IT": "Italy", "FI": "Finland", "US": "United States",
                 "NO": "Norway"}
DATES = ["announced", "adopted", "published", "in_force", "compliance_from"]
# The appendix's columns after country and instrument: (heading, attributes tried in order).
APPENDIX_COLUMNS = [("Announced or adopted", ["adopted", "announced"]), ("In force", ["in_force"]),
                    ("Quantum computers", ["covers_quantum_computers"]),
                    ("Cryogenic cooling", ["covers_cryogenic_cooling"]),
                    ("Cooling threshold", ["cryogenic_threshold"]), ("Cryo-CMOS", ["covers_cryo_cmos"])]


@dataclass(frozen=True)
class Value:
    value: str
    status: str  # found or conflict
    sources: tuple[str, ...]
    grade: str


@dataclass(frozen=True)
class Cell:
    """One cell of the appendix: plain text and the sources behind it (never markup)."""

    text: str
    sources: tuple[str, ...] = ()


def span(value: str) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """A partial date as the interval it covers: '2024-04' is all of April 2024."""
    start = pd.Timestamp(value)
    precision = {0: "year", 1: "month", 2: "day"}[value.count("-")]
    end = {"year": start + pd.offsets.YearEnd(0), "month": start + pd.offsets.MonthEnd(0), "day": start}[precision]
    return start, end, precision


class Controls:
    def __init__(self, measures: pd.DataFrame, facts: pd.DataFrame):
        self.measures = measures.set_index("id", drop=False) if "id" in measures.columns else measures
        self.facts = facts
        # Grouped once: a chapter asks for hundreds of facts, and filtering the whole table each time
        # was most of its run.
        self._rows = {key: rows for key, rows in facts.groupby(["measure_id", "attribute"], sort=False)}
        self._records = {key: rows.to_dict("records") for key, rows in self._rows.items()}
        country = facts["measure_id"].map(dict(zip(self.measures.index, self.measures["country"], strict=True)))
        self._by_country = {key: rows.to_dict("records")
                            for key, rows in facts.groupby([country, facts["attribute"]], sort=False)}

    def rows(self, measure_id: str, attribute: str) -> pd.DataFrame:
        return self._rows.get((measure_id, attribute), self.facts.iloc[0:0])

    def resolve(self, measure_id: str, attribute: str) -> list[Value]:
        """The value(s) of one fact: the most precise of consistent found rows, or every conflicting one."""
        rows = self._records.get((measure_id, attribute), [])
        conflict = [r for r in rows if r["status"] == "conflict"]
        if conflict:
            return [Value(r["value"], "conflict", (r["source"],), r["grade"]) for r in conflict]
        found = [r for r in rows if r["status"] == "found"]
        if not found:
            return []
        best = max(found, key=lambda r: (len(r["value"]), -GRADES.index(r["grade"])))
        for r in found:
            if not best["value"].startswith(r["value"]):
                raise ValueError(f"data/export_measure_facts.csv: {measure_id} {attribute}: found rows disagree "
                                 f"({best['value']!r} vs {r['value']!r}); mark them 'conflict'")
        return [Value(best["value"], "found", tuple(dict.fromkeys(r["source"] for r in found)), best["grade"])]

    def searched(self, measure_id: str, attribute: str) -> bool:
        return (measure_id, attribute) in self._records

    def coverage_evidence(self, country: str, attribute: str) -> list[Evidence]:
        """What the sources say on whether a country's measures cover an item: one piece per source row.

        A country covers the item when any of its measures does; nothing stated leaves the part open.
        """
        rows = [r for r in self._by_country.get((country, attribute), []) if r["status"] != "not found"]
        chosen = [r for r in rows if r["value"] == "yes"] or rows
        return [Evidence(support_of(r["value"] == "yes"), r["grade"], r["source"], part=country)
                for r in chosen] or [Evidence.not_found(part=country)]

    def country_coverage(self, country: str, attribute: str) -> str:
        """'yes', 'no' or 'not found' for a country's measures."""
        found = [e for e in self.coverage_evidence(country, attribute) if e.found]
        return "not found" if not found else "yes" if found[0].support == "full" else "no"

    def cell(self, measure_id: str, attributes: list[str]) -> Cell:
        """The first attribute with a value; 'not found' when searched in vain; '—' when nothing is recorded."""
        for attribute in attributes:
            values = self.resolve(measure_id, attribute)
            if values:
                if values[0].status == "conflict":
                    return Cell("conflict: " + " / ".join(v.value for v in values),
                                tuple(s for v in values for s in v.sources))
                return Cell(values[0].value, values[0].sources)
        return Cell("not found" if any(self.searched(measure_id, a) for a in attributes) else "—")

    def appendix(self) -> list[dict[str, Cell]]:
        """The report's appendix table rebuilt: one row per measure, each cell with its sources."""
        table = []
        for m in self.measures.itertuples():
            legal = (m.legal_text_source,) if isinstance(m.legal_text_source, str) else ()
            row = {"Country": Cell(COUNTRY_NAMES.get(m.country, m.country)), "Instrument": Cell(m.instrument),
                   "Legal reference": Cell(m.legal_reference if isinstance(m.legal_reference, str) else "not found",
                                           legal)}
            row.update({heading: self.cell(m.id, attributes) for heading, attributes in APPENDIX_COLUMNS})
            table.append(row)
        return table

    def appendix_frame(self, cite=lambda key: key) -> pd.DataFrame:
        """The appendix as a plain table; ``cite`` turns a source key into its short citation."""
        rows = [{heading: cell.text for heading, cell in row.items()} |
                {"Sources": "; ".join(dict.fromkeys(cite(s) for cell in row.values() for s in cell.sources))}
                for row in self.appendix()]
        return pd.DataFrame(rows)

    def timeline(self) -> pd.DataFrame:
        """One mark per measure's first adoption or announcement and per entry into force, as intervals."""
        marks = []
        for measure_id in self.measures.index:
            cryo = self.resolve(measure_id, "covers_cryogenic_cooling")
            cryo_value = cryo[0].value if cryo else "not found"
            starts = [(a, v) for a in ("adopted", "announced") for v in self.resolve(measure_id, a)]
            events = []
            if starts:
                attribute, first = min(starts, key=lambda av: span(av[1].value)[0])
                events.append(("adopted or announced", attribute, first))
            events += [("in force", "in_force", v) for v in self.resolve(measure_id, "in_force")]
            marks += [{"measure_id": measure_id, "event": event, "attribute": attribute, "value": v.value,
                       "status": v.status, "source": ";".join(v.sources), "grade": v.grade,
                       "cryogenic_cooling": cryo_value} for event, attribute, v in events]
        timeline = pd.DataFrame(marks)
        timeline[["start", "end", "precision"]] = [span(v) for v in timeline["value"]]
        timeline["end_of_day"] = timeline["end"] + pd.Timedelta(days=1)
        timeline["conflict"] = timeline["status"] == "conflict"
        timeline["shown_as"] = timeline["precision"].map({"day": "day", "month": "whole month", "year": "whole year"})
        return timeline

    def label(self, measure_id: str) -> str:
        """'Netherlands (2023)': the country and the year in the measure's id."""
        return f"{COUNTRY_NAMES[self.measures.loc[measure_id, 'country']]} ({measure_id[-4:]})"
