"""Training curves from a History: losses, D's mean outputs, the generator's gradient norm and
modes over time. They read only the History, so they work for any data (2D or images).

Every curve is drawn twice: faint raw values and a solid moving average over
`smoothing_window(len(history))` steps, unless a `window` is given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from gan_toy.plots.style import new_axes, readable_log_ticks

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

    from gan_toy.history import History


def moving_average(values: np.ndarray | list[float], window: int) -> np.ndarray:
    """Trailing mean over `window` values; the result is len(values) - window + 1 long."""
    values = np.asarray(values, dtype=float)
    if window <= 1 or len(values) < window:
        return values
    cum = np.cumsum(np.insert(values, 0, 0.0))
    return (cum[window:] - cum[:-window]) / window


def smoothing_window(n_steps: int) -> int:
    """The moving-average window every training-curve plot uses for `n_steps` values: about a
    25th of the run, between 1 and 250 steps."""
    return int(np.clip(n_steps // 25, 1, 250))


def _curve(ax, steps, values, window, label, color) -> None:
    """Faint raw values plus a solid moving average (which carries the legend label)."""
    ax.plot(steps, values, color=color, alpha=0.25, lw=0.7)
    smooth = moving_average(values, window)
    ax.plot(steps[len(steps) - len(smooth) :], smooth, color=color, lw=1.5, label=label)


def plot_losses(history: History, ax: Axes | None = None, window: int | None = None) -> Axes:
    """D and G losses against step: faint raw values, solid moving average."""
    ax = new_axes(ax, figsize=(8, 2.6))
    window = window or smoothing_window(len(history))
    _curve(ax, history.steps, history.d_loss, window, "D loss", "tab:red")
    _curve(ax, history.steps, history.g_loss, window, "G loss", "tab:blue")
    ax.set_title(f"Losses (solid: {window}-step average)")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend(fontsize=8)
    return ax


def plot_d_outputs(history: History, ax: Axes | None = None, window: int | None = None) -> Axes:
    """Mean D output on real and on generated samples (probability or raw critic value)."""
    ax = new_axes(ax, figsize=(8, 2.6))
    window = window or smoothing_window(len(history))
    _curve(ax, history.steps, history.d_real, window, "on real data", "tab:green")
    _curve(ax, history.steps, history.d_fake, window, "on generated samples", "tab:orange")
    if history.output_kind == "probability":
        ax.axhline(0.5, color="gray", ls=":", lw=1, label="1/2: D cannot tell them apart")
        ax.set_ylim(-0.02, 1.02)
        ax.set_ylabel("mean D(x)")
    else:
        ax.set_ylabel("mean critic value")
    ax.set_title("Discriminator outputs")
    ax.set_xlabel("step")
    ax.legend(fontsize=8)
    return ax


def plot_grad_norm(history: History, ax: Axes | None = None, window: int | None = None) -> Axes:
    """The generator's gradient norm on a log scale (vanishing gradients drop by decades)."""
    ax = new_axes(ax, figsize=(8, 2.6))
    window = window or smoothing_window(len(history))
    norms = np.where(history.g_grad_norm > 0, history.g_grad_norm, np.nan)  # log axis
    _curve(ax, history.steps, norms, window, "‖∇G loss‖", "tab:purple")
    ax.set_yscale("log")
    readable_log_ticks(ax, norms)
    ax.set_title("Generator gradient norm")
    ax.set_xlabel("step")
    ax.set_ylabel("gradient norm (log scale)")
    return ax


def plot_history(
    history: History, axes: Sequence[Axes] | None = None, window: int | None = None
) -> Figure | SubFigure:
    """Losses, mean D outputs and the generator's gradient norm, stacked over a shared step axis.

    `axes`: three Axes to draw on (default: a new 8-inch-wide figure). Returns the figure they
    are on (a subfigure when the axes given are in one).
    """
    if axes is None:
        _, axes = plt.subplots(3, 1, figsize=(8, 7), sharex=True, layout="constrained")
    if len(axes) != 3:
        raise ValueError(f"plot_history draws three panels; got {len(axes)} axes")
    plot_losses(history, axes[0], window)
    plot_d_outputs(history, axes[1], window)
    plot_grad_norm(history, axes[2], window)
    for ax in axes[:-1]:
        ax.set_xlabel("")
    return axes[0].figure


def has_mode_evals(history: History) -> bool:
    """Whether the run recorded evaluations with 'modes_covered' (what plot_modes_over_time
    needs)."""
    return len(history.eval_series("modes_covered")[0]) > 0


def plot_modes_over_time(
    history: History, n_modes: int | None = None, ax: Axes | None = None
) -> Axes:
    """Modes covered (left axis) and high-quality fraction (right axis) at each evaluation."""
    steps, modes = history.eval_series("modes_covered")
    hq_steps, hq = history.eval_series("high_quality")
    if len(steps) == 0:
        raise ValueError(
            "history has no evaluations with 'modes_covered': record some during training "
            "(a callback appending trainer.evaluate() | {'step': trainer.step} to trainer.evals)"
        )
    ax = new_axes(ax, figsize=(8, 3))
    ax.plot(steps, modes, "o-", color="tab:blue", ms=4, label="modes covered")
    if n_modes is not None:
        ax.axhline(n_modes, color="tab:blue", ls=":", lw=1, label=f"all {n_modes} modes")
        ax.set_ylim(-0.3, n_modes + 0.7)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("step")
    ax.set_ylabel("modes covered", color="tab:blue")
    right = ax.twinx()
    right.plot(
        hq_steps, 100 * hq, "s--", color="tab:orange", ms=3, label="high-quality samples (%)"
    )
    right.set_ylim(-2, 102)
    right.set_ylabel("high-quality samples (%)", color="tab:orange")
    lines = ax.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    # Above the axes: inside, it would hide points at 0 (collapse) or at the top (coverage).
    ax.legend(
        lines[0] + more[0],
        lines[1] + more[1],
        fontsize=8,
        ncol=3,
        frameon=False,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
    )
    ax.set_title("Mode coverage over training", pad=20)
    return ax
