"""Pictures of image GANs: a grid of samples and the class histogram the classifier sees.

Samples are (n, C, 28, 28) in [-1, 1]: one channel is shown in grey, three (Stacked MNIST) as
the red, green and blue of one colour image, so the three digits of a sample overlap in colour.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import torch

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from gan_toy.train import Trainer


def image_grid(images: torch.Tensor, cols: int | None = None, pad: int = 2) -> np.ndarray:
    """One (H, W) or (H, W, 3) array in [0, 1] tiling `images` row by row, `pad` pixels apart."""
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"images must have shape (n, 1 or 3, h, w), got {tuple(images.shape)}")
    n, c, h, w = images.shape
    cols = cols or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    x = (images.detach().float().cpu().clamp(-1, 1) + 1) / 2
    grid = torch.ones(c, rows * (h + pad) + pad, cols * (w + pad) + pad)
    for i in range(n):
        top, left = pad + (i // cols) * (h + pad), pad + (i % cols) * (w + pad)
        grid[:, top : top + h, left : left + w] = x[i]
    return grid[0].numpy() if c == 1 else grid.permute(1, 2, 0).numpy()


def plot_image_samples(
    samples: torch.Tensor | Trainer, n: int = 64, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """A grid of the first `n` samples; `samples` may be images or a trainer (its fixed z)."""
    images = samples.sample(n) if hasattr(samples, "sample") else samples[:n]
    ax = ax or plt.subplots(figsize=(4, 4))[1]
    grid = image_grid(images)
    ax.imshow(grid, cmap="gray" if grid.ndim == 2 else None, vmin=0, vmax=1)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def plot_class_histogram(metrics: dict, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Bars of `class_histogram` from MNIST metrics (Trainer.evaluate), uniform marked."""
    counts = np.asarray(metrics["class_histogram"])
    ax = ax or plt.subplots(figsize=(4, 2.5))[1]
    ax.bar(range(10), counts, color="tab:blue")
    ax.axhline(counts.sum() / 10, color="black", linestyle="--", linewidth=1, label="uniform")
    ax.set_xticks(range(10))
    ax.set_xlabel("digit (classifier's label)")
    ax.set_ylabel("samples")
    ax.legend(loc="upper right", frameon=False)
    ax.set_title(
        title
        or f"{metrics['modes_covered']}/10 classes, KL {metrics['reverse_kl']:.2f}, "
        f"{100 * metrics['high_quality']:.0f}% confident"
    )
    return ax


class ImageSnapshots:
    """Callback keeping `n` generator samples every `every` steps, and at the start and end.

    Samples come from the trainer's fixed latent batch (`Trainer.sample`), so the snapshots
    show the same latents moving over training; `images[step]` is an (n, C, 28, 28) CPU tensor.
    The 2D counterpart is `gan_toy.plots.Snapshots`.
    """

    def __init__(self, every: int = 200, n: int = 64) -> None:
        if every < 1 or n < 1:
            raise ValueError(f"every and n must be >= 1, got every={every!r}, n={n!r}")
        self.every, self.n = every, n
        self.images: dict[int, torch.Tensor] = {}

    def record(self, trainer: Trainer) -> None:
        self.images[trainer.step] = trainer.sample(self.n).detach().cpu()

    on_train_begin = on_step_end = on_train_end = record

    def steps(self, at_most: int = 4) -> list[int]:
        """Up to `at_most` recorded steps, evenly spread and always including the last."""
        recorded = sorted(self.images)
        if not recorded:
            raise ValueError("no snapshots yet: pass the callback to Trainer.fit first")
        if len(recorded) <= at_most:
            return recorded
        picks = np.linspace(0, len(recorded) - 1, at_most).round().astype(int)
        return [recorded[i] for i in sorted(set(picks))]


def plot_image_snapshots(
    snapshots: ImageSnapshots, steps: Iterable[int] | None = None, title: str | None = None
) -> Figure:
    """One grid of samples per step (default: `snapshots.steps()`), side by side; the figure."""
    steps = list(steps) if steps is not None else snapshots.steps()
    missing = [s for s in steps if s not in snapshots.images]
    if missing:
        raise ValueError(f"no snapshot at step(s) {missing}; recorded: {sorted(snapshots.images)}")
    fig, axes = plt.subplots(1, len(steps), figsize=(2.6 * len(steps), 2.9), squeeze=False)
    for ax, step in zip(axes[0], steps):
        plot_image_samples(snapshots.images[step], ax=ax, title=f"step {step}")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
