"""The vanishing-gradient probe of Arjovsky & Bottou (2017), on the toy GANs.

Freeze a generator, train a fresh discriminator towards optimality, and record after each
discriminator update how large the generator's gradient still is. With the minimax loss the
generator's gradient is ∝ D(G(z)), which goes to 0 as D learns to reject the fakes: the
gradient vanishes. The non-saturating loss has gradient ∝ 1 - D(G(z)), which does not, and a
Lipschitz-constrained Wasserstein critic keeps it of order one.

Instance noise (`noise_std`) adds Gaussian noise of a fixed std to every input D sees, real and
fake, during D's training and in the generator's loss; the probe holds it fixed (a training run
anneals it, see `regularizers.instance_noise_std`), since G does not move here.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

import torch

from gan_toy.losses import get_loss
from gan_toy.nets import make_discriminator
from gan_toy.regularizers import (
    REGULARIZERS,
    apply_spectral_norm,
    clip_weights,
    penalty_weights,
    total_penalty,
)

if TYPE_CHECKING:
    from gan_toy.data.mixtures import GaussianMixture


def generator_gradient_norm(generator, d_fn, loss, z, noise=None) -> float:
    """‖∇_θ g_loss(D(G(z) + noise))‖ over all of G's trainable parameters.

    Uses `torch.autograd.grad`, so no parameter's `.grad` is touched.
    """
    params = [p for p in generator.parameters() if p.requires_grad]
    fake = generator(z)
    if noise is not None:
        fake = fake + noise
    grads = torch.autograd.grad(loss.g_loss(d_fn(fake)), params)
    return float(torch.nn.utils.get_total_norm(grads))


def _check_args(d_iters, record_every, lr, batch_size, hidden, clip, noise_std, regs):
    for name, value in (
        ("d_iters", d_iters),
        ("record_every", record_every),
        ("batch_size", batch_size),
        ("hidden", hidden),
    ):
        if not isinstance(value, numbers.Integral) or value <= 0:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not lr > 0:  # `not >` also rejects NaN
        raise ValueError(f"lr must be > 0, got {lr!r}")
    if clip is not None and not clip > 0:
        raise ValueError(f"clip must be > 0 or None, got {clip!r}")
    if not noise_std >= 0:
        raise ValueError(f"noise_std must be >= 0, got {noise_std!r}")
    for name, weight in regs.items():
        if name == "noise":
            raise ValueError(
                f"regs={{'noise': {weight!r}}}: the probe takes instance noise as "
                f"noise_std={weight!r} (held fixed, not annealed)"
            )
        if name not in REGULARIZERS:
            valid = ", ".join(n for n in REGULARIZERS if n != "noise")
            raise ValueError(f"unknown regulariser {name!r}; valid choices: {valid}")
        if not weight >= 0:
            raise ValueError(f"regulariser weight {name}={weight!r} must be >= 0")


def vanishing_gradient_probe(
    generator: torch.nn.Module,
    mixture: GaussianMixture,
    loss: str = "minimax",
    d_iters: int = 2000,
    lr: float = 1e-3,
    batch_size: int = 512,
    record_every: int = 10,
    regs: dict | None = None,
    clip: float | None = None,
    hidden: int = 128,
    seed: int = 0,
    noise_std: float = 0.0,
) -> dict:
    """Train a fresh D against the frozen `generator`; record G's gradient norm over time.

    D is an MLP 2 → hidden → hidden → 1 trained with Adam (lr, β = (0.5, 0.999)) on batches of
    `batch_size` real and as many generated points. Records are taken every `record_every`
    D updates, at iteration 0 (the fresh D) and at the last one, always on the same latent
    batch (and the same instance-noise draw), so the curve shows D changing, not resampling.

    Returns a dict of lists: `d_iter`, `g_grad_norm`, `d_real`, `d_fake` (mean D outputs,
    probabilities for minimax/ns, raw critic values otherwise) and `d_loss`. `regs` are
    discriminator regularisers by name (e.g. {"gp": 10} for WGAN-GP, {"sn": 1} for spectral
    normalisation; loss "wgan-gp" adds gp=10 unless given); `clip` is WGAN weight clipping,
    applied from initialisation on; `noise_std` is instance noise. The generator is left
    exactly as it was: its parameters and their `.grad` are not touched.
    """
    gan_loss = get_loss(loss)
    regs = dict(regs or {})
    _check_args(d_iters, record_every, lr, batch_size, hidden, clip, noise_std, regs)
    regs = gan_loss.regularizers(regs)  # e.g. WGAN-GP's gradient penalty, as trainers do
    if not any(p.requires_grad for p in generator.parameters()):
        raise ValueError("the generator has no parameters with requires_grad=True to probe")
    penalties = penalty_weights(regs)

    device = mixture.centres.device
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        d = make_discriminator(2, hidden)
        if regs.get("sn", 0) > 0:
            apply_spectral_norm(d)
    d = d.to(device)
    clip_weights(d.parameters(), clip)  # every recorded critic, the first one too, is clipped
    opt = torch.optim.Adam(d.parameters(), lr=lr, betas=(0.5, 0.999))
    rng = torch.Generator(device=device)
    rng.manual_seed(seed)
    z_dim = next(generator.parameters()).shape[1]
    z_probe = torch.randn(batch_size, z_dim, device=device, generator=rng)
    noise_probe = None
    if noise_std > 0:
        noise_probe = noise_std * torch.randn(batch_size, 2, device=device, generator=rng)

    def noisy(x):
        if noise_std == 0:
            return x
        return x + noise_std * torch.randn(x.shape, device=device, generator=rng)

    def summary(out):
        return float(gan_loss.reported(out).mean())

    record: dict[str, list] = {
        "d_iter": [],
        "g_grad_norm": [],
        "d_real": [],
        "d_fake": [],
        "d_loss": [],
    }
    for it in range(d_iters + 1):
        real = noisy(mixture.sample(batch_size, generator=rng))
        with torch.no_grad():
            fake = noisy(generator(torch.randn(batch_size, z_dim, device=device, generator=rng)))
        out = d(torch.cat([real, fake]))
        d_loss = gan_loss.d_loss(out[:batch_size], out[batch_size:])
        if penalties:
            d_loss = d_loss + total_penalty(
                penalties, d, real, fake, params=d.parameters(), rng=rng
            )
        if it % record_every == 0 or it == d_iters:
            norm = generator_gradient_norm(generator, d, gan_loss, z_probe, noise_probe)
            record["d_iter"].append(it)
            record["g_grad_norm"].append(norm)
            record["d_real"].append(summary(out[:batch_size].detach()))
            record["d_fake"].append(summary(out[batch_size:].detach()))
            record["d_loss"].append(float(d_loss.detach()))
        if it == d_iters:
            break
        opt.zero_grad(set_to_none=True)
        d_loss.backward()
        opt.step()
        clip_weights(d.parameters(), clip)
    return record
