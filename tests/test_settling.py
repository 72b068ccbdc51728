"""gan_toy.settling: D's fluctuation, G's movement and the verdict, on numbers worked by hand,
and on what compare() returns for them (histories and frames per seed)."""

import numpy as np
import pytest

from gan_toy.experiments import compare
from gan_toy.history import History
from gan_toy.settling import (
    d_fluctuation,
    g_movement,
    rolling_std,
    settling,
    verdict,
)


def test_d_fluctuation_uses_the_last_quarter_only():
    d_fake = np.r_[np.linspace(0, 1, 75), np.tile([0.4, 0.6], 13)[:25]]
    assert d_fluctuation(d_fake) == pytest.approx(np.std(d_fake[75:]))
    assert d_fluctuation(np.full(40, 0.5)) == 0.0
    with pytest.raises(ValueError):
        d_fluctuation(d_fake, last=0)


def test_g_movement_averages_the_moves_between_frames_in_the_window():
    frames = [np.zeros((4, 2)) + [k, 0] for k in (0, 10, 11, 13)]  # moves 10, 1, 2
    assert g_movement(frames, [0, 50, 75, 100], 100) == pytest.approx(2.0)  # frames ≥ 75
    assert g_movement(frames, [0, 50, 75, 100], 100, last=0.5) == pytest.approx(1.5)
    with pytest.raises(ValueError, match="two frames"):
        g_movement(frames, [0, 50, 75, 100], 100, last=0.1)


def test_rolling_std():
    np.testing.assert_allclose(rolling_std([0, 2, 0, 2], 2), [1, 1, 1])


def test_verdict_needs_both_d_and_g_to_calm():
    base = {"d_std": 0.1, "g_move": 1.0}
    assert verdict({"d_std": 0.005, "g_move": 0.3}, base) == "yes"
    assert verdict({"d_std": 0.005, "g_move": 0.8}, base) == "D only"
    assert verdict({"d_std": 0.05, "g_move": 0.3}, base) == "G only"
    assert verdict({"d_std": 0.05, "g_move": 0.8}, base) == "no"


@pytest.mark.parametrize("name", ["ns", "spectral-norm"])  # batched, and seed by seed
def test_compare_returns_histories_and_frames_that_settling_reads(name):
    tiny = {"steps": 8, "batch_size": 16, "z_dim": 4, "hidden": 8, "eval_samples": 50}
    result = compare([name], seeds=(0, 1), eval_every=2, **tiny)[name]
    assert all(isinstance(h, History) and len(h) == 8 for h in result.histories)
    assert [len(f) for f in result.frames] == [5, 5]  # steps 0, 2, 4, 6, 8
    np.testing.assert_allclose(result.frames[0][-1], result.samples[0])
    rows = settling(result)
    assert len(rows) == 2 and all(r["g_move"] > 0 and r["d_std"] >= 0 for r in rows)
