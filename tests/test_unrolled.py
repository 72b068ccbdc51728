"""Unrolled generator loss (Metz et al. 2017) on tiny float64 networks.

The references are independent of the hand-written update rule: real torch.optim.Adam / SGD
steps on a copy of the discriminator, and finite differences of the unrolled loss. The key
check is the last one: the second-order generator gradient must be the derivative of the
unrolled loss, i.e. the gradient really flows through the k unrolled updates.
"""

import copy
import inspect

import pytest
import torch
from torch import nn

from gan_toy.losses import get_loss
from gan_toy.regularizers import apply_spectral_norm, total_penalty
from gan_toy.unrolled import unrolled_generator_loss, unrolled_parameters

torch.set_num_threads(1)

H = 1e-6


def make_nets(seed=0, sn=False):
    torch.manual_seed(seed)
    g = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2)).double()
    d = nn.Sequential(nn.Linear(2, 6), nn.Tanh(), nn.Linear(6, 1)).double()
    if sn:
        apply_spectral_norm(d)
    return g, d


def data(seed=1, n=8):
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(n, 3, generator=gen, dtype=torch.float64)
    real = torch.randn(n, 2, generator=gen, dtype=torch.float64) * 0.5 + 1.0
    return z, real


def d_loss_of(d, loss, real, fake, penalty_fn=None):
    """D's loss on one batch, the way the trainer computes it (one forward on the concat)."""
    out = d(torch.cat([real, fake]))
    value = loss.d_loss(out[: real.shape[0]], out[real.shape[0] :])
    if penalty_fn is not None:
        value = value + penalty_fn(d, real, fake, list(d.parameters()))
    return value


def warm_up(d, opt, loss, g, steps=3, seed=10):
    """A few real optimiser steps on other batches, so the optimiser state is not empty."""
    for i in range(steps):
        z, real = data(seed + i)
        with torch.no_grad():
            fake = g(z)
        opt.zero_grad()
        d_loss_of(d, loss, real, fake).backward()
        opt.step()
    opt.zero_grad(set_to_none=True)


def real_steps(d, opt, loss, real, fake, k, lr=None, penalty_fn=None):
    """D and its optimiser copied, then k real optimiser steps on (real, fake) -> the copy."""
    d2 = copy.deepcopy(d)
    accepted = inspect.signature(type(opt)).parameters  # AdamW's defaults name more than it takes
    opt2 = type(opt)(d2.parameters(), **{k: v for k, v in opt.defaults.items() if k in accepted})
    # Deep copy: load_state_dict keeps the very state tensors, which step() updates in place.
    opt2.load_state_dict(copy.deepcopy(opt.state_dict()))
    if lr is not None:
        for group in opt2.param_groups:
            group["lr"] = lr
    for _ in range(k):
        opt2.zero_grad()
        d_loss_of(d2, loss, real, fake.detach(), penalty_fn).backward()
        opt2.step()
    return d2


def adam(d, lr=0.01, betas=(0.5, 0.999), eps=1e-8):
    return torch.optim.Adam(d.parameters(), lr=lr, betas=betas, eps=eps)


def snapshot(d, opt):
    state = copy.deepcopy(opt.state_dict())
    params = {k: v.detach().clone() for k, v in d.state_dict().items()}
    return params, state


def assert_same_state(d, opt, before):
    params, state = before
    now = d.state_dict()
    assert now.keys() == params.keys()
    for key in params:
        assert torch.equal(now[key], params[key]), key
    assert opt.state_dict()["param_groups"] == state["param_groups"]
    for idx, s in state["state"].items():
        for name, value in s.items():
            assert torch.equal(opt.state_dict()["state"][idx][name], value), (idx, name)
    assert opt.state_dict()["state"].keys() == state["state"].keys()


def r2_penalty_fn(d_fn, real, fake, params):
    return total_penalty({"r2": 1.0, "l2": 0.1}, d_fn, real, fake, params=params)


def g_grad(loss_value, g):
    return torch.autograd.grad(loss_value, list(g.parameters()))


# --- k = 0 ---------------------------------------------------------------------------------
@pytest.mark.parametrize("order", [1, 2])
def test_k0_is_the_plain_generator_loss(order):
    g, d = make_nets()
    opt = adam(d)
    loss = get_loss("ns")
    z, real = data()
    plain = loss.g_loss(d(g(z)))
    unrolled = unrolled_generator_loss(d, opt, loss, real, g(z), k=0, order=order)
    assert unrolled.item() == plain.item()
    for a, b in zip(g_grad(plain, g), g_grad(unrolled, g)):
        assert torch.equal(a, b)


# --- the real discriminator is never touched --------------------------------------------------
@pytest.mark.parametrize("sn", [False, True], ids=["plain", "spectral_norm"])
@pytest.mark.parametrize("opt_kind", ["adam", "sgd"])
def test_unrolling_leaves_d_its_buffers_and_optimizer_alone(sn, opt_kind):
    g, d = make_nets(sn=sn)
    loss = get_loss("ns")
    opt = adam(d) if opt_kind == "adam" else torch.optim.SGD(d.parameters(), lr=0.05)
    warm_up(d, opt, loss, g)
    if sn:
        assert any("_u" in name for name, _ in d.named_buffers())
    before = snapshot(d, opt)
    z, real = data()
    for order in (1, 2):
        value = unrolled_generator_loss(
            d, opt, loss, real, g(z), k=3, order=order, penalty_fn=r2_penalty_fn
        )
        value.backward()  # G's backward must not reach D's real parameters either
        assert all(p.grad is None for p in d.parameters())
    assert_same_state(d, opt, before)


def test_returned_buffers_are_copies():
    g, d = make_nets(sn=True)
    opt = adam(d)
    z, real = data()
    params, buffers = unrolled_parameters(d, opt, get_loss("ns"), real, g(z), k=2)
    real_buffers = dict(d.named_buffers())
    assert buffers.keys() == real_buffers.keys()
    for name, b in buffers.items():
        assert b.data_ptr() != real_buffers[name].data_ptr()
    assert params.keys() == dict(d.named_parameters()).keys()


# --- the hand-written Adam rule is torch.optim.Adam -------------------------------------------
@pytest.mark.parametrize("warm", [0, 3], ids=["fresh_adam", "adam_after_3_steps"])
@pytest.mark.parametrize("k", [1, 4])
@pytest.mark.parametrize("loss_name", ["ns", "wgan", "lsgan"])
def test_order1_unrolled_params_equal_real_adam_steps(warm, k, loss_name):
    g, d = make_nets(seed=2)
    loss = get_loss(loss_name)
    opt = adam(d, lr=0.02, betas=(0.5, 0.9), eps=1e-6)
    warm_up(d, opt, loss, g, steps=warm)
    z, real = data(seed=3)
    fake = g(z)
    params, _ = unrolled_parameters(d, opt, loss, real, fake, k, order=1)
    reference = real_steps(d, opt, loss, real, fake, k)
    for name, p in reference.named_parameters():
        torch.testing.assert_close(params[name], p.detach(), rtol=1e-10, atol=1e-12)
    # ... and the parameters really moved: the comparison is not trivially of D with itself.
    moved = max((params[n] - p).abs().max().item() for n, p in d.named_parameters())
    assert moved > 0.01


def test_order1_with_penalty_and_lr_override_equals_real_adam_steps():
    g, d = make_nets(seed=4)
    loss = get_loss("ns")
    opt = adam(d, lr=1e-3)
    warm_up(d, opt, loss, g, steps=2)
    z, real = data(seed=5)
    fake = g(z)
    params, _ = unrolled_parameters(
        d, opt, loss, real, fake, 3, order=1, lr=0.03, penalty_fn=r2_penalty_fn
    )
    reference = real_steps(d, opt, loss, real, fake, 3, lr=0.03, penalty_fn=r2_penalty_fn)
    for name, p in reference.named_parameters():
        torch.testing.assert_close(params[name], p.detach(), rtol=1e-10, atol=1e-12)


def test_order1_with_spectral_norm_equals_real_adam_steps():
    # The unrolled copy runs the same power iterations on its own buffers as real steps do.
    g, d = make_nets(seed=6, sn=True)
    loss = get_loss("hinge")
    opt = adam(d, lr=0.02)
    warm_up(d, opt, loss, g, steps=2)
    z, real = data(seed=7)
    fake = g(z)
    params, buffers = unrolled_parameters(d, opt, loss, real, fake, 3, order=1)
    reference = real_steps(d, opt, loss, real, fake, 3)
    for name, p in reference.named_parameters():
        torch.testing.assert_close(params[name], p.detach(), rtol=1e-10, atol=1e-12)
    for name, b in reference.named_buffers():
        torch.testing.assert_close(buffers[name], b, rtol=1e-10, atol=1e-12)


def test_adamw_without_weight_decay_is_adam_and_is_followed():
    g, d = make_nets(seed=2)
    loss = get_loss("ns")
    opt = torch.optim.AdamW(d.parameters(), lr=0.02, weight_decay=0.0)
    warm_up(d, opt, loss, g, steps=2)
    z, real = data(seed=3)
    params, _ = unrolled_parameters(d, opt, loss, real, g(z), 2, order=1)
    reference = real_steps(d, opt, loss, real, g(z), 2)
    for name, p in reference.named_parameters():
        torch.testing.assert_close(params[name], p.detach(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("lr", [None, 0.2])
def test_sgd_unroll_is_plain_gradient_descent(lr):
    g, d = make_nets(seed=8)
    loss = get_loss("ns")
    opt = torch.optim.SGD(d.parameters(), lr=0.05)
    z, real = data(seed=9)
    fake = g(z)
    params, _ = unrolled_parameters(d, opt, loss, real, fake, 3, order=1, lr=lr)
    reference = real_steps(d, opt, loss, real, fake, 3, lr=lr)
    for name, p in reference.named_parameters():
        torch.testing.assert_close(params[name], p.detach(), rtol=1e-10, atol=1e-12)


# --- the generator's loss and gradient --------------------------------------------------------
@pytest.mark.parametrize("opt_kind", ["adam", "sgd"])
def test_order1_loss_and_gradient_are_against_the_future_d_held_fixed(opt_kind):
    g, d = make_nets(seed=3)
    loss = get_loss("ns")
    opt = adam(d, lr=0.05) if opt_kind == "adam" else torch.optim.SGD(d.parameters(), lr=0.5)
    warm_up(d, opt, loss, g)
    z, real = data(seed=4)
    fake = g(z)
    value = unrolled_generator_loss(d, opt, loss, real, fake, 3, order=1)
    future = real_steps(d, opt, loss, real, fake, 3)
    for p in future.parameters():
        p.requires_grad_(False)
    expected = loss.g_loss(future(g(z)))
    assert value.item() == pytest.approx(expected.item(), rel=1e-10)
    for a, b in zip(g_grad(value, g), g_grad(expected, g)):
        torch.testing.assert_close(a, b, rtol=1e-8, atol=1e-12)
    # order=2 has the same value: the order only changes the gradient.
    value2 = unrolled_generator_loss(d, opt, loss, real, g(z), 3, order=2)
    assert value2.item() == pytest.approx(value.item(), rel=1e-12)


def unrolled_loss_fd(g, d, opt, loss, z, real, k, lr, penalty_fn, param, index):
    """Central difference of the unrolled loss w.r.t. one entry of one generator parameter."""
    values = []
    for sign in (1, -1):
        with torch.no_grad():
            original = param[index].item()
            param[index] = original + sign * H
        values.append(
            unrolled_generator_loss(
                d, opt, loss, real, g(z), k, order=2, lr=lr, penalty_fn=penalty_fn
            ).item()
        )
        with torch.no_grad():
            param[index] = original
    return (values[0] - values[1]) / (2 * H)


CASES = [
    # (optimizer, loss, k, lr override, penalty)
    ("adam", "ns", 1, None, None),
    ("adam", "ns", 3, None, None),
    ("adam", "minimax", 2, None, None),
    ("adam", "wgan", 2, None, None),
    ("adam", "ns", 2, None, "r2+l2"),
    ("adam", "ns", 2, None, "roth"),
    ("adam", "wgan-gp", 2, None, "gp"),
    ("sgd", "ns", 3, None, None),
    ("sgd", "lsgan", 2, 0.3, None),
    ("sgd", "ns", 2, None, "r2+l2"),
]

PENALTIES = {
    None: None,
    "r2+l2": r2_penalty_fn,
    "roth": lambda d_fn, real, fake, params: total_penalty(
        {"roth": 2.0}, d_fn, real, fake, params=params
    ),
    # gp draws ε from its generator: re-seed it at every call so the loss is a fixed function.
    "gp": lambda d_fn, real, fake, params: total_penalty(
        {"gp": 1.0}, d_fn, real, fake, params=params, rng=torch.Generator().manual_seed(0)
    ),
}


@pytest.mark.parametrize("opt_kind, loss_name, k, lr, penalty", CASES)
def test_order2_gradient_is_the_derivative_of_the_unrolled_loss(
    opt_kind, loss_name, k, lr, penalty
):
    g, d = make_nets(seed=11)
    loss = get_loss(loss_name)
    # A non-empty Adam state: from a fresh state the first Adam step is ≈ lr·sign(gradient),
    # whose derivative is ≈ 0, and order 2 would hardly differ from order 1.
    opt = adam(d, lr=0.05, betas=(0.5, 0.9)) if opt_kind == "adam" else None
    opt = opt or torch.optim.SGD(d.parameters(), lr=0.5)
    warm_up(d, opt, loss, g, steps=3)
    penalty_fn = PENALTIES[penalty]
    z, real = data(seed=12)

    def grads(order):
        value = unrolled_generator_loss(
            d, opt, loss, real, g(z), k, order=order, lr=lr, penalty_fn=penalty_fn
        )
        return g_grad(value, g)

    second, first = grads(2), grads(1)
    params = list(g.parameters())
    for i, index in ((0, (2, 1)), (1, (4,)), (2, (1, 3)), (3, (0,))):
        fd = unrolled_loss_fd(g, d, opt, loss, z, real, k, lr, penalty_fn, params[i], index)
        assert second[i][index].item() == pytest.approx(fd, rel=1e-5, abs=1e-9), (i, index)
    # ... and the second-order term is not negligible here, so the check has teeth.
    diff = max((a - b).abs().max().item() for a, b in zip(second, first))
    scale = max(a.abs().max().item() for a in second)
    assert diff > 1e-3 * scale


def test_order2_differs_from_order1_even_from_a_fresh_adam_state():
    # With k ≥ 2 the later Adam steps depend smoothly on the fakes, so the gradients differ.
    g, d = make_nets(seed=13)
    loss = get_loss("ns")
    opt = adam(d, lr=0.05)
    z, real = data(seed=14)
    g1 = g_grad(unrolled_generator_loss(d, opt, loss, real, g(z), 3, order=1), g)
    g2 = g_grad(unrolled_generator_loss(d, opt, loss, real, g(z), 3, order=2), g)
    diff = max((a - b).abs().max().item() for a, b in zip(g1, g2))
    assert diff > 1e-4 * max(a.abs().max().item() for a in g2)


def test_order2_works_with_spectral_norm_and_float32_trainer_sizes():
    # The default float32 2D nets with a dead-ish start: the gradient must stay finite.
    from gan_toy.nets import make_discriminator, make_generator

    torch.manual_seed(0)
    g, d = make_generator(16, 32), apply_spectral_norm(make_discriminator(2, 32))
    opt = torch.optim.Adam(d.parameters(), lr=1e-4, betas=(0.5, 0.999))
    loss = get_loss("ns")
    z, real = torch.randn(64, 16), torch.randn(64, 2)
    value = unrolled_generator_loss(d, opt, loss, real, g(z), 5, order=2)
    grads = g_grad(value, g)
    assert torch.isfinite(value)
    assert all(torch.isfinite(x).all() for x in grads)
    assert any(x.abs().max() > 0 for x in grads)


@pytest.mark.parametrize(
    "make_opt, word",
    [
        (lambda ps: torch.optim.AdamW(ps, lr=0.01), "AdamW"),
        (lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.1), "weight_decay"),
        (lambda ps: torch.optim.Adam(ps, lr=0.01, amsgrad=True), "amsgrad"),
        (lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.9), "momentum"),
        (lambda ps: torch.optim.RMSprop(ps, lr=0.01), "RMSprop"),
        (
            lambda ps: torch.optim.Adam(
                [{"params": ps[:2]}, {"params": ps[2:], "lr": 0.1}], lr=0.01
            ),
            "parameter groups",
        ),
    ],
    ids=["adamw", "adam_weight_decay", "amsgrad", "sgd_momentum", "rmsprop", "two_lrs"],
)
def test_optimizers_the_unroll_cannot_follow_are_refused(make_opt, word):
    # The unrolled D must follow D's real update rule; a rule it would silently get wrong
    # (decoupled or L2 weight decay, AMSGrad, momentum, another optimiser) is an error.
    g, d = make_nets()
    opt = make_opt(list(d.parameters()))
    z, real = data()
    with pytest.raises(ValueError, match=word):
        unrolled_generator_loss(d, opt, get_loss("ns"), real, g(z), 1)
    # k = 0 never looks at the optimiser.
    unrolled_generator_loss(d, opt, get_loss("ns"), real, g(z), 0)
