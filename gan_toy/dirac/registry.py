"""Every Dirac-GAN variant by name, and building one from its name and parameters."""

from __future__ import annotations

import inspect

from gan_toy.dirac.fields import GAN, WGAN, WGANGP, NonSaturatingGAN, WGANClip
from gan_toy.dirac.remedies import R1, R2, Consensus, InstanceNoise, Roth, WeightPenalty

DIRAC_GANS: dict[str, type[GAN]] = {
    cls.name: cls
    for cls in (GAN, NonSaturatingGAN, WGAN, WGANClip, WGANGP, InstanceNoise)
    + (R1, R2, Roth, WeightPenalty, Consensus)
}
# The same registry under the name the existing notebooks and panels use. New code says
# DIRAC_GANS: gan_toy.experiments.VARIANTS means something else (named config changes).
VARIANTS = DIRAC_GANS


def make_variant(name: str, **params: float) -> GAN:
    """Build a variant by its registry name, e.g. make_variant("r1", gamma=0.5)."""
    if name not in DIRAC_GANS:
        raise ValueError(f"unknown Dirac-GAN variant {name!r}; valid choices: {sorted(DIRAC_GANS)}")
    cls = DIRAC_GANS[name]
    valid = list(inspect.signature(cls).parameters)
    bad = sorted(set(params) - set(valid))
    if bad:
        raise ValueError(f"unknown parameter(s) {bad} for variant {name!r}; valid: {valid}")
    return cls(**params)


def as_variant(variant: GAN | str) -> GAN:
    """`variant` itself, or the variant of that registry name with its default parameters."""
    return make_variant(variant) if isinstance(variant, str) else variant
