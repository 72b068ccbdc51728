"""Mode metrics for 2D mixtures, with the VEEGAN / PacGAN definitions.

- a *high-quality* sample lies within 3σ of its nearest centre;
- a mode is *covered* when it is the nearest centre of at least one high-quality sample;
- *reverse KL* is KL(histogram of high-quality samples over the modes ‖ uniform).

One high-quality sample is enough to count a mode, so read `modes_covered` together with
`high_quality` and `reverse_kl`, and over time rather than from one final reading.
"""

from __future__ import annotations

import math

import torch


def nearest_centre(samples: torch.Tensor, centres: torch.Tensor):
    """(index of nearest centre, distance to it) for each sample."""
    distances = torch.cdist(samples.float(), centres.float().to(samples.device))
    dist, idx = distances.min(dim=1)
    return idx, dist


def mode_histogram(samples: torch.Tensor, centres: torch.Tensor, sigma: float) -> torch.Tensor:
    """Counts of high-quality samples per mode (length K)."""
    idx, dist = nearest_centre(samples, centres)
    good = dist <= 3.0 * sigma
    return torch.bincount(idx[good], minlength=centres.shape[0]).cpu()


def mode_metrics(samples: torch.Tensor, centres: torch.Tensor, sigma: float) -> dict:
    """modes_covered (int), high_quality (fraction in [0, 1]) and reverse_kl (nats).

    reverse_kl is NaN when no sample is high-quality: there is no histogram to compare.
    """
    if samples.ndim != 2 or samples.shape[1] != centres.shape[1]:
        raise ValueError(
            f"samples must have shape (n, {centres.shape[1]}), got {tuple(samples.shape)}"
        )
    counts = mode_histogram(samples, centres, sigma).double()
    n_good = counts.sum().item()
    n_modes = centres.shape[0]
    if n_good == 0:
        kl = math.nan
    else:
        p = counts / n_good
        nz = p > 0
        kl = float((p[nz] * torch.log(p[nz] * n_modes)).sum())
    return {
        "modes_covered": int((counts > 0).sum()),
        "high_quality": n_good / max(samples.shape[0], 1),
        "reverse_kl": kl,
    }


def evaluate(generator, mixture, n_samples: int = 2500, seed: int | None = None) -> dict:
    """Draw `n_samples` from `generator` (no grad) and score them against `mixture`."""
    device = mixture.centres.device
    gen = torch.Generator(device=device)
    gen.manual_seed(0 if seed is None else seed)
    z_dim = generator[0].in_features
    with torch.no_grad():
        z = torch.randn(n_samples, z_dim, device=device, generator=gen)
        samples = generator(z)
    return mode_metrics(samples, mixture.centres, mixture.sigma)
