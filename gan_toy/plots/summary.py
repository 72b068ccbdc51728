"""The one-call summary of a 2D run: samples, D's surface, losses, gradient norm and, when the
run recorded evaluations, modes over time, under a title with the run's mode metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt

from gan_toy.data.mixtures import as_mixture
from gan_toy.metrics import mode_metrics
from gan_toy.plots.curves import has_mode_evals, plot_grad_norm, plot_losses, plot_modes_over_time
from gan_toy.plots.points import plot_discriminator, plot_generator_gradient_field, plot_samples

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.typing import HashableList

    from gan_toy.history import History
    from gan_toy.train import Trainer


def run_figsize(history: History) -> tuple[float, float]:
    """Size of the run summary: 8 inches wide (book width), taller when it has a modes panel."""
    return (8.0, 9.0) if has_mode_evals(history) else (8.0, 7.0)


def draw_run(fig: Figure, trainer: Trainer, n: int = 2500, field: bool = False) -> Figure:
    """Fill `fig` with the summary panels of `trainer` (plot_run does it on a new figure; a
    live view can redraw one figure in place)."""
    history, mixture = trainer.history, as_mixture(trainer.source)
    layout: list[HashableList[str]] = [["samples", "surface"], ["losses", "grad"]]
    if has_mode_evals(history):
        layout.append(["modes", "modes"])
    ratios = [1.6, 1, 0.9][: len(layout)]
    axd = fig.subplot_mosaic(layout, gridspec_kw={"height_ratios": ratios})
    samples = trainer.sample(n)
    plot_samples(samples, mixture, axd["samples"])
    if field:
        title = "D(x) and the push on samples"
        plot_generator_gradient_field(trainer, axd["surface"], samples=samples, title=title)
    else:
        plot_discriminator(trainer, ax=axd["surface"], samples=samples)
    plot_losses(history, axd["losses"])
    plot_grad_norm(history, axd["grad"])
    if "modes" in axd:
        plot_modes_over_time(history, mixture.n_modes, axd["modes"])
    m = mode_metrics(samples, mixture.centres, mixture.sigma)
    cfg = trainer.config
    fig.suptitle(
        f"{cfg.loss} on the {cfg.data}, step {trainer.step}: {m['modes_covered']}/"
        f"{mixture.n_modes} modes, {100 * m['high_quality']:.3g}% high-quality "
        f"({len(samples)} samples)"
    )
    return fig


def plot_run(trainer: Trainer, n: int = 2500, field: bool = False) -> Figure:
    """One-call summary of a run: samples, D's surface, losses and gradient norm (plus modes
    over time when the run recorded evaluations). `field=True` adds the generator's push."""
    fig = plt.figure(figsize=run_figsize(trainer.history), layout="constrained")
    return draw_run(fig, trainer, n, field)
