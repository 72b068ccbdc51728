"""The book's named experiment settings, and a runner that compares them over seeds.

`VARIANTS` maps a name to the changes it makes to the default ring setting, so the benchmark
script, the results chapter and the labs all mean the same thing by "wgan-gp" or
"unrolled-5". `compare()` trains each variant on several seeds at once (gan_toy.batched) and
records the VEEGAN/PacGAN metrics over time; `track()` is the batched run with evaluations
underneath it, for experiments of their own (chapter 3's sweep, the mode-collapse tests).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from gan_toy.batched import BatchedTrainer
from gan_toy.config import TrainConfig
from gan_toy.metrics import mode_shares
from gan_toy.train import Trainer

# WGAN-GP as in Gulrajani et al. 2017 (λ=10, 5 critic steps, Adam lr 1e-4, β=(0.5, 0.9); their
# Algorithm 1 uses β1=0, their toy code β1=0.5); WGAN with clipping as in Arjovsky et al. 2017
# (c=0.01, 5 critic steps) but with Adam at the WGAN-GP rates instead of RMSProp at 5e-5.
WGAN_RATES = {"d_steps": 5, "lr_g": 1e-4, "betas": (0.5, 0.9)}
VARIANTS: dict[str, dict] = {
    "minimax": {"loss": "minimax"},
    "ns": {"loss": "ns"},
    "ns d:g 5:1": {"loss": "ns", "d_steps": 5},
    "wgan-clip": {"loss": "wgan", "clip": 0.01, **WGAN_RATES},
    "wgan-gp": {"loss": "wgan-gp", **WGAN_RATES},
    "hinge": {"loss": "hinge"},
    "lsgan": {"loss": "lsgan"},
    "unrolled-1": {"unroll": 1},
    "unrolled-5": {"unroll": 5},
    "unrolled-5 first-order": {"unroll": 5, "unroll_order": 1},
    "unrolled-10": {"unroll": 10},
    "instance-noise": {"regs": {"noise": 0.1}},
    "r1": {"regs": {"r1": 1.0}},
    "spectral-norm": {"regs": {"sn": 1.0}},
}


def variant_config(name: str, **overrides: Any) -> TrainConfig:
    """The default config with variant `name`'s changes, then `overrides` (steps, data, ...)."""
    if name not in VARIANTS:
        raise ValueError(f"unknown variant {name!r}; valid choices: {', '.join(VARIANTS)}")
    return TrainConfig().replace(**VARIANTS[name]).replace(**overrides)


@dataclass
class VariantResult:
    """One variant over several seeds: final metrics per run and metrics over time."""

    name: str
    config: TrainConfig
    runs: list[dict]  # per seed: seed, modes_covered, high_quality, reverse_kl
    evals: list[list[dict]] = field(default_factory=list)  # per seed: [{step, metrics...}]
    wall_seconds: float = math.nan  # for all seeds together

    def mean_sd(self, key: str) -> tuple[float, float]:
        """Mean and standard deviation over seeds, ignoring NaN (an undefined reverse KL)."""
        values = [r[key] for r in self.runs if not math.isnan(r[key])]
        if not values:
            return math.nan, math.nan
        return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0

    def modes_over_time(self, start_fraction: float = 0.25) -> tuple[float, float]:
        """Mean and minimum of modes covered over the evaluations after `start_fraction` of
        training, over all seeds: a run that hops between modes covers few at any moment."""
        start = self.config.steps * start_fraction
        later = [e["modes_covered"] for run in self.evals for e in run if e["step"] >= start]
        return (statistics.mean(later), min(later)) if later else (math.nan, math.nan)


def compare(
    names: Iterable[str],
    seeds: Iterable[int] = (0, 1, 2, 3, 4),
    eval_every: int = 250,
    progress: Callable[[str], object] | None = None,
    **overrides: Any,
) -> dict[str, VariantResult]:
    """Train every variant in `names` on `seeds`; `overrides` apply to all (steps, data, ...).

    Seeds of one variant train together as one batched model; spectral normalisation, which the
    batched trainer does not support, trains seed by seed. `progress(name)` is called before
    each variant.
    """
    results = {}
    for name in names:
        if progress is not None:
            progress(name)
        base = variant_config(name, **overrides)
        configs = [base.replace(seed=s) for s in seeds]
        start = time.perf_counter()
        if base.regs.get("sn", 0) > 0:
            finals, evals = _one_by_one(configs, eval_every)
        else:
            finals, evals = _batched(configs, eval_every)
        runs = [
            {"seed": c.seed, **{k: v for k, v in m.items() if k not in ("step", "shares")}}
            for c, m in zip(configs, finals)
        ]
        results[name] = VariantResult(name, base, runs, evals, time.perf_counter() - start)
    return results


def _checkpoints(steps: int, every: int) -> list[int]:
    return sorted({*range(every, steps, every), steps})


def track(
    configs: list[TrainConfig], every: int, on_eval: Callable[[int], object] | None = None
) -> tuple[BatchedTrainer, list[list[dict]]]:
    """Train `configs` together as one batched model and evaluate every run as it goes.

    Evaluations come at step 0, every `every` steps and at the last step, each on the run's
    fixed latent batch of `eval_samples` (BatchedTrainer.sample). Returns the trainer and, per
    run, its evaluations: the step, the VEEGAN/PacGAN metrics (metrics.mode_metrics) and
    `shares`, the fraction of samples nearest each mode (metrics.mode_shares), which says where
    a collapsed generator's mass is even while its samples are blurry. `on_eval(step)` is called
    after each evaluation (for a progress bar).
    """
    trainer = BatchedTrainer(configs)
    evals: list[list[dict]] = [[] for _ in configs]

    def evaluate():
        for run, samples in zip(evals, trainer.sample(trainer.config.eval_samples)):
            run.append(_evaluation(trainer.step, samples, trainer.source))
        if on_eval is not None:
            on_eval(trainer.step)

    evaluate()
    for step in _checkpoints(configs[0].steps, every):
        trainer.fit(until=step)
        evaluate()
    return trainer, evals


def _batched(configs, eval_every):
    _, evals = track(configs, eval_every)
    return [run[-1] for run in evals], evals


def _one_by_one(configs, eval_every):
    finals, evals = [], []
    for config in configs:
        trainer = Trainer(config)
        run = [_evaluation(0, trainer.sample(config.eval_samples), trainer.source)]
        for step in _checkpoints(config.steps, eval_every):
            trainer.fit(until=step)
            run.append(_evaluation(step, trainer.sample(config.eval_samples), trainer.source))
        finals.append(run[-1])
        evals.append(run)
    return finals, evals


def _evaluation(step: int, samples, mixture) -> dict:
    return {
        "step": step,
        **mixture.evaluate(samples),
        "shares": mode_shares(samples, mixture.centres),
    }
