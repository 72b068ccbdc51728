"""The facts chapter 4 ("Failure to converge") states, checked where they are cheap.

Dirac-GAN facts beyond tests/test_dirac.py (the non-saturating GAN's 1/√t decay and its stall at
√(2η), the alternating map's unit-modulus eigenvalues, instance noise σ ≡ Roth et al. γ = σ²,
R1's threshold for simultaneous steps, spectral normalisation freezing a 1×1 discriminator,
WGAN-GP's landing point), and, on a tiny ring setting with gan_toy's Trainer, that R1 damps the
discriminator's fluctuations and that a strong weight penalty flattens it.
"""

import functools

import numpy as np
import pytest
import torch

from gan_toy import TrainConfig, Trainer, get_loss
from gan_toy.dirac import distance_to_equilibrium, make_variant, simulate, step_factor
from gan_toy.regularizers import apply_spectral_norm

torch.set_num_threads(1)

LR = 0.1
START = (1.0, 1.0)


# --- the non-saturating Dirac-GAN -----------------------------------------------------------------
def test_non_saturating_flow_decays_like_sqrt_8_over_t():
    steps = 4000
    r = distance_to_equilibrium(simulate("ns", *START, LR, steps, "continuous", substeps=2))
    t = np.arange(steps + 1) * LR
    # r(t)·√t → √8 (averaging d/dt r² = -r⁴/8 over a turn); measured 2.78 at t = 100, 2.81 at 400.
    assert r[1000] * np.sqrt(t[1000]) == pytest.approx(np.sqrt(8), abs=0.06)
    assert r[-1] * np.sqrt(t[-1]) == pytest.approx(np.sqrt(8), abs=0.03)
    # Alternating steps follow the flow, not the simultaneous stall.
    alt = distance_to_equilibrium(simulate("ns", *START, LR, steps, "alternating"))
    assert alt[-1] == pytest.approx(r[-1], rel=0.02)


@pytest.mark.parametrize("lr", [0.05, 0.1, 0.2])
def test_non_saturating_simultaneous_steps_stall_at_sqrt_2_lr(lr):
    steps = int(600 / lr)
    r = distance_to_equilibrium(simulate("ns", *START, lr, steps))[steps // 2 :]
    # Outward push lr²r²/4 per step balances the inward pull lr·r⁴/8: r* = √(2 lr).
    assert r.mean() == pytest.approx(np.sqrt(2 * lr), rel=0.03)
    assert r.max() - r.min() < 0.05  # it stays there, it does not keep shrinking


# --- plain GAN: alternating steps -------------------------------------------------------------
def _alternating_jacobian(variant, lr, h=1e-6):
    def step(theta, psi):
        return simulate(variant, theta, psi, lr, 1, "alternating")[-1]

    cols = [(step(h, 0) - step(-h, 0)) / (2 * h), (step(0, h) - step(0, -h)) / (2 * h)]
    return np.column_stack(cols)


@pytest.mark.parametrize("lr", [0.1, 1.0, 3.9])
def test_alternating_step_preserves_area_with_unit_eigenvalues(lr):
    a = 0.5  # f'(0)
    jac = _alternating_jacobian(make_variant("gan"), lr)
    np.testing.assert_allclose(jac, [[1, -lr * a], [lr * a, 1 - (lr * a) ** 2]], atol=1e-8)
    assert np.linalg.det(jac) == pytest.approx(1.0, abs=1e-8)
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(jac)), 1.0, atol=1e-6)


def test_alternating_steps_escape_beyond_lr_4():
    # η f'(0) < 2 ⇔ η < 4: bounded near the equilibrium below, growing above.
    below = distance_to_equilibrium(simulate("gan", 0.01, 0.01, 3.9, 500, "alternating"))
    above = distance_to_equilibrium(simulate("gan", 0.01, 0.01, 4.1, 500, "alternating"))
    assert below.max() < 0.015  # measured 0.01414
    assert above[-1] > 100 * above[0]  # measured ~6 from 0.014


# --- remedies ----------------------------------------------------------------------------------
@pytest.mark.parametrize("sigma", [0.5, 1.0, 2.0])
def test_instance_noise_has_the_eigenvalues_of_roth_with_gamma_sigma_squared(sigma):
    noise = make_variant("instance-noise", sigma=sigma)
    roth = make_variant("roth", gamma=sigma**2)
    for variant in (noise, roth):
        numerical = np.sort_complex(np.linalg.eigvals(variant.jacobian_at_equilibrium()))
        np.testing.assert_allclose(numerical, np.sort_complex(noise.eigenvalues()), atol=1e-5)


def test_r1_simultaneous_threshold_is_lr_times_fprime_squared():
    # |1 + ηλ|² = 1 - ηγ + η²f'(0)²: converges iff γ > η f'(0)² = 0.025 at η = 0.1.
    below, above = make_variant("r1", gamma=0.02), make_variant("r1", gamma=0.03)
    assert step_factor(below, LR) == pytest.approx(np.sqrt(1 - LR * 0.02 + LR**2 / 4))
    assert step_factor(below, LR) > 1 > step_factor(above, LR)
    grow = distance_to_equilibrium(simulate(below, 0.05, 0.05, LR, 20_000))
    shrink = distance_to_equilibrium(simulate(above, 0.05, 0.05, LR, 20_000))
    assert grow[-1] > 10 * grow[0] and shrink[-1] < shrink[0] / 10  # measured ×22 and ÷150


@pytest.mark.parametrize("name, params", [("weight-penalty", {"gamma": 0.3}), ("roth", {})])
def test_chapter_remedies_converge_in_800_steps(name, params):
    variant = make_variant(name, **params)
    for mode in ("continuous", "simultaneous", "alternating"):
        traj = simulate(variant, *START, LR, 800, mode, substeps=2)
        assert distance_to_equilibrium(traj)[-1] < 1e-3, mode


def test_spectral_norm_freezes_a_linear_discriminator():
    d = apply_spectral_norm(torch.nn.Sequential(torch.nn.Linear(1, 1, bias=False)))
    raw = d[0].parametrizations.weight.original
    for value in (0.05, -0.3, 2.0):
        with torch.no_grad():
            raw.fill_(value)
        raw.grad = None
        d(torch.tensor([[0.7]])).sum().backward()
        assert d[0].weight.item() == pytest.approx(np.sign(value))
        assert raw.grad.item() == 0.0


def test_spectral_norm_dirac_gan_runs_away_from_the_data():
    torch.manual_seed(0)
    d = apply_spectral_norm(torch.nn.Sequential(torch.nn.Linear(1, 1, bias=False)))
    raw = d[0].parametrizations.weight.original
    with torch.no_grad():
        raw.fill_(0.5)
    theta = torch.tensor([[1.0]], requires_grad=True)
    opt = torch.optim.SGD([theta, raw], lr=LR)
    loss, real, path = get_loss("ns"), torch.zeros(1, 1), []
    for _ in range(100):
        d_loss = loss.d_loss(d(real), d(theta.detach()))
        g_loss = loss.g_loss(d(theta))
        opt.zero_grad()
        (d_loss + g_loss).backward()
        opt.step()
        path.append((theta.item(), d[0].weight.item()))
    path = np.array(path)
    assert np.all(np.diff(path[:, 0]) > 0) and path[-1, 0] > 2  # measured 2.43 at step 100
    assert np.all(path[:, 1] == 1.0)  # the discriminator never changes


@pytest.mark.parametrize("lam", [1.0, 2.0])
@pytest.mark.parametrize("psi0", [1.0, -1.0])
def test_wgan_gp_lands_on_the_side_given_by_the_sign_of_psi(lam, psi0):
    end = simulate(make_variant("wgan-gp", lam=lam), 1.0, psi0, LR, 1000)[-1]
    np.testing.assert_allclose(end, [-2 * lam * np.sign(psi0), 0.0], atol=1e-6)


# --- the ring, with gan_toy's Trainer on a tiny setting ---------------------------------------
# Tiny nets and 300 steps keep this to seconds. Measured (std of mean D(fake) over the last 75
# steps, seeds 0-5, batch 64): unregularised 0.020-0.081, R1 γ=10 0.006-0.015; ratio 0.07-0.59.
TINY = TrainConfig(data="ring", loss="ns", z_dim=16, hidden=32, batch_size=64, steps=300)


@functools.cache
def _d_fake_fluctuation(seed: int, reg: str = "", weight: float = 0.0) -> tuple[float, float]:
    regs = {reg: weight} if reg else {}
    trainer = Trainer(TINY.replace(seed=seed, regs=regs))
    history = trainer.fit()
    tail = history.d_fake[-len(history) // 4 :]
    return float(np.std(tail)), float(np.mean(tail))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_r1_damps_discriminator_fluctuations_on_the_ring(seed):
    plain, _ = _d_fake_fluctuation(seed)
    damped, _ = _d_fake_fluctuation(seed, "r1", 10.0)
    assert damped < 0.5 * plain, (damped, plain)  # measured ratios 0.07, 0.21, 0.22


def test_strong_weight_penalty_flattens_the_discriminator():
    plain, _ = _d_fake_fluctuation(0)
    flat, mean = _d_fake_fluctuation(0, "l2", 1.0)
    assert flat < 0.05 * plain, (flat, plain)
    assert mean == pytest.approx(0.5, abs=0.02)  # D ≈ 1/2 everywhere


def test_r1_and_r2_are_one_penalty_on_the_dirac_gan():
    r1, r2 = make_variant("r1", gamma=0.7), make_variant("r2", gamma=0.7)
    grid = np.meshgrid(np.linspace(-2, 2, 21), np.linspace(-2, 2, 21))
    for a, b in zip(r1.field(*grid), r2.field(*grid)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(r1.eigenvalues(), r2.eigenvalues())
