"""Discriminator regularisers, each a named function with a weight.

Three kinds, by where they act in training:
- *penalties* add `weight * penalty(...)` to the discriminator's loss: WGAN-GP's gradient
  penalty on interpolates, R1 (on real data), R2 (on generated data), the Roth et al. (2017)
  regulariser and an L2 penalty on D's weights;
- *instance noise* (`noise`) adds Gaussian noise of std `weight` to every input D sees, real and
  fake, annealed linearly to zero over the run (Sønderby et al. 2017; Arjovsky & Bottou 2017);
- *spectral normalisation* (`sn`) reparametrises D's linear layers (Miyato et al. 2018); its
  weight only switches it on (any value > 0).

Penalties on D's inputs take `d_fn` (a function x -> D's raw output) rather than a module, so
the same code serves the real discriminator, the functional copies used in unrolled updates and
the stacked discriminators of batched runs. They share one keyword-only signature,
`(d_fn, real, fake, *, reduce, rng, eps)`, so one loop (`total_penalty`) calls them all; those
that draw no random numbers ignore `rng` and `eps`. The L2 penalty acts on D's weights instead
and takes only them.

Both trainers (train.py and batched.py) and the probes call the same functions here for every
rule that touches D: the penalty sum, the instance-noise schedule and weight clipping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch
from torch import nn

Tensor = torch.Tensor
DFn = Callable[[Tensor], Tensor]
Reduce = Callable[[Tensor], Tensor]


def _input_gradient(d_fn: DFn, x: Tensor) -> tuple[Tensor, Tensor]:
    """(D's output at x, ∇_x D(x) per sample), keeping the graph so a penalty can be trained.

    An x that already carries a graph (the generator's samples inside a second-order unrolled
    step) keeps it, so the penalty's dependence on G is differentiated too; callers that train
    D alone pass detached samples, as the trainer's D step does.
    """
    if not x.requires_grad:
        x = x.detach().requires_grad_(True)
    out = d_fn(x)
    (grad,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    return out, grad


def _sq_norm(grad: Tensor) -> Tensor:
    """‖g‖² per sample, over all of a sample's dimensions (not just the first: images too)."""
    return grad.flatten(1).pow(2).sum(dim=1)


def gradient_penalty(
    d_fn: DFn,
    real: Tensor,
    fake: Tensor,
    *,
    reduce: Reduce = torch.mean,
    rng: torch.Generator | None = None,
    eps: Tensor | None = None,
) -> Tensor:
    """WGAN-GP (Gulrajani et al. 2017): E[(‖∇D(x̂)‖ - 1)²] at x̂ = εx + (1-ε)G(z), ε ~ U[0,1].

    `eps` may be given (the batched trainer draws it run by run); `reduce` turns the
    per-sample values into the penalty (the mean; per-run means for stacked runs).
    """
    if eps is None:  # one ε per sample, broadcast over its other dimensions (points or images)
        shape = (real.shape[0], *[1] * (real.ndim - 1))
        eps = torch.rand(shape, device=real.device, generator=rng)
    x_hat = eps * real + (1 - eps) * fake
    _, grad = _input_gradient(d_fn, x_hat)
    # norm(), not sqrt of the square: its derivative stays finite where ∇D = 0 (dead ReLUs).
    return reduce((grad.flatten(1).norm(dim=1) - 1.0) ** 2)


def r1_penalty(
    d_fn: DFn,
    real: Tensor,
    fake: Tensor,
    *,
    reduce: Reduce = torch.mean,
    rng: torch.Generator | None = None,
    eps: Tensor | None = None,
) -> Tensor:
    """R1 (Mescheder et al. 2018): ½ E_real ‖∇D(x)‖²; with weight γ this is (γ/2) E‖∇D‖²."""
    _, grad = _input_gradient(d_fn, real)
    return 0.5 * reduce(_sq_norm(grad))


def r2_penalty(
    d_fn: DFn,
    real: Tensor,
    fake: Tensor,
    *,
    reduce: Reduce = torch.mean,
    rng: torch.Generator | None = None,
    eps: Tensor | None = None,
) -> Tensor:
    """R2: the same penalty on generated samples."""
    _, grad = _input_gradient(d_fn, fake)
    return 0.5 * reduce(_sq_norm(grad))


def roth_penalty(
    d_fn: DFn,
    real: Tensor,
    fake: Tensor,
    *,
    reduce: Reduce = torch.mean,
    rng: torch.Generator | None = None,
    eps: Tensor | None = None,
) -> Tensor:
    """Roth et al. (2017): ½ (E_real[(1-D)² ‖∇ψ‖²] + E_fake[D² ‖∇ψ‖²]), D = sigmoid(ψ)."""
    real_out, real_grad = _input_gradient(d_fn, real)
    fake_out, fake_grad = _input_gradient(d_fn, fake)
    real_term = (1 - torch.sigmoid(real_out)).pow(2).squeeze(1) * _sq_norm(real_grad)
    fake_term = torch.sigmoid(fake_out).pow(2).squeeze(1) * _sq_norm(fake_grad)
    return 0.5 * (reduce(real_term) + reduce(fake_term))


def l2_penalty(params: Iterable[Tensor], per_run: bool = False) -> Tensor | float:
    """½ Σ‖w‖² over D's parameters (weight decay written as a penalty).

    With `per_run`, every tensor's first dimension indexes stacked runs (batched.py) and the
    result is one value per run.
    """
    if per_run:
        return 0.5 * sum(p.pow(2).flatten(1).sum(1) for p in params)
    return 0.5 * sum(p.pow(2).sum() for p in params)


@dataclass(frozen=True)
class Regularizer:
    name: str
    kind: str  # "penalty", "noise" or "spectral_norm"
    summary: str
    penalty: Callable[..., Tensor | float] | None = None
    on_weights: bool = False  # a penalty of D's weights (params), not of its inputs (d_fn)


REGULARIZERS: dict[str, Regularizer] = {
    "gp": Regularizer(
        "gp", "penalty", "WGAN-GP gradient penalty on interpolates", gradient_penalty
    ),
    "r1": Regularizer("r1", "penalty", "R1: gradient penalty on real data", r1_penalty),
    "r2": Regularizer("r2", "penalty", "R2: gradient penalty on generated data", r2_penalty),
    "roth": Regularizer("roth", "penalty", "Roth et al. (2017) regulariser", roth_penalty),
    "l2": Regularizer(
        "l2", "penalty", "L2 penalty on discriminator weights", l2_penalty, on_weights=True
    ),
    "noise": Regularizer("noise", "noise", "instance noise (weight = initial std)"),
    "sn": Regularizer("sn", "spectral_norm", "spectral normalisation of D (weight > 0: on)"),
}


def penalty_weights(regs: dict) -> dict:
    """The penalty-kind regularisers of `regs` that are switched on: weight > 0, or for per-run
    weights ((K,) tensors) > 0 in at least one run."""
    return {
        n: w
        for n, w in regs.items()
        if REGULARIZERS[n].kind == "penalty" and bool((torch.as_tensor(w) > 0).any())
    }


def total_penalty(
    weights: dict,
    d_fn: DFn,
    real: Tensor,
    fake: Tensor,
    *,
    params: Iterable[Tensor] = (),
    rng: torch.Generator | None = None,
    eps: Tensor | None = None,
    reduce: Reduce = torch.mean,
    per_run: bool = False,
) -> Tensor | float:
    """Σ weight · penalty over the penalty-kind regularisers in `weights` (0.0 if none).

    Weights are numbers, or (K,) tensors of per-run weights in batched runs, where `per_run`
    says that `params` are stacked and `reduce` takes per-run means. Zero weights are skipped.
    """
    total: Tensor | float = 0.0
    params = list(params)
    for name, weight in penalty_weights(weights).items():
        reg = REGULARIZERS[name]
        assert reg.penalty is not None  # every penalty-kind regulariser has one
        if reg.on_weights:
            value = reg.penalty(params, per_run=per_run)
        else:
            value = reg.penalty(d_fn, real, fake, reduce=reduce, rng=rng, eps=eps)
        total = total + weight * value
    return total


def noise_fraction(step: int, total_steps: int) -> float:
    """How much of the initial instance noise is left at `step`: 1 at the start, linearly
    down to 0 at the end of the run."""
    return max(0.0, 1.0 - step / max(total_steps, 1))


def instance_noise_std(regs: dict, step: int, total_steps: int) -> float:
    """The instance-noise std at `step`: the `noise` weight, annealed linearly to 0."""
    return regs.get("noise", 0.0) * noise_fraction(step, total_steps)


def apply_spectral_norm(module: nn.Module) -> nn.Module:
    """Spectral normalisation on every Linear/Conv layer of `module` (in place; returned)."""
    for name, child in module.named_children():
        if isinstance(child, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            setattr(module, name, nn.utils.parametrizations.spectral_norm(child))
        else:
            apply_spectral_norm(child)
    return module


def clip_weights(params: Iterable[Tensor], clip: float | None) -> None:
    """WGAN weight clipping: clamp every parameter into [-clip, clip] (Arjovsky et al. 2017).
    `clip=None` clips nothing, so callers need not ask."""
    if clip is None:
        return
    with torch.no_grad():
        for p in params:
            p.clamp_(-clip, clip)
