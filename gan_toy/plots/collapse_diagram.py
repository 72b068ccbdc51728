"""A schematic of mode collapse as a chase (chapter 3): no training, only geometry.

Three moments on the ring of 8 modes. The generator's mass is one blob on a mode; the
discriminator is shaded around the ring (red: "real", blue: "fake"). Once D has learnt that the
blob's mode is fake, D rates the other modes higher, every generator sample is pushed the same
way, up D's slope, so the blob moves to a neighbouring mode as a whole, and the chase starts
again.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Wedge

N_MODES = 8
RADIUS = 2.0
# (mode the blob sits on, mode it moves to, caption); None: the blob stays
MOMENTS = (
    (0, None, "1. G puts its mass on one mode"),
    (0, 2, "2. D learns that mode is fake;\nG climbs D to a mode rated higher"),
    (2, 4, "3. D turns against the new mode;\nG moves on again"),
)


def d_opinion(blob: int, moment: int, n_modes: int = N_MODES) -> np.ndarray:
    """D's output at each mode in the schematic: ½ before D reacts (moment 0), then low at the
    blob's mode and highest at the modes G has not visited lately, farther ones higher."""
    if moment == 0:
        return np.full(n_modes, 0.5)
    gap = np.abs((np.arange(n_modes) - blob + n_modes // 2) % n_modes - n_modes // 2)
    return 0.15 + 0.7 * gap / (n_modes // 2)


def _centre(mode: int, radius: float = RADIUS) -> tuple[float, float]:
    angle = 2 * np.pi * mode / N_MODES
    return float(radius * np.cos(angle)), float(radius * np.sin(angle))


def plot_mode_hopping(figsize: tuple[float, float] = (8, 3.1)) -> Figure:
    """The three moments of the chase side by side; returns the Figure."""
    fig, axes = plt.subplots(1, len(MOMENTS), figsize=figsize, layout="constrained")
    cmap = plt.get_cmap("RdBu_r")
    for i, (ax, (blob, goal, caption)) in enumerate(zip(axes, MOMENTS)):
        opinion = d_opinion(blob, i)
        for mode, value in enumerate(opinion):
            start = 360 * (mode - 0.5) / N_MODES
            ax.add_patch(
                Wedge(
                    (0, 0),
                    2.8,
                    start,
                    start + 360 / N_MODES,
                    width=1.6,
                    color=cmap(value),
                    alpha=0.55,
                    lw=0,
                )  # fmt: skip
            )
        for mode in range(N_MODES):
            ax.plot(*_centre(mode), "o", color="black", ms=4)
        rng = np.random.default_rng(i)
        ax.scatter(*(np.array(_centre(blob))[:, None] + 0.18 * rng.standard_normal((2, 60))),
                   s=5, color="darkorange", zorder=3)  # fmt: skip
        if goal is not None:
            ax.add_patch(
                FancyArrowPatch(
                    _centre(blob, 0.8 * RADIUS),
                    _centre(goal, 0.8 * RADIUS),
                    connectionstyle="arc3,rad=0.35",
                    arrowstyle="-|>",
                    mutation_scale=14,
                    lw=1.5,
                    color="black",
                    zorder=4,
                )  # fmt: skip
            )
        ax.set(xlim=(-3, 3), ylim=(-3, 3), aspect="equal", xticks=[], yticks=[])
        ax.set_title(caption, fontsize=9)
    fig.suptitle(
        "Mode hopping: orange, G's samples; black, the modes; red/blue, D says real/fake",
        fontsize=9,
    )
    return fig
