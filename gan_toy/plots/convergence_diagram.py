"""Chapter 4's pictures of why a GAN game circles and what damping does.

- `plot_convergence_diagram()`: a schematic in three panels of the Dirac-GAN's linearised
  game: the field rotates about the equilibrium and a simultaneous step overshoots the circle
  it is tangent to; a penalty on D's slope turns the rotation into a spiral in; and where the
  eigenvalues of the Jacobian go as the penalty's strength γ grows.
- `damping_animation(gammas)`: one frame per strength γ of a Dirac-GAN penalty, trajectories
  of the three update schemes and their distance to the equilibrium (rotation → spiral →
  over-damped), as a matplotlib animation for `animation_html`.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from gan_toy.dirac import distance_to_equilibrium, make_variant, simulate
from gan_toy.dirac.plots import plot_trajectories
from gan_toy.plots.animation import Animation

A = 0.5  # f'(0) of the GAN loss: the Dirac-GAN's speed of rotation at the equilibrium
FONT = 9  # points: legible at the book's column width


def damped_eigenvalues(gamma: float, a: float = A) -> np.ndarray:
    """Eigenvalues of J = [[0, -a], [a, -γ]]: -γ/2 ± √(γ²/4 - a²)."""
    root = np.sqrt(complex(gamma**2 / 4 - a**2))
    return np.array([-gamma / 2 + root, -gamma / 2 - root])


def regime(eigenvalues: Sequence[complex], tol: float = 1e-9) -> str:
    """What the linearised game does at the equilibrium, from the Jacobian's eigenvalues:
    "rotation" (purely imaginary), "spiral" (complex, negative real part), "over-damped"
    (real and negative), or "unstable" (a positive real part)."""
    ev = np.asarray(eigenvalues, dtype=complex)
    if np.any(ev.real > tol):
        return "unstable"
    if np.all(np.abs(ev.real) <= tol):
        return "rotation"
    return "spiral" if np.any(np.abs(ev.imag) > tol) else "over-damped"


def _linear_path(gamma: float, start, dt: float, steps: int, simultaneous: bool):
    jac = np.array([[0.0, -A], [A, -gamma]])
    z, path = np.array(start, dtype=float), [np.array(start, dtype=float)]
    for _ in range(steps):
        if simultaneous:  # one Euler step of size dt
            z = z + dt * jac @ z
        else:  # the exact flow over dt
            w, v = np.linalg.eig(jac)
            z = np.real(v @ np.diag(np.exp(w * dt)) @ np.linalg.solve(v, z))
        path.append(z)
    return np.array(path)


def _arrows(ax, gamma: float, lim: float) -> None:
    grid = np.linspace(-lim, lim, 11)
    theta, psi = np.meshgrid(grid, grid)
    dt, dp = -A * psi, A * theta - gamma * psi
    norm = np.hypot(dt, dp) + 1e-12
    ax.quiver(
        theta,
        psi,
        dt / norm,
        dp / norm,
        color="0.75",
        angles="xy",
        pivot="mid",
        scale=16,
        width=0.006,
    )


def _plane(ax, title: str, lim: float = 1.5) -> None:
    ax.plot(0, 0, "k*", markersize=10)
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), xticks=[-1, 0, 1], yticks=[-1, 0, 1])
    ax.set_xlabel("θ (generator)", fontsize=FONT)
    ax.set_ylabel("ψ (discriminator)", fontsize=FONT)
    ax.set_title(title, fontsize=FONT + 1)
    ax.set_aspect("equal")
    ax.tick_params(labelsize=FONT)


def plot_convergence_diagram(gamma: float = 0.3, eta: float = 0.5) -> Figure:
    """The schematic: rotation and overshooting steps, the damped spiral, the eigenvalues.

    The step size `eta` is exaggerated so that the overshoot shows; `gamma` is the damping of
    the middle panel.
    """
    fig, axes = plt.subplots(1, 3, figsize=(8, 3.3), layout="constrained")
    ax = axes[0]
    _arrows(ax, 0.0, 1.4)
    ring = np.linspace(0, 2 * np.pi, 200)
    ax.plot(0.6 * np.cos(ring), 0.6 * np.sin(ring), "k--", lw=1.2, label="flow: a circle")
    steps = _linear_path(0.0, (0.6, 0.0), eta / A, 6, simultaneous=True)
    ax.plot(*steps.T, "o-", color="C3", lw=1.4, ms=3, label="simultaneous steps")
    _plane(ax, "No damping: rotation")
    ax.legend(fontsize=FONT - 1, loc="lower left", framealpha=0.9)

    ax = axes[1]
    _arrows(ax, gamma, 1.4)
    path = _linear_path(gamma, (1.0, 1.0), 0.05, 600, simultaneous=False)
    ax.plot(*path.T, "k-", lw=1.3, label="flow: spirals in")
    _plane(ax, f"Penalty on ψ, γ = {gamma:g}")
    ax.legend(fontsize=FONT - 1, loc="lower left", framealpha=0.9)

    ax = axes[2]
    gammas = np.linspace(0, 2.5, 400)
    locus = np.array([damped_eigenvalues(g) for g in gammas])
    ax.plot(locus[:, 0].real, locus[:, 0].imag, color="C0", lw=1.5)
    ax.plot(locus[:, 1].real, locus[:, 1].imag, color="C0", lw=1.5)
    marks = (
        (0.0, "o", "γ = 0", (6, -2)),
        (gamma, "s", f"γ = {gamma:g}", (-38, 4)),
        (2 * A, "D", "γ = 2f′(0)", (-20, 8)),
    )
    for g, marker, label, offset in marks:
        ev = damped_eigenvalues(g)
        ax.plot(ev.real, ev.imag, marker, color="C3", ms=5, ls="none")
        ax.annotate(
            label,
            (ev[0].real, ev[0].imag),
            xytext=offset,
            textcoords="offset points",
            fontsize=FONT - 1,
        )
    ax.axvline(0, color="0.6", lw=0.8)
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set(xlim=(-2.4, 0.4), ylim=(-0.8, 0.8))
    ax.set_xlabel("Re λ (< 0: attracting)", fontsize=FONT)
    ax.set_ylabel("Im λ (rotation speed)", fontsize=FONT)
    ax.set_title("Eigenvalues as γ grows", fontsize=FONT + 1)
    ax.tick_params(labelsize=FONT)
    return fig


def damping_animation(
    gammas: Sequence[float],
    variant: str = "r1",
    lr: float = 0.1,
    steps: int = 600,
    start: tuple[float, float] = (1.0, 1.0),
) -> Animation:
    """One frame per strength in `gammas` of the Dirac-GAN penalty `variant` ("r1", "r2",
    "weight-penalty", "roth"): trajectories from `start` (left) and the distance to the
    equilibrium over the steps (right). Small on purpose: 7.5 × 3.6 in at 80 dpi."""
    if not len(gammas):
        raise ValueError("need at least one strength")
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(7.5, 3.6), dpi=80, layout="constrained", width_ratios=(1, 1.2)
    )
    styles = {"continuous": ("k", "--"), "simultaneous": ("C3", "-"), "alternating": ("C0", "-")}

    def update(gamma):
        model = make_variant(variant, gamma=float(gamma))
        ev = model.eigenvalues()
        left.clear()
        right.clear()
        plot_trajectories(model, *start, lr=lr, steps=steps, ax=left, lim=1.6, legend=False)
        for mode, (color, ls) in styles.items():
            r = distance_to_equilibrium(simulate(model, *start, lr, steps, mode, substeps=2))
            right.semilogy(np.maximum(r, 1e-8), color=color, ls=ls, lw=1.3, label=mode)
        left.set_title(f"{model.title}, γ = {gamma:.3g}: {regime(ev)}", fontsize=FONT + 1)
        right.set_title(
            f"eigenvalues {ev[0].real:+.2f} ± {abs(ev[0].imag):.2f}i"
            if abs(ev[0].imag) > 1e-9
            else f"eigenvalues {ev[0].real:+.2f}, {ev[1].real:+.2f}",
            fontsize=FONT + 1,
        )
        right.set(ylim=(1e-8, 10))
        right.set_xlabel(f"step (η = {lr:g})", fontsize=FONT)
        right.set_ylabel("distance to (0, 0)", fontsize=FONT)
        right.legend(fontsize=FONT - 1, loc="lower left")
        for ax in (left, right):
            ax.tick_params(labelsize=FONT)
        left.xaxis.label.set_size(FONT)
        left.yaxis.label.set_size(FONT)
        return []

    return Animation(fig, update, frames=list(gammas), blit=False, interval=400)
