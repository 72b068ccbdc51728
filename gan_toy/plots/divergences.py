"""The parallel-lines picture of Arjovsky et al. (2017): JS divergence against W_1 over a gap."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np

from gan_toy.divergences import (
    LOG2,
    empirical_js_divergence,
    empirical_wasserstein_parallel_lines,
    js_divergence,
    sample_parallel_lines,
    wasserstein_distance,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from numpy.typing import ArrayLike


def plot_parallel_lines_divergences(
    thetas: ArrayLike, ax: Axes | None = None, empirical: bool = True, n: int = 500, seed: int = 0
) -> Axes:
    """JS (flat at log 2, jumping to 0 at θ = 0) and W_1 = |θ| against the gap θ.

    With `empirical`, markers show the sample estimates at a few θ (n points per line): the
    histogram JS and the sorted-assignment W_1.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4.8), constrained_layout=True)
    thetas = np.sort(np.asarray(thetas, dtype=float).ravel())
    ax.plot(thetas, wasserstein_distance(thetas), color="C0", label="Wasserstein $W_1$ = |θ|")
    # JS on each side of 0 separately, so the line does not fake a continuous dip.
    for i, side in enumerate((thetas[thetas < 0], thetas[thetas > 0])):
        ax.plot(side, js_divergence(side), color="C3", label="Jensen–Shannon" if i == 0 else None)
    ax.plot([0], [LOG2], "o", mfc="white", color="C3", zorder=3)
    ax.plot([0], [0.0], "o", color="C3", zorder=3)
    if empirical:
        picks = thetas[:: max(1, len(thetas) // 8)]
        base = sample_parallel_lines(0.0, n, seed)
        other = [sample_parallel_lines(t, n, seed + 1) for t in picks]
        w = [empirical_wasserstein_parallel_lines(base, s) for s in other]
        js = [empirical_js_divergence(base, s) for s in other]
        ax.plot(picks, w, "x", color="C0", label=f"$W_1$ from {n} samples")
        ax.plot(picks, js, "x", color="C3", label=f"JS from histograms of {n} samples")
    ax.axhline(LOG2, color="grey", linestyle=":", linewidth=0.8)
    ax.set(xlabel="θ (gap between the lines)", ylabel="divergence / distance (nats for JS)")
    ax.set_title("Parallel lines: $P_0$ vs $P_θ$")
    ax.set_ylim(-0.05, max(1.0, float(np.abs(thetas).max())) * 1.05)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize="small")
    return ax
