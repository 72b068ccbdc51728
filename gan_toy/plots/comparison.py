"""Figures that compare variants over seeds (`compare()`'s results), 8 inches wide at most.

- `plot_comparison`: per variant, bars of modes covered at a time, high-quality fraction,
  mean distance to the nearest centre and cost, mean ± sd over seeds;
- `plot_modes_over_time_grid`: modes covered during training, one panel per variant;
- `plot_final_samples`: one seed's final samples of every variant, in rows of panels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np

from gan_toy.comparison import distances, mean_sd, ms_per_step
from gan_toy.plots.points import plot_samples
from gan_toy.plots.style import view_limit

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from gan_toy.data import GaussianMixture
    from gan_toy.experiments import VariantResult

WIDTH = 8.0  # inches: the book's text column at 100 dpi, less a margin
FONT = 8  # points: the smallest text any of these figures draws


def _bars(ax: Axes, y: np.ndarray, values: list[tuple[float, float]], color: str) -> None:
    means = [0.0 if math.isnan(m) else m for m, _ in values]
    sds = [0.0 if math.isnan(s) else s for _, s in values]
    ax.barh(y, means, xerr=sds, color=color, height=0.6, alpha=0.8, error_kw={"lw": 1})


def plot_comparison(
    results: Mapping[str, VariantResult], mixture: GaussianMixture, base: str = "ns"
) -> Figure:
    """Four panels in two rows, one bar per variant: modes at a time (◆: final, mean over
    seeds), high-quality fraction, mean distance to the nearest centre (log scale), and CPU
    cost per step relative to `base` (absolute ms when `base` was not run)."""
    names = list(results)
    k = mixture.centres.shape[0]
    y = np.arange(len(names))
    fig, axes = plt.subplots(
        2, 2, figsize=(WIDTH, 2.0 + 0.5 * len(names)), sharey=True, layout="constrained"
    )
    (modes, hq), (dist, cost) = axes
    over_time = [(results[n].modes_over_time()[0], 0.0) for n in names]
    _bars(modes, y, over_time, "tab:blue")
    final = [results[n].mean_sd("modes_covered")[0] for n in names]
    modes.scatter(final, y, marker="D", s=14, color="black", zorder=3)
    modes.set_xlim(0, k + 0.5)
    modes.set_xlabel(f"modes covered (of {k}): bar at a time, ◆ final")
    _bars(hq, y, [results[n].mean_sd("high_quality") for n in names], "tab:green")
    hq.set_xlim(0, 1)
    hq.set_xlabel("high-quality fraction (± sd)")
    floor = mixture.sigma / 2  # a log axis needs a positive left end
    dists = [mean_sd(distances(results[n], mixture)) for n in names]
    top = max([m + s for m, s in dists if not math.isnan(m + s)], default=0.0)
    dist.set_xscale("log")
    dist.set_xlim(floor, max(1.5 * top, 20 * floor))  # fixed before the bars: no autoscale
    _bars(dist, y, [(max(m, floor), s) for m, s in dists], "tab:red")
    dist.axvline(3 * mixture.sigma, color="gray", lw=0.8, ls="--")
    dist.set_xlabel("mean distance to nearest centre\n(dashed: 3σ, high quality)")
    ms = [ms_per_step(results[n]) for n in names]
    scale = ms_per_step(results[base]) if base in results else 1.0
    cost.barh(y, [m / scale for m in ms], color="tab:gray", height=0.6)
    cost.set_xlabel(f"CPU cost per step (× {base})" if base in results else "CPU ms per step")
    for ax in axes.flat:
        ax.grid(axis="x", alpha=0.3)
        ax.tick_params(labelsize=FONT)
        ax.xaxis.label.set_fontsize(FONT + 1)
    for ax in axes[:, 0]:
        ax.set_yticks(y, names)
    modes.invert_yaxis()
    return fig


def plot_modes_over_time_grid(
    results: Mapping[str, VariantResult], n_modes: int, ncols: int = 4
) -> Figure:
    """Modes covered at every evaluation, one thin line per seed and their mean (thick), one
    panel per variant, `ncols` panels to a row of the book's width."""
    names = list(results)
    nrows = math.ceil(len(names) / ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(WIDTH, 1.6 * nrows + 0.5),
        sharex=True,
        sharey=True,
        layout="constrained",
        squeeze=False,
    )
    for ax, name in zip(axes.flat, names):
        runs = results[name].evals
        steps = [e["step"] for e in runs[0]]
        for run in runs:
            ax.plot(steps, [e["modes_covered"] for e in run], lw=0.7, alpha=0.5)
        covered = np.array([[e["modes_covered"] for e in run] for run in runs], dtype=float)
        ax.plot(steps, covered.mean(axis=0), color="black", lw=1.6)
        ax.set_title(name, fontsize=FONT + 1)
        ax.set_ylim(-0.3, n_modes + 0.5)
        ax.tick_params(labelsize=FONT)
        ax.grid(alpha=0.3)
    _hide_unused(axes, len(names))
    fig.supxlabel("generator step", fontsize=FONT + 1)
    fig.supylabel("modes covered", fontsize=FONT + 1)
    return fig


def plot_final_samples(
    results: Mapping[str, VariantResult],
    mixture: GaussianMixture,
    seed_index: int = 0,
    ncols: int = 4,
) -> Figure:
    """The final samples of seed number `seed_index` of every variant (the samples its
    metrics were computed on), over the true centres, `ncols` square panels to a row."""
    names = list(results)
    nrows = math.ceil(len(names) / ncols)
    side = WIDTH / ncols
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(WIDTH, side * nrows + 0.2),
        sharex=True,
        sharey=True,
        layout="constrained",
        squeeze=False,
    )
    lim = view_limit(mixture)
    for ax, name in zip(axes.flat, names):
        points = results[name].samples[seed_index]
        m = results[name].runs[seed_index]
        outside = int((points.abs() > lim).any(dim=1).sum())
        title = f"{name}\n{m['modes_covered']} modes, HQ {m['high_quality']:.2f}"
        title += f", {outside} off view" if outside else ""
        plot_samples(points, mixture, ax=ax, lim=lim, title=title)
        if ax.get_legend() is not None:  # one legend per panel would hide samples
            ax.get_legend().remove()
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.title.set_fontsize(FONT)
        ax.tick_params(labelsize=FONT)
    _hide_unused(axes, len(names))
    return fig


def _hide_unused(axes: np.ndarray, used: int) -> None:
    ncols = axes.shape[1]
    for i in range(used, axes.size):
        axes.flat[i].set_visible(False)
        if i - ncols >= 0:  # the panel above is now at the bottom: give it tick labels
            axes.flat[i - ncols].xaxis.set_tick_params(labelbottom=True)
