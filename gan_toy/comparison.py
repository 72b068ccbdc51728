"""Numbers and tables for comparing variants over seeds (the remedies chapter).

`compare()` (gan_toy.experiments) returns one `VariantResult` per variant; the functions here
turn them into what a comparison needs beside the VEEGAN/PacGAN metrics: the cost of a step,
how evenly the *good* samples spread over the modes (a blurry or untrained generator cannot
pass it), and Markdown tables that a notebook displays as they are.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from gan_toy.data.mixtures import GaussianMixture
from gan_toy.experiments import VariantResult
from gan_toy.metrics import (
    high_quality_shares,
    mean_distance_to_centre,
    mean_sd,
    modes_holding,
)

__all__ = [
    "MarkdownTable",
    "distances",
    "good_modes",
    "mean_sd_text",
    "more_text",
    "ms_per_step",
    "per_seed",
    "planned_wall",
    "published_table",
    "relative_costs",
    "results_table",
]


class MarkdownTable(str):
    """A Markdown table as a string that Jupyter displays as a table (no IPython needed)."""

    def _repr_markdown_(self) -> str:
        return str(self)


def mean_sd_text(values: tuple[float, float], digits: int) -> str:
    """'mean ± sd' with `digits` decimals, or 'n/a' for an undefined mean."""
    mean, sd = values
    return "n/a" if math.isnan(mean) else f"{mean:.{digits}f} ± {sd:.{digits}f}"


def ms_per_step(result: VariantResult) -> float:
    """CPU milliseconds per step and run. The seeds of a variant train together in one
    process of one thread, so CPU time does not grow with other work on the machine."""
    return 1000 * result.cpu_seconds / (result.config.steps * len(result.runs))


def good_modes(result: VariantResult, mixture: GaussianMixture, fair: float = 0.5) -> list[int]:
    """Per seed: modes holding at least `fair` of a fair share (1/K) of the run's
    high-quality final samples. Blurry mass does not count, so an untrained generator, or one
    whose few good samples sit on one mode, scores 0 or 1 whatever its cloud overlaps."""
    if not 0.0 < fair <= 1.0:
        raise ValueError(f"fair must be in (0, 1], got {fair!r}")
    k = mixture.centres.shape[0]
    return [
        modes_holding(high_quality_shares(s, mixture.centres, mixture.sigma), fair / k)
        if len(s)
        else 0
        for s in result.samples
    ]


def distances(result: VariantResult, mixture: GaussianMixture) -> list[float]:
    """Per seed: the mean distance of the final samples to their nearest centre."""
    return [mean_distance_to_centre(s, mixture.centres) for s in result.samples]


def per_seed(result: VariantResult, key: str) -> list[float]:
    """A final metric ('modes_covered', 'high_quality', 'reverse_kl') for every seed."""
    return [run[key] for run in result.runs]


def relative_costs(results: Mapping[str, VariantResult], base: str = "ns") -> dict[str, float]:
    """Each variant's cost per step and run divided by that of `base`."""
    reference = ms_per_step(results[base])
    return {name: ms_per_step(r) / reference for name, r in results.items()}


def results_table(
    results: Mapping[str, VariantResult], mixture: GaussianMixture, base: str = "ns"
) -> MarkdownTable:
    """One row per variant, mean ± sd over seeds: modes covered at a time (the mean over
    the evaluations after the first quarter of training) and at the end, the high-quality
    fraction, the modes holding good samples (`good_modes`), and the cost relative to `base`
    (left out when `base` was not run)."""
    k = mixture.centres.shape[0]
    costs = relative_costs(results, base) if base in results else None
    head = [
        "variant",
        f"modes at a time (of {k})",
        "modes, final",
        "high-quality fraction",
        "modes holding good samples",
    ]
    head += [f"cost (× {base})"] if costs else []
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, r in results.items():
        cells = [
            name,
            f"{r.modes_over_time()[0]:.1f}",
            mean_sd_text(r.mean_sd("modes_covered"), 1),
            mean_sd_text(r.mean_sd("high_quality"), 3),
            mean_sd_text(mean_sd(good_modes(r, mixture)), 1),
        ]
        cells += [f"{costs[name]:.1f}"] if costs else []
        rows.append("| " + " | ".join(cells) + " |")
    return MarkdownTable("\n".join(rows))


def published_table(
    published: Sequence[tuple[str, tuple[float, float], tuple[float, float]]],
    ours: Mapping[str, tuple[VariantResult | None, VariantResult | None]],
) -> MarkdownTable:
    """Published rows (method, (ring modes, ring HQ %), (grid modes, grid HQ %)) and ours
    (label -> (ring result, grid result); None where a variant was not run), as one table of
    final readings, ours as mean ± sd over seeds."""
    rows = [
        "| method | ring: modes (of 8) | ring: high quality % | grid: modes (of 25) "
        "| grid: high quality % |",
        "|---|---|---|---|---|",
    ]
    for method, (ring_modes, ring_hq), (grid_modes, grid_hq) in published:
        rows.append(f"| {method} | {ring_modes:g} | {ring_hq:g} | {grid_modes:g} | {grid_hq:g} |")
    for label, pair in ours.items():
        cells = []
        for r in pair:
            if r is None:
                cells += ["–", "–"]
                continue
            hq = r.mean_sd("high_quality")
            cells += [mean_sd_text(r.mean_sd("modes_covered"), 1)]
            cells += [mean_sd_text((100 * hq[0], 100 * hq[1]), 1)]
        rows.append(f"| **{label}** | " + " | ".join(cells) + " |")
    return MarkdownTable("\n".join(rows))


def planned_wall(seconds: Sequence[float], workers: int) -> float:
    """Wall time of jobs taking `seconds` each when a pool of `workers` processes takes them in
    the given order, each job to the first free worker (as `compare(workers=...)` does)."""
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers!r}")
    free = [0.0] * workers
    for s in seconds:
        i = free.index(min(free))
        free[i] += s
    return max(free)


def more_text(a: float, b: float, margin: float = 0.5) -> str:
    """How a count of modes at a time `a` compares with `b`, as words for the prose:
    'more modes at a time than', 'about as many modes at a time as' or 'fewer ... than'."""
    if a > b + margin:
        return "more modes at a time than"
    if a < b - margin:
        return "fewer modes at a time than"
    return "about as many modes at a time as"
