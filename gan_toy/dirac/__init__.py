"""The Dirac-GAN: the smallest GAN that shows why GAN training need not converge.

Mescheder, Geiger & Nowozin 2018, "Which training methods for GANs do actually converge?".
The generator is a point mass p_θ = δ_θ, the discriminator is linear, D_ψ(x) = ψ·x, and the data
distribution is δ_0. With their sign convention the GAN objective is

    L(θ, ψ) = f(D_ψ(θ)) + f(-D_ψ(0)) = f(ψθ) + f(0),

which D maximises and G minimises; f(t) = -log(1 + exp(-t)) for the standard GAN (f'(0) = 1/2)
and f(t) = t for the WGAN. (Their D_ψ is the logit of "fake": the probability D gives a point x of
being real is sigmoid(-ψx). Flipping ψ → -ψ gives the textbook sign; the dynamics are the same.)
The only equilibrium is (θ, ψ) = (0, 0).

Each variant is a small vector-field class. `field(theta, psi)` returns the direction of
simultaneous gradient descent for G and ascent for D,

    v(θ, ψ) = (-∂L_G/∂θ, ∂L_D/∂ψ),

where L_G is what G minimises and L_D (regularisers included) what D maximises; both objectives
are written out as `loss_g` and `loss_d`, so a test can check `field` against finite differences.
At the equilibrium the Jacobian of v decides everything: eigenvalues on the imaginary axis
(unregularised GAN: ±f'(0)i) give circles in continuous time and outward spirals for simultaneous
gradient steps; a penalty (γ/2)ψ² moves them to -γ/2 ± √(γ²/4 - f'(0)²), into the left half plane.

Everything is numpy and vectorised: theta and psi may be arrays of any (broadcastable) shape.

- `fields`: f, the GAN base class and the variants that do not converge (GAN, non-saturating,
  WGAN, WGAN with clipping or gradient penalty)
- `remedies`: the variants that do (R1, R2, weight penalty, Roth et al., instance noise,
  consensus optimisation)
- `registry`: every variant by name (`DIRAC_GANS`), `make_variant`
- `simulate`: trajectories, the distance to the equilibrium, the predicted step factor
- `plots`: the field and trajectories in the (θ, ψ) plane
"""

from gan_toy.dirac.fields import (
    GAN,
    WGAN,
    WGANGP,
    NonSaturatingGAN,
    WGANClip,
    d2f_gan,
    df_gan,
    f_gan,
)
from gan_toy.dirac.plots import plot_field, plot_trajectories
from gan_toy.dirac.registry import DIRAC_GANS, VARIANTS, as_variant, make_variant
from gan_toy.dirac.remedies import (
    R1,
    R2,
    Consensus,
    InstanceNoise,
    Penalised,
    Roth,
    WeightPenalty,
)
from gan_toy.dirac.simulate import MODES, distance_to_equilibrium, simulate, step_factor

__all__ = [
    "DIRAC_GANS",
    "GAN",
    "MODES",
    "R1",
    "R2",
    "VARIANTS",
    "WGAN",
    "WGANGP",
    "Consensus",
    "InstanceNoise",
    "NonSaturatingGAN",
    "Penalised",
    "Roth",
    "WGANClip",
    "WeightPenalty",
    "as_variant",
    "d2f_gan",
    "df_gan",
    "distance_to_equilibrium",
    "f_gan",
    "make_variant",
    "plot_field",
    "plot_trajectories",
    "simulate",
    "step_factor",
]
