"""gan_toy.mnist_collapse (chapter 6's helpers) and plots.plot_leading_digits."""

from __future__ import annotations

import math
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from gan_toy import distinct_leaders, eval_at, leader_changes, leading_digits, mean_sd
from gan_toy.data import mnist
from gan_toy.mnist_collapse import SUBSET_LINE, quiet_digits
from gan_toy.plots import plot_leading_digits


def hist(**counts):
    h = [0] * 10
    for digit, n in counts.items():
        h[int(digit[1:])] = n
    return h


EVALS = [
    {"step": 0, "class_histogram": hist(d1=10)},
    {"step": 100, "class_histogram": hist(d3=8, d5=2)},
    {"step": 200, "class_histogram": hist(d3=4, d8=6)},
    {"step": 300, "class_histogram": hist(d8=5, d2=5)},  # a tie: the smaller digit
    {"step": 400, "class_histogram": hist(d8=9, d0=1)},
]


def test_leading_digits_skips_step_0_and_breaks_ties_towards_the_smaller_digit():
    assert leading_digits(EVALS) == [(100, 3, 0.8), (200, 8, 0.6), (300, 2, 0.5), (400, 8, 0.9)]
    assert leading_digits(EVALS, after=200) == [(300, 2, 0.5), (400, 8, 0.9)]


def test_leader_changes_and_distinct_leaders():
    leaders = leading_digits(EVALS)
    assert leader_changes(leaders) == 3
    assert leader_changes(leaders[:1]) == 0
    assert distinct_leaders(leaders, 0.5) == 3  # 3, 8 and 2 (at exactly one half)
    assert distinct_leaders(leaders, 0.7) == 2  # 3 and 8
    assert distinct_leaders([], 0.5) == 0


def test_a_spread_run_has_no_strong_leader():
    uniform = [{"step": 100 * k, "class_histogram": [10] * 10} for k in range(1, 4)]
    leaders = leading_digits(uniform)
    assert [d for _, d, _ in leaders] == [0, 0, 0]
    assert all(math.isclose(s, 0.1) for _, _, s in leaders)
    assert distinct_leaders(leaders, 0.5) == 0


def test_eval_at_and_mean_sd():
    class Run:
        evals = EVALS

    assert eval_at(Run(), 200)["class_histogram"] == hist(d3=4, d8=6)
    with pytest.raises(KeyError):
        eval_at(Run(), 250)
    assert mean_sd([1, 2, 3]) == (2.0, 1.0)
    assert mean_sd([4]) == (4.0, 0.0)
    assert all(math.isnan(x) for x in mean_sd([]))


def test_quiet_digits_says_one_line_and_leaves_the_warning_to_other_callers(monkeypatch, tmp_path):
    def offline(*args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr(mnist, "fetch", offline)
    monkeypatch.setattr(mnist, "_subset_warned", False)
    monkeypatch.setenv("GAN_TOY_DATA", str(tmp_path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train, test, line = quiet_digits("auto")
    assert not caught, [str(w.message) for w in caught]
    assert (train.source, len(train), len(test)) == ("subset", 4000, 1000)
    assert line == SUBSET_LINE and "/" not in line
    monkeypatch.setattr(mnist, "_subset_warned", False)
    with pytest.warns(UserWarning, match="Full MNIST is not available"):
        mnist.load_digits("auto", "train")


def test_plot_leading_digits_draws_one_strip_per_run_and_fits_the_column():
    leaders = leading_digits(EVALS)
    ax = plot_leading_digits({"seed 0": leaders, "seed 1": leaders})
    fig = ax.figure
    assert fig.get_size_inches()[0] <= 8
    assert len(ax.texts) == 8 and ax.texts[0].get_text() == "3"
    assert min(t.get_fontsize() for t in ax.texts) >= 8
    plt.close(fig)
    with pytest.raises(ValueError):
        plot_leading_digits({"a": leaders, "b": leaders[:2]})
    with pytest.raises(ValueError):
        plot_leading_digits({})


def test_train_scored_records_the_class_histogram_over_training_and_a_final_reading():
    import torch

    from gan_toy import TrainConfig, train_scored
    from gan_toy.data.classifier import DigitClassifier

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        judge = DigitClassifier().eval()  # untrained: only the plumbing is tested
    config = TrainConfig(data="mnist", mnist_source="subset", hidden=16, batch_size=8, steps=5)
    trainer = train_scored(config, judge, every=2, n_eval=20, n_final=30)
    assert [e["step"] for e in trainer.evals] == [0, 2, 4, 5]
    assert all(sum(e["class_histogram"]) == 20 for e in trainer.evals)
    assert sum(trainer.final["class_histogram"]) == 30 and "frechet" in trainer.final
    quick = train_scored(config, judge, every=5, n_eval=20, n_final=30, frechet=False)
    assert "frechet" not in quick.final
    last = train_scored(config, judge, every=5, n_eval=20)
    assert last.final is last.evals[-1] and last.final["step"] == 5
