"""K models of one shape as one: stacked MLP layers and an optimiser with a rate per run.

The batched trainer (batched.py) keeps every layer of its K runs as one (K, out, in) tensor and
applies them with one batched matrix product; the optimiser here updates such tensors run by
run, with a learning rate per run and a mask of the runs that update at a call.
"""

from __future__ import annotations

import torch


def stack_linear_layers(modules) -> list[torch.Tensor]:
    """[W1, b1, W2, b2, ...] with a leading run dimension, from K identical nn.Sequential MLPs."""
    layers = [[p.detach() for p in m.parameters()] for m in modules]
    return [torch.stack(ps).clone() for ps in zip(*layers)]


def stacked_mlp(params: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Apply K MLPs at once: x (K, n, in) -> (K, n, out), ReLU between layers."""
    n_layers = len(params) // 2
    for i in range(n_layers):
        weight, bias = params[2 * i], params[2 * i + 1]
        x = torch.baddbmm(bias.unsqueeze(1), x, weight.transpose(1, 2))
        if i < n_layers - 1:
            x = torch.relu(x)
    return x


def by_run(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Reshape a (K,) tensor to broadcast against a (K, ...) tensor."""
    return values.view(-1, *[1] * (like.dim() - 1))


class StackedOptimizer:
    """Adam or SGD over stacked parameters with a learning rate per run and a mask of runs
    that update at this call. Follows torch.optim.Adam's arithmetic step for step, so a run
    here matches a run trained with torch.optim.Adam alone."""

    def __init__(self, params, kind: str, lr: torch.Tensor, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.kind, self.lr = params, kind, lr
        self.betas, self.eps = betas, eps
        self.exp_avg = [torch.zeros_like(p) for p in params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in params]
        self.t = torch.zeros(lr.shape[0], device=lr.device)  # updates done, per run

    @torch.no_grad()
    def step(self, grads, active: torch.Tensor) -> None:
        if self.kind == "sgd":
            for p, g in zip(self.params, grads):
                p.sub_(by_run(self.lr * active, p) * g)
            return
        b1, b2 = self.betas
        self.t += active
        t = self.t.clamp_min(1)  # runs that never updated are masked below anyway
        step_size = self.lr / (1 - b1**t)
        bias2_sqrt = torch.sqrt(1 - b2**t)
        for p, g, m, v in zip(self.params, grads, self.exp_avg, self.exp_avg_sq):
            on = by_run(active, p).bool()
            m.copy_(torch.where(on, m.lerp(g, 1 - b1), m))
            v.copy_(torch.where(on, v * b2 + (1 - b2) * g * g, v))
            denom = v.sqrt() / by_run(bias2_sqrt, p) + self.eps
            p.copy_(torch.where(on, p - by_run(step_size, p) * m / denom, p))
