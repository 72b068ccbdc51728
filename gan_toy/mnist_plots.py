"""Pictures of image GANs: a grid of samples and the class histogram the classifier sees.

Samples are (n, C, 28, 28) in [-1, 1]: one channel is shown in grey, three (Stacked MNIST) as
the red, green and blue of one colour image, so the three digits of a sample overlap in colour.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import torch


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


def plot_image_samples(samples, n: int = 64, ax=None, title: str | None = None):
    """A grid of the first `n` samples; `samples` may be images or a trainer (its fixed z)."""
    images = samples.sample(n) if hasattr(samples, "sample") else samples[:n]
    ax = ax or plt.subplots(figsize=(4, 4))[1]
    grid = image_grid(images)
    ax.imshow(grid, cmap="gray" if grid.ndim == 2 else None, vmin=0, vmax=1)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def plot_class_histogram(metrics: dict, ax=None, title: str | None = None):
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
