"""Divergences between distributions with disjoint supports: the "parallel lines" example.

Arjovsky, Chintala & Bottou 2017 ("Wasserstein GAN"), Example 1: P_0 is uniform on the segment
{0} × [0, 1] and P_θ uniform on {θ} × [0, 1]. For θ ≠ 0 the supports are disjoint, so

    JS(P_0, P_θ) = log 2,   KL(P_θ ‖ P_0) = ∞,   TV(P_0, P_θ) = 1,   W_1(P_0, P_θ) = |θ|,

and all four are 0 at θ = 0. JS, KL and TV jump at 0 and are flat elsewhere: their gradient in θ
is zero (or undefined), so a generator trained on them learns nothing about *which way* the data
is. The Wasserstein distance is continuous and its gradient points at the data from everywhere,
which is why WGAN critics keep giving useful gradients when a standard GAN's saturate.

The empirical functions check these numbers on samples (numpy only: scipy is not a dependency).
"""

from __future__ import annotations

import math

import numpy as np

LOG2 = math.log(2.0)


def _gap(theta):
    return np.asarray(theta, dtype=float)


def _out(values, theta):
    # A float for a scalar θ, an array for an array of θ.
    return float(values) if np.ndim(theta) == 0 else values


def js_divergence(theta):
    """Jensen–Shannon divergence (nats) between P_0 and P_θ: log 2 for θ ≠ 0, 0 at θ = 0."""
    t = _gap(theta)
    return _out(np.where(t != 0, LOG2, 0.0), theta)


def kl_divergence(theta):
    """KL(P_θ ‖ P_0): ∞ for θ ≠ 0 (P_θ puts mass where P_0 has none), 0 at θ = 0."""
    t = _gap(theta)
    return _out(np.where(t != 0, np.inf, 0.0), theta)


def total_variation(theta):
    """Total variation distance sup_A |P_0(A) - P_θ(A)|: 1 for θ ≠ 0 (take A = the line at 0)."""
    t = _gap(theta)
    return _out(np.where(t != 0, 1.0, 0.0), theta)


def wasserstein_distance(theta):
    """Earth mover's distance W_1(P_0, P_θ) = |θ|: move every point (0, y) straight to (θ, y)."""
    return _out(np.abs(_gap(theta)), theta)


# --- empirical checks ---------------------------------------------------------------------------
def sample_parallel_lines(theta: float, n: int, seed: int | None = None) -> np.ndarray:
    """n points of P_θ, as an (n, 2) array: x = θ, y ~ U[0, 1]."""
    rng = np.random.default_rng(seed)
    return np.column_stack([np.full(n, float(theta)), rng.uniform(0.0, 1.0, n)])


def empirical_wasserstein_1d(x, y) -> float:
    """Exact W_1 between two equal-size 1D samples (uniform weights): mean |x_(i) - y_(i)|.

    In 1D the optimal coupling is monotone, pairing the i-th smallest of x with the i-th
    smallest of y, so sorting both samples solves the transport problem exactly.
    """
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.size != y.size or x.size == 0:
        raise ValueError(f"need two non-empty samples of equal size, got {x.size} and {y.size}")
    return float(np.mean(np.abs(np.sort(x) - np.sort(y))))


def empirical_wasserstein_parallel_lines(p, q) -> float:
    """Exact W_1 (Euclidean ground cost) between two equal-size point clouds on vertical lines.

    p and q are (n, 2) arrays whose points share one x each (x = a for p, x = b for q), as
    `sample_parallel_lines` makes. The cost of moving (a, y) to (b, y') is h(y - y') with
    h(t) = √((a - b)² + t²), a convex function of the difference. For such costs the sorted
    (monotone) assignment is optimal: for y1 ≤ y2 and y1' ≤ y2', convexity gives
    h(y1 - y1') + h(y2 - y2') ≤ h(y1 - y2') + h(y2 - y1'), so uncrossing any pair of crossed
    matches never costs more. Hence sorting both clouds on y solves the assignment problem
    exactly (no linear-programming solver needed). The estimate is ≥ |a - b| and tends to it
    as n grows, since the sorted y's differ by O(1/√n).
    """
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    for name, cloud in (("p", p), ("q", q)):
        if cloud.ndim != 2 or cloud.shape[1] != 2 or cloud.shape[0] == 0:
            raise ValueError(f"{name} must have shape (n, 2) with n > 0, got {cloud.shape}")
        if np.ptp(cloud[:, 0]) != 0:
            raise ValueError(f"{name} must lie on one vertical line (a single x value)")
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same size, got {p.shape[0]} and {q.shape[0]}")
    dy = np.sort(p[:, 1]) - np.sort(q[:, 1])
    return float(np.mean(np.hypot(p[0, 0] - q[0, 0], dy)))


def empirical_js_divergence(x, y, bins=20, range=None) -> float:
    """JS divergence (nats) between the histograms of two samples on shared bins.

    x and y are (n,) or (n, d) arrays. The default bins span the pooled data, so two distinct
    vertical lines always fall into different bins: the estimate is exactly log 2 for every
    θ ≠ 0, however small or large the gap, which is the whole problem with JS. (With fixed bins
    wider than the gap the histogram cannot see the gap and reports ~0 instead.) For two samples
    of the same distribution it is small but positive, a finite-sample bias of order bins/n.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    x, y = x.reshape(len(x), -1), y.reshape(len(y), -1)
    if x.shape[1] != y.shape[1] or len(x) == 0 or len(y) == 0:
        raise ValueError(f"need two non-empty samples of equal dimension, got {x.shape}, {y.shape}")
    if range is None:
        both = np.vstack([x, y])
        range = [(lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)
                 for lo, hi in zip(both.min(axis=0), both.max(axis=0))]  # fmt: skip
    hx, edges = np.histogramdd(x, bins=bins, range=range)
    hy, _ = np.histogramdd(y, bins=edges)
    p, q = hx.ravel() / hx.sum(), hy.ravel() / hy.sum()
    m = 0.5 * (p + q)
    return float(0.5 * _kl(p, m) + 0.5 * _kl(q, m))


def _kl(p, m):
    # 0 log 0 = 0; m > 0 wherever p > 0, since m = (p + q)/2.
    nz = p > 0
    return np.sum(p[nz] * np.log(p[nz] / m[nz]))
