"""K models of one shape as one: stacked MLP layers and an optimiser with a rate per run.

The batched trainer (batched.py) keeps every layer of its K runs as one (K, out, in) tensor and
applies them with one batched matrix product; the optimiser here updates such tensors run by
run, with a learning rate per run and a mask of the runs that update at a call; RunStreams
keeps each run's own random stream.
"""

from __future__ import annotations

import torch


def stack_linear_layers(modules) -> list[torch.Tensor]:
    """[W1, b1, W2, b2, ...] with a leading run dimension, from K identical nn.Sequential MLPs."""
    layers = [[p.detach() for p in m.parameters()] for m in modules]
    return [torch.stack(ps).clone() for ps in zip(*layers)]


class NarrowLinear(torch.autograd.Function):
    """x Wᵀ + b for K stacked layers with one or two outputs (D's last layer, G's last).

    x (K, n, in), W (K, out, in), b (K, out). The forward is torch.baddbmm's; the backward is
    written out because autograd's generic one turns such a layer's gradients into matrix
    products with an inner or outer size of 1 or 2, several times slower than the same
    arithmetic as a broadcast product (the input's gradient) or with the operands swapped (the
    weight's). It is made of differentiable operations, so gradient penalties and second-order
    unrolling differentiate through it. (Layers with two inputs, D's first, gained nothing from
    the same treatment in a training step, so they keep autograd's.)

    Unlike autograd's own nodes it cannot tell which gradients a backward pass asks for: it
    computes the gradient of every input that requires one, so pass detached weights when a
    backward does not need theirs.
    """

    @staticmethod
    def forward(x, weight, bias):
        return torch.baddbmm(bias.unsqueeze(1), x, weight.transpose(1, 2))

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, weight, _ = inputs
        ctx.save_for_backward(x, weight)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        grad_x = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:  # Σ_j grad[..., j] ⊗ W[:, j]: outer products, written as such
            grad_x = grad[..., :1] * weight[:, :1]
            for j in range(1, weight.shape[1]):
                grad_x = torch.addcmul(grad_x, grad[..., j : j + 1], weight[:, j : j + 1])
        if ctx.needs_input_grad[1]:  # gradᵀ x, the long dimension n inside
            grad_weight = torch.bmm(grad.transpose(1, 2), x)
        if ctx.needs_input_grad[2]:
            grad_bias = grad.sum(1)
        return grad_x, grad_weight, grad_bias


def stacked_linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """x (K, n, in) -> (K, n, out) through K layers W (K, out, in), b (K, out)."""
    if weight.shape[1] <= 2:
        return NarrowLinear.apply(x, weight, bias)
    return torch.baddbmm(bias.unsqueeze(1), x, weight.transpose(1, 2))


def stacked_mlp(params: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Apply K MLPs at once: x (K, n, in) -> (K, n, out), ReLU between layers."""
    n_layers = len(params) // 2
    for i in range(n_layers):
        x = stacked_linear(x, params[2 * i], params[2 * i + 1])
        if i < n_layers - 1:
            x = ReLU_.apply(x)
    return x


class ReLU_(torch.autograd.Function):
    """torch.relu_, with a backward whose own derivative is taken with respect to the incoming
    gradient only.

    In place because a linear layer's output is needed by nothing but the ReLU (a fresh
    (K, n, h) tensor per layer is memory traffic). The backward is relu's,
    threshold_backward(grad, output), but with the output held constant: relu's second
    derivative is zero, yet autograd's relu materialises that zero gradient for the output and
    adds it in, two wasted passes over every activation in each gradient penalty and each
    second-order unrolled step.
    """

    @staticmethod
    def forward(ctx, x):
        ctx.mark_dirty(x)
        x = torch.relu_(x)
        ctx.save_for_backward(x)
        return x

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return torch.ops.aten.threshold_backward(grad, out.detach(), 0)


def by_run(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Reshape a (K,) tensor to broadcast against a (K, ...) tensor."""
    return values.view(-1, *[1] * (like.dim() - 1))


def squared_norms(grads) -> torch.Tensor:
    """(K,): each run's squared gradient norm over all stacked tensors."""
    return torch.stack([g.pow(2).flatten(1).sum(1) for g in grads]).sum(0)


def where_active(active: torch.Tensor | None, new: torch.Tensor, old: torch.Tensor):
    """`new` for the runs where `active` is 1 (all runs when it is None), else `old`."""
    return new if active is None else torch.where(active.bool(), new, old)


class StackedOptimizer:
    """Adam or SGD over stacked parameters with a learning rate per run and a mask of runs
    that update at this call. Follows torch.optim.Adam's arithmetic step for step (the same
    operations in the same order), so a run here matches a run trained with torch.optim.Adam
    alone."""

    def __init__(self, params, kind: str, lr: torch.Tensor, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.kind, self.lr = params, kind, lr
        self.betas, self.eps = betas, eps
        self.exp_avg = [torch.zeros_like(p) for p in params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in params]
        self.t = torch.zeros(lr.shape[0], device=lr.device)  # updates done, per run

    @torch.no_grad()
    def step(self, grads, active: torch.Tensor | None = None) -> None:
        """One update of the runs where `active` (a (K,) 0/1 mask; None: all runs) is 1.

        Every run is updated in place and the few idle ones put back afterwards, which is
        cheaper than selecting the active runs in each of Adam's operations.
        """
        idle = None if active is None else (active == 0).nonzero().squeeze(1)
        if idle is not None and len(idle) == 0:
            idle = None
        state = [*self.params, *self.exp_avg, *self.exp_avg_sq]
        saved = None if idle is None else [x[idle] for x in state]
        if self.kind == "sgd":
            for p, g in zip(self.params, grads):
                p.sub_(by_run(self.lr, p) * g)
        else:
            self._adam(grads, active)
        if saved is not None:
            for x, old in zip(state, saved):
                x[idle] = old

    def _adam(self, grads, active) -> None:
        b1, b2 = self.betas
        self.t += 1 if active is None else active
        t = self.t.clamp_min(1)  # runs that never updated are idle and put back anyway
        neg_step_size = -self.lr / (1 - b1**t)
        bias2_sqrt = torch.sqrt(1 - b2**t)
        for p, g, m, v in zip(self.params, grads, self.exp_avg, self.exp_avg_sq):
            m.lerp_(g, 1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            denom = v.sqrt().div_(by_run(bias2_sqrt, p)).add_(self.eps)
            # torch.optim.Adam's addcdiv(m, denom, value=-step_size) with a step size per run
            p.addcdiv_(m * by_run(neg_step_size, p), denom)


class RunStreams:
    """One random stream per run (a torch.Generator seeded with the run's seed) and draws
    stacked over runs, (K, *shape).

    Each run draws from its own stream, in the order the draws are asked for, so its numbers
    are the ones Trainer draws for it; a run not among `runs` draws nothing and gets zeros (its
    update is masked). Every draw is written straight into its run's slice (no copy).
    """

    def __init__(self, seeds, device: torch.device):
        self.device = device
        self.generators = [torch.Generator(device=device).manual_seed(s) for s in seeds]

    def normal(self, runs, *shape: int) -> torch.Tensor:
        return self._draw(runs, shape, lambda g, out: torch.randn(shape, generator=g, out=out))

    def uniform(self, runs, *shape: int) -> torch.Tensor:
        return self._draw(runs, shape, lambda g, out: torch.rand(shape, generator=g, out=out))

    def sample(self, runs, source, n: int, point_shape=(2,)) -> torch.Tensor:
        """`source.sample(n, generator=...)` of every run in `runs`."""
        shape = (n, *point_shape)
        return self._draw(runs, shape, lambda g, out: out.copy_(source.sample(n, generator=g)))

    def _draw(self, runs, shape, fill) -> torch.Tensor:
        out = torch.empty(len(self.generators), *shape, device=self.device)
        runs = list(runs)
        for k in runs:
            fill(self.generators[k], out[k])
        if len(runs) < len(self.generators):
            out[[k for k in range(len(self.generators)) if k not in runs]] = 0.0
        return out
