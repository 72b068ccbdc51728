"""Why the minimax generator loss saturates: a concept diagram and its animation over a probe.

For one sample with discriminator output D = σ(ℓ), the generator's losses and their slopes in
the logit ℓ are

    minimax           log(1 - D)    d/dℓ = -D
    non-saturating    -log D        d/dℓ = -(1 - D)

so both push G along ∇_θ ℓ, scaled by D (minimax) or by 1 - D (non-saturating). Where D
confidently rejects the fakes (D(G(z)) → 0) the minimax factor vanishes and the loss is flat:
it saturates. `plot_saturation_diagram` draws the two losses and the two factors against
D(G(z)); `animate_probe_saturation` plays a vanishing-gradient probe (gan_toy.probes) over the
discriminator's iterations, with the probe's mean D(G(z)) moving along the factor curves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np

from gan_toy.plots.animation import Animation

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LOSS_COLOURS = {"minimax": "C0", "ns": "C1"}
LOSS_LABELS = {"minimax": "minimax, log(1 − D)", "ns": "non-saturating, −log D"}


def saturation_curves(d_fake) -> dict[str, dict[str, np.ndarray]]:
    """Per loss ("minimax", "ns"): the generator's `loss` at D(G(z)) = `d_fake` and the size of
    its slope in the logit, `factor` (D for minimax, 1 - D for ns)."""
    d = np.asarray(d_fake, dtype=float)
    if np.any((d <= 0) | (d >= 1)):
        raise ValueError("D(G(z)) must lie strictly between 0 and 1")
    return {
        "minimax": {"loss": np.log1p(-d), "factor": d},
        "ns": {"loss": -np.log(d), "factor": 1.0 - d},
    }


def _draw_factors(ax, d) -> None:
    curves = saturation_curves(d)
    for name, curve in curves.items():
        ax.plot(d, curve["factor"], color=LOSS_COLOURS[name], label=LOSS_LABELS[name])
    ax.set(
        xscale="log",
        yscale="log",
        ylim=(d[0] / 2, 2),
        xlabel="D(G(z))",
        ylabel="|d loss / d logit|",
        title="Gradient factor",
    )
    ax.grid(True, which="major", alpha=0.3)


def plot_saturation_diagram(width: float = 8.0) -> Figure:
    """Left: both generator losses against D(G(z)); right: the factor that scales their
    gradient, on log axes. The shaded band is where D rejects the fakes and minimax saturates."""
    d = np.logspace(-4, np.log10(0.999), 400)
    curves = saturation_curves(d)
    fig, (left, right) = plt.subplots(1, 2, figsize=(width, 3.4), layout="constrained")
    for name, curve in curves.items():
        left.plot(d, curve["loss"], color=LOSS_COLOURS[name], label=LOSS_LABELS[name])
    left.set(xscale="log", xlabel="D(G(z))", ylabel="generator loss", title="Generator loss")
    left.grid(True, which="major", alpha=0.3)
    left.legend(fontsize=8, loc="upper right")
    _draw_factors(right, d)
    for ax in (left, right):
        ax.axvspan(d[0], 1e-2, color="0.85", zorder=0)
    right.text(3e-4, 0.35, "D rejects the fakes:\nminimax is flat", fontsize=8, va="top")
    right.text(0.3, 1e-3, "D is fooled", fontsize=8, ha="center")
    return fig


def animate_probe_saturation(
    minimax: dict, ns: dict, max_frames: int = 40, width: float = 8.0, dpi: int = 80
) -> Animation:
    """One frame per recorded discriminator iteration (at most `max_frames`) of two probes that
    train the same D (minimax's and ns's records): left, G's gradient norm so far; right, the
    probe's mean D(G(z)) on the two factor curves."""
    if list(minimax["d_iter"]) != list(ns["d_iter"]):
        raise ValueError("the two probes must record the same discriminator iterations")
    iters = np.asarray(minimax["d_iter"])
    frames = np.unique(np.linspace(0, len(iters) - 1, min(max_frames, len(iters))).round())
    d_fake = np.clip(np.asarray(minimax["d_fake"], dtype=float), 1e-6, 1 - 1e-6)
    norms = {"minimax": np.asarray(minimax["g_grad_norm"]), "ns": np.asarray(ns["g_grad_norm"])}

    fig, (left, right) = plt.subplots(1, 2, figsize=(width, 3.4), dpi=dpi, layout="constrained")
    lines, dots = {}, {}
    for name, series in norms.items():
        left.plot(iters, series, color=LOSS_COLOURS[name], alpha=0.2)
        (lines[name],) = left.plot([], [], color=LOSS_COLOURS[name], label=LOSS_LABELS[name])
    left.set(yscale="log", xlabel="discriminator iterations (G frozen)", ylabel="‖∇θ L_G‖")
    left.set_title("G's gradient as D trains", fontsize=10)
    left.legend(fontsize=8, loc="lower left")
    left.grid(True, which="major", alpha=0.3)
    low = min(1e-4, d_fake.min() / 2)
    _draw_factors(right, np.logspace(np.log10(low), np.log10(0.999), 300))
    for name in norms:
        (dots[name],) = right.plot([], [], "o", ms=8, color=LOSS_COLOURS[name])
    caption = right.text(0.03, 0.04, "", transform=right.transAxes, fontsize=8)

    def update(i):
        i = int(i)
        for name in norms:
            lines[name].set_data(iters[: i + 1], norms[name][: i + 1])
        curves = saturation_curves(d_fake[i : i + 1])
        for name in norms:
            dots[name].set_data([d_fake[i]], curves[name]["factor"])
        caption.set_text(f"iteration {iters[i]}: mean D(G(z)) = {d_fake[i]:.2g}")
        return [*lines.values(), *dots.values(), caption]

    return Animation(fig, update, frames=list(frames), blit=False)
