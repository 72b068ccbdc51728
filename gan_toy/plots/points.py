"""Pictures of the 2D plane: generator samples, their density, D's surface, and where the
generator loss pushes each sample.

Plotting never changes a run: D is evaluated in eval mode (spectral normalisation does not run
its power iteration) and no random stream of the trainer is touched.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import torch
from matplotlib.colors import LogNorm

from gan_toy.data.mixtures import as_mixture
from gan_toy.plots.style import (
    COLOURBAR_LABELS,
    OUTPUT_KINDS,
    SAMPLE_STYLE,
    Points,
    add_colorbar,
    as_points,
    draw_centres,
    legend,
    new_axes,
    square,
    view_limit,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from gan_toy.data import GaussianMixture
    from gan_toy.train import Trainer


@contextlib.contextmanager
def _eval_mode(module: torch.nn.Module) -> Iterator[torch.nn.Module]:
    """Evaluate without side effects (e.g. spectral norm's power iteration), then restore."""
    was_training = module.training
    module.eval()
    try:
        yield module
    finally:
        module.train(was_training)


def _model(model: object) -> tuple[torch.nn.Module, str, GaussianMixture | None]:
    """(D, output_kind, mixture or None) from a trainer or a (D, output_kind) pair."""
    if hasattr(model, "D") and hasattr(model, "output_kind"):
        source = getattr(model, "source", None)
        return model.D, model.output_kind, None if source is None else as_mixture(source)
    if isinstance(model, (tuple, list)) and len(model) == 2:
        d, kind = model
        if kind not in OUTPUT_KINDS:
            raise ValueError(f"unknown output_kind {kind!r}; valid choices: {OUTPUT_KINDS}")
        return d, kind, None
    raise ValueError(f"expected a Trainer or a (D, output_kind) pair, got {type(model).__name__}")


def _device(module: torch.nn.Module) -> torch.device:
    return next(module.parameters()).device


def discriminator_surface(
    d: torch.nn.Module, output_kind: str, lim: float, resolution: int = 120
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """D on a resolution² grid over [-lim, lim]²: (xs, ys, values), values[i, j] at (xs[j], ys[i]).

    Values are probabilities (sigmoid of the logit) for output_kind "probability", raw critic
    values otherwise.
    """
    ticks = np.linspace(-lim, lim, resolution)
    xs, ys = np.meshgrid(ticks, ticks)
    grid = torch.as_tensor(np.stack([xs.ravel(), ys.ravel()], 1), dtype=torch.float32)
    with torch.no_grad(), _eval_mode(d):
        out = d(grid.to(_device(d))).reshape(resolution, resolution)
    if output_kind == "probability":
        out = torch.sigmoid(out)
    return ticks, ticks, out.cpu().numpy()


def plot_samples(
    samples: Points,
    mixture: GaussianMixture | None = None,
    ax: Axes | None = None,
    *,
    hq_circles: bool = False,
    lim: float | None = None,
    title: str | None = "Generator samples",
    **style: Any,
) -> Axes:
    """Generator samples as small translucent dots over the true centres (and, with
    `hq_circles`, the 3σ circles inside which a sample counts as high-quality)."""
    points = as_points(samples)
    ax = new_axes(ax)
    lim = lim or view_limit(mixture, points)
    ax.scatter(points[:, 0], points[:, 1], **{"label": "generator", **SAMPLE_STYLE, **style})
    square(ax, lim, points)
    if mixture is not None:
        draw_centres(ax, mixture, hq_circles)
        legend(ax)
    if title:
        ax.set_title(title)
    return ax


def plot_density(
    samples_or_trainer: Points | Trainer,
    mixture: GaussianMixture | None = None,
    ax: Axes | None = None,
    *,
    n: int = 5000,
    bins: int = 100,
    title: str | None = "Generator density",
) -> Axes:
    """Generator density as a 2D histogram with a log colour scale (empty bins left white),
    centres overlaid. Pass samples, or a trainer to draw `n` of its fixed-latent samples."""
    samples = samples_or_trainer
    if hasattr(samples_or_trainer, "sample") and hasattr(samples_or_trainer, "G"):
        trainer = cast("Trainer", samples_or_trainer)
        mixture = mixture or as_mixture(trainer.source)
        samples = trainer.sample(n)
    points = as_points(cast("Points", samples))
    ax = new_axes(ax, figsize=(5.2, 4.5))
    lim = view_limit(mixture, points)
    counts, xe, ye = np.histogram2d(
        points[:, 0], points[:, 1], bins=bins, range=[[-lim, lim], [-lim, lim]]
    )
    counts = np.ma.masked_equal(counts.T, 0)  # histogram2d puts x first; pcolormesh wants rows=y
    norm = LogNorm(vmin=1, vmax=max(2.0, float(counts.max() or 2)))
    mesh = ax.pcolormesh(xe, ye, counts, norm=norm, cmap="viridis")
    add_colorbar(ax, mesh, "samples per bin (log scale)")
    square(ax, lim, points)
    if mixture is not None:
        draw_centres(ax, mixture)
        legend(ax)
    if title:
        ax.set_title(title)
    return ax


def plot_discriminator(
    model: Trainer | tuple[torch.nn.Module, str],
    mixture: GaussianMixture | None = None,
    ax: Axes | None = None,
    samples: Points | None = None,
    *,
    resolution: int = 120,
    colorbar: bool = True,
    title: str | None = None,
) -> Axes:
    """D over the plane as a filled contour, real centres and (optionally) samples overlaid.

    `model` is a trainer or a pair (D, output_kind), D a torch module. For "probability" the
    surface is sigmoid(logit) on a fixed 0..1 scale with the D = 1/2 contour dashed; for
    "critic" it is the raw critic value on its own scale (only differences of a critic mean
    anything).
    """
    d, kind, own_mixture = _model(model)
    mixture = mixture or own_mixture
    points = None if samples is None else as_points(samples)
    ax = new_axes(ax, figsize=(5.2, 4.5))
    lim = view_limit(mixture, points)
    xs, ys, values = discriminator_surface(d, kind, lim, resolution)
    if kind == "probability":
        cs = ax.contourf(xs, ys, values, levels=np.linspace(0, 1, 21), cmap="RdBu_r")
        if values.min() < 0.5 < values.max():
            ax.contour(xs, ys, values, levels=[0.5], colors="k", linewidths=0.8, linestyles="--")
    else:  # explicit levels: a flat critic (e.g. just initialised) must not warn
        low, high = float(values.min()), float(values.max())
        levels = np.linspace(low, high, 21) if high > low else [low - 0.5, low + 0.5]
        cs = ax.contourf(xs, ys, values, levels=levels, cmap="viridis")
    if colorbar:
        add_colorbar(ax, cs, COLOURBAR_LABELS[kind])
    if points is not None:
        ax.scatter(
            points[:, 0],
            points[:, 1],
            label="generator",
            **{**SAMPLE_STYLE, "color": "black", "alpha": 0.5},
        )
    square(ax, lim, points)
    if mixture is not None:
        draw_centres(ax, mixture, color="gold")
    if points is not None or mixture is not None:
        legend(ax)
    ax.set_title(title or ("Discriminator D(x)" if kind == "probability" else "Critic D(x)"))
    return ax


def generator_push(trainer: Trainer, samples: Points) -> np.ndarray:
    """−∇_x of the generator loss at each sample, per sample (n×2): where G's loss moves it.

    Uses the current D and the plain generator loss (no unrolling, no instance noise). Scaled
    by n so that it does not depend on how many samples are asked for.
    """
    x = torch.as_tensor(as_points(samples), dtype=torch.float32, device=_device(trainer.D))
    x.requires_grad_(True)
    with _eval_mode(trainer.D):
        loss = trainer.loss.g_loss(trainer.D(x))
    (grad,) = torch.autograd.grad(loss, x)  # gradients w.r.t. x only: D's .grad stay untouched
    return (-grad * x.shape[0]).cpu().numpy()


def spread_subset(points: np.ndarray, lim: float, cells: int = 24, limit: int = 150) -> np.ndarray:
    """Indices of at most `limit` points, the first in each occupied cell of a cells² grid over
    the view, so arrows drawn at them do not pile up where samples are dense."""
    inside = np.flatnonzero((np.abs(points) < lim).all(axis=1))
    cell = np.floor((points[inside] + lim) / (2 * lim) * cells).astype(int)
    _, first = np.unique(cell[:, 0] * cells + cell[:, 1], return_index=True)
    return inside[np.sort(first)][:limit]


def plot_generator_gradient_field(
    trainer: Trainer,
    ax: Axes | None = None,
    *,
    samples: Points | None = None,
    n: int = 1000,
    n_arrows: int = 150,
    surface: bool = True,
    title: str | None = "Where the generator loss pushes samples",
) -> Axes:
    """Arrows −∇_x g_loss at up to `n_arrows` samples spread over the plane (one per cell of a
    fine grid), over D's surface (`surface=True`) or over the centres.

    Arrow lengths are proportional to the push (the longest spans a 15th of the view), so they
    compare within one picture; the median push over all samples is given in the legend,
    because vanishing gradients show up in its absolute size, not in the arrows' shape.
    """
    points = as_points(trainer.sample(n) if samples is None else samples)
    mixture = as_mixture(trainer.source)
    if surface:
        ax = plot_discriminator(trainer, ax=ax, samples=points, title=title)
    else:
        ax = plot_samples(points, mixture, ax=ax, title=title)
    lim = view_limit(mixture, points)
    push = generator_push(trainer, points)
    norms = np.linalg.norm(push, axis=1)
    chosen = spread_subset(points, lim, limit=n_arrows)
    longest = float(norms[chosen].max()) if len(chosen) and norms[chosen].max() > 0 else 1.0
    base, arrows = points[chosen], push[chosen]
    ax.quiver(
        *base.T,
        *arrows.T,
        angles="xy",
        scale_units="xy",
        scale=longest / (lim / 7.5),
        width=0.005,
        headwidth=4,
        color="darkorange",
        zorder=5,
        label=f"push (median {np.median(norms):.2g})",
    )
    legend(ax)
    return ax
