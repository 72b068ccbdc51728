"""The batched trainer: run k of a batch reproduces Trainer(configs[k]) alone."""

import numpy as np
import pytest
import torch

from gan_toy import ConfigError, TrainConfig, Trainer
from gan_toy.batched import BatchedTrainer
from gan_toy.losses import get_loss
from gan_toy.stacked import ReLU_, RunStreams, StackedOptimizer, stacked_linear

torch.set_num_threads(1)

TINY = TrainConfig(steps=12, batch_size=32, z_dim=8, hidden=16, eval_samples=300)


def single_runs(configs):
    runs = [Trainer(c) for c in configs]
    for r in runs:
        r.fit()
    return runs


def assert_runs_match(batched, singles, rtol=1e-4, atol=1e-5, param_atol=1e-5):
    for k, single in enumerate(singles):
        np.testing.assert_allclose(
            batched.histories[k].stats, single.history.stats, rtol=rtol, atol=atol
        )
        stacked_g = [p[k] for p in batched.g_params]
        for mine, theirs in zip(stacked_g, single.G.parameters()):
            torch.testing.assert_close(mine.detach(), theirs.detach(), rtol=rtol, atol=param_atol)
        stacked_d = [p[k] for p in batched.d_params]
        for mine, theirs in zip(stacked_d, single.D.parameters()):
            torch.testing.assert_close(mine.detach(), theirs.detach(), rtol=rtol, atol=param_atol)


@pytest.mark.parametrize(
    "sweep",
    [
        [{"seed": 0}, {"seed": 1}, {"seed": 2}],
        [{"lr_d": 1e-4, "lr_g": 1e-3}, {"lr_d": 3e-4, "lr_g": 5e-4, "seed": 4}],
        [{"d_steps": 1}, {"d_steps": 3, "seed": 1}, {"g_steps": 2, "seed": 2}, {"g_steps": 0}],
        [{"regs": {"noise": 0.1}}, {"regs": {"noise": 0.0}, "seed": 1}],
        [{"regs": {"r1": 1.0, "l2": 0.01}}, {"regs": {"roth": 0.5, "r2": 0.3}, "seed": 1}],
    ],
    ids=["seeds", "learning-rates", "d:g-ratio", "instance-noise", "penalties"],
)
def test_each_run_matches_training_it_alone(sweep):
    configs = [TINY.replace(**change) for change in sweep]
    batched = BatchedTrainer(configs)
    batched.fit()
    assert_runs_match(batched, single_runs(configs))
    # metrics too, from the same fixed latent batch as Trainer.sample
    singles_metrics = [s.evaluate() for s in single_runs(configs)]
    assert batched.evaluate() == singles_metrics


@pytest.mark.parametrize(
    "base",
    [
        TINY.replace(loss="wgan-gp", d_steps=2),
        TINY.replace(loss="wgan", clip=0.05),
        TINY.replace(loss="hinge", optimizer="sgd", lr_d=0.05, lr_g=0.05),
        TINY.replace(loss="lsgan", simultaneous=True),
        TINY.replace(steps=6, unroll=3),
        TINY.replace(steps=6, unroll=2, unroll_order=1, loss="minimax"),
        TINY.replace(steps=6, unroll=2, loss="wgan-gp"),
    ],
    ids=[
        "wgan-gp",
        "wgan-clip",
        "hinge-sgd",
        "lsgan-simultaneous",
        "unroll-2nd",
        "unroll-1st",
        "unroll-gp",
    ],
)
def test_losses_and_remedies_match_single_runs(base):
    configs = [base, base.replace(seed=1, lr_d=base.lr_d * 2)]
    batched = BatchedTrainer(configs)
    batched.fit()
    # Adam divides by √v: a parameter whose gradient is exactly 0 in one run and ~1e-12 in the
    # other (a dead ReLU unit under a gradient penalty) moves by a whole ±lr step in one only.
    # So parameters may differ by a few Adam steps; the recorded statistics stay tight.
    largest_step = max(max(c.lr_d, c.lr_g) for c in configs)
    param_atol = 3 * largest_step if get_loss(base.loss).regularizers(base.regs).get("gp") else 2e-5
    assert_runs_match(batched, single_runs(configs), rtol=2e-4, atol=2e-5, param_atol=param_atol)


def test_stacked_adam_follows_torch_adam_and_masks_inactive_runs():
    torch.manual_seed(0)
    start = torch.randn(3, 4, 5)
    stacked = start.clone()
    lr = torch.tensor([1e-3, 1e-2, 1e-1])
    opt = StackedOptimizer([stacked], "adam", lr, betas=(0.5, 0.9))
    refs = [start[k].clone().requires_grad_() for k in range(3)]
    torch_opts = [
        torch.optim.Adam([r], lr=float(lr[k]), betas=(0.5, 0.9)) for k, r in enumerate(refs)
    ]
    for step in range(4):
        grads = torch.randn(3, 4, 5)
        active = torch.tensor([1.0, 1.0 if step % 2 == 0 else 0.0, 1.0])
        opt.step([grads], active)
        for k in range(3):
            if active[k]:
                refs[k].grad = grads[k].clone()
                torch_opts[k].step()
    for k in range(3):
        torch.testing.assert_close(stacked[k], refs[k].detach())
    assert opt.t.tolist() == [4.0, 2.0, 4.0]


def test_runs_must_share_shape_settings_and_say_which():
    with pytest.raises(ConfigError, match="'hidden'"):
        BatchedTrainer([TINY, TINY.replace(hidden=8)])
    with pytest.raises(ConfigError, match="'sn'"):
        BatchedTrainer([TINY.replace(regs={"sn": 1.0})])
    with pytest.raises(ConfigError, match="at least one"):
        BatchedTrainer([])


def test_a_diverging_run_is_frozen_and_reported_while_the_others_train_on():
    healthy, wild = TINY.replace(steps=60), TINY.replace(steps=60, lr_d=1e30, lr_g=1e30)
    batched = BatchedTrainer([healthy, wild, healthy.replace(seed=1)])
    histories = batched.fit()
    status = batched.run_status()
    assert [s["status"] for s in status] == ["ok", "diverged", "ok"]
    assert status[0]["step"] == 60 and 1 <= status[1]["step"] < 60 and status[1]["quantity"]
    assert len(histories[0]) == 60 and len(histories[1]) == status[1]["step"] - 1
    assert np.isfinite(histories[1].stats).all()
    # The frozen run keeps its last finite networks, so it can still be scored.
    assert all(torch.isfinite(p[1]).all() for p in batched.g_params + batched.d_params)
    assert all(np.isfinite(m["high_quality"]) for m in batched.evaluate(200))
    # The healthy runs are exactly what they would have been without the wild one.
    alone = BatchedTrainer([healthy, healthy.replace(seed=1)])
    alone.fit()
    for mine, theirs in ((0, 0), (2, 1)):
        np.testing.assert_allclose(histories[mine].stats, alone.histories[theirs].stats, rtol=1e-5)


@pytest.mark.parametrize("n_in, n_out", [(2, 5), (5, 1), (5, 2), (4, 3)])
def test_stacked_layers_have_autograd_s_first_and_second_derivatives(n_in, n_out):
    # NarrowLinear's hand-written backward and the in-place ReLU must be differentiable twice
    # (gradient penalties, second-order unrolling) and agree with the plain formulas.
    gen = torch.Generator().manual_seed(0)
    x, w, b = (
        torch.randn(shape, generator=gen, dtype=torch.float64, requires_grad=True)
        for shape in ((3, 6, n_in), (3, n_out, n_in), (3, n_out))
    )

    def layer(x, w, b):
        return ReLU_.apply(stacked_linear(x, w, b) * 1.0)  # * 1.0: ReLU_ works in place

    def reference(x, w, b):
        return torch.relu(torch.baddbmm(b.unsqueeze(1), x, w.transpose(1, 2)))

    torch.testing.assert_close(layer(x, w, b), reference(x, w, b))
    assert torch.autograd.gradcheck(layer, (x, w, b))
    assert torch.autograd.gradgradcheck(layer, (x, w, b))
    # ... and a gradient penalty's gradient equals the one through autograd's own ops.
    grads = []
    for f in (layer, reference):
        (gx,) = torch.autograd.grad(f(x, w, b).pow(2).sum(), x, create_graph=True)
        grads.append(torch.autograd.grad(gx.pow(2).sum(), (w, b)))
    for mine, theirs in zip(*grads):
        torch.testing.assert_close(mine, theirs)


def test_stacked_optimizer_without_a_mask_is_the_all_active_mask():
    torch.manual_seed(0)
    start, lr = torch.randn(3, 4, 5), torch.tensor([1e-3, 1e-2, 1e-1])
    a, b = start.clone(), start.clone()
    opt_a = StackedOptimizer([a], "adam", lr, betas=(0.5, 0.9))
    opt_b = StackedOptimizer([b], "adam", lr, betas=(0.5, 0.9))
    for _ in range(3):
        grads = torch.randn(3, 4, 5)
        opt_a.step([grads])
        opt_b.step([grads], torch.ones(3))
    assert torch.equal(a, b) and torch.equal(opt_a.t, opt_b.t)


def test_run_streams_draw_each_run_s_own_numbers():
    seeds, shape = [3, 1, 4, 1], (256, 128)
    streams = RunStreams(seeds, torch.device("cpu"))
    first, second = streams.normal([0, 1, 3], *shape), streams.normal(range(4), *shape)
    assert torch.equal(first[0], torch.randn(shape, generator=torch.Generator().manual_seed(3)))
    assert torch.equal(first[1], first[3])  # the same seed, the same stream
    assert torch.equal(first[2], torch.zeros(shape))  # a run left out draws nothing ...
    assert torch.equal(second[2], torch.randn(shape, generator=torch.Generator().manual_seed(4)))


def test_batched_cpu_seconds_add_up_over_fit_calls():
    batched = BatchedTrainer([TINY, TINY.replace(seed=1)])
    assert batched.cpu_seconds == 0.0
    batched.fit(until=2)
    first = batched.cpu_seconds
    assert first > 0 and batched.steps_per_second > 0
    batched.fit()
    assert batched.cpu_seconds > first and batched.step == TINY.steps
