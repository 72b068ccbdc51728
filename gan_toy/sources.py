"""Where a trainer's real batches come from: one small protocol over 2D mixtures and MNIST.

A *source* has `sample(n, generator)` returning n real samples on its device (points n×2 or
images n×C×28×28 in [-1, 1]) and `n_modes`. The 2D mixtures already are sources; MNIST and
Stacked MNIST are wrapped here so that the trainer never asks which kind it has.

Images stay on the device as uint8 (60,000 digits are 47 MB) and each batch is converted to
float when drawn, so there is no DataLoader and no copy per step from host to device.
"""

from __future__ import annotations

import torch

from gan_toy.data import make_mixture
from gan_toy.data.mnist import MNISTData, StackedMNIST, load_mnist, load_subset, to_float


class MNISTSource:
    """Real MNIST digits drawn uniformly with replacement: (n, 1, 28, 28) floats in [-1, 1]."""

    n_modes = 10
    channels = 1

    def __init__(self, data: MNISTData, device="cpu"):
        self.data = data.to(device)
        self.source = data.source  # "full" or "subset"

    @property
    def device(self) -> torch.device:
        return self.data.device

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        idx = torch.randint(len(self.data), (n,), device=self.device, generator=generator)
        return to_float(self.data.images[idx].unsqueeze(1))

    def __repr__(self) -> str:
        return f"MNISTSource({len(self.data)} {self.source} digits on {self.device})"


class StackedMNISTSource(MNISTSource):
    """Stacked MNIST: three independent digits as the channels of one image, 1000 modes."""

    n_modes = 1000
    channels = 3

    def __init__(self, data: MNISTData, device="cpu"):
        super().__init__(data, device)
        self.stacked = StackedMNIST(self.data)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.stacked.sample(n, generator)[0]  # the images; their modes are not needed

    def __repr__(self) -> str:
        return f"StackedMNISTSource({len(self.data)} {self.source} digits on {self.device})"


def load_digits(mnist_source: str = "auto", split: str = "train") -> MNISTData:
    """MNIST's `split`: "full" (downloaded, or an OSError), "subset" (shipped) or "auto"
    (full if it can be had, else the subset with one warning)."""
    if mnist_source == "subset":
        return load_subset(split)
    return load_mnist(split, allow_subset=mnist_source == "auto")


def make_source(config, device="cpu"):
    """The real-data source of a TrainConfig on `device`."""
    if not config.is_image:
        return make_mixture(config.data, device)
    kind = StackedMNISTSource if config.data == "stacked-mnist" else MNISTSource
    return kind(load_digits(config.mnist_source), device)
