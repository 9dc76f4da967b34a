"""Notes a chapter shows instead of a result, written once so every chapter says the same."""
from __future__ import annotations

from IPython.display import Markdown


def not_measured(series: str) -> Markdown:
    """The box shown where a series that `make refresh` measures is not in the data package yet."""
    return Markdown(
        f"**Not measured in this edition.** The {series} is not in the data package: this edition was built on a "
        "machine without access to the OpenAlex API, and no open series could be found to use instead. Running "
        "`make refresh` where there is network adds it; this section then shows the chart and the figures "
        "computed from it, with no change to this page.")
