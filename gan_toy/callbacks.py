"""Callbacks the training loop calls without knowing what they do.

A callback may define `on_train_begin(trainer)`, `on_step_end(trainer)` (called every
`self.every` steps) and `on_train_end(trainer)`. The checkpoint callback lives in
checkpoint.py; the lab panels' live views are callbacks too (panels/).
"""

from __future__ import annotations

from typing import Any


class ProgressBar:
    """A tqdm.auto progress bar (a widget in notebooks, text in a terminal), updated every
    `every` steps with the current losses."""

    def __init__(self, every: int = 50, desc: str | None = None):
        self.every = every
        self.desc = desc
        self.bar: Any = None  # a tqdm bar once training begins

    def on_train_begin(self, trainer) -> None:
        from tqdm.auto import tqdm

        cfg = trainer.config
        self.bar = tqdm(total=cfg.steps, initial=trainer.step, desc=self.desc or cfg.loss)
        self._shown = trainer.step

    def on_step_end(self, trainer) -> None:
        self.bar.update(trainer.step - self._shown)
        self._shown = trainer.step
        stats = trainer.last_stats()
        if stats:
            losses = {k: f"{stats[k]:.3f}" for k in ("d_loss", "g_loss")}
            self.bar.set_postfix(**losses, refresh=False)

    def on_train_end(self, trainer) -> None:
        if self.bar is not None:
            self.bar.update(trainer.step - self._shown)
            self.bar.close()


class ModesOverTime:
    """Evaluate the mode metrics every `every` steps into `trainer.evals` (modes over time).

    With `final=True` it also scores the step the run ends at when that step is not a multiple
    of `every` (a Stop, an odd step budget), so whatever shows the last state reads its
    numbers. Evaluation samples from a fixed latent batch on its own random stream, so adding
    this callback does not change the training trajectory.
    """

    def __init__(self, every: int = 250, n_samples: int = 2500, final: bool = False):
        self.every = every
        self.n_samples = n_samples
        self.final = final

    def on_train_begin(self, trainer) -> None:
        if trainer.step == 0 and not trainer.evals:
            self._evaluate(trainer)

    def on_step_end(self, trainer) -> None:
        self._evaluate(trainer)

    def on_train_end(self, trainer) -> None:
        if self.final and (not trainer.evals or trainer.evals[-1]["step"] != trainer.step):
            self._evaluate(trainer)

    def _evaluate(self, trainer) -> None:
        trainer.evals.append({"step": trainer.step, **trainer.evaluate(self.n_samples)})


class StopFlag:
    """Stop training from outside the loop (a lab's Stop button): call `.stop()`; the loop
    ends after the current step, keeping everything trained."""

    def __init__(self):
        self.requested = False

    def stop(self) -> None:
        self.requested = True

    def on_train_begin(self, trainer) -> None:
        self.requested = False

    def on_step_end(self, trainer) -> None:
        if self.requested:
            trainer.stop_requested = True
