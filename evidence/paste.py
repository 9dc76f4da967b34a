"""Paste computed values into the prose (myst-nb glue), as plain Python numbers."""
from __future__ import annotations

import numbers

from myst_nb import glue


def paste(key: str, value) -> None:
    """Glue ``value`` under ``key`` for ``{glue:text}`key:fmt``` in the prose.

    NumPy scalars are turned into Python numbers first: their repr
    (``np.float64(15.3)``) cannot be formatted by the glue role.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        glue(key, value, display=False)
    elif isinstance(value, numbers.Integral):
        glue(key, int(value), display=False)
    else:
        glue(key, float(value), display=False)
