"""GAN losses on discriminator logits.

Every loss is a pair of functions of the discriminator's raw outputs (logits for the
probabilistic losses, critic values for the Wasserstein and hinge losses):
`d_loss(real_out, fake_out)` the discriminator minimises and `g_loss(fake_out)` the generator
minimises. Writing them on logits with softplus avoids the Sigmoid+BCELoss round trip, which
saturates in float32 exactly where the book wants to measure small gradients.

With D(x) = sigmoid(l):  -log D(x) = softplus(-l)  and  -log(1 - D(x)) = softplus(l).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

Tensor = torch.Tensor


@dataclass(frozen=True)
class GANLoss:
    name: str
    d_loss: Callable[[Tensor, Tensor], Tensor]
    g_loss: Callable[[Tensor], Tensor]
    summary: str
    # Settings the loss's paper recommends (applied by presets, never silently by a trainer).
    recommended: dict = field(default_factory=dict)
    # True when D's output is the logit of "this sample is real": trainers, probes and plots
    # then report D's outputs as probabilities; otherwise as raw critic values.
    reports_probability: bool = False
    # Regularisers that are part of the loss's definition, added unless the run sets them.
    implied_regs: dict = field(default_factory=dict)

    @property
    def output_kind(self) -> str:
        """ "probability" or "critic": how D's outputs are reported (see reports_probability)."""
        return "probability" if self.reports_probability else "critic"

    def reported(self, out: Tensor) -> Tensor:
        """D's raw outputs as they are reported: sigmoid(out) for probabilities, else out."""
        return torch.sigmoid(out) if self.reports_probability else out

    def regularizers(self, regs: dict) -> dict:
        """`regs` with the loss's implied regularisers added where `regs` does not set them."""
        implied = {n: w for n, w in self.implied_regs.items() if n not in regs}
        return {**regs, **implied}


def _bce_d_loss(real_out: Tensor, fake_out: Tensor) -> Tensor:
    # -E[log D(x)] - E[log(1 - D(G(z)))], Goodfellow et al. 2014.
    return F.softplus(-real_out).mean() + F.softplus(fake_out).mean()


def _minimax_g_loss(fake_out: Tensor) -> Tensor:
    # E[log(1 - D(G(z)))]: the original, saturating generator loss.
    return -F.softplus(fake_out).mean()


def _ns_g_loss(fake_out: Tensor) -> Tensor:
    # -E[log D(G(z))]: the non-saturating ("modified minimax") generator loss.
    return F.softplus(-fake_out).mean()


def _wasserstein_d_loss(real_out: Tensor, fake_out: Tensor) -> Tensor:
    # The critic maximises E[f(x)] - E[f(G(z))] (Arjovsky et al. 2017).
    return fake_out.mean() - real_out.mean()


def _wasserstein_g_loss(fake_out: Tensor) -> Tensor:
    return -fake_out.mean()


def _hinge_d_loss(real_out: Tensor, fake_out: Tensor) -> Tensor:
    # Lim & Ye 2017; Miyato et al. 2018 use it with spectral normalisation.
    return F.relu(1.0 - real_out).mean() + F.relu(1.0 + fake_out).mean()


def _lsgan_d_loss(real_out: Tensor, fake_out: Tensor) -> Tensor:
    # Mao et al. 2017 with targets a=0 (fake), b=1 (real).
    return 0.5 * ((real_out - 1.0) ** 2).mean() + 0.5 * (fake_out**2).mean()


def _lsgan_g_loss(fake_out: Tensor) -> Tensor:
    # ... and c=1: the generator wants its samples scored as real.
    return 0.5 * ((fake_out - 1.0) ** 2).mean()


LOSSES: dict[str, GANLoss] = {
    "minimax": GANLoss(
        "minimax",
        _bce_d_loss,
        _minimax_g_loss,
        "original minimax game (saturating G loss)",
        reports_probability=True,
    ),
    "ns": GANLoss(
        "ns",
        _bce_d_loss,
        _ns_g_loss,
        "non-saturating / modified minimax G loss",
        reports_probability=True,
    ),
    "wgan": GANLoss(
        "wgan",
        _wasserstein_d_loss,
        _wasserstein_g_loss,
        "Wasserstein critic with weight clipping",
        recommended={"clip": 0.01, "d_steps": 5, "optimizer": "rmsprop-like: lr 5e-5"},
    ),
    "wgan-gp": GANLoss(
        "wgan-gp",
        _wasserstein_d_loss,
        _wasserstein_g_loss,
        "Wasserstein critic with gradient penalty on interpolates",
        recommended={"gp": 10.0, "d_steps": 5, "lr_d": 1e-4, "lr_g": 1e-4, "betas": (0.5, 0.9)},
        implied_regs={"gp": 10.0},  # λ = 10, Gulrajani et al. 2017
    ),
    "hinge": GANLoss("hinge", _hinge_d_loss, _wasserstein_g_loss, "hinge loss for D"),
    "lsgan": GANLoss("lsgan", _lsgan_d_loss, _lsgan_g_loss, "least squares (Mao et al. 2017)"),
}


def get_loss(name: str) -> GANLoss:
    """The loss called `name`; unknown names raise ValueError listing the choices."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; valid choices: {', '.join(LOSSES)}")
    return LOSSES[name]
