"""The Dirac-GAN with each remedy that does make it converge: a penalty on D (R1, R2, a weight
penalty, Roth et al.), instance noise and consensus optimisation.

Each moves the Jacobian's eigenvalues at the equilibrium from the imaginary axis into the left
half plane; `eigenvalues()` gives them in closed form, which the tests check against the
numerical Jacobian of `field`.
"""

from __future__ import annotations

import numpy as np

from gan_toy.dirac.fields import GAN, Values, d2f_gan, nonnegative, sigmoid


def _damped_eigenvalues(damping: float, a: float) -> np.ndarray:
    # Roots of λ² + 2·damping·λ + a² = 0, i.e. the Jacobian [[0, -a], [a, -2·damping]].
    root = np.sqrt(complex(damping**2 - a**2))
    return np.array([-damping + root, -damping - root])


class Penalised(GAN):
    """GAN with D penalty (γ/2)ψ²: dψ gains -γψ; eigenvalues -γ/2 ± √(γ²/4 - f'(0)²).

    For γ < 2f'(0) (= 1) the eigenvalues are complex with real part -γ/2 (damped spiral); for
    γ > 2f'(0) they are real and negative (over-damped). Either way (0, 0) is attracting.
    """

    def __init__(self, gamma: float = 1.0) -> None:
        self.gamma = nonnegative("gamma", gamma)

    def penalty(self, theta: Values, psi: Values) -> Values:
        return 0.5 * self.gamma * psi**2

    def dpenalty_dpsi(self, theta: Values, psi: Values) -> Values:
        return self.gamma * psi

    def eigenvalues(self) -> np.ndarray:
        return _damped_eigenvalues(self.gamma / 2, float(self.df(0.0)))


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

    def penalty(self, theta: Values, psi: Values) -> np.ndarray:
        return 0.5 * self.gamma * psi**2 * (0.25 + sigmoid(-psi * theta) ** 2)

    def dpenalty_dpsi(self, theta: Values, psi: Values) -> np.ndarray:
        s = sigmoid(-psi * theta)
        # d/dψ sigmoid(-ψθ)² = 2s · s(1-s) · (-θ)
        ds2 = -2 * s * s * (1 - s) * theta
        return self.gamma * psi * (0.25 + s**2) + 0.5 * self.gamma * psi**2 * ds2

    def eigenvalues(self) -> np.ndarray:
        return _damped_eigenvalues(self.gamma / 4, float(self.df(0.0)))


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

    def __init__(self, sigma: float = 1.0) -> None:
        self.sigma = nonnegative("sigma", sigma)
        z = np.linspace(-10.0, 10.0, 401)
        w = np.exp(-0.5 * z**2)
        self._z, self._w = z, w / w.sum()

    @property
    def label(self) -> str:
        return f"{self.title} (σ={self.sigma:g})"

    def __repr__(self) -> str:
        return f"InstanceNoise(sigma={self.sigma!r})"

    def _mean(self, values: np.ndarray) -> np.ndarray:
        return values @ self._w  # quadrature over the trailing noise axis

    def loss_g(self, theta: Values, psi: Values) -> np.ndarray:
        theta, psi = np.asarray(theta, float)[..., None], np.asarray(psi, float)[..., None]
        eps = self.sigma * self._z
        return self._mean(self.f(psi * (theta + eps)) + self.f(-psi * eps))

    loss_d = loss_g

    def field(self, theta: Values, psi: Values) -> tuple[np.ndarray, np.ndarray]:
        theta, psi = np.asarray(theta, float)[..., None], np.asarray(psi, float)[..., None]
        x_fake, x_real = theta + self.sigma * self._z, self.sigma * self._z
        d_fake = self.df(psi * x_fake)
        dtheta = -psi[..., 0] * self._mean(d_fake)
        dpsi = self._mean(d_fake * x_fake - self.df(-psi * x_real) * x_real)
        return dtheta, dpsi

    def eigenvalues(self) -> np.ndarray:
        return _damped_eigenvalues(-float(d2f_gan(0.0)) * self.sigma**2, float(self.df(0.0)))


class Consensus(GAN):
    """Consensus optimisation (Mescheder et al. 2017): both players also descend γ/2 ‖v‖².

    G minimises L + γ/2‖v‖², D maximises L - γ/2‖v‖², so the field is v - γ Jᵀv with J the
    Jacobian of the plain GAN field v. At the equilibrium JᵀJ = f'(0)² I, so the eigenvalues
    ±f'(0)i move to -γf'(0)² ± f'(0)i.
    """

    name, title = "consensus", "Consensus optimisation"

    def __init__(self, gamma: float = 1.0) -> None:
        self.gamma = nonnegative("gamma", gamma)

    def _v_and_jtv(self, theta, psi):
        t = psi * theta
        a, b = self.df(t), self.d2f(t)
        v1, v2 = -a * psi, a * theta
        # J = [[-bψ², -a - bψθ], [a + bψθ, bθ²]]
        jtv1 = -b * psi**2 * v1 + (a + b * t) * v2
        jtv2 = -(a + b * t) * v1 + b * theta**2 * v2
        return v1, v2, jtv1, jtv2

    def loss_g(self, theta: Values, psi: Values) -> np.ndarray:
        v1, v2, _, _ = self._v_and_jtv(theta, psi)
        return super().loss_g(theta, psi) + 0.5 * self.gamma * (v1**2 + v2**2)

    def loss_d(self, theta: Values, psi: Values) -> np.ndarray:
        v1, v2, _, _ = self._v_and_jtv(theta, psi)
        return super().loss_d(theta, psi) - 0.5 * self.gamma * (v1**2 + v2**2)

    def field(self, theta: Values, psi: Values) -> tuple[np.ndarray, np.ndarray]:
        theta, psi = np.asarray(theta, dtype=float), np.asarray(psi, dtype=float)
        v1, v2, jtv1, jtv2 = self._v_and_jtv(theta, psi)
        return v1 - self.gamma * jtv1, v2 - self.gamma * jtv2

    def eigenvalues(self) -> np.ndarray:
        a = self.df(0.0)
        return np.array([-self.gamma * a**2 + 1j * a, -self.gamma * a**2 - 1j * a])
