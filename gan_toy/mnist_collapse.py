"""Mode collapse on MNIST (chapter 6): runs scored by the classifier, and which digit leads.

- `quiet_digits(source)`: the MNIST splits without the loader's long offline warning, and one
  short line that says which MNIST this is (the warning itself stays for other callers);
- `train_scored(config, classifier, ...)`: one run with its class histogram over training;
- `leading_digits(evals)`: the most frequent digit and its share at every evaluation, and
  `leader_changes` / `distinct_leaders`: how often, and among how many digits, the lead passed
  (a collapsed generator that hops between digits, as the ring's blob hops between modes);
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

from gan_toy.callbacks import ModesOverTime
from gan_toy.data.mnist import MNISTData, load_digits
from gan_toy.train import Trainer

SUBSET_LINE = (
    "Full MNIST is not available offline: using the 5,000 real digits shipped with gan_toy."
)
FULL_LINE = "Using full MNIST (60,000 training digits)."


def quiet_digits(mnist_source: str = "auto") -> tuple[MNISTData, MNISTData, str]:
    """(train, test, line): MNIST's two splits, and one plain sentence saying which MNIST they
    are. The loader's offline warning (a paragraph with the cache folders in it) is caught
    here, so a page built offline shows the sentence instead; other callers still get it."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Full MNIST is not available")
        train = load_digits(mnist_source, "train")
        test = load_digits(train.source, "test")
    return train, test, FULL_LINE if train.source == "full" else SUBSET_LINE


def train_scored(
    config,
    classifier,
    every: int,
    n_eval: int,
    n_final: int | None = None,
    callbacks: Iterable = (),
    frechet: bool = True,
) -> Trainer:
    """Train `config`, scoring `n_eval` samples with `classifier` every `every` steps (the
    class histogram over training, in `trainer.evals`). With `n_final`, `trainer.final` holds
    the metrics of `n_final` samples (with the Fréchet distance unless `frechet` is false);
    else the last evaluation."""
    trainer: Any = Trainer(config)  # Any: `final` is an attribute of this function's own
    trainer.source.classifier = classifier
    trainer.fit([ModesOverTime(every=every, n_samples=n_eval, final=True), *callbacks])
    if n_final:
        trainer.final = trainer.evaluate(n_final, extras=frechet)
    else:
        trainer.final = trainer.evals[-1]
    return trainer


def eval_at(trainer: Trainer, step: int) -> dict:
    """The evaluation `trainer` recorded at `step` (KeyError if there is none)."""
    for e in trainer.evals:
        if e["step"] == step:
            return e
    raise KeyError(f"no evaluation at step {step}")


def leading_digits(evals: Sequence[dict], after: int = 0) -> list[tuple[int, int, float]]:
    """(step, digit, share) for every evaluation after step `after`: the digit the classifier
    gives most samples, and the fraction of samples it gets (ties: the smaller digit)."""
    rows = []
    for e in evals:
        if e["step"] <= after:
            continue
        counts = list(e["class_histogram"])
        total = sum(counts)
        top = max(range(len(counts)), key=lambda k: (counts[k], -k))
        rows.append((int(e["step"]), top, counts[top] / total if total else math.nan))
    return rows


def leader_changes(leaders: Sequence[tuple[int, int, float]]) -> int:
    """How many times the leading digit differs from the one at the evaluation before."""
    digits = [d for _, d, _ in leaders]
    return sum(a != b for a, b in zip(digits, digits[1:]))


def distinct_leaders(leaders: Sequence[tuple[int, int, float]], min_share: float = 0.5) -> int:
    """How many different digits led with at least `min_share` of the samples."""
    return len({d for _, d, share in leaders if share >= min_share})
