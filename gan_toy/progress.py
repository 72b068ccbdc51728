"""Progress bars that suit where the code runs.

In JupyterLab, Colab and a terminal, a bar is tqdm.auto's: a widget in a notebook, a line of text
in a terminal. While the book is being built (GAN_TOY_STATIC=1, which `make book` and
`make book-fast` set) there is no bar at all: a widget in a static page is dead (offline it
renders as nothing, online as a frozen full bar), and a page shows results, not the wait.
"""

from __future__ import annotations

import os
from typing import Any

from tqdm.auto import tqdm


def static_build() -> bool:
    """True while notebooks are executed for the static book (GAN_TOY_STATIC=1)."""
    return os.environ.get("GAN_TOY_STATIC", "0").strip().lower() not in ("", "0", "false", "no")


def progress_bar(iterable: Any = None, **options: Any) -> tqdm:
    """`tqdm.auto.tqdm(iterable, **options)`, silent while the static book is built."""
    options["disable"] = options.get("disable", False) or static_build()
    return tqdm(iterable, **options)
