"""The Dirac-GAN's vector fields without a convergence remedy: the GAN (minimax), the
non-saturating GAN and the WGAN, and the WGAN's two Lipschitz constraints (weight clipping,
gradient penalty), neither of which makes it converge.

`GAN` is the base class: a variant changes f (WGAN), what G minimises (`loss_g`, `dtheta`), the
penalty D subtracts (`penalty`, `dpenalty_dpsi`) or the projection after each step (`project`).
"""

from __future__ import annotations

import numpy as np

# A number or an array of numbers: the fields are evaluated on grids and at single points.
Values = float | np.ndarray


# --- the function f and its derivatives -------------------------------------------------------
def sigmoid(t: Values) -> np.ndarray:
    """The logistic function, in tanh form: no overflow warning for large |t|."""
    return 0.5 * (1.0 + np.tanh(0.5 * t))


def f_gan(t: Values) -> np.ndarray:
    """f(t) = -log(1 + exp(-t)) = log sigmoid(t), the standard (Goodfellow) GAN."""
    return -np.logaddexp(0.0, -t)


def df_gan(t: Values) -> np.ndarray:
    """f'(t) = sigmoid(-t); f'(0) = 1/2."""
    return sigmoid(-t)


def d2f_gan(t: Values) -> np.ndarray:
    """f''(t) = -sigmoid(t) sigmoid(-t); f''(0) = -1/4."""
    return -sigmoid(t) * sigmoid(-t)


def nonnegative(name: str, value: float) -> float:
    """`value` as a float, or a ValueError naming the parameter if it is negative or not finite."""
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


# How `label` writes each constructor parameter.
_SYMBOL = {"gamma": "γ", "sigma": "σ", "lam": "λ", "c": "c", "g0": "g0"}


# --- vector fields ------------------------------------------------------------------------------
class GAN:
    """Unregularised GAN (minimax): L = f(ψθ) + f(0), v = (-f'(ψθ)ψ, f'(ψθ)θ).

    v is always orthogonal to (θ, ψ), for every f. Hence continuous-time trajectories are exact
    circles, d/dt (θ² + ψ²)/2 = 0, while a simultaneous step of size h can only move outwards:
    r² ← r² (1 + h² f'(ψθ)²), i.e. at most ×√(1 + h²/4) per step near the equilibrium.
    """

    name = "gan"
    title = "GAN (minimax)"
    equilibrium = (0.0, 0.0)

    # f and its first two derivatives; WGAN swaps them for f(t) = t.
    f, df, d2f = staticmethod(f_gan), staticmethod(df_gan), staticmethod(d2f_gan)

    # How a legend names `stationary_points()`.
    stationary_label = "stationary points"

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({params})"

    @property
    def label(self) -> str:
        """Title with the parameters, for plots."""
        params = ", ".join(f"{_SYMBOL.get(k, k)}={v:g}" for k, v in vars(self).items())
        return f"{self.title} ({params})" if params else self.title

    @property
    def psi_bound(self) -> float | None:
        """The bound c that `project` keeps |ψ| within after every step, if any (none here)."""
        return None

    def penalty(self, theta: Values, psi: Values) -> Values:
        """Regulariser R(θ, ψ) that D subtracts from its objective (none here)."""
        return np.zeros(np.broadcast(theta, psi).shape)

    def dpenalty_dpsi(self, theta: Values, psi: Values) -> Values:
        return np.zeros(np.broadcast(theta, psi).shape)

    def loss_g(self, theta: Values, psi: Values) -> np.ndarray:
        """What G minimises: L(θ, ψ) = f(ψθ) + f(0)."""
        return self.f(psi * theta) + self.f(0.0)

    def loss_d(self, theta: Values, psi: Values) -> np.ndarray:
        """What D maximises: L(θ, ψ) - R(θ, ψ)."""
        return self.f(psi * theta) + self.f(0.0) - self.penalty(theta, psi)

    def dtheta(self, theta: Values, psi: Values) -> np.ndarray:
        return -self.df(psi * theta) * psi

    def field(self, theta: Values, psi: Values) -> tuple[np.ndarray, np.ndarray]:
        """(dθ, dψ) = (-∂L_G/∂θ, ∂L_D/∂ψ) at (θ, ψ); arrays broadcast."""
        theta, psi = np.asarray(theta, dtype=float), np.asarray(psi, dtype=float)
        dpsi = self.df(psi * theta) * theta - self.dpenalty_dpsi(theta, psi)
        return self.dtheta(theta, psi), dpsi

    def project(self, theta: np.ndarray, psi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Constraint applied after every step (identity except for weight clipping)."""
        return theta, psi

    def stationary_points(self) -> np.ndarray:
        """Points other than the equilibrium where the field vanishes, as rows (θ, ψ): where a
        run can settle instead (none here)."""
        return np.empty((0, 2))

    def eigenvalues(self) -> np.ndarray | None:
        """Closed-form eigenvalues of the Jacobian at the equilibrium: ±f'(0)i."""
        a = self.df(0.0)
        return np.array([1j * a, -1j * a])

    def jacobian_at_equilibrium(self, h: float = 1e-5) -> np.ndarray:
        """2×2 Jacobian of `field` at the equilibrium, by central finite differences."""
        t0, p0 = self.equilibrium
        jac = np.empty((2, 2))
        for j, (dt, dp) in enumerate([(h, 0.0), (0.0, h)]):
            plus = self.field(t0 + dt, p0 + dp)
            minus = self.field(t0 - dt, p0 - dp)
            jac[:, j] = [(plus[i] - minus[i]) / (2 * h) for i in range(2)]
        return jac


class NonSaturatingGAN(GAN):
    """Non-saturating GAN: G minimises -f(-ψθ) instead, so dθ = -f'(-ψθ)ψ.

    Same Jacobian at the equilibrium as the minimax GAN (eigenvalues ±f'(0)i), so the linear
    analysis is inconclusive and the nonlinear terms decide: with t = ψθ,
    d/dt (θ² + ψ²)/2 = t (f'(t) - f'(-t)) = -t tanh(t/2) ≤ 0, so the gradient flow does spiral in,
    but only slowly (the decay is of fourth order in the radius), and with finite simultaneous steps
    the outward push of order h²r² balances it at a radius that shrinks with h.
    """

    name = "ns"
    title = "Non-saturating GAN"

    def loss_g(self, theta: Values, psi: Values) -> np.ndarray:
        return -self.f(-psi * theta)

    def dtheta(self, theta: Values, psi: Values) -> np.ndarray:
        return -self.df(-psi * theta) * psi


class WGAN(GAN):
    """WGAN without a Lipschitz constraint: f(t) = t, L = ψθ, v = (-ψ, θ); eigenvalues ±i."""

    name = "wgan"
    title = "WGAN"
    f = staticmethod(lambda t: t)
    df = staticmethod(lambda t: np.ones_like(t))
    d2f = staticmethod(lambda t: np.zeros_like(t))


class WGANClip(WGAN):
    """WGAN with weight clipping: after each D step ψ ← clip(ψ, -c, c) (Arjovsky et al. 2017).

    Inside the box the field is the WGAN's, so the Jacobian at (0, 0) still has eigenvalues ±i.
    Clipping only ever cuts an orbit down to size: the gradient flow ends on the circle of radius
    c (from any start outside it), simultaneous steps on a loop of radius 0.50–0.57 (c = 0.5,
    lr = 0.1) that keeps growing until clipped again; nothing ever reaches (0, 0).
    """

    name = "wgan-clip"
    title = "WGAN, weight clipping"

    def __init__(self, c: float = 0.5) -> None:
        # 0.5 rather than the paper's 0.01, so the clipping shows in a [-2, 2]² picture.
        self.c = nonnegative("c", c)
        if self.c == 0:
            raise ValueError(f"c must be > 0, got {c!r}")

    @property
    def psi_bound(self) -> float:
        return self.c

    def project(self, theta: np.ndarray, psi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return theta, np.clip(psi, -self.c, self.c)


class WGANGP(WGAN):
    """WGAN-GP: D maximises ψθ - λ(|ψ| - g0)², since ∇_x D_ψ = ψ at every interpolate.

    Gulrajani et al. 2017 use g0 = 1. The penalty wants |ψ| = g0, not ψ = 0, and its gradient
    2λ(|ψ| - g0)sign(ψ) jumps by 4λg0 at ψ = 0: the field is discontinuous at the equilibrium,
    which has no Jacobian. For ψ > 0 the field is the smooth (-ψ, θ - 2λ(ψ - g0)), which vanishes
    at (θ, ψ) = (-2λg0, 0) with Jacobian eigenvalues -λ ± √(λ² - 1); symmetrically for ψ < 0 at
    (+2λg0, 0). For λ ≥ 1 these are attracting nodes: trajectories end at one of them, with the
    generator 2λg0 away from the data. For λ < 1 they are foci whose spirals cross ψ = 0, and
    trajectories keep cycling at distance > 1 from (0, 0). Either way (0, 0) is never reached.
    """

    name = "wgan-gp"
    title = "WGAN-GP"
    stationary_label = "stationary (±2λg0, 0)"

    def __init__(self, lam: float = 1.0, g0: float = 1.0) -> None:
        # λ = 1, not the paper's 10: with lr = 0.1 and λ = 10, ψ steps overshoot (lr·2λ = 2).
        self.lam = nonnegative("lam", lam)
        self.g0 = nonnegative("g0", g0)

    def penalty(self, theta: Values, psi: Values) -> np.ndarray:
        return self.lam * (np.abs(psi) - self.g0) ** 2

    def dpenalty_dpsi(self, theta: Values, psi: Values) -> np.ndarray:
        return 2 * self.lam * (np.abs(psi) - self.g0) * np.sign(psi)

    def stationary_points(self) -> np.ndarray:
        """Where the one-sided fields vanish, (∓2λg0, 0): the points WGAN-GP settles at."""
        t = 2 * self.lam * self.g0
        return np.array([[-t, 0.0], [t, 0.0]])

    def eigenvalues(self) -> None:
        return None  # not differentiable at ψ = 0

    def jacobian_at_equilibrium(self, h: float = 1e-5) -> np.ndarray:
        raise ValueError("wgan-gp: the field jumps at ψ = 0, so there is no Jacobian there")
