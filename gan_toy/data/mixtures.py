"""2D mixtures of Gaussians: the ring and the grid of the design notes.

A mixture keeps its centres and σ on it, because the metrics (modes covered, high-quality
fraction) are defined relative to exactly those; it is a trainer's data source as it is (see
sources.py): it samples real points and scores generated ones.
"""

from __future__ import annotations

import math

import torch

from gan_toy.metrics import mode_metrics


class GaussianMixture:
    """Equal-weight isotropic Gaussians at `centres` (K×2) with standard deviation `sigma`."""

    def __init__(self, name: str, centres: torch.Tensor, sigma: float):
        self.name = name
        self.centres = centres
        self.sigma = float(sigma)

    @property
    def n_modes(self) -> int:
        return self.centres.shape[0]

    @property
    def device(self) -> torch.device:
        return self.centres.device

    def to(self, device: torch.device | str) -> GaussianMixture:
        return GaussianMixture(self.name, self.centres.to(device), self.sigma)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n points (n×2) on the mixture's device; pass `generator` for a private random stream."""
        idx = torch.randint(self.n_modes, (n,), device=self.device, generator=generator)
        noise = torch.randn(n, 2, device=self.device, generator=generator)
        return self.centres[idx] + self.sigma * noise

    def evaluate(self, samples: torch.Tensor, extras: bool = False) -> dict:
        """metrics.mode_metrics of `samples` against this mixture. Points have no costlier
        extra metrics, so `extras` changes nothing."""
        return mode_metrics(samples, self.centres, self.sigma)

    def settings(self) -> dict:
        """Config values this source settled on: none (a mixture is fixed by its name)."""
        return {}

    def __repr__(self) -> str:
        return f"GaussianMixture({self.name!r}, {self.n_modes} modes, sigma={self.sigma})"


def as_mixture(source: object) -> GaussianMixture:
    """`source` when it is a GaussianMixture; otherwise a ValueError saying so. Pictures of the
    plane and the mode shares need the centres, which only a 2D mixture has."""
    if not isinstance(source, GaussianMixture):
        raise ValueError(f"this needs 2D data (a GaussianMixture: ring or grid), got {source!r}")
    return source


def ring(
    n_modes: int = 8,
    radius: float = 2.0,
    sigma: float = 0.02,
    device: torch.device | str = "cpu",
) -> GaussianMixture:
    """`n_modes` Gaussians at angles 2πk/n_modes on a circle (no duplicated end point)."""
    angles = torch.arange(n_modes, dtype=torch.float64) * (2 * math.pi / n_modes)
    centres = radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    return GaussianMixture("ring", centres.float().to(device), sigma)


def grid(
    size: int = 5, spacing: float = 2.0, sigma: float = 0.05, device: torch.device | str = "cpu"
) -> GaussianMixture:
    """size×size Gaussians on a square lattice centred at 0: {-4,-2,0,2,4}² by default."""
    ticks = (torch.arange(size, dtype=torch.float32) - (size - 1) / 2) * spacing
    xs, ys = torch.meshgrid(ticks, ticks, indexing="ij")
    centres = torch.stack([xs.reshape(-1), ys.reshape(-1)], dim=1)
    return GaussianMixture("grid", centres.to(device), sigma)


MIXTURES = {"ring": ring, "grid": grid}


def make_mixture(name: str, device: torch.device | str = "cpu") -> GaussianMixture:
    """The named canonical mixture on `device`; unknown names raise ValueError with the choices."""
    if name not in MIXTURES:
        raise ValueError(f"unknown data {name!r}; valid choices: {', '.join(MIXTURES)}")
    return MIXTURES[name](device=device)
