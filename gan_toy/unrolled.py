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

import torch
from torch.func import functional_call

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


def unrolled_parameters(d, d_opt, loss, real, fake, k, order=2, lr=None, penalty_fn=None):
    """D's parameters after k unrolled updates on (real, fake), as a name -> tensor dict.

    `penalty_fn(d_fn, real, fake, params)` adds D's regularisers to each unrolled loss.
    With order=2 the returned tensors depend on `fake` (and so on G) through the updates.
    """
    kind, lr, betas, eps = _optimizer_rule(d_opt, lr)
    names = [n for n, _ in d.named_parameters()]
    originals = [p for _, p in d.named_parameters()]
    params = [p.detach().requires_grad_(True) for p in originals]
    # Clone buffers: spectral norm's power iteration updates them in place during forward.
    buffers = {n: b.detach().clone() for n, b in d.named_buffers()}
    if kind == "adam":
        states = [d_opt.state.get(p, {}) for p in originals]
        m = [s["exp_avg"].detach() if s else torch.zeros_like(p) for s, p in zip(states, params)]
        v = [s["exp_avg_sq"].detach() if s else torch.zeros_like(p) for s, p in zip(states, params)]
        t0 = int(states[0]["step"]) if states[0] else 0
    fake_in = fake if order == 2 else fake.detach()
    n_real = real.shape[0]
    for i in range(k):
        current = dict(zip(names, params))

        def d_fn(x, current=current):
            return functional_call(d, (current, buffers), (x,))

        out = d_fn(torch.cat([real, fake_in]))
        d_loss = loss.d_loss(out[:n_real], out[n_real:])
        if penalty_fn is not None:
            d_loss = d_loss + penalty_fn(d_fn, real, fake_in, params)
        grads = torch.autograd.grad(d_loss, params, create_graph=(order == 2))
        if kind == "adam":
            b1, b2 = betas
            t = t0 + i + 1
            m = [b1 * mi + (1 - b1) * g for mi, g in zip(m, grads)]
            v = [b2 * vi + (1 - b2) * g * g for vi, g in zip(v, grads)]
            # clamp_min keeps sqrt's derivative finite where a parameter never had a gradient
            # (a dead ReLU unit): d√v/dv at v=0 is inf, and inf·0 would poison G's gradient.
            params = [
                p - lr * (mi / (1 - b1**t)) / ((vi / (1 - b2**t)).clamp_min(1e-30).sqrt() + eps)
                for p, mi, vi in zip(params, m, v)
            ]
        else:
            params = [p - lr * g for p, g in zip(params, grads)]
    return dict(zip(names, params)), buffers


def unrolled_generator_loss(d, d_opt, loss, real, fake, k, order=2, lr=None, penalty_fn=None):
    """The generator's loss against D unrolled k steps; k=0 is the plain generator loss."""
    if k == 0:
        return loss.g_loss(d(fake))
    params, buffers = unrolled_parameters(d, d_opt, loss, real, fake, k, order, lr, penalty_fn)
    return loss.g_loss(functional_call(d, (params, buffers), (fake,)))
