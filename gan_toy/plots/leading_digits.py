"""The digit a collapsed MNIST generator favours, over training: one strip per run.

Each cell is one evaluation: it shows the digit the classifier gives most samples, shaded by
the share of samples that digit gets (white: a tenth, dark: all). A healthy run is pale and its
digit changes at random; a collapsed one is dark, and a run that hops changes digit while dark.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_leading_digits(
    runs: Mapping[str, Sequence[tuple[int, int, float]]], ax: Axes | None = None
) -> Axes:
    """`runs`: label → [(step, digit, share), ...] (mnist_collapse.leading_digits), all with
    the same steps. Returns the axes (a new 8-inch-wide figure if `ax` is None)."""
    labels = list(runs)
    if not labels:
        raise ValueError("plot_leading_digits needs at least one run")
    steps = [s for s, _, _ in runs[labels[0]]]
    if any([s for s, _, _ in runs[k]] != steps for k in labels):
        raise ValueError("every run must be evaluated at the same steps")
    shares = np.array([[share for _, _, share in runs[k]] for k in labels])
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.5 * len(labels) + 1.1), layout="constrained")
    image = ax.imshow(shares, cmap="Blues", vmin=0.1, vmax=1.0, aspect="auto")
    for row, label in enumerate(labels):
        for col, (_, digit, share) in enumerate(runs[label]):
            colour = "white" if share > 0.6 else "black"
            ax.text(col, row, str(digit), ha="center", va="center", fontsize=9, color=colour)
    ax.set_yticks(range(len(labels)), labels, fontsize=9)
    every = max(1, len(steps) // 10)
    ticks = list(range(every - 1, len(steps), every))
    ax.set_xticks(ticks, [str(steps[i]) for i in ticks], fontsize=8)
    ax.set_xlabel("step", fontsize=9)
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.01)
    bar.set_label("share of samples", fontsize=8)
    bar.ax.tick_params(labelsize=8)
    return ax
