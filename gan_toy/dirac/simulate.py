"""Running the Dirac-GAN: trajectories under simultaneous, alternating and continuous-time
updates, the distance to the equilibrium, and the per-step factor the linear analysis predicts."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gan_toy.dirac.fields import GAN, Values
from gan_toy.dirac.registry import as_variant

MODES = ("simultaneous", "alternating", "continuous")

Field = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def simulate(
    variant: GAN | str,
    theta0: Values,
    psi0: Values,
    lr: float,
    steps: int,
    mode: str = "simultaneous",
    substeps: int = 10,
) -> np.ndarray:
    """Trajectory of (θ, ψ) as an array of shape (steps + 1, 2) (or (steps + 1, 2, *shape)).

    - "simultaneous": both players step from the same point, z ← z + lr·v(z).
    - "alternating": G steps first, θ ← θ + lr·v_θ(θ, ψ); then D steps from the *updated* θ,
      ψ ← ψ + lr·v_ψ(θ_new, ψ).
    - "continuous": the gradient flow dz/dt = v(z), integrated with RK4 (`substeps` RK4 steps of
      lr/substeps per recorded step), so row k is the flow at time t = k·lr, directly comparable
      with step k of the discrete schemes.
    The variant's projection (weight clipping) is applied after every D step / RK4 step.
    """
    variant = as_variant(variant)
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; valid choices: {list(MODES)}")
    if not (lr > 0 and np.isfinite(lr)):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    if int(steps) != steps or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    theta, psi = np.broadcast_arrays(np.asarray(theta0, float), np.asarray(psi0, float))
    theta, psi = variant.project(theta.copy(), psi.copy())
    traj = np.empty((int(steps) + 1, 2) + theta.shape)
    traj[0] = theta, psi
    field, h = variant.field, lr / substeps
    for k in range(1, int(steps) + 1):
        if mode == "simultaneous":
            dt, dp = field(theta, psi)
            theta, psi = theta + lr * dt, psi + lr * dp
        elif mode == "alternating":
            theta = theta + lr * field(theta, psi)[0]
            psi = psi + lr * field(theta, psi)[1]
        else:
            for _ in range(substeps):
                theta, psi = _rk4_step(field, theta, psi, h)
                theta, psi = variant.project(theta, psi)
        theta, psi = variant.project(theta, psi)
        traj[k] = theta, psi
        if not np.all(np.isfinite(traj[k])):
            raise FloatingPointError(f"{variant.name}: (θ, ψ) became non-finite at step {k}")
    return traj


def _rk4_step(
    field: Field, theta: np.ndarray, psi: np.ndarray, h: float
) -> tuple[np.ndarray, np.ndarray]:
    k1 = field(theta, psi)
    k2 = field(theta + h / 2 * k1[0], psi + h / 2 * k1[1])
    k3 = field(theta + h / 2 * k2[0], psi + h / 2 * k2[1])
    k4 = field(theta + h * k3[0], psi + h * k3[1])
    return (
        theta + h / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]),
        psi + h / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]),
    )


def step_factor(variant: GAN | str, lr: float) -> float:
    """Factor by which one simultaneous step of size lr multiplies the distance to the
    equilibrium close to it: max |1 + lr·λ| over the Jacobian's eigenvalues λ.

    > 1 spirals out (plain GAN: √(1 + lr²f'(0)²)), < 1 converges. For λ = a ± bi with
    a² + b² = f'(0)² this is < 1 iff 2a + lr·f'(0)² < 0: with lr = 0.1, R1 needs γ > 0.025 and
    instance noise σ > √(lr/2) ≈ 0.22.
    """
    variant = as_variant(variant)
    eig = variant.eigenvalues()
    if eig is None:
        eig = np.linalg.eigvals(variant.jacobian_at_equilibrium())
    return float(np.max(np.abs(1 + lr * np.asarray(eig))))


def distance_to_equilibrium(
    traj: Values, equilibrium: tuple[float, float] = (0.0, 0.0)
) -> np.ndarray:
    """Euclidean distance of every row of a trajectory (steps + 1, 2, ...) to the equilibrium."""
    traj = np.asarray(traj, dtype=float)
    eq = np.asarray(equilibrium, dtype=float).reshape((1, 2) + (1,) * (traj.ndim - 2))
    return np.sqrt(((traj - eq) ** 2).sum(axis=1))
