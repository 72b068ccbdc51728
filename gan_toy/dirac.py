"""The Dirac-GAN: the smallest GAN that shows why GAN training need not converge.

Mescheder, Geiger & Nowozin 2018, "Which training methods for GANs do actually converge?".
The generator is a point mass p_θ = δ_θ, the discriminator is linear, D_ψ(x) = ψ·x, and the data
distribution is δ_0. With their sign convention the GAN objective is

    L(θ, ψ) = f(D_ψ(θ)) + f(-D_ψ(0)) = f(ψθ) + f(0),

which D maximises and G minimises; f(t) = -log(1 + exp(-t)) for the standard GAN (f'(0) = 1/2)
and f(t) = t for the WGAN. (Their D_ψ is the logit of "fake": the probability D gives a point x of
being real is sigmoid(-ψx). Flipping ψ → -ψ gives the textbook sign; the dynamics are the same.)
The only equilibrium is (θ, ψ) = (0, 0).

Each variant below is a small vector-field class. `field(theta, psi)` returns the direction of
simultaneous gradient descent for G and ascent for D,

    v(θ, ψ) = (-∂L_G/∂θ, ∂L_D/∂ψ),

where L_G is what G minimises and L_D (regularisers included) what D maximises; both objectives
are written out as `loss_g` and `loss_d`, so a test can check `field` against finite differences.
At the equilibrium the Jacobian of v decides everything: eigenvalues on the imaginary axis
(unregularised GAN: ±f'(0)i) give circles in continuous time and outward spirals for simultaneous
gradient steps; a penalty (γ/2)ψ² moves them to -γ/2 ± √(γ²/4 - f'(0)²), into the left half plane.

Everything is numpy and vectorised: theta and psi may be arrays of any (broadcastable) shape.
"""

from __future__ import annotations

import inspect

import numpy as np


# --- the function f and its derivatives -------------------------------------------------------
def _sigmoid(t):
    # tanh form: no overflow warning for large |t|.
    return 0.5 * (1.0 + np.tanh(0.5 * t))


def f_gan(t):
    """f(t) = -log(1 + exp(-t)) = log sigmoid(t), the standard (Goodfellow) GAN."""
    return -np.logaddexp(0.0, -t)


def df_gan(t):
    """f'(t) = sigmoid(-t); f'(0) = 1/2."""
    return _sigmoid(-t)


def d2f_gan(t):
    """f''(t) = -sigmoid(t) sigmoid(-t); f''(0) = -1/4."""
    return -_sigmoid(t) * _sigmoid(-t)


def _check_nonneg(name, value):
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


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

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({params})"

    @property
    def label(self) -> str:
        """Title with the parameters, for plots."""
        params = ", ".join(f"{_SYMBOL.get(k, k)}={v:g}" for k, v in vars(self).items())
        return f"{self.title} ({params})" if params else self.title

    def penalty(self, theta, psi):
        """Regulariser R(θ, ψ) that D subtracts from its objective (none here)."""
        return np.zeros(np.broadcast(theta, psi).shape)

    def dpenalty_dpsi(self, theta, psi):
        return np.zeros(np.broadcast(theta, psi).shape)

    def loss_g(self, theta, psi):
        """What G minimises: L(θ, ψ) = f(ψθ) + f(0)."""
        return self.f(psi * theta) + self.f(0.0)

    def loss_d(self, theta, psi):
        """What D maximises: L(θ, ψ) - R(θ, ψ)."""
        return self.f(psi * theta) + self.f(0.0) - self.penalty(theta, psi)

    def dtheta(self, theta, psi):
        return -self.df(psi * theta) * psi

    def field(self, theta, psi):
        """(dθ, dψ) = (-∂L_G/∂θ, ∂L_D/∂ψ) at (θ, ψ); arrays broadcast."""
        theta, psi = np.asarray(theta, dtype=float), np.asarray(psi, dtype=float)
        dpsi = self.df(psi * theta) * theta - self.dpenalty_dpsi(theta, psi)
        return self.dtheta(theta, psi), dpsi

    def project(self, theta, psi):
        """Constraint applied after every step (identity except for weight clipping)."""
        return theta, psi

    def eigenvalues(self):
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

    def loss_g(self, theta, psi):
        return -self.f(-psi * theta)

    def dtheta(self, theta, psi):
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

    def __init__(self, c: float = 0.5):
        # 0.5 rather than the paper's 0.01, so the clipping shows in a [-2, 2]² picture.
        self.c = _check_nonneg("c", c)
        if self.c == 0:
            raise ValueError(f"c must be > 0, got {c!r}")

    def project(self, theta, psi):
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

    def __init__(self, lam: float = 1.0, g0: float = 1.0):
        # λ = 1, not the paper's 10: with lr = 0.1 and λ = 10, ψ steps overshoot (lr·2λ = 2).
        self.lam = _check_nonneg("lam", lam)
        self.g0 = _check_nonneg("g0", g0)

    def penalty(self, theta, psi):
        return self.lam * (np.abs(psi) - self.g0) ** 2

    def dpenalty_dpsi(self, theta, psi):
        return 2 * self.lam * (np.abs(psi) - self.g0) * np.sign(psi)

    def eigenvalues(self):
        return None  # not differentiable at ψ = 0

    def jacobian_at_equilibrium(self, h: float = 1e-5):
        raise ValueError("wgan-gp: the field jumps at ψ = 0, so there is no Jacobian there")


class Penalised(GAN):
    """GAN with D penalty (γ/2)ψ²: dψ gains -γψ; eigenvalues -γ/2 ± √(γ²/4 - f'(0)²).

    For γ < 2f'(0) (= 1) the eigenvalues are complex with real part -γ/2 (damped spiral); for
    γ > 2f'(0) they are real and negative (over-damped). Either way (0, 0) is attracting.
    """

    def __init__(self, gamma: float = 1.0):
        self.gamma = _check_nonneg("gamma", gamma)

    def penalty(self, theta, psi):
        return 0.5 * self.gamma * psi**2

    def dpenalty_dpsi(self, theta, psi):
        return self.gamma * psi

    def eigenvalues(self):
        return _damped_eigenvalues(self.gamma / 2, self.df(0.0))


def _damped_eigenvalues(damping, a):
    # Roots of λ² + 2·damping·λ + a² = 0, i.e. the Jacobian [[0, -a], [a, -2·damping]].
    root = np.sqrt(complex(damping**2 - a**2))
    return np.array([-damping + root, -damping - root])


class R1(Penalised):
    """R1 (Mescheder et al. 2018): (γ/2)‖∇_x D‖² on real data; ∇_x D = ψ at x = 0 → (γ/2)ψ²."""

    name, title = "r1", "R1"


class R2(Penalised):
    """R2: the same penalty on generated data, at x = θ; for a linear D also (γ/2)ψ²."""

    name, title = "r2", "R2"


class WeightPenalty(Penalised):
    """L2 penalty (γ/2)ψ² on the discriminator's weights; for the Dirac-GAN it equals R1."""

    name, title = "weight-penalty", "Weight penalty"


class Roth(Penalised):
    """Roth et al. 2017: R = γ/2 (E_data[(1-D(x))²‖∇_x D‖²] + E_gen[D(x)²‖∇_x D‖²]).

    Here D(x) = sigmoid(-ψx) is D's probability that x is real, so on data (x = 0) the weight
    is 1/4 and on the generator (x = θ) it is sigmoid(-ψθ)²:  R = γ/2 ψ² (1/4 + sigmoid(-ψθ)²).
    At the equilibrium both weights are 1/4, so locally this is (γ/4)ψ², i.e. Penalised(γ/2).
    """

    name, title = "roth", "Roth et al."

    def penalty(self, theta, psi):
        return 0.5 * self.gamma * psi**2 * (0.25 + _sigmoid(-psi * theta) ** 2)

    def dpenalty_dpsi(self, theta, psi):
        s = _sigmoid(-psi * theta)
        # d/dψ sigmoid(-ψθ)² = 2s · s(1-s) · (-θ)
        ds2 = -2 * s * s * (1 - s) * theta
        return self.gamma * psi * (0.25 + s**2) + 0.5 * self.gamma * psi**2 * ds2

    def eigenvalues(self):
        return _damped_eigenvalues(self.gamma / 4, self.df(0.0))


class InstanceNoise(GAN):
    """Instance noise: both data and samples get ε ~ N(0, σ²) added before D sees them.

    L = E_ε[f(ψ(θ + ε))] + E_ε[f(-ψε)], so
        dθ = -ψ E[f'(ψ(θ+ε))],   dψ = E[f'(ψ(θ+ε))(θ+ε)] - E[f'(-ψε)ε].
    The expectations over z = ε/σ ~ N(0, 1) use the trapezoidal rule on z ∈ [-10, 10] (401
    points). For a smooth integrand with Gaussian tails it converges geometrically, and unlike
    Gauss–Hermite it stays accurate when σ|ψ| is large (40 Gauss–Hermite nodes are off by 2e-4
    at σ = 2, the trapezoid by < 1e-10). At (0, 0) the noise adds ∂dψ/∂ψ = 2f''(0)σ², giving the
    eigenvalues f''(0)σ² ± √(f''(0)²σ⁴ - f'(0)²) (Mescheder et al.), i.e. a penalty γ = σ²/2.
    """

    name, title = "instance-noise", "Instance noise"

    def __init__(self, sigma: float = 1.0):
        self.sigma = _check_nonneg("sigma", sigma)
        z = np.linspace(-10.0, 10.0, 401)
        w = np.exp(-0.5 * z**2)
        self._z, self._w = z, w / w.sum()

    @property
    def label(self) -> str:
        return f"{self.title} (σ={self.sigma:g})"

    def __repr__(self):
        return f"InstanceNoise(sigma={self.sigma!r})"

    def _mean(self, values):
        return values @ self._w  # quadrature over the trailing noise axis

    def loss_g(self, theta, psi):
        theta, psi = np.asarray(theta, float)[..., None], np.asarray(psi, float)[..., None]
        eps = self.sigma * self._z
        return self._mean(self.f(psi * (theta + eps)) + self.f(-psi * eps))

    loss_d = loss_g

    def field(self, theta, psi):
        theta, psi = np.asarray(theta, float)[..., None], np.asarray(psi, float)[..., None]
        x_fake, x_real = theta + self.sigma * self._z, self.sigma * self._z
        d_fake = self.df(psi * x_fake)
        dtheta = -psi[..., 0] * self._mean(d_fake)
        dpsi = self._mean(d_fake * x_fake - self.df(-psi * x_real) * x_real)
        return dtheta, dpsi

    def eigenvalues(self):
        return _damped_eigenvalues(-d2f_gan(0.0) * self.sigma**2, self.df(0.0))


class Consensus(GAN):
    """Consensus optimisation (Mescheder et al. 2017): both players also descend γ/2 ‖v‖².

    G minimises L + γ/2‖v‖², D maximises L - γ/2‖v‖², so the field is v - γ Jᵀv with J the
    Jacobian of the plain GAN field v. At the equilibrium JᵀJ = f'(0)² I, so the eigenvalues
    ±f'(0)i move to -γf'(0)² ± f'(0)i.
    """

    name, title = "consensus", "Consensus optimisation"

    def __init__(self, gamma: float = 1.0):
        self.gamma = _check_nonneg("gamma", gamma)

    def _v_and_jtv(self, theta, psi):
        t = psi * theta
        a, b = self.df(t), self.d2f(t)
        v1, v2 = -a * psi, a * theta
        # J = [[-bψ², -a - bψθ], [a + bψθ, bθ²]]
        jtv1 = -b * psi**2 * v1 + (a + b * t) * v2
        jtv2 = -(a + b * t) * v1 + b * theta**2 * v2
        return v1, v2, jtv1, jtv2

    def loss_g(self, theta, psi):
        v1, v2, _, _ = self._v_and_jtv(theta, psi)
        return super().loss_g(theta, psi) + 0.5 * self.gamma * (v1**2 + v2**2)

    def loss_d(self, theta, psi):
        v1, v2, _, _ = self._v_and_jtv(theta, psi)
        return super().loss_d(theta, psi) - 0.5 * self.gamma * (v1**2 + v2**2)

    def field(self, theta, psi):
        theta, psi = np.asarray(theta, dtype=float), np.asarray(psi, dtype=float)
        v1, v2, jtv1, jtv2 = self._v_and_jtv(theta, psi)
        return v1 - self.gamma * jtv1, v2 - self.gamma * jtv2

    def eigenvalues(self):
        a = self.df(0.0)
        return np.array([-self.gamma * a**2 + 1j * a, -self.gamma * a**2 - 1j * a])


_SYMBOL = {"gamma": "γ", "sigma": "σ", "lam": "λ", "c": "c", "g0": "g0"}

VARIANTS = {
    cls.name: cls
    for cls in (GAN, NonSaturatingGAN, WGAN, WGANClip, WGANGP, InstanceNoise)
    + (R1, R2, Roth, WeightPenalty, Consensus)
}


def make_variant(name: str, **params) -> GAN:
    """Build a variant by its registry name, e.g. make_variant("r1", gamma=0.5)."""
    if name not in VARIANTS:
        raise ValueError(f"unknown Dirac-GAN variant {name!r}; valid choices: {sorted(VARIANTS)}")
    cls = VARIANTS[name]
    valid = list(inspect.signature(cls).parameters)
    bad = sorted(set(params) - set(valid))
    if bad:
        raise ValueError(f"unknown parameter(s) {bad} for variant {name!r}; valid: {valid}")
    return cls(**params)


# --- simulation ---------------------------------------------------------------------------------
MODES = ("simultaneous", "alternating", "continuous")


def _as_variant(variant):
    return make_variant(variant) if isinstance(variant, str) else variant


def simulate(variant, theta0, psi0, lr: float, steps: int, mode: str = "simultaneous", substeps=10):
    """Trajectory of (θ, ψ) as an array of shape (steps + 1, 2) (or (steps + 1, 2, *shape)).

    - "simultaneous": both players step from the same point, z ← z + lr·v(z).
    - "alternating": G steps first, θ ← θ + lr·v_θ(θ, ψ); then D steps from the *updated* θ,
      ψ ← ψ + lr·v_ψ(θ_new, ψ).
    - "continuous": the gradient flow dz/dt = v(z), integrated with RK4 (`substeps` RK4 steps of
      lr/substeps per recorded step), so row k is the flow at time t = k·lr, directly comparable
      with step k of the discrete schemes.
    The variant's projection (weight clipping) is applied after every D step / RK4 step.
    """
    variant = _as_variant(variant)
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


def _rk4_step(field, theta, psi, h):
    k1 = field(theta, psi)
    k2 = field(theta + h / 2 * k1[0], psi + h / 2 * k1[1])
    k3 = field(theta + h / 2 * k2[0], psi + h / 2 * k2[1])
    k4 = field(theta + h * k3[0], psi + h * k3[1])
    return (
        theta + h / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]),
        psi + h / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]),
    )


def step_factor(variant, lr: float) -> float:
    """Factor by which one simultaneous step of size lr multiplies the distance to the
    equilibrium close to it: max |1 + lr·λ| over the Jacobian's eigenvalues λ.

    > 1 spirals out (plain GAN: √(1 + lr²f'(0)²)), < 1 converges. For λ = a ± bi with
    a² + b² = f'(0)² this is < 1 iff 2a + lr·f'(0)² < 0: with lr = 0.1, R1 needs γ > 0.025 and
    instance noise σ > √(lr/2) ≈ 0.22.
    """
    variant = _as_variant(variant)
    eig = variant.eigenvalues()
    if eig is None:
        eig = np.linalg.eigvals(variant.jacobian_at_equilibrium())
    return float(np.max(np.abs(1 + lr * np.asarray(eig))))


def distance_to_equilibrium(traj, equilibrium=(0.0, 0.0)) -> np.ndarray:
    """Euclidean distance of every row of a trajectory (steps + 1, 2, ...) to the equilibrium."""
    traj = np.asarray(traj, dtype=float)
    eq = np.asarray(equilibrium, dtype=float).reshape((1, 2) + (1,) * (traj.ndim - 2))
    return np.sqrt(((traj - eq) ** 2).sum(axis=1))


# --- plots --------------------------------------------------------------------------------------
def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(5.5, 6.5), constrained_layout=True)
    return ax


def _arrows(ax, variant, lim, n, **style):
    """Unit arrows of the field on an n×n grid: directions stay readable where v is weak."""
    grid = np.linspace(-lim, lim, n)
    theta, psi = np.meshgrid(grid, grid)
    dt, dp = variant.field(theta, psi)
    speed = np.hypot(dt, dp)
    norm = np.where(speed > 0, speed, 1.0)
    # One arrow spans ~70% of a grid cell.
    scale = 1.0 / (0.7 * (grid[1] - grid[0]))
    args = (theta, psi, dt / norm, dp / norm) + ((speed,) if "color" not in style else ())
    return ax.quiver(*args, angles="xy", scale_units="xy", scale=scale, pivot="mid", width=0.004,
                     headwidth=4, headlength=4, headaxislength=3.5, **style)  # fmt: skip


def _decorate(ax, variant, lim):
    ax.plot(*variant.equilibrium, marker="*", color="k", markersize=13, linestyle="none",
            label="equilibrium (0, 0)")  # fmt: skip
    if isinstance(variant, WGANClip):
        ax.axhline(variant.c, color="grey", linestyle=":", linewidth=1, label="clip ψ = ±c")
        ax.axhline(-variant.c, color="grey", linestyle=":", linewidth=1)
    if isinstance(variant, WGANGP):
        # Where the one-sided fields vanish: the points WGAN-GP actually settles at.
        t = 2 * variant.lam * variant.g0
        ax.plot([-t, t], [0, 0], "X", color="C1", markersize=9, linestyle="none",
                label="stationary (±2λg0, 0)")  # fmt: skip
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), xlabel="θ (generator)", ylabel="ψ (discriminator)")
    ax.set_title(variant.label)
    ax.set_aspect("equal")


def plot_field(variant, ax=None, lim: float = 2.0, n: int = 21, kind: str = "quiver",
               density: float = 1.0):  # fmt: skip
    """The vector field v(θ, ψ) on [-lim, lim]², as n×n unit arrows coloured by speed ("quiver")
    or as streamlines ("stream", `density` as in matplotlib's streamplot)."""
    variant, ax = _as_variant(variant), _axes(ax)
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


def plot_trajectories(variant, theta0=1.0, psi0=1.0, lr=0.1, steps=300, modes=MODES, ax=None,
                      lim: float = 2.5, legend: bool = True):  # fmt: skip
    """Trajectories from (θ0, ψ0), one per update mode, over the (faint) vector field.

    Each trajectory's end point is marked with a dot; `legend=False` drops the legend (e.g. for a
    grid of panels that share one).
    """
    variant, ax = _as_variant(variant), _axes(ax)
    _arrows(ax, variant, lim, 17, color="0.78")
    styles = {"simultaneous": ("C3", "-"), "alternating": ("C0", "-"), "continuous": ("k", "--")}
    for mode in modes:
        traj = simulate(variant, theta0, psi0, lr, steps, mode)
        color, ls = styles[mode]
        ax.plot(traj[:, 0], traj[:, 1], color=color, linestyle=ls, linewidth=1.3,
                label=f"{mode} ({steps} steps, lr={lr:g})")  # fmt: skip
        ax.plot(*traj[-1], "o", color=color, markersize=4)
    ax.plot(theta0, psi0, "o", color="C2", markersize=7, label="start")
    _decorate(ax, variant, lim)
    if legend:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize="small")
    return ax
