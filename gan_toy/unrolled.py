"""Unrolled GANs (Metz et al. 2017): the generator plays against D as it will be k steps later.

The generator's loss is taken at the discriminator after k more updates on the current batch,
f(θ, ψ_k(θ)), rather than at ψ itself. With `order=2` the gradient flows *through* the k
updates (ψ_k depends on θ via the fake samples), which is what lets the generator anticipate
D's reaction; `order=1` treats ψ_k as a constant and only trains against a future D.

The unrolled steps use D's own update rule: Adam continued from the optimiser's current moment
estimates, as Metz et al. and their reference notebook do (plain gradient descent for SGD). The
real discriminator, its buffers and its optimiser state are never modified.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch.func import functional_call

from gan_toy.losses import GANLoss

Tensor = torch.Tensor
# penalty_fn(d_fn, real, fake, params): D's regularisers at its parameters `params`.
PenaltyFn = Callable[[Callable[[Tensor], Tensor], Tensor, Tensor, list[Tensor]], Tensor]

# Settings of the discriminator's optimiser that the unrolled rule does not reproduce: with any
# of them on, the unrolled D would silently follow another rule than the real one.
_UNSUPPORTED = {
    "adam": ("weight_decay", "amsgrad", "maximize"),
    "sgd": ("weight_decay", "momentum", "nesterov", "maximize"),
}


def _optimizer_rule(opt: torch.optim.Optimizer, lr: float | None):
    """(kind, lr, betas, eps) of the discriminator's optimiser, lr overridable.

    Plain Adam and plain SGD only (one setting for all parameters); anything else raises
    ValueError rather than unrolling with a rule D does not use.
    """
    if isinstance(opt, torch.optim.Adam):  # AdamW too: its weight decay is refused below
        kind = "adam"
    elif isinstance(opt, torch.optim.SGD):
        kind = "sgd"
    else:
        raise ValueError(
            f"unrolling follows torch.optim.Adam or torch.optim.SGD, got {type(opt).__name__}"
        )
    group = opt.param_groups[0]
    for g in opt.param_groups:
        bad = {k: g[k] for k in _UNSUPPORTED[kind] if g.get(k)}
        if bad:
            raise ValueError(f"unrolling does not reproduce {type(opt).__name__} with {bad}")
        if any(g.get(k) != group.get(k) for k in ("lr", "betas", "eps")):
            raise ValueError("unrolling needs one lr/betas/eps for all of D's parameter groups")
    lr = group["lr"] if lr is None else lr
    if kind == "adam":
        return "adam", lr, group["betas"], group["eps"]
    return "sgd", lr, None, None


def _like(value, p):
    """A scalar as is; a per-run (K,) tensor reshaped to broadcast against a (K, ...) tensor."""
    if isinstance(value, torch.Tensor) and value.dim() == 1:
        return value.view(-1, *[1] * (p.dim() - 1))
    return value


def adam_unroll(
    params: list[Tensor],
    loss_fn: Callable[[list[Tensor]], Tensor],
    k: int,
    lr: float | Tensor,
    betas: tuple[float, float] | None = None,
    eps: float = 1e-8,
    exp_avg: Sequence[Tensor] | None = None,
    exp_avg_sq: Sequence[Tensor] | None = None,
    t0: int | Tensor = 0,
    create_graph: bool = True,
    clip: float | None = None,
) -> list[Tensor]:
    """k updates of `params` (a list of tensors) on `loss_fn(params)`, returned as a new list.

    Adam when `betas` is given, continued from the moments `exp_avg`, `exp_avg_sq` after `t0`
    updates (zeros and 0 for a fresh optimiser); plain gradient descent when it is None. `lr`
    and `t0` may be per-run (K,) tensors for stacked parameters. `clip` repeats WGAN's weight
    clipping after each update, as the real discriminator's step does. With `create_graph`
    the result stays differentiable through the updates (second order).
    """
    m = [torch.zeros_like(p) for p in params] if exp_avg is None else [x.detach() for x in exp_avg]
    v = [torch.zeros_like(p) for p in params] if exp_avg_sq is None else exp_avg_sq
    v = [x.detach() for x in v]
    for i in range(k):
        grads = torch.autograd.grad(loss_fn(params), params, create_graph=create_graph)
        if betas is None:
            params = [p - _like(lr, p) * g for p, g in zip(params, grads)]
        else:
            b1, b2 = betas
            t = t0 + i + 1
            bias1, bias2 = 1 - b1**t, 1 - b2**t
            m = [b1 * mi + (1 - b1) * g for mi, g in zip(m, grads)]
            v = [b2 * vi + (1 - b2) * g * g for vi, g in zip(v, grads)]
            # clamp_min keeps sqrt's derivative finite where a parameter never had a gradient
            # (a dead ReLU unit): d√v/dv at v=0 is inf, and inf·0 would poison G's gradient.
            params = [
                p
                - _like(lr, p)
                * (mi / _like(bias1, p))
                / ((vi / _like(bias2, p)).clamp_min(1e-30).sqrt() + eps)
                for p, mi, vi in zip(params, m, v)
            ]
        if clip is not None:
            params = [p.clamp(-clip, clip) for p in params]
    return params


def unrolled_parameters(
    d, d_opt, loss, real, fake, k, order=2, lr=None, penalty_fn=None, clip=None
):
    """D's parameters after k unrolled updates on (real, fake), as a name -> tensor dict.

    `penalty_fn(d_fn, real, fake, params)` adds D's regularisers to each unrolled loss; `clip`
    is WGAN's clipping bound. With order=2 the returned tensors depend on `fake` (and so on G)
    through the updates.
    """
    kind, lr, betas, eps = _optimizer_rule(d_opt, lr)
    names = [n for n, _ in d.named_parameters()]
    originals = [p for _, p in d.named_parameters()]
    start = [p.detach().requires_grad_(True) for p in originals]
    # Clone buffers: spectral norm's power iteration updates them in place during forward.
    buffers = {n: b.detach().clone() for n, b in d.named_buffers()}
    states = [d_opt.state.get(p, {}) for p in originals]
    moments = {}
    if kind == "adam" and states[0]:
        moments = {
            "exp_avg": [s["exp_avg"] for s in states],
            "exp_avg_sq": [s["exp_avg_sq"] for s in states],
            "t0": int(states[0]["step"]),
        }
    fake_in = fake if order == 2 else fake.detach()
    n_real = real.shape[0]

    def d_loss(params):
        current = dict(zip(names, params))

        def d_fn(x):
            return functional_call(d, (current, buffers), (x,))

        out = d_fn(torch.cat([real, fake_in]))
        value = loss.d_loss(out[:n_real], out[n_real:])
        if penalty_fn is not None:
            value = value + penalty_fn(d_fn, real, fake_in, params)
        return value

    params = adam_unroll(
        start, d_loss, k, lr, betas, eps or 1e-8, create_graph=(order == 2), clip=clip, **moments
    )
    return dict(zip(names, params)), buffers


def unrolled_generator_loss(
    d: torch.nn.Module,
    d_opt: torch.optim.Optimizer,
    loss: GANLoss,
    real: Tensor,
    fake: Tensor,
    k: int,
    order: int = 2,
    lr: float | None = None,
    penalty_fn: PenaltyFn | None = None,
    clip: float | None = None,
) -> Tensor:
    """The generator's loss against D unrolled k steps; k=0 is the plain generator loss."""
    if k == 0:
        return loss.g_loss(d(fake))
    params, buffers = unrolled_parameters(
        d, d_opt, loss, real, fake, k, order, lr, penalty_fn, clip
    )
    return loss.g_loss(functional_call(d, (params, buffers), (fake,)))
