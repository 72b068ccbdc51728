"""The over-trained discriminator of chapter 2, in real training, checked over several seeds.

Chapter 2 trains the minimax and the non-saturating GAN on the ring with ten discriminator
updates per generator update at D's learning rate 1e-3. Its claims: the strong discriminator
rejects the minimax generator's samples (D(G(z)) near 0, so minimax's gradient factor is
small), and the non-saturating generator, whose factor is 1 - D(G(z)), receives a much larger
gradient from a discriminator of the same strength. These tests check both in a scaled-down
setting (ring, 150 steps, batch 128, z_dim 32, seeds 0-2; a few seconds of CPU).
"""

import numpy as np
import pytest
import torch

from gan_toy import track, variant_config

torch.set_num_threads(1)

SEEDS = (0, 1, 2)
STRONG = dict(steps=150, batch_size=128, z_dim=32, d_steps=10, lr_d=1e-3)


def tails(name, **overrides):
    configs = [variant_config(name, seed=s, **{**STRONG, **overrides}) for s in SEEDS]
    trainer, _ = track(configs, every=STRONG["steps"])
    out = []
    for h in trainer.histories:
        tail = slice(-15, None)
        out.append((np.median(h.g_grad_norm[tail]), np.median(h.d_fake[tail])))
    return np.array(out)


@pytest.fixture(scope="module")
def minimax():
    return tails("minimax")


def test_a_strong_discriminator_rejects_the_minimax_generator(minimax):
    weak = tails("minimax", d_steps=1, lr_d=1e-4)
    assert (minimax[:, 1] < 0.1).all(), minimax  # D(G(z)) near 0 on every seed
    assert (minimax[:, 1] < weak[:, 1] / 3).all(), (minimax, weak)


def test_the_non_saturating_generator_hears_more_from_the_same_strength(minimax):
    ns = tails("ns")
    assert (ns[:, 0] > 3 * minimax[:, 0]).all(), (ns, minimax)
