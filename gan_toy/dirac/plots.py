"""Figures of the Dirac-GAN in the (θ, ψ) plane: the vector field, and trajectories under each
update scheme over it. What is particular to a variant (a bound on ψ, stationary points other
than the equilibrium) the variant says itself, so these functions draw every variant alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from gan_toy.dirac.fields import GAN
from gan_toy.dirac.registry import as_variant
from gan_toy.dirac.simulate import MODES, simulate

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.quiver import Quiver


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        # pyplot only once a figure is asked for: simulating needs numpy alone.
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(5.5, 6.5), constrained_layout=True)
    return ax


def _arrows(ax: Axes, variant: GAN, lim: float, n: int, **style) -> Quiver:
    """Unit arrows of the field on an n×n grid: directions stay readable where v is weak."""
    grid = np.linspace(-lim, lim, n)
    theta, psi = np.meshgrid(grid, grid)
    dt, dp = variant.field(theta, psi)
    speed = np.hypot(dt, dp)
    norm = np.where(speed > 0, speed, 1.0)
    # One arrow spans ~70% of a grid cell.
    scale = 1.0 / (0.7 * (grid[1] - grid[0]))
    args = (theta, psi, dt / norm, dp / norm) + ((speed,) if "color" not in style else ())
    return ax.quiver(
        *args,
        angles="xy",
        scale_units="xy",
        scale=scale,
        pivot="mid",
        width=0.004,
        headwidth=4,
        headlength=4,
        headaxislength=3.5,
        **style,
    )


def _decorate(ax: Axes, variant: GAN, lim: float) -> None:
    ax.plot(
        *variant.equilibrium,
        marker="*",
        color="k",
        markersize=13,
        linestyle="none",
        label="equilibrium (0, 0)",
    )
    if variant.psi_bound is not None:
        c = variant.psi_bound
        ax.axhline(c, color="grey", linestyle=":", linewidth=1, label="clip ψ = ±c")
        ax.axhline(-c, color="grey", linestyle=":", linewidth=1)
    stationary = variant.stationary_points()
    if len(stationary):
        ax.plot(
            stationary[:, 0],
            stationary[:, 1],
            "X",
            color="C1",
            markersize=9,
            linestyle="none",
            label=variant.stationary_label,
        )
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), xlabel="θ (generator)", ylabel="ψ (discriminator)")
    ax.set_title(variant.label)
    ax.set_aspect("equal")


def plot_field(
    variant: GAN | str,
    ax: Axes | None = None,
    lim: float = 2.0,
    n: int = 21,
    kind: str = "quiver",
    density: float = 1.0,
) -> Axes:
    """The vector field v(θ, ψ) on [-lim, lim]², as n×n unit arrows coloured by speed ("quiver")
    or as streamlines ("stream", `density` as in matplotlib's streamplot)."""
    variant, ax = as_variant(variant), _axes(ax)
    if kind not in ("quiver", "stream"):
        raise ValueError(f"unknown kind {kind!r}; valid choices: ['quiver', 'stream']")
    if kind == "quiver":
        _arrows(ax, variant, lim, n, cmap="viridis")
    else:
        grid = np.linspace(-lim, lim, 4 * n)
        theta, psi = np.meshgrid(grid, grid)
        dt, dp = variant.field(theta, psi)
        ax.streamplot(grid, grid, dt, dp, color=np.hypot(dt, dp), cmap="viridis", density=density)
    _decorate(ax, variant, lim)
    return ax


def plot_trajectories(
    variant: GAN | str,
    theta0: float = 1.0,
    psi0: float = 1.0,
    lr: float = 0.1,
    steps: int = 300,
    modes: Sequence[str] = MODES,
    ax: Axes | None = None,
    lim: float = 2.5,
    legend: bool = True,
) -> Axes:
    """Trajectories from (θ0, ψ0), one per update mode, over the (faint) vector field.

    Each trajectory's end point is marked with a dot; `legend=False` drops the legend (e.g. for a
    grid of panels that share one).
    """
    variant, ax = as_variant(variant), _axes(ax)
    _arrows(ax, variant, lim, 17, color="0.78")
    styles = {"simultaneous": ("C3", "-"), "alternating": ("C0", "-"), "continuous": ("k", "--")}
    for mode in modes:
        traj = simulate(variant, theta0, psi0, lr, steps, mode)
        color, ls = styles[mode]
        label = f"{mode} ({steps} steps, lr={lr:g})"
        ax.plot(traj[:, 0], traj[:, 1], color=color, linestyle=ls, linewidth=1.3, label=label)
        ax.plot(*traj[-1], "o", color=color, markersize=4)
    ax.plot(theta0, psi0, "o", color="C2", markersize=7, label="start")
    _decorate(ax, variant, lim)
    if legend:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize="small")
    return ax
