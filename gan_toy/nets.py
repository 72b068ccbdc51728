"""The networks: MLPs for 2D points, MLP and DCGAN-style nets for 28×28 images.

2D (after Metz et al. 2017): G: z (256) → 128 → 128 → 2, D: 2 → 128 → 128 → 1, ReLU.
Images (1 channel for MNIST, 3 for Stacked MNIST), G ending in tanh so samples live in [-1, 1]
like the data:
- "mlp": G: z → h → h → C·28·28, D: C·28·28 → h → h → 1, LeakyReLU(0.2) (h = `hidden`);
- "dcgan" (after Radford et al. 2016, sized for 28×28): G: z → 2w×7×7 → w×14×14 → C×28×28
  with 4×4 stride-2 transposed convolutions, D its mirror image with strided convolutions
  (w = `hidden`).

D returns logits (no sigmoid): every loss works on logits, which is both stable and the only
form the Wasserstein and hinge losses make sense in. D has no normalisation layers: batch
norm would couple the samples of a batch, which the per-sample gradient penalties (WGAN-GP,
R1, ...) assume independent.
"""

from __future__ import annotations

from torch import nn

IMAGE_SIZE = 28


def mlp(sizes: list[int], activation=nn.ReLU) -> nn.Sequential:
    """Linear layers of the given sizes with `activation` between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def make_generator(z_dim: int = 256, hidden: int = 128, out_dim: int = 2) -> nn.Sequential:
    return mlp([z_dim, hidden, hidden, out_dim])


def make_discriminator(in_dim: int = 2, hidden: int = 128) -> nn.Sequential:
    """Outputs one logit per input, shape (n, 1)."""
    return mlp([in_dim, hidden, hidden, 1])


def _leaky():
    return nn.LeakyReLU(0.2)


def _batch_norm(channels: int) -> nn.BatchNorm2d:
    # Batch statistics always, no running averages: sampling then behaves as training does,
    # and evaluating a generator never changes its state (resumed runs stay bit-identical).
    return nn.BatchNorm2d(channels, track_running_stats=False)


def image_generator(arch: str, z_dim: int, hidden: int, channels: int = 1) -> nn.Sequential:
    """G: z (n, z_dim) → images (n, channels, 28, 28) in [-1, 1]."""
    shape = (channels, IMAGE_SIZE, IMAGE_SIZE)
    if arch == "mlp":
        body = mlp([z_dim, hidden, hidden, channels * IMAGE_SIZE**2], _leaky)
        return nn.Sequential(*body, nn.Tanh(), nn.Unflatten(1, shape))
    if arch == "dcgan":
        w = hidden
        return nn.Sequential(
            nn.Linear(z_dim, 2 * w * 7 * 7),
            nn.Unflatten(1, (2 * w, 7, 7)),
            _batch_norm(2 * w),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1),  # 7 → 14
            _batch_norm(w),
            nn.ReLU(),
            nn.ConvTranspose2d(w, channels, 4, stride=2, padding=1),  # 14 → 28
            nn.Tanh(),
        )
    raise ValueError(f"unknown arch {arch!r}; valid choices: mlp, dcgan")


def image_discriminator(arch: str, hidden: int, channels: int = 1) -> nn.Sequential:
    """D: images (n, channels, 28, 28) → one logit per image, shape (n, 1)."""
    if arch == "mlp":
        return nn.Sequential(
            nn.Flatten(), *mlp([channels * IMAGE_SIZE**2, hidden, hidden, 1], _leaky)
        )
    if arch == "dcgan":
        w = hidden
        return nn.Sequential(
            nn.Conv2d(channels, w, 4, stride=2, padding=1),  # 28 → 14
            _leaky(),
            nn.Conv2d(w, 2 * w, 4, stride=2, padding=1),  # 14 → 7
            _leaky(),
            nn.Flatten(),
            nn.Linear(2 * w * 7 * 7, 1),
        )
    raise ValueError(f"unknown arch {arch!r}; valid choices: mlp, dcgan")


def make_nets(config) -> tuple[nn.Module, nn.Module]:
    """(G, D) for a TrainConfig: the 2D MLPs, or the image nets of `config.arch`."""
    if not config.is_image:
        return make_generator(config.z_dim, config.hidden), make_discriminator(2, config.hidden)
    g = image_generator(config.arch, config.z_dim, config.hidden, config.channels)
    return g, image_discriminator(config.arch, config.hidden, config.channels)
