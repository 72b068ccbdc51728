"""Parallel lines: JS is stuck at log 2 while W_1 = |θ|, closed forms and sample estimates."""

import itertools
import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from gan_toy import divergences as dv
from gan_toy.plots import plot_parallel_lines_divergences

LOG2 = math.log(2)


def _lines(theta, n):
    """n samples of P_0 and of P_θ, with different seeds."""
    return dv.sample_parallel_lines(0.0, n, seed=0), dv.sample_parallel_lines(theta, n, seed=1)


def test_closed_forms():
    thetas = np.array([-2.0, -1e-9, 0.0, 1e-9, 0.5])
    np.testing.assert_array_equal(dv.js_divergence(thetas), [LOG2, LOG2, 0, LOG2, LOG2])
    np.testing.assert_array_equal(dv.kl_divergence(thetas), [np.inf, np.inf, 0, np.inf, np.inf])
    np.testing.assert_array_equal(dv.total_variation(thetas), [1, 1, 0, 1, 1])
    np.testing.assert_array_equal(dv.wasserstein_distance(thetas), np.abs(thetas))
    assert dv.js_divergence(0.0) == 0.0
    assert dv.js_divergence(3.0) == pytest.approx(0.693147, abs=1e-6)
    assert isinstance(dv.wasserstein_distance(-0.7), float) and dv.wasserstein_distance(-0.7) == 0.7


def test_empirical_wasserstein_1d_hand_computed():
    # sorted: [0, 1, 3] vs [0, 1, 2] -> (0 + 0 + 1) / 3 (the unsorted pairing would give 5/3)
    assert dv.empirical_wasserstein_1d([3, 0, 1], [0, 2, 1]) == pytest.approx(1 / 3)
    # shifting a sample by c moves it exactly |c| in W_1
    x = np.random.default_rng(0).normal(size=100)
    assert dv.empirical_wasserstein_1d(x, x + 0.25) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="3 and 2"):
        dv.empirical_wasserstein_1d([0, 1, 2], [0, 1])


@pytest.mark.parametrize("theta", [-1.0, 0.1, 0.5, 2.0])
def test_empirical_wasserstein_parallel_lines_is_close_to_gap(theta):
    p, q = _lines(theta, 2000)
    w = dv.empirical_wasserstein_parallel_lines(p, q)
    assert abs(theta) <= w < abs(theta) + 0.01  # measured +0.002 at θ = 0.1


def test_sorted_assignment_is_the_optimal_one():
    rng = np.random.default_rng(3)
    for gap in (0.05, 0.2, 1.0):
        p, q = dv.sample_parallel_lines(0.0, 6, rng), dv.sample_parallel_lines(gap, 6, rng)
        brute = min(np.mean(np.hypot(gap, p[:, 1] - q[list(perm), 1]))
                    for perm in itertools.permutations(range(6)))  # fmt: skip
        assert dv.empirical_wasserstein_parallel_lines(p, q) == pytest.approx(brute, rel=1e-12)


def test_empirical_wasserstein_parallel_lines_rejects_bad_clouds():
    p = dv.sample_parallel_lines(0.0, 10, seed=0)
    with pytest.raises(ValueError, match="same size"):
        dv.empirical_wasserstein_parallel_lines(p, p[:5])
    with pytest.raises(ValueError, match="vertical line"):
        dv.empirical_wasserstein_parallel_lines(p, np.random.default_rng(0).uniform(size=(10, 2)))


@pytest.mark.parametrize("theta", [1e-6, 0.1, 3.0])
def test_empirical_js_stays_at_log2_for_disjoint_lines(theta):
    assert dv.empirical_js_divergence(*_lines(theta, 1000)) == pytest.approx(LOG2, abs=1e-12)


def test_empirical_js_hand_computed():
    # Shared bins on the pooled range [0, 2]: [0, 1) and [1, 2]. p = (1/2, 1/2), q = (0, 1),
    # m = (1/4, 3/4): JS = (1/2)(1/2 log 2 + 1/2 log(2/3)) + (1/2) log(4/3).
    expected = 0.5 * (0.5 * math.log(2) + 0.5 * math.log(2 / 3)) + 0.5 * math.log(4 / 3)
    estimate = dv.empirical_js_divergence([0, 0, 1.5, 1.5], [1, 1, 2, 2], bins=2)
    assert estimate == pytest.approx(expected)


def test_empirical_js_is_small_for_the_same_distribution():
    assert 0 <= dv.empirical_js_divergence(*_lines(0.0, 5000)) < 0.01  # measured 0.0025 at n = 5000


def test_plot_parallel_lines_divergences():
    ax = Figure().subplots()
    assert plot_parallel_lines_divergences(np.linspace(-1, 1, 41), ax=ax, n=200) is ax
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("Jensen" in label for label in labels) and any("W_1" in label for label in labels)
    assert "θ" in ax.get_xlabel()
