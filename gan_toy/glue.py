"""Numbers for the book's prose, stored in the executed notebook with myst-nb's glue.

A chapter computes a number, calls ``glue("name", value)``, and its Markdown says
``{glue:text}`name:.2f```; the built page then shows what this execution measured. The value
is stored as text/plain under myst-nb's glue mime prefix, so nothing appears in the cell's
output in JupyterLab or Colab either, and it works where myst-nb is not installed (Colab).
"""

from __future__ import annotations

import numbers
from typing import Any

# myst-nb's prefix for glued data that is not displayed (myst_nb.ext.glue.GLUE_PREFIX).
GLUE_PREFIX = "application/papermill.record/"


def _plain(value: Any) -> Any:
    # NumPy and torch scalars print as "np.float64(0.35)" / "tensor(0.35)", which myst-nb's
    # format specs cannot parse; Python numbers and strings print as literals it can.
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        value = value.item()
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str):
        return value
    raise TypeError(
        f"glue stores numbers and strings for the prose, got {type(value).__name__}: {value!r}"
    )


def glue(name: str, value: Any) -> Any:
    """Store `value` (a number or a string) under `name` for ``{glue:text}`` in the Markdown,
    and return it as a plain Python value, so that a chapter can glue and use in one line."""
    from IPython.display import display

    plain = _plain(value)
    display(
        {GLUE_PREFIX + "text/plain": repr(plain)},
        raw=True,
        metadata={"scrapbook": {"name": name, "mime_prefix": GLUE_PREFIX}},
    )
    return plain
