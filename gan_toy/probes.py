"""The vanishing-gradient probe of Arjovsky & Bottou (2017), on the toy GANs.

Freeze a generator, train a fresh discriminator towards optimality, and record after each
discriminator update how large the generator's gradient still is. With the minimax loss the
generator's gradient is ∝ D(G(z)), which goes to 0 as D learns to reject the fakes: the
gradient vanishes. The non-saturating loss has gradient ∝ 1 - D(G(z)), which does not, and a
Lipschitz-constrained Wasserstein critic keeps it of order one.
"""

from __future__ import annotations

import torch

from gan_toy.losses import get_loss
from gan_toy.nets import make_discriminator
from gan_toy.regularizers import clip_weights, total_penalty


def generator_gradient_norm(generator, d_fn, loss, z) -> float:
    """‖∇_θ g_loss(D(G(z)))‖ over all of G's parameters."""
    params = [p for p in generator.parameters() if p.requires_grad]
    g_loss = loss.g_loss(d_fn(generator(z)))
    grads = torch.autograd.grad(g_loss, params)
    return float(torch.nn.utils.get_total_norm(grads))


def vanishing_gradient_probe(
    generator,
    mixture,
    loss: str = "minimax",
    d_iters: int = 2000,
    lr: float = 1e-3,
    batch_size: int = 512,
    record_every: int = 10,
    regs: dict | None = None,
    clip: float | None = None,
    hidden: int = 128,
    seed: int = 0,
) -> dict:
    """Train a fresh D against the frozen `generator`; record G's gradient norm over time.

    Returns a dict of lists: `d_iter`, `g_grad_norm`, `d_real`, `d_fake` (mean D outputs,
    probabilities for minimax/ns, raw critic values otherwise) and `d_loss`. `regs` are
    discriminator penalties by name (e.g. {"gp": 10} for WGAN-GP); `clip` is WGAN clipping.
    """
    if d_iters <= 0 or record_every <= 0 or lr <= 0:
        raise ValueError(
            f"d_iters, record_every and lr must be > 0, got {d_iters}, {record_every}, {lr}"
        )
    gan_loss = get_loss(loss)
    device = mixture.centres.device
    probability = loss in ("minimax", "ns")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        d = make_discriminator(2, hidden)
    d = d.to(device)
    opt = torch.optim.Adam(d.parameters(), lr=lr, betas=(0.5, 0.999))
    rng = torch.Generator(device=device)
    rng.manual_seed(seed)
    z_dim = next(generator.parameters()).shape[1]
    z_probe = torch.randn(batch_size, z_dim, device=device, generator=rng)
    regs = {name: w for name, w in (regs or {}).items() if w > 0}

    def summary(out):
        return float(torch.sigmoid(out).mean() if probability else out.mean())

    record = {"d_iter": [], "g_grad_norm": [], "d_real": [], "d_fake": [], "d_loss": []}
    for it in range(d_iters + 1):
        real = mixture.sample(batch_size, generator=rng)
        with torch.no_grad():
            fake = generator(torch.randn(batch_size, z_dim, device=device, generator=rng))
        out = d(torch.cat([real, fake]))
        d_loss = gan_loss.d_loss(out[:batch_size], out[batch_size:])
        if regs:
            d_loss = d_loss + total_penalty(regs, d, real, fake, list(d.parameters()), rng)
        if it % record_every == 0:
            record["d_iter"].append(it)
            record["g_grad_norm"].append(generator_gradient_norm(generator, d, gan_loss, z_probe))
            record["d_real"].append(summary(out[:batch_size].detach()))
            record["d_fake"].append(summary(out[batch_size:].detach()))
            record["d_loss"].append(float(d_loss.detach()))
        if it == d_iters:
            break
        opt.zero_grad(set_to_none=True)
        d_loss.backward()
        opt.step()
        if clip is not None:
            clip_weights(d, clip)
    generator.zero_grad(set_to_none=True)
    return record
