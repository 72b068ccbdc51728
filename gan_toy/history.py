"""History: what a training run recorded, step by step, plus periodic evaluations."""

from __future__ import annotations

import numpy as np

# One row per training step, in this column order.
STAT_NAMES = ("d_loss", "g_loss", "d_real", "d_fake", "g_grad_norm")


class History:
    """Per-step statistics and evaluations of one run.

    - `d_loss`, `g_loss`: the losses at the step's last D and G update;
    - `d_real`, `d_fake`: mean D output on real and generated samples, as a probability for the
      minimax/non-saturating losses and as the raw critic value otherwise (`output_kind`);
    - `g_grad_norm`: L2 norm of the generator's whole gradient at its update;
    - `evals`: dicts from evaluation callbacks, each with a "step" key (modes over time, ...).
    """

    def __init__(self, stats=None, evals=None, output_kind: str = "probability"):
        self.stats = np.zeros((0, len(STAT_NAMES))) if stats is None else np.asarray(stats)
        self.evals: list[dict] = list(evals or [])
        self.output_kind = output_kind

    def __len__(self) -> int:
        return self.stats.shape[0]

    def __getattr__(self, name):
        if name in STAT_NAMES:
            return self.stats[:, STAT_NAMES.index(name)]
        raise AttributeError(name)

    @property
    def steps(self) -> np.ndarray:
        return np.arange(1, len(self) + 1)

    def eval_series(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values) of one evaluation key, e.g. `history.eval_series("modes_covered")`."""
        rows = [e for e in self.evals if key in e]
        return np.array([e["step"] for e in rows]), np.array([e[key] for e in rows])

    def to_dict(self) -> dict:
        return {
            "stat_names": list(STAT_NAMES),
            "stats": self.stats.tolist(),
            "evals": self.evals,
            "output_kind": self.output_kind,
        }

    def __repr__(self) -> str:
        return f"History({len(self)} steps, {len(self.evals)} evaluations)"
