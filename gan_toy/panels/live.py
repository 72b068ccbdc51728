"""What every live view shares: when to redraw, and handing frames to the panel.

A live view is a training callback that redraws its figure at the start, every `every` steps
and at the end, but skips a scheduled redraw while drawing has already taken more than
`max_share` of the run's time (None: never skip), so that a slow figure cannot slow training
down more than that. Each frame goes to `on_frame(png_bytes)`. Subclasses draw (`draw`) and
may render differently (`render`, e.g. blitting onto a cached background).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from matplotlib.figure import Figure

from gan_toy.panels.display import png_bytes


class LiveFigure:
    figure: Any  # a matplotlib Figure, made by the subclass (its canvas decides how it renders)

    def __init__(
        self, every: int, max_share: float | None, on_frame: Callable[[bytes], object] | None
    ):
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every!r}")
        self.every, self.max_share, self.on_frame = every, max_share, on_frame
        self.redraws = self.skipped = 0
        self.plot_seconds, self.last_step = 0.0, None
        self._start = time.perf_counter()

    # --- callbacks --------------------------------------------------------------------------------
    def on_train_begin(self, trainer) -> None:
        self._start, self.plot_seconds = time.perf_counter(), 0.0
        self.redraws = self.skipped = 0
        self.last_step = None
        self.redraw(trainer)

    def on_step_end(self, trainer) -> None:
        elapsed = time.perf_counter() - self._start
        if self.max_share is not None and self.plot_seconds > self.max_share * elapsed:
            self.skipped += 1
            return
        self.redraw(trainer)

    def on_train_end(self, trainer) -> None:
        self.redraw(trainer)

    def redraw(self, trainer) -> None:
        """Draw the trainer's current state and hand the frame to `on_frame`."""
        if trainer.step == self.last_step:
            return
        start = time.perf_counter()
        self.draw(trainer)
        png = self.render()
        if self.on_frame is not None:
            self.on_frame(png)
        self.last_step = trainer.step
        self.redraws += 1
        self.plot_seconds += time.perf_counter() - start

    # --- what subclasses provide ----------------------------------------------------------------
    def draw(self, trainer) -> Figure:
        raise NotImplementedError

    def render(self) -> bytes:
        """The current frame as PNG bytes."""
        return png_bytes(self.figure)
