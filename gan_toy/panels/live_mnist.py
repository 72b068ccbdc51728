"""The MNIST live view: what an image GAN needs to show while it trains.

A grid of samples from a fixed latent batch, the histogram of the digits (or digit triples) the
classifier sees in them, the modes covered and the KL to uniform over training, and the losses.

The view reads the classifier's verdicts from the latest entry of `trainer.evals`, which an
evaluation callback ahead of it in the callback list records (ModesOverTime): the view never
scores samples itself, so a run's modes over time are the same whether or not a frame is drawn.
Drawing is skipped while it has taken more than `max_share` of the run's time."""

from __future__ import annotations

import math

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from gan_toy.metrics import mode_of_digits
from gan_toy.panels.display import latest_evaluation
from gan_toy.panels.live import LiveFigure
from gan_toy.plots import image_grid, moving_average, smoothing_window


def mode_counts(probs: torch.Tensor) -> np.ndarray:
    """Samples per mode from classifier probabilities (n, C, 10): 10**C counts, the mode of a
    sample being its digits read as one number (100·d1 + 10·d2 + d3 for Stacked MNIST)."""
    digits = probs.argmax(dim=-1)
    return torch.bincount(mode_of_digits(digits), minlength=10 ** digits.shape[1]).cpu().numpy()


class MNISTLiveView(LiveFigure):
    """Training callback: sample grid, mode histogram, modes covered and KL over training, losses.

    At the start, every `every` steps and at the end it redraws, unless drawing has used more
    than `max_share` of the run's time (None: always redraw), showing the latest evaluation in
    `trainer.evals` (label metrics with "mode_histogram"). `on_frame(png)` receives frames.
    Given a `figure` (a pyplot one, for a static picture) it draws there instead of its own.
    `last_counts` holds the samples per mode it showed last (None before an evaluation).
    """

    def __init__(self, every=100, grid=64, max_share=0.2, figure=None, dpi=72, on_frame=None):
        super().__init__(every, max_share, on_frame)
        self.grid = grid
        self.figure = figure if figure is not None else Figure(figsize=(10, 5.2), dpi=dpi)
        if figure is None:
            FigureCanvasAgg(self.figure)  # renders without pyplot: no extra copy in a notebook
        self.last_counts = None
        self._key = None

    # --- the figure -----------------------------------------------------------------------------
    def _build(self, trainer) -> None:
        fig, cfg = self.figure, trainer.config
        fig.clear()
        gs = fig.add_gridspec(2, 3, width_ratios=[1.15, 1, 1])
        ax_s = fig.add_subplot(gs[:, 0])
        ax_h, ax_m = fig.add_subplot(gs[0, 1]), fig.add_subplot(gs[0, 2])
        ax_k, ax_l = fig.add_subplot(gs[1, 1]), fig.add_subplot(gs[1, 2])
        n_modes = trainer.source.n_modes
        blank = image_grid(torch.zeros(self.grid, cfg.channels, 28, 28))
        self._samples = ax_s.imshow(blank, cmap="gray" if blank.ndim == 2 else None, vmin=0, vmax=1)
        ax_s.set_axis_off()
        ax_s.set_title("Samples (fixed latent batch)", fontsize=9)
        if n_modes == 10:
            self._bars = ax_h.bar(range(10), np.zeros(10), color="tab:blue")
            self._uniform = ax_h.axhline(0, color="black", ls="--", lw=1)
            ax_h.set_xticks(range(10))
            ax_h.set_xlabel("digit (classifier's label)", fontsize=8)
        else:  # 1000 triples as a 10 × 100 image: row = first digit, column = the other two
            self._bars = None
            self._modes_image = ax_h.imshow(
                np.zeros((10, 100)),
                aspect="auto",
                cmap="magma",
                vmin=0,
                vmax=1,
                interpolation="nearest",
            )
            ax_h.set_yticks(range(10))
            ax_h.set_xlabel("2nd and 3rd digit (00–99)", fontsize=8)
            ax_h.set_ylabel("1st digit", fontsize=8)
        self._hist_title = ax_h.set_title("", fontsize=9)
        (self._modes,) = ax_m.plot([], [], "o-", ms=3, color="tab:blue")
        ax_m.axhline(n_modes, color="tab:blue", ls=":", lw=1)
        ax_m.set_ylim(0, n_modes * 1.08)
        ax_m.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax_m.set_title(f"Modes covered (of {n_modes})", fontsize=9)
        (self._kl,) = ax_k.plot([], [], "o-", ms=3, color="tab:red")
        ax_k.axhline(math.log(n_modes), color="gray", ls="--", lw=0.8)
        ax_k.set_ylim(0, 1.05 * math.log(n_modes))
        ax_k.set_title(f"KL to uniform (dashed: one mode, log {n_modes})", fontsize=9)
        self._lines = {}
        for key, label, colour in (
            ("d_loss", "D loss", "tab:red"),
            ("g_loss", "G loss", "tab:blue"),
        ):
            (line,) = ax_l.plot([], [], color=colour, lw=1.2, label=label)
            self._lines[key] = line
        ax_l.legend(fontsize=7, loc="upper right")
        ax_l.set_title("Losses (moving average)", fontsize=9)
        for ax in (ax_m, ax_k, ax_l):
            ax.set_xlim(0, cfg.steps)
            ax.set_xlabel("step", fontsize=8)
            ax.xaxis.set_major_locator(MaxNLocator(4))
        for ax in (ax_h, ax_m, ax_k, ax_l):
            ax.tick_params(labelsize=7)
        self._title = fig.suptitle("", fontsize=10)
        fig.set_layout_engine("constrained")
        self._axes = {"hist": ax_h, "losses": ax_l}
        self._key = (cfg.data, cfg.steps, id(fig))

    def draw(self, trainer) -> Figure:
        """Update the figure to the trainer's current state and return it."""
        cfg = trainer.config
        if self._key != (cfg.data, cfg.steps, id(self.figure)):
            self._build(trainer)
        self._samples.set_data(image_grid(trainer.sample(self.grid)))
        m, when = latest_evaluation(trainer)
        if "mode_histogram" in m:
            self._draw_counts(np.asarray(m["mode_histogram"]), when)
        history = trainer.history
        self._modes.set_data(*history.eval_series("modes_covered"))
        self._kl.set_data(*history.eval_series("reverse_kl"))
        if len(history.steps):
            window = smoothing_window(len(history.steps))
            parts = []
            for key, line in self._lines.items():
                smooth = moving_average(getattr(history, key), window)
                line.set_data(history.steps[len(history.steps) - len(smooth) :], smooth)
                parts.append(smooth)
            values = np.concatenate(parts)
            values = values[np.isfinite(values)]
            if len(values):
                low, high = float(values.min()), float(values.max())
                pad = 0.1 * max(high - low, 1e-3)
                self._axes["losses"].set_ylim(low - pad, high + pad)
        title = f"{cfg.loss} {cfg.arch} on {cfg.data}, step {trainer.step} of {cfg.steps}"
        if m:
            title += (
                f": {m['modes_covered']}/{trainer.source.n_modes} modes, "
                f"KL {m['reverse_kl']:.2f}, {100 * m['high_quality']:.0f}% confident{when}"
            )
        self._title.set_text(title)
        return self.figure

    def _draw_counts(self, counts: np.ndarray, when: str) -> None:
        total = int(counts.sum())
        if self._bars is not None:
            for bar, count in zip(self._bars, counts):
                bar.set_height(count)
            self._uniform.set_ydata([total / 10, total / 10])
            self._axes["hist"].set_ylim(0, max(total / 2, 1.1 * counts.max(), 1))
            self._hist_title.set_text(f"Digits in {total} samples{when} (dashed: uniform)")
        else:
            self._modes_image.set_data(counts.reshape(10, 100))
            self._modes_image.set_clim(0, max(1, counts.max()))
            self._hist_title.set_text(f"Triples in {total} samples{when} (bright: many)")
        self.last_counts = counts
