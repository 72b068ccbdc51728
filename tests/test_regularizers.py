"""Regularisers against independent computations.

Every gradient penalty is rebuilt from a central-difference estimate of ∇_x D on a tiny float64
network (no autograd in the reference), and its gradient w.r.t. D's parameters is compared with
a finite difference of the penalty itself, which checks that the penalty keeps its graph and
can be trained.
"""

import math

import pytest
import torch
from torch import nn

from gan_toy.regularizers import (
    REGULARIZERS,
    apply_spectral_norm,
    clip_weights,
    gradient_penalty,
    instance_noise_std,
    l2_penalty,
    r1_penalty,
    r2_penalty,
    roth_penalty,
    total_penalty,
)

torch.set_num_threads(1)

H = 1e-6  # central-difference step (float64)


def tiny_d(seed=0, act=nn.Tanh):
    """A 2 -> 4 -> 1 MLP in float64 (smooth, so finite differences are accurate)."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 4), act(), nn.Linear(4, 1)).double()


def batch(n, seed, shift=0.0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 2, generator=g, dtype=torch.float64) + shift


def fd_input_grad(d, x):
    """∇_x D(x) per sample by central differences (D acts on each row separately)."""
    grad = torch.zeros_like(x)
    with torch.no_grad():
        for j in range(x.shape[1]):
            e = torch.zeros_like(x)
            e[:, j] = H
            grad[:, j] = (d(x + e) - d(x - e)).squeeze(1) / (2 * H)
    return grad


def sq_norm(g):
    return (g**2).sum(dim=1)


# --- references built from the finite-difference input gradient -------------------------------
def ref_r1(d, real, fake):
    return 0.5 * sq_norm(fd_input_grad(d, real)).mean()


def ref_r2(d, real, fake):
    return 0.5 * sq_norm(fd_input_grad(d, fake)).mean()


def ref_roth(d, real, fake):
    # Roth et al. 2017, eq. for the JS-GAN: ½(E_P[(1-D)²‖∇ψ‖²] + E_Q[D²‖∇ψ‖²]), D = σ(ψ).
    with torch.no_grad():
        d_real = torch.sigmoid(d(real)).squeeze(1)
        d_fake = torch.sigmoid(d(fake)).squeeze(1)
    real_term = (1 - d_real) ** 2 * sq_norm(fd_input_grad(d, real))
    fake_term = d_fake**2 * sq_norm(fd_input_grad(d, fake))
    return 0.5 * (real_term.mean() + fake_term.mean())


def ref_gp(d, real, fake, seed):
    # ε ~ U[0,1] per sample, drawn exactly as the penalty is documented to draw it.
    eps = torch.rand(real.shape[0], 1, generator=torch.Generator().manual_seed(seed))
    x_hat = eps * real + (1 - eps) * fake
    return ((sq_norm(fd_input_grad(d, x_hat)).sqrt() - 1) ** 2).mean()


def call(name, d, real, fake, seed=7):
    if name == "gp":
        return gradient_penalty(d, real, fake, rng=torch.Generator().manual_seed(seed))
    return {"r1": r1_penalty, "r2": r2_penalty, "roth": roth_penalty}[name](d, real, fake)


def reference(name, d, real, fake, seed=7):
    if name == "gp":
        return ref_gp(d, real, fake, seed)
    return {"r1": ref_r1, "r2": ref_r2, "roth": ref_roth}[name](d, real, fake)


PENALTIES = ["gp", "r1", "r2", "roth"]


@pytest.mark.parametrize("name", PENALTIES)
@pytest.mark.parametrize("act", [nn.Tanh, nn.ReLU], ids=["tanh", "relu"])
def test_gradient_penalties_match_finite_differences(name, act):
    d = tiny_d(seed=1, act=act)
    # GP interpolates pairs, so it needs equal batches; the others may differ in size.
    real, fake = batch(6, seed=2), batch(6 if name == "gp" else 5, seed=3, shift=1.5)
    got = call(name, d, real, fake)
    expected = reference(name, d, real, fake)
    assert got.ndim == 0
    assert got.item() == pytest.approx(expected.item(), rel=1e-6)
    assert got.item() > 0


def test_penalties_depend_on_the_right_batch():
    # R1 looks only at real data, R2 only at generated data.
    d = tiny_d(seed=1)
    real, fake = batch(6, seed=2), batch(6, seed=3, shift=1.5)
    other = batch(6, seed=4, shift=-2.0)
    assert r1_penalty(d, real, fake).item() == pytest.approx(r1_penalty(d, real, other).item())
    assert r2_penalty(d, real, fake).item() == pytest.approx(r2_penalty(d, other, fake).item())
    assert r1_penalty(d, real, fake).item() != pytest.approx(r1_penalty(d, other, fake).item())


def test_penalties_on_a_linear_critic_in_closed_form():
    # D(x) = w·x + b has ∇D = w everywhere: R1 = R2 = ½‖w‖², GP = (‖w‖ - 1)² whatever ε is.
    d = nn.Linear(2, 1).double()
    with torch.no_grad():
        d.weight.copy_(torch.tensor([[3.0, 4.0]]))
        d.bias.fill_(-0.5)
    real, fake = batch(5, seed=2), batch(5, seed=3)
    assert r1_penalty(d, real, fake).item() == pytest.approx(12.5)
    assert r2_penalty(d, real, fake).item() == pytest.approx(12.5)
    assert gradient_penalty(d, real, fake).item() == pytest.approx(16.0)
    # Roth: ½(E_real[(1-σ(ψ))²] + E_fake[σ(ψ)²]) · ‖w‖².
    with torch.no_grad():
        s_real, s_fake = torch.sigmoid(d(real)), torch.sigmoid(d(fake))
    expected = 0.5 * 25 * (((1 - s_real) ** 2).mean() + (s_fake**2).mean())
    assert roth_penalty(d, real, fake).item() == pytest.approx(expected.item())


@pytest.mark.parametrize("name", PENALTIES)
def test_penalties_on_image_shaped_inputs_use_the_whole_sample_norm(name):
    # A D on (n, C, H, W) images that flattens first is the same function as a D on the
    # flattened vectors, so each penalty must agree: ‖∇D‖ is over all C·H·W entries.
    torch.manual_seed(3)
    mlp = nn.Sequential(nn.Linear(12, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    d_img = nn.Sequential(nn.Flatten(), mlp)
    real = torch.randn(5, 3, 2, 2, dtype=torch.float64)
    fake = torch.randn(5, 3, 2, 2, dtype=torch.float64) + 1.0
    on_images = call(name, d_img, real, fake, seed=9)
    on_vectors = call(name, mlp, real.flatten(1), fake.flatten(1), seed=9)
    assert on_images.item() == pytest.approx(on_vectors.item(), rel=1e-12)


def test_gradient_penalty_is_finite_where_the_critic_is_flat():
    # ∇D = 0 everywhere (a dead critic): GP = (0 - 1)² = 1 and its gradient must not be NaN.
    d = tiny_d(seed=1)
    with torch.no_grad():
        d[2].weight.zero_()
    real, fake = batch(4, seed=2), batch(4, seed=3)
    value = gradient_penalty(d, real, fake)
    assert value.item() == pytest.approx(1.0)
    grads = torch.autograd.grad(value, list(d.parameters()), allow_unused=True)
    assert all(g is None or torch.isfinite(g).all() for g in grads)


def test_gradient_penalty_is_reproducible_with_a_fixed_generator():
    d = tiny_d(seed=1)
    real, fake = batch(8, seed=2), batch(8, seed=3, shift=1.0)
    a = gradient_penalty(d, real, fake, rng=torch.Generator().manual_seed(11))
    b = gradient_penalty(d, real, fake, rng=torch.Generator().manual_seed(11))
    c = gradient_penalty(d, real, fake, rng=torch.Generator().manual_seed(12))
    assert a.item() == b.item()
    assert a.item() != c.item()  # ε really is random: another seed, other interpolates


@pytest.mark.parametrize("name", PENALTIES + ["l2"])
def test_penalty_gradient_wrt_d_parameters_matches_finite_differences(name):
    # The penalty must keep its graph (create_graph=True) so D can be trained on it.
    d = tiny_d(seed=5)
    real, fake = batch(6, seed=2), batch(6, seed=3, shift=1.5)

    def penalty():
        if name == "l2":
            return l2_penalty(list(d.parameters()))
        return call(name, d, real, fake, seed=3)

    for param, index in ((d[0].weight, (1, 0)), (d[0].bias, (2,)), (d[2].weight, (0, 3))):
        (grad,) = torch.autograd.grad(penalty(), param)
        with torch.no_grad():
            original = param[index].item()
            param[index] = original + H
        plus = penalty().item()
        with torch.no_grad():
            param[index] = original - H
        minus = penalty().item()
        with torch.no_grad():
            param[index] = original
        fd = (plus - minus) / (2 * H)
        assert grad[index].item() == pytest.approx(fd, rel=1e-5, abs=1e-9), (name, index)
        if name != "l2":
            assert abs(fd) > 1e-6  # a real dependence, not 0 == 0


@pytest.mark.parametrize("name", ["gp", "r2", "roth"])
def test_penalty_on_samples_that_carry_a_graph_is_differentiated_through_them(name):
    # Inside a second-order unrolled step the fakes still depend on G: the penalty's gradient
    # w.r.t. G's parameters must be the derivative of its value (finite differences).
    d = tiny_d(seed=1)
    real = batch(6, seed=2)
    z = batch(6, seed=3)
    w = torch.tensor([[1.2, -0.4], [0.3, 0.9]], dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(call(name, d, real, torch.tanh(z @ w) + 1.0), w)
    with torch.no_grad():
        for index in ((0, 0), (1, 1)):
            values = []
            for sign in (1, -1):
                w2 = w.clone()
                w2[index] += sign * H
                with torch.enable_grad():
                    values.append(call(name, d, real, torch.tanh(z @ w2) + 1.0).item())
            fd = (values[0] - values[1]) / (2 * H)
            assert abs(fd) > 1e-6
            assert grad[index].item() == pytest.approx(fd, rel=1e-5), index


def test_penalties_leave_inputs_and_parameter_grads_alone():
    d = tiny_d(seed=1)
    real, fake = batch(4, seed=2), batch(4, seed=3)
    real_before, fake_before = real.clone(), fake.clone()
    for name in PENALTIES:
        call(name, d, real, fake)
    assert torch.equal(real, real_before) and torch.equal(fake, fake_before)
    assert not real.requires_grad and not fake.requires_grad
    assert all(p.grad is None for p in d.parameters())


def test_l2_penalty_is_half_the_sum_of_squared_weights():
    w1 = torch.tensor([[1.0, -2.0], [0.5, 3.0]])
    w2 = torch.tensor([4.0])
    # ½(1 + 4 + 0.25 + 9 + 16) = 15.125
    assert l2_penalty([w1, w2]).item() == pytest.approx(15.125)
    assert l2_penalty([]) == 0
    # Stacked runs (the batched trainer): one value per run, over each run's slice.
    stacked = [torch.stack([w1, 2 * w1]), torch.stack([w2, w2])]
    assert l2_penalty(stacked, per_run=True).tolist() == pytest.approx([15.125, 36.5])


def test_penalties_refuse_an_unknown_keyword():
    d = tiny_d(seed=1)
    real, fake = batch(5, seed=2), batch(5, seed=3, shift=1.0)
    for name in PENALTIES:
        with pytest.raises(TypeError):
            REGULARIZERS[name].penalty(d, real, fake, rduce=torch.sum)  # misspelt: refused


def test_total_penalty_weights_and_sums_only_the_penalties():
    d = tiny_d(seed=1)
    real, fake = batch(5, seed=2), batch(5, seed=3, shift=1.0)
    params = list(d.parameters())
    regs = {"r1": 2.0, "l2": 0.5, "r2": 0.0, "noise": 0.3, "sn": 1.0}
    expected = 2.0 * r1_penalty(d, real, fake) + 0.5 * l2_penalty(params)
    got = total_penalty(regs, d, real, fake, params=params)
    assert got.item() == pytest.approx(expected.item())
    assert total_penalty({}, d, real, fake) == 0.0
    assert total_penalty({"noise": 1.0, "sn": 1.0, "r1": 0.0}, d, real, fake) == 0.0
    # gp gets the random generator: with the same seed, the same value.
    gp = total_penalty({"gp": 10.0}, d, real, fake, rng=torch.Generator().manual_seed(4))
    ref = 10.0 * gradient_penalty(d, real, fake, rng=torch.Generator().manual_seed(4))
    assert gp.item() == pytest.approx(ref.item())


def test_registry_kinds():
    kinds = {name: reg.kind for name, reg in REGULARIZERS.items()}
    assert kinds == {
        "gp": "penalty",
        "r1": "penalty",
        "r2": "penalty",
        "roth": "penalty",
        "l2": "penalty",
        "noise": "noise",
        "sn": "spectral_norm",
    }
    assert all(reg.penalty is not None for reg in REGULARIZERS.values() if reg.kind == "penalty")


def test_instance_noise_anneals_linearly_to_zero():
    regs = {"noise": 0.4}
    assert instance_noise_std(regs, 0, 100) == pytest.approx(0.4)
    assert instance_noise_std(regs, 25, 100) == pytest.approx(0.3)
    assert instance_noise_std(regs, 50, 100) == pytest.approx(0.2)
    assert instance_noise_std(regs, 99, 100) == pytest.approx(0.004)
    assert instance_noise_std(regs, 100, 100) == 0.0
    assert instance_noise_std(regs, 150, 100) == 0.0  # never negative
    assert instance_noise_std({}, 0, 100) == 0.0
    assert instance_noise_std({"r1": 1.0}, 0, 100) == 0.0
    steps = [instance_noise_std(regs, s, 10) for s in range(11)]
    diffs = [a - b for a, b in zip(steps[:-1], steps[1:])]
    assert all(x == pytest.approx(0.04) for x in diffs)  # constant decrement: linear


def test_clip_weights_bounds_every_parameter_and_keeps_small_ones():
    torch.manual_seed(0)
    d = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
    with torch.no_grad():
        for p in d.parameters():
            p.mul_(10)
    before = [p.detach().clone() for p in d.parameters()]
    clip_weights(d.parameters(), 0.05)
    for old, p in zip(before, d.parameters()):
        assert p.abs().max() <= 0.05
        assert torch.equal(p, old.clamp(-0.05, 0.05))
        assert not p.grad_fn  # done without recording a graph
    clipped = [p.detach().clone() for p in d.parameters()]
    clip_weights(d.parameters(), None)  # no clipping asked: nothing moves
    assert all(torch.equal(a, b) for a, b in zip(clipped, d.parameters()))


def spectral_norms(module):
    return [
        torch.linalg.matrix_norm(m.weight.detach(), ord=2).item()
        for m in module.modules()
        if isinstance(m, nn.Linear)
    ]


def test_spectral_norm_makes_each_linear_layer_1_lipschitz():
    torch.manual_seed(0)
    # Nested containers too: the function must reach every Linear layer.
    d = nn.Sequential(
        nn.Linear(2, 16), nn.ReLU(), nn.Sequential(nn.Linear(16, 16), nn.ReLU()), nn.Linear(16, 1)
    )
    with torch.no_grad():
        for p in d.parameters():
            p.mul_(5)
    assert all(s > 1.5 for s in spectral_norms(d))
    out = apply_spectral_norm(d)
    assert out is d
    assert sum(1 for m in d.modules() if isinstance(m, nn.Linear)) == 3
    assert all(
        nn.utils.parametrize.is_parametrized(m, "weight")
        for m in d.modules()
        if isinstance(m, nn.Linear)
    )
    d.train()
    x = torch.randn(32, 2)
    for _ in range(20):  # power iterations run in train-mode forward passes
        d(x)
    assert spectral_norms(d) == pytest.approx([1.0, 1.0, 1.0], abs=1e-3)
    # So the whole network is 1-Lipschitz: ‖D(x) - D(y)‖ ≤ ‖x - y‖ (ReLU is 1-Lipschitz).
    d.eval()
    with torch.no_grad():
        a, b = torch.randn(200, 2), torch.randn(200, 2)
        ratio = (d(a) - d(b)).abs().squeeze(1) / (a - b).norm(dim=1)
    assert ratio.max() <= 1.0 + 1e-3
    assert math.isfinite(ratio.max().item())
