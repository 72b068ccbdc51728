"""Where a trainer's real batches come from, and how its samples are scored.

A *source* is what a Trainer is told about its data, so that it never asks which kind it has:
- `sample(n, generator)`: n real samples on the source's device (points n×2, or images
  n×C×28×28 in [-1, 1]);
- `evaluate(samples, extras=False)`: the mode metrics of generated samples (modes covered,
  high-quality fraction, reverse KL; see metrics.py), with the costlier extra metrics the data
  has when `extras` is true (the Fréchet distance for images; points have none);
- `n_modes`, and `settings()`: the config values the source settled on when it was made (which
  MNIST "auto" found), so that a run records what it really used.

The 2D mixtures (mixtures.GaussianMixture) are sources as they are. MNIST and Stacked MNIST are
wrapped here; their samples are scored by gan_toy's classifier (classifier.py), loaded, or
trained and cached, the first time it is needed.

Images stay on the device as uint8 (60,000 digits are 47 MB) and each batch is converted to
float when drawn, so there is no DataLoader and no copy per step from host to device.
"""

from __future__ import annotations

from typing import Protocol

import torch

from gan_toy.data.classifier import DigitClassifier, load_classifier
from gan_toy.data.mixtures import make_mixture
from gan_toy.data.mnist import MNISTData, StackedMNIST, load_digits, to_float
from gan_toy.metrics import image_metrics

# The Fréchet distance compares with as many real images, always the same ones (own stream).
FRECHET_SEED = 4321


class Source(Protocol):
    """What a Trainer asks of its data (see the module docstring): GaussianMixture, MNISTSource
    and StackedMNISTSource have it without declaring it."""

    @property
    def n_modes(self) -> int: ...

    @property
    def device(self) -> torch.device: ...

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor: ...

    def evaluate(self, samples: torch.Tensor, extras: bool = False) -> dict: ...

    def settings(self) -> dict: ...


class MNISTSource:
    """Real MNIST digits drawn uniformly with replacement: (n, 1, 28, 28) floats in [-1, 1]."""

    n_modes = 10
    channels = 1

    def __init__(self, data: MNISTData, device="cpu"):
        self.data = data.to(device)
        self.source = data.source  # "full" or "subset"
        self.classifier: DigitClassifier | None = None  # set one to score with it instead
        self._frechet_real: dict[int, torch.Tensor] = {}

    @property
    def device(self) -> torch.device:
        return self.data.device

    def settings(self) -> dict:
        return {"mnist_source": self.source}

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        idx = torch.randint(len(self.data), (n,), device=self.device, generator=generator)
        return to_float(self.data.images[idx].unsqueeze(1))

    def judge(self) -> DigitClassifier:
        """The classifier that labels this source's samples (loaded on first use)."""
        if self.classifier is None:
            self.classifier = load_classifier(self.source, self.device)
        return self.classifier

    def evaluate(self, samples: torch.Tensor, extras: bool = False) -> dict:
        """metrics.image_metrics of `samples`; with `extras`, also the Fréchet distance to as
        many real images in the classifier's features."""
        real = self._real_for_frechet(len(samples)) if extras else None
        return image_metrics(samples, self.judge(), real)

    def _real_for_frechet(self, n: int) -> torch.Tensor:
        if n not in self._frechet_real:
            gen = torch.Generator(device=self.device).manual_seed(FRECHET_SEED)
            self._frechet_real = {n: self.sample(n, generator=gen)}
        return self._frechet_real[n]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.data)} {self.source} digits on {self.device})"


class StackedMNISTSource(MNISTSource):
    """Stacked MNIST: three independent digits as the channels of one image, 1000 modes."""

    n_modes = 1000
    channels = 3

    def __init__(self, data: MNISTData, device="cpu"):
        super().__init__(data, device)
        self.stacked = StackedMNIST(self.data)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.stacked.sample(n, generator)[0]  # the images; their modes are not needed


def make_source(config, device="cpu") -> Source:
    """The real-data source of a TrainConfig on `device`."""
    if not config.is_image:
        return make_mixture(config.data, device)
    kind = StackedMNISTSource if config.data == "stacked-mnist" else MNISTSource
    return kind(load_digits(config.mnist_source), device)
