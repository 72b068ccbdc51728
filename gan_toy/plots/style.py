"""The shared look of the 2D pictures and the small helpers every figure module uses.

The view of a mixture is fixed by its centres (±3 for the ring, ±6 for the grid), so pictures
of one run at different steps compare directly; samples outside it are counted in the x label.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import Circle
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.cm import ScalarMappable
    from matplotlib.colorbar import Colorbar

    from gan_toy.data import GaussianMixture

# What the figures accept as samples: a tensor (e.g. Trainer.sample) or an array.
Points = torch.Tensor | np.ndarray

OUTPUT_KINDS = ("probability", "critic")
COLOURBAR_LABELS = {
    "probability": "D(x) = sigmoid(logit): probability x is real",
    "critic": "critic value D(x) (raw, unbounded)",
}
# Keyword arguments of Axes.scatter.
SAMPLE_STYLE: dict[str, Any] = {"s": 3, "alpha": 0.35, "linewidths": 0, "color": "tab:blue"}
CENTRE_STYLE: dict[str, Any] = {
    "marker": "x",
    "s": 30,
    "linewidths": 1.5,
    "color": "black",
    "zorder": 4,
}
# The corners a legend may go in (names of Axes.legend's loc), and where they are in axes units.
Corner = Literal["upper right", "upper left", "lower left", "lower right"]
CORNERS: dict[Corner, tuple[int, int]] = {
    "upper right": (1, 1),
    "upper left": (0, 1),
    "lower left": (0, 0),
    "lower right": (1, 0),
}


def as_points(samples: torch.Tensor | np.ndarray, name: str = "samples") -> np.ndarray:
    """`samples` (tensor or array) as a float numpy array of shape (n, 2); ValueError otherwise."""
    if isinstance(samples, torch.Tensor):
        samples = samples.detach().cpu().numpy()
    points = np.asarray(samples, dtype=float)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"{name} must have shape (n, 2), got {points.shape}")
    return points


def view_limit(mixture: GaussianMixture | None = None, samples: np.ndarray | None = None) -> float:
    """Half-width of the square view: 1.5× the largest centre coordinate (ring ±3, grid ±6)."""
    if mixture is not None:
        return 1.5 * float(mixture.centres.abs().max())
    if samples is not None and len(samples):
        return max(1.0, 1.2 * float(np.percentile(np.abs(samples), 99)))
    return 3.0


def new_axes(ax: Axes | None, figsize: tuple[float, float] = (4.5, 4.5)) -> Axes:
    """`ax`, or the Axes of a new figure of size `figsize` when it is None."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def square(ax: Axes, lim: float, points: np.ndarray | None = None) -> None:
    """Square view [-lim, lim]²; the x label counts the samples falling outside it."""
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    outside = 0 if points is None else int((np.abs(points) > lim).any(axis=1).sum())
    note = ""
    if points is not None and outside:
        note = f"   ({outside} of {len(points)} samples outside the view)"
    ax.set_xlabel("$x_1$" + note)
    ax.set_ylabel("$x_2$")


def draw_centres(
    ax: Axes, mixture: GaussianMixture, hq_circles: bool = False, color: str = "black"
) -> None:
    """The mixture's centres as crosses; with `hq_circles`, the 3σ circles inside which the
    metrics count a sample as high-quality."""
    centres = mixture.centres.detach().cpu().numpy()
    style = {**CENTRE_STYLE, "color": color}
    ax.scatter(centres[:, 0], centres[:, 1], label="true centres", **style)
    if hq_circles:
        for i, (cx, cy) in enumerate(centres):
            label = "3σ (high quality)" if i == 0 else None
            ax.add_patch(
                Circle(
                    (cx, cy),
                    3 * mixture.sigma,
                    fill=False,
                    color="tab:green",
                    lw=1,
                    zorder=3,
                    label=label,
                )
            )


def add_colorbar(ax: Axes, mappable: ScalarMappable, label: str) -> Colorbar:
    """A colourbar hugging a square (equal-aspect) axes, instead of the edge of its grid cell."""
    cax = ax.inset_axes((1.04, 0.0, 0.05, 1.0), label="<colorbar>")
    return ax.figure.colorbar(mappable, cax=cax, label=label)


def legend(ax: Axes) -> None:
    """Legend in the corner with the fewest plotted points (centres, samples, arrows).

    Computed by hand: loc="best" is slow with thousands of points and then warns, which a book
    built with warnings as errors cannot afford.
    """
    # asanyarray: get_offsets returns an array (masked or not), which the stubs call ArrayLike.
    offsets = [o for o in (np.asanyarray(c.get_offsets()) for c in ax.collections) if len(o)]
    xy = np.concatenate(offsets) if offsets else np.zeros((0, 2))
    frac = ax.transLimits.transform(xy) if len(xy) else xy  # data -> axes fractions

    def crowd(corner: Corner) -> int:
        cx, cy = CORNERS[corner]
        near_x = frac[:, 0] > 0.55 if cx else frac[:, 0] < 0.45
        near_y = frac[:, 1] > 0.75 if cy else frac[:, 1] < 0.25
        return int((near_x & near_y).sum())

    ax.legend(loc=min(CORNERS, key=crowd), fontsize=8, markerscale=2, framealpha=0.7)


def readable_log_ticks(ax: Axes, values: np.ndarray) -> None:
    """Label 1-2-5 ticks as plain numbers when the data span at most two decades (matplotlib's
    default then labels crowded minor ticks like 3×10⁰); keep powers of ten otherwise."""
    finite = values[np.isfinite(values)]
    if len(finite) == 0 or np.log10(finite.max() / finite.min()) > 2:
        return
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
