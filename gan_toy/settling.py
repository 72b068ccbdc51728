"""Has a GAN game settled? Two numbers for the end of a run, and a verdict from them.

A game at an equilibrium stops moving: the discriminator's verdict on the fakes stops swinging
and the generator's samples (of a fixed latent batch) stop travelling. Over the last quarter
of a run (`last`):

- `d_fluctuation`: the standard deviation of D's mean output on the generated batch, step by
  step (History.d_fake);
- `g_movement`: the mean distance a sample G(z) travels between consecutive evaluations;

`settling(result)` gives both per seed of a gan_toy.experiments.VariantResult, with the modes
covered on average over the same evaluations; `verdict` compares a run with a baseline.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _start(n_steps: int, last: float) -> float:
    if not 0 < last <= 1:
        raise ValueError(f"last must be in (0, 1], got {last!r}")
    return n_steps * (1 - last)


def d_fluctuation(d_fake: Sequence[float], last: float = 0.25) -> float:
    """Standard deviation of D(fake) over the last `last` of the steps."""
    values = np.asarray(d_fake, dtype=float)
    return float(np.std(values[int(_start(len(values), last)) :]))


def g_movement(frames: Sequence, steps: Sequence[int], n_steps: int, last: float = 0.25) -> float:
    """Mean distance a sample moves between consecutive frames (samples of one fixed latent
    batch at `steps`), over the pairs that both lie in the last `last` of `n_steps`."""
    start = _start(n_steps, last)
    kept = [np.asarray(f, dtype=float) for f, s in zip(frames, steps) if s >= start]
    if len(kept) < 2:
        raise ValueError("need at least two frames in the window")
    moves = [np.linalg.norm(b - a, axis=1).mean() for a, b in zip(kept, kept[1:])]
    return float(np.mean(moves))


def rolling_std(values: Sequence[float], window: int) -> np.ndarray:
    """Standard deviation over each window of `window` consecutive values."""
    array = np.asarray(values, dtype=float)
    return np.lib.stride_tricks.sliding_window_view(array, window).std(axis=1)


def settling(result, last: float = 0.25) -> list[dict]:
    """Per seed of a VariantResult: d_std, g_move and modes_recent (the mean of modes covered
    over the evaluations in the last `last` of the run)."""
    n_steps = result.config.steps
    rows = []
    for history, frames, evals in zip(result.histories, result.frames, result.evals):
        steps = [e["step"] for e in evals]
        recent = [e["modes_covered"] for e in evals if e["step"] >= _start(n_steps, last)]
        rows.append(
            {
                "d_std": d_fluctuation(history.d_fake, last),
                "g_move": g_movement(frames, steps, n_steps, last),
                "modes_recent": float(np.mean(recent)),
            }
        )
    return rows


def verdict(run: dict, base: dict, d_factor: float = 10, g_factor: float = 2) -> str:
    """Settled ("yes") when D fluctuates less than 1/d_factor and G moves less than 1/g_factor
    as much as in `base`; otherwise which of the two calmed ("D only", "G only") or "no"."""
    d_calm = run["d_std"] < base["d_std"] / d_factor
    g_calm = run["g_move"] < base["g_move"] / g_factor
    if d_calm and g_calm:
        return "yes"
    return "D only" if d_calm else "G only" if g_calm else "no"
