"""Edits of a Vega-Lite spec (as a dict) that every chart of the book gets from ``figure()``.

- ``cite_sources``: each drawn row that names its source (a ``source`` column of
  references.bib keys, several separated by ``;``) also carries the readable citation, and
  every tooltip over such rows names it ("Source").
- ``wrap_axis_titles``: an axis title longer than a line is split over lines, so that no
  title is cut off on a narrow screen.
"""
from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator

CITED = "source_cited"
SOURCE_TOOLTIP = {"field": CITED, "type": "nominal", "title": "Source"}
CHILDREN = ("layer", "hconcat", "vconcat", "concat")
POSITION_CHANNELS = ("x", "y", "x2", "y2")
TITLE_LINE = 44  # characters: about 300 px of 12 px text


def source_keys(value) -> list[str]:
    """The references.bib keys in one cell of a ``source`` column ('a; b' names two)."""
    if not isinstance(value, str):
        return []
    return [key.strip() for key in value.split(";") if key.strip()]


def views(spec: dict, data: str | None = None) -> Iterator[tuple[dict, str | None]]:
    """Every view of the spec (the top level, layers, concatenated and faceted views) with its dataset name."""
    data = (spec.get("data") or {}).get("name", data)
    yield spec, data
    for key in CHILDREN:
        for child in spec.get(key, []):
            yield from views(child, data)
    if isinstance(spec.get("spec"), dict):
        yield from views(spec["spec"], data)


def cite_sources(spec: dict, cite: Callable[[str], str], chart_keys: list[str] | None = None) -> dict:
    """Add the readable citation to every row drawn and name it in the tooltips over those rows.

    A row's sources are its ``source`` column; rows of a dataset without one take the chart's
    ``chart_keys`` (the sources named for the whole chart), if given.
    """
    cited = set()
    whole_chart = "; ".join(cite(key) for key in chart_keys or [])
    for name, rows in spec.get("datasets", {}).items():
        has_sources = any(isinstance(row, dict) and "source" in row for row in rows)
        if not has_sources and not whole_chart:
            continue
        for row in rows:
            row[CITED] = ("; ".join(cite(key) for key in source_keys(row.get("source"))) if has_sources
                          else whole_chart)
        cited.add(name)
    for view, data in views(spec):
        encoding = view.get("encoding")
        if data not in cited or not isinstance(encoding, dict) or "tooltip" not in encoding:
            continue
        tooltip = encoding["tooltip"]
        tooltip = [tooltip] if isinstance(tooltip, dict) else list(tooltip or [])
        if not any(isinstance(t, dict) and t.get("field") == CITED for t in tooltip):
            encoding["tooltip"] = tooltip + [SOURCE_TOOLTIP]
    return spec


def wrap_axis_titles(spec: dict, width: int = TITLE_LINE, channels=POSITION_CHANNELS) -> dict:
    """Split every axis title longer than ``width`` characters over several lines (a title already
    split is split again at the new width)."""
    for view, _ in views(spec):
        for channel in channels:
            definition = (view.get("encoding") or {}).get(channel)
            if not isinstance(definition, dict):
                continue
            for holder in (definition, definition.get("axis")):
                title = holder.get("title") if isinstance(holder, dict) else None
                text = " ".join(title) if isinstance(title, list) else title
                if isinstance(text, str) and len(text) > width:
                    holder["title"] = textwrap.wrap(text, width)
    return spec
