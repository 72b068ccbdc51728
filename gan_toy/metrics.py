"""Mode metrics: 2D mixtures (VEEGAN / PacGAN definitions) and, via a classifier, MNIST.

- a *high-quality* sample lies within 3σ of its nearest centre;
- a mode is *covered* when it is the nearest centre of at least one high-quality sample;
- *reverse KL* is KL(histogram of high-quality samples over the modes ‖ uniform).

One high-quality sample is enough to count a mode, so read `modes_covered` together with
`high_quality` and `reverse_kl`, and over time rather than from one final reading.
"""

from __future__ import annotations

import math
from typing import Any

import torch


def nearest_centre(samples: torch.Tensor, centres: torch.Tensor):
    """(index of nearest centre, distance to it) for each sample."""
    distances = torch.cdist(samples.float(), centres.float().to(samples.device))
    dist, idx = distances.min(dim=1)
    return idx, dist


def mode_shares(samples: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """Fraction of the samples whose nearest centre is each mode (length K, float64, CPU).

    No quality threshold: it says where the generator's mass is even while its samples are
    still blurry, which is what shows a collapsed generator hopping between modes."""
    idx, _ = nearest_centre(samples, centres)
    return torch.bincount(idx, minlength=centres.shape[0]).cpu().double() / max(len(idx), 1)


def high_quality_shares(samples: torch.Tensor, centres: torch.Tensor, sigma: float) -> torch.Tensor:
    """Share of the high-quality samples at each mode (length K, float64, CPU; all zeros when
    no sample is high-quality).

    Blurry mass does not count, so a generator whose cloud merely overlaps several modes, as an
    untrained one does, cannot look spread out by this measure; `mode_shares` counts every
    sample and shows where the mass is while it is still blurry."""
    counts = mode_histogram(samples, centres, sigma).double()
    total = counts.sum()
    return counts / total if total > 0 else counts


def modes_holding(shares: torch.Tensor, min_share: float = 0.05) -> int:
    """How many modes hold at least `min_share` of the mass described by `shares`."""
    if not 0.0 < min_share <= 1.0:
        raise ValueError(f"min_share must be in (0, 1], got {min_share!r}")
    return int((torch.as_tensor(shares) >= min_share).sum())


def mean_distance_to_centre(samples: torch.Tensor, centres: torch.Tensor) -> float:
    """Mean distance from each sample to its nearest centre: small only when the mass sits on
    the modes, whatever the number of modes it covers."""
    _, dist = nearest_centre(samples, centres)
    return float(dist.mean()) if len(dist) else math.nan


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


def mean_sd(values) -> tuple[float, float]:
    """Mean and sample standard deviation over seeds (0 for one value), ignoring NaN (an
    undefined reverse KL); (nan, nan) when nothing is left."""
    finite = [float(v) for v in values if not math.isnan(float(v))]
    if not finite:
        return math.nan, math.nan
    mean = sum(finite) / len(finite)
    if len(finite) == 1:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in finite) / (len(finite) - 1))


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


# --- MNIST and Stacked MNIST: modes are the classes a classifier sees --------------------------
# A sample's mode is its digit (MNIST) or its digit triple 100·d1 + 10·d2 + d3 (Stacked MNIST,
# one digit per channel), as the classifier labels it. Following Metz et al. (2017), VEEGAN and
# PacGAN, modes covered and KL count every sample's label, so the Stacked MNIST numbers compare
# with theirs; the classifier always picks *some* digit, so read them with `high_quality`, the
# fraction of samples it labels with confidence >= 0.9 (on every channel), the analogue of "within
# 3σ of a centre" for images.

CONFIDENT = 0.9


def mode_of_digits(digits: torch.Tensor) -> torch.Tensor:
    """The mode of each row of digits (n, C): the digits read as one number, e.g. (3, 0, 7) →
    307; one column is the digit itself."""
    channels = digits.shape[1]
    place = 10 ** torch.arange(channels - 1, -1, -1, device=digits.device)
    return (digits * place).sum(dim=1)


def label_metrics(probs: torch.Tensor) -> dict:
    """Mode metrics of classifier probabilities, (n, 10) or (n, C, 10) with C channels.

    Returns modes_covered (of 10**C), high_quality (fraction labelled with confidence >= 0.9
    on every channel), reverse_kl (KL(label histogram ‖ uniform over 10**C modes), nats),
    mode_histogram (10**C counts: the samples of each mode, a mode being the digits read as
    one number, see mode_of_digits) and, for one channel, class_histogram (the same 10 counts).
    """
    if probs.ndim == 2:
        probs = probs.unsqueeze(1)
    if probs.ndim != 3 or probs.shape[-1] != 10 or probs.shape[0] == 0:
        raise ValueError(f"probs must have shape (n, 10) or (n, C, 10), got {tuple(probs.shape)}")
    confidence, labels = probs.max(dim=-1)  # (n, C) each
    channels = labels.shape[1]
    modes = mode_of_digits(labels)
    n_modes = 10**channels
    counts = torch.bincount(modes, minlength=n_modes).cpu().double()
    p = counts / counts.sum()
    nz = p > 0
    result: dict[str, Any] = {
        "modes_covered": int(nz.sum()),
        "high_quality": int((confidence.min(dim=1).values >= CONFIDENT).sum()) / len(probs),
        "reverse_kl": float((p[nz] * torch.log(p[nz] * n_modes)).sum()),
    }
    result["mode_histogram"] = [int(c) for c in counts]
    if channels == 1:
        result["class_histogram"] = list(result["mode_histogram"])
    return result


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (n, d), as in FID:
    ‖μa − μb‖² + tr(Σa + Σb − 2 (Σa^½ Σb Σa^½)^½), in float64 with symmetric square roots."""
    a, b = a.detach().cpu().double(), b.detach().cpu().double()  # MPS has no float64
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.T), torch.cov(b.T)
    vals, vecs = torch.linalg.eigh(cov_a)
    root_a = vecs @ torch.diag(vals.clamp_min(0).sqrt()) @ vecs.T
    cross = torch.linalg.eigvalsh(root_a @ cov_b @ root_a).clamp_min(0).sqrt().sum()
    value = (mu_a - mu_b).pow(2).sum() + cov_a.trace() + cov_b.trace() - 2 * cross
    return float(value.clamp_min(0))


def image_metrics(samples: torch.Tensor, classifier, real: torch.Tensor | None = None) -> dict:
    """label_metrics of images (n, C, 28, 28) as `classifier` sees them, plus `frechet`, the
    Fréchet distance between their classifier features and those of `real` images if given."""
    probs, features = classifier.predict(samples)
    result = label_metrics(probs)
    if real is not None:
        result["frechet"] = frechet_distance(features, classifier.predict(real)[1])
    return result
