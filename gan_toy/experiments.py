"""The book's named experiment settings, and a runner that compares them over seeds.

`VARIANTS` maps a name to the changes it makes to the default ring setting, so the benchmark
script, the results chapter and the labs all mean the same thing by "wgan-gp" or
"unrolled-5". `compare()` trains each variant on several seeds at once (gan_toy.batched) and
records the VEEGAN/PacGAN metrics over time; `track()` is the batched run with evaluations
underneath it, for experiments of their own (chapter 3's sweep, the mode-collapse tests).
"""

from __future__ import annotations

import math
import multiprocessing
import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import torch

from gan_toy.batched import BatchedTrainer
from gan_toy.config import TrainConfig
from gan_toy.metrics import (
    high_quality_shares,
    mean_distance_to_centre,
    mean_sd,
    mode_shares,
)
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
    # R1 and Roth et al. at the strengths that settle the ring in chapter 4 (γ = 1 does nothing)
    "r1": {"regs": {"r1": 10.0}},
    "roth": {"regs": {"roth": 40.0}},
    "spectral-norm": {"regs": {"sn": 1.0}},
}


# Chapter 4's ring runs: the simultaneous control and the remedies at the strengths that
# chapter compares. Kept apart from VARIANTS, the benchmark's list.
CONVERGENCE_VARIANTS: dict[str, dict] = {
    "ns simultaneous": {"loss": "ns", "simultaneous": True},
    "instance-noise 1": {"regs": {"noise": 1.0}},
    "roth 40": {"regs": {"roth": 40.0}},
    "r1 10": {"regs": {"r1": 10.0}},
    "r2 10": {"regs": {"r2": 10.0}},
    "weight-penalty 1": {"regs": {"l2": 1.0}},
}


def variant_config(name: str, **overrides: Any) -> TrainConfig:
    """The default config with variant `name`'s changes, then `overrides` (steps, data, ...)."""
    known = {**VARIANTS, **CONVERGENCE_VARIANTS}
    if name not in known:
        raise ValueError(f"unknown variant {name!r}; valid choices: {', '.join(known)}")
    return TrainConfig().replace(**known[name]).replace(**overrides)


@dataclass
class VariantResult:
    """One variant over several seeds: final metrics per run and metrics over time."""

    name: str
    config: TrainConfig
    runs: list[dict]  # per seed: seed, modes_covered, high_quality, reverse_kl
    evals: list[list[dict]] = field(default_factory=list)  # per seed: [{step, metrics...}]
    wall_seconds: float = math.nan  # for all seeds together
    # CPU time of the process that trained all seeds: unlike wall time, it does not grow when
    # other work shares the machine, so costs compare within a build that runs things at once.
    cpu_seconds: float = math.nan
    # per seed: the final samples the metrics were computed on (the fixed latent batch), so
    # pictures need no second training run
    samples: list = field(default_factory=list)
    # per seed: the History of every step (D's outputs, losses) and the samples of the fixed
    # latent batch at every evaluation (how far the generator still moves: gan_toy.settling)
    histories: list = field(default_factory=list)
    frames: list = field(default_factory=list)

    def mean_sd(self, key: str) -> tuple[float, float]:
        """Mean and standard deviation over seeds, ignoring NaN (an undefined reverse KL)."""
        return mean_sd(r[key] for r in self.runs)

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
    workers: int = 1,
    variants: Mapping[str, dict] | None = None,
    **overrides: Any,
) -> dict[str, VariantResult]:
    """Train every variant in `names` on `seeds`; `overrides` apply to all (steps, data, ...).

    Seeds of one variant train together as one batched model; spectral normalisation, which the
    batched trainer does not support, trains seed by seed. With `workers` > 1 the variants are
    spread over that many worker processes of one thread each (a batched step cannot keep two
    cores busy on its own); the results are the same variants in the same order.
    `progress(name)` is called as each variant starts (one worker) or ends (several).
    `variants` names settings of the caller's own (changes to the default, like VARIANTS').
    """
    names, own = list(names), dict(variants or {})
    jobs = [(name, tuple(seeds), eval_every, overrides, own.get(name)) for name in names]
    if workers <= 1 or len(jobs) <= 1:
        results = {}
        for job in jobs:
            if progress is not None:
                progress(job[0])
            results[job[0]] = _compare_one(*job)
        return results
    # "spawn": a fresh interpreter per worker, safe from a notebook kernel's threads
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, context, initializer=torch.set_num_threads, initargs=(1,)
    ) as pool:
        futures = {pool.submit(_compare_one, *job): job[0] for job in jobs}
        for future in as_completed(futures):
            if progress is not None:
                progress(futures[future])
        return {
            name: future.result()
            for future, name in sorted(futures.items(), key=lambda item: names.index(item[1]))
        }


def _compare_one(name, seeds, eval_every, overrides, changes=None) -> VariantResult:
    if changes is None:
        base = variant_config(name, **overrides)
    else:
        base = TrainConfig().replace(**changes).replace(**overrides)
    configs = [base.replace(seed=s) for s in seeds]
    wall, cpu = time.perf_counter(), time.process_time()
    if base.regs.get("sn", 0) > 0:
        finals, evals, samples, histories, frames = _one_by_one(configs, eval_every)
    else:
        finals, evals, samples, histories, frames = _batched(configs, eval_every)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    runs = [
        {"seed": c.seed, **{k: v for k, v in m.items() if k not in _NOT_IN_RUNS}}
        for c, m in zip(configs, finals)
    ]
    return VariantResult(name, base, runs, evals, wall, cpu, samples, histories, frames)


# evaluation entries kept out of VariantResult.runs (its final metrics)
_NOT_IN_RUNS = ("step", "shares", "hq_shares", "distance")


def _checkpoints(steps: int, every: int) -> list[int]:
    return sorted({*range(every, steps, every), steps})


def track(
    configs: list[TrainConfig],
    every: int,
    on_eval: Callable[[int], object] | None = None,
    frames: list | None = None,
) -> tuple[BatchedTrainer, list[list[dict]]]:
    """Train `configs` together as one batched model and evaluate every run as it goes.

    Evaluations come at step 0, every `every` steps and at the last step, each on the run's
    fixed latent batch of `eval_samples` (BatchedTrainer.sample). Returns the trainer and, per
    run, its evaluations: the step, the VEEGAN/PacGAN metrics (metrics.mode_metrics) and
    `shares`, the fraction of samples nearest each mode (metrics.mode_shares), which says where
    a collapsed generator's mass is even while its samples are blurry. `on_eval(step)` is called
    after each evaluation (for a progress bar). A list passed as `frames` receives, per
    evaluation, the (K, n, 2) samples it scored.
    """
    trainer = BatchedTrainer(configs)
    evals: list[list[dict]] = [[] for _ in configs]

    def evaluate():
        batch = trainer.sample(trainer.config.eval_samples)
        if frames is not None:
            frames.append(batch.cpu())
        for run, samples in zip(evals, batch):
            run.append(_evaluation(trainer.step, samples, trainer.source))
        if on_eval is not None:
            on_eval(trainer.step)

    evaluate()
    for step in _checkpoints(configs[0].steps, every):
        trainer.fit(until=step)
        evaluate()
    return trainer, evals


def _batched(configs, eval_every):
    frames: list = []
    trainer, evals = track(configs, eval_every, frames=frames)
    samples = list(trainer.sample(configs[0].eval_samples).cpu())
    per_run = [[batch[k] for batch in frames] for k in range(len(configs))]
    return [run[-1] for run in evals], evals, samples, trainer.histories, per_run


def _one_by_one(configs, eval_every):
    finals, evals, samples, histories, frames = [], [], [], [], []
    for config in configs:
        trainer = Trainer(config)
        shots = [trainer.sample(config.eval_samples).cpu()]
        run = [_evaluation(0, shots[0], trainer.source)]
        for step in _checkpoints(config.steps, eval_every):
            trainer.fit(until=step)
            shots.append(trainer.sample(config.eval_samples).cpu())
            run.append(_evaluation(step, shots[-1], trainer.source))
        finals.append(run[-1])
        evals.append(run)
        samples.append(shots[-1])
        histories.append(trainer.history)
        frames.append(shots)
    return finals, evals, samples, histories, frames


def _evaluation(step: int, samples, mixture) -> dict:
    return {
        "step": step,
        **mixture.evaluate(samples),
        "shares": mode_shares(samples, mixture.centres),
        "hq_shares": high_quality_shares(samples, mixture.centres, mixture.sigma),
        "distance": mean_distance_to_centre(samples, mixture.centres),
    }
