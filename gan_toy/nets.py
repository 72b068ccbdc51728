"""The 2D networks: MLP generator and discriminator (after Metz et al. 2017).

G: z (256) → 128 → 128 → 2, D: 2 → 128 → 128 → 1, ReLU. D returns logits (no sigmoid):
every loss works on logits, which is both stable and the only form the Wasserstein and hinge
losses make sense in.
"""

from __future__ import annotations

from torch import nn


def mlp(sizes: list[int]) -> nn.Sequential:
    """Linear layers of the given sizes with ReLU between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def make_generator(z_dim: int = 256, hidden: int = 128, out_dim: int = 2) -> nn.Sequential:
    return mlp([z_dim, hidden, hidden, out_dim])


def make_discriminator(in_dim: int = 2, hidden: int = 128) -> nn.Sequential:
    """Outputs one logit per input, shape (n, 1)."""
    return mlp([in_dim, hidden, hidden, 1])
