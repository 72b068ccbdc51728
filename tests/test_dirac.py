"""Dirac-GAN: closed forms against numerics, and the convergence facts the book states."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from gan_toy import dirac
from gan_toy.dirac.plots import plot_field, plot_trajectories
from gan_toy.dirac.registry import DIRAC_GANS, make_variant
from gan_toy.dirac.simulate import MODES, distance_to_equilibrium, simulate, step_factor

LR = 0.1
START = (1.0, 1.0)


def _sorted(eig):
    return np.array(sorted(np.asarray(eig, dtype=complex), key=lambda z: (z.real, z.imag)))


# --- eigenvalues at the equilibrium ---------------------------------------------------------------
@pytest.mark.parametrize(
    "name, params",
    [("gan", {}), ("ns", {}), ("wgan", {}), ("wgan-clip", {})]
    + [("r1", {"gamma": g}) for g in (0.3, 1.0, 3.0)]
    + [("weight-penalty", {"gamma": g}) for g in (0.5, 2.0, 4.0)]
    + [("r2", {"gamma": 0.5}), ("roth", {"gamma": 1.0}), ("roth", {"gamma": 6.0})]
    + [("instance-noise", {"sigma": s}) for s in (0.5, 1.0, 2.5)]
    + [("consensus", {"gamma": 0.7})],
)
def test_closed_form_eigenvalues_match_numerical_jacobian(name, params):
    variant = make_variant(name, **params)
    numerical = np.linalg.eigvals(variant.jacobian_at_equilibrium())
    np.testing.assert_allclose(_sorted(numerical), _sorted(variant.eigenvalues()), atol=1e-5)


def test_unregularised_eigenvalues_are_imaginary():
    # f'(0) = 1/2 for the standard GAN, f'(0) = 1 for the WGAN.
    np.testing.assert_allclose(_sorted(make_variant("gan").eigenvalues()), [-0.5j, 0.5j])
    np.testing.assert_allclose(_sorted(make_variant("wgan").eigenvalues()), [-1j, 1j])
    jac = make_variant("gan").jacobian_at_equilibrium()
    np.testing.assert_allclose(jac, [[0, -0.5], [0.5, 0]], atol=1e-8)


@pytest.mark.parametrize("gamma", [0.5, 1.5, 3.0])
def test_penalty_eigenvalues_formula(gamma):
    # -γ/2 ± √(γ²/4 - f'(0)²): complex for γ < 2f'(0) = 1, real and negative above.
    expected = -gamma / 2 + np.array([1, -1]) * np.sqrt(complex(gamma**2 / 4 - 0.25))
    numerical = np.linalg.eigvals(make_variant("r1", gamma=gamma).jacobian_at_equilibrium())
    np.testing.assert_allclose(_sorted(numerical), _sorted(expected), atol=1e-6)
    assert np.all(numerical.real < 0)
    assert (np.abs(numerical.imag) < 1e-9).all() == (gamma > 1.0)


def test_wgan_gp_has_no_jacobian_at_equilibrium():
    with pytest.raises(ValueError, match="ψ = 0"):
        make_variant("wgan-gp").jacobian_at_equilibrium()


# --- the field is the gradient of the written objective -----------------------------------------
def _softplus(t):
    return np.logaddexp(0.0, t)


def _sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


def _gan(t, p):
    return -_softplus(-p * t) - np.log(2)  # f(ψθ) + f(0), f(t) = -log(1 + exp(-t))


def _wgan(t, p):
    return p * t


# (name, params, L_G minimised by G, L_D maximised by D), written out independently of gan_toy.
OBJECTIVES = [
    ("gan", {}, _gan, _gan),
    ("ns", {}, lambda t, p: _softplus(p * t), _gan),  # -f(-ψθ) = log(1 + exp(ψθ))
    ("wgan", {}, _wgan, _wgan),
    ("r1", {"gamma": 0.7}, _gan, lambda t, p: _gan(t, p) - 0.35 * p**2),
    ("weight-penalty", {"gamma": 2.0}, _gan, lambda t, p: _gan(t, p) - p**2),
    ("roth", {"gamma": 1.0}, _gan,
     lambda t, p: _gan(t, p) - 0.5 * p**2 * (0.25 + _sigmoid(-p * t) ** 2)),
    ("wgan-gp", {"lam": 1.5}, _wgan, lambda t, p: p * t - 1.5 * (np.abs(p) - 1) ** 2),
]  # fmt: skip


def _grid():
    theta, psi = np.meshgrid(np.linspace(-2, 2, 9), np.linspace(-1.9, 1.9, 8))  # ψ ≠ 0
    return theta.ravel(), psi.ravel()


@pytest.mark.parametrize("name, params, loss_g, loss_d", OBJECTIVES, ids=[o[0] for o in OBJECTIVES])
def test_field_is_gradient_of_explicit_objective(name, params, loss_g, loss_d):
    theta, psi = _grid()
    h = 1e-6
    fd_theta = -(loss_g(theta + h, psi) - loss_g(theta - h, psi)) / (2 * h)
    fd_psi = (loss_d(theta, psi + h) - loss_d(theta, psi - h)) / (2 * h)
    dtheta, dpsi = make_variant(name, **params).field(theta, psi)
    np.testing.assert_allclose(dtheta, fd_theta, atol=1e-7)
    np.testing.assert_allclose(dpsi, fd_psi, atol=1e-7)


@pytest.mark.parametrize("name", sorted(DIRAC_GANS))
def test_field_matches_each_variants_own_objectives(name):
    variant, (theta, psi) = make_variant(name), _grid()
    h = 1e-6
    fd_theta = -(variant.loss_g(theta + h, psi) - variant.loss_g(theta - h, psi)) / (2 * h)
    fd_psi = (variant.loss_d(theta, psi + h) - variant.loss_d(theta, psi - h)) / (2 * h)
    dtheta, dpsi = variant.field(theta, psi)
    np.testing.assert_allclose(dtheta, fd_theta, atol=1e-7)
    np.testing.assert_allclose(dpsi, fd_psi, atol=1e-7)


def test_instance_noise_field_matches_monte_carlo():
    rng = np.random.default_rng(0)
    eps, theta, psi, sigma = rng.standard_normal(1_000_000), 0.7, -1.2, 1.5
    x = theta + sigma * eps
    d_fake = _sigmoid(-psi * x)  # f'(t) = sigmoid(-t)
    mc = (-psi * d_fake.mean(), (d_fake * x - _sigmoid(psi * sigma * eps) * sigma * eps).mean())
    np.testing.assert_allclose(make_variant("instance-noise", sigma=sigma).field(theta, psi), mc,
                               atol=3e-3)  # fmt: skip


def test_field_is_vectorised():
    theta, psi = np.zeros((3, 4)) + 0.5, np.linspace(-1, 1, 4)
    for name in DIRAC_GANS:
        dtheta, dpsi = make_variant(name).field(theta, psi)
        assert dtheta.shape == dpsi.shape == (3, 4), name
    traj = simulate("r1", np.array([1.0, -1.0, 0.5]), 1.0, LR, 10)
    assert traj.shape == (11, 2, 3)
    np.testing.assert_allclose(traj[:, :, 0], simulate("r1", 1.0, 1.0, LR, 10))


# --- dynamics -------------------------------------------------------------------------------------
def test_gan_simultaneous_spirals_out():
    traj = simulate("gan", *START, LR, 2000, "simultaneous")
    r = distance_to_equilibrium(traj)
    assert np.all(np.diff(r) > 0)  # every step moves outwards
    assert r[-1] > 3.0 > 2 * r[0]  # measured 3.10 after 2000 steps
    # v ⊥ (θ, ψ) exactly, so r² grows by 1 + lr² f'(ψθ)², f'(t) = sigmoid(-t).
    growth = 1 + LR**2 * _sigmoid(-traj[:-1, 0] * traj[:-1, 1]) ** 2
    np.testing.assert_allclose(r[1:] ** 2, r[:-1] ** 2 * growth, rtol=1e-12)


def test_gan_growth_rate_near_equilibrium_is_linear_prediction():
    r = distance_to_equilibrium(simulate("gan", 0.01, 0.01, LR, 200))
    assert (r[-1] / r[0]) ** (1 / 200) == pytest.approx(np.sqrt(1 + LR**2 / 4), abs=1e-6)
    assert step_factor("gan", LR) == pytest.approx(np.sqrt(1 + LR**2 / 4))
    r = distance_to_equilibrium(simulate("wgan", *START, LR, 100))
    assert (r[-1] / r[0]) ** (1 / 100) == pytest.approx(np.sqrt(1 + LR**2), abs=1e-9)


@pytest.mark.parametrize("name", ["gan", "wgan"])
def test_continuous_dynamics_are_circles(name):
    traj = simulate(name, *START, LR, 200, "continuous")
    np.testing.assert_allclose(distance_to_equilibrium(traj), np.sqrt(2), rtol=1e-7)
    assert traj[:, 0].min() < -1.3 and traj[:, 1].min() < -1.3  # it goes round, not stuck


def test_gan_alternating_is_bounded_and_does_not_converge():
    r = distance_to_equilibrium(simulate("gan", *START, LR, 5000, "alternating"))
    assert r.max() < 1.45 and r.min() > 1.35  # measured 1.379 .. 1.419


def test_wgan_alternating_conserves_modified_energy():
    # Alternating (symplectic Euler) steps conserve θ² + ψ² - lr·θψ exactly for the WGAN.
    traj = simulate("wgan", *START, LR, 3000, "alternating")
    energy = traj[:, 0] ** 2 + traj[:, 1] ** 2 - LR * traj[:, 0] * traj[:, 1]
    np.testing.assert_allclose(energy, 2 - LR, rtol=1e-10)


def test_non_saturating_flow_spirals_in_slowly():
    # d/dt r²/2 = -t tanh(t/2) ≤ 0 with t = ψθ: decreasing, but only like 1/√t.
    r = distance_to_equilibrium(simulate("ns", *START, LR, 1000, "continuous", substeps=2))
    assert np.all(np.diff(r) <= 1e-12)
    assert 0.2 < r[-1] < 0.35  # measured 0.278 at t = 100
    # Simultaneous steps stall: measured radius 0.444 .. 0.447 over steps 3000 .. 6000.
    r = distance_to_equilibrium(simulate("ns", *START, LR, 4000))
    assert r[2000:].min() > 0.4


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "name, params, steps",
    [("r1", {"gamma": 1.0}, 300), ("r1", {"gamma": 0.3}, 800), ("weight-penalty", {}, 300)]
    + [("instance-noise", {"sigma": 1.0}, 500), ("roth", {}, 500), ("consensus", {}, 600)],
)
def test_regularised_variants_converge(name, params, steps, mode):
    traj = simulate(make_variant(name, **params), *START, LR, steps, mode, substeps=2)
    assert distance_to_equilibrium(traj)[-1] < 1e-4


def test_instance_noise_threshold_for_simultaneous_steps():
    # Locally stable iff σ² > lr/2, i.e. σ > 0.224 at lr = 0.1.
    assert step_factor(make_variant("instance-noise", sigma=0.2), LR) > 1
    assert step_factor(make_variant("instance-noise", sigma=0.25), LR) < 1
    grow = distance_to_equilibrium(simulate(make_variant("instance-noise", sigma=0.15), 0.05, 0.05,
                                            LR, 1500))  # fmt: skip
    assert grow[-1] > 2 * grow[0]


def test_step_factor_predicts_convergence_rate():
    variant = make_variant("r1", gamma=0.5)
    r = distance_to_equilibrium(simulate(variant, 0.01, 0.01, LR, 1000))
    assert (r[-1] / r[200]) ** (1 / 800) == pytest.approx(step_factor(variant, LR), abs=5e-4)


@pytest.mark.parametrize("mode", MODES)
def test_wgan_clip_does_not_converge(mode):
    variant = make_variant("wgan-clip", c=0.5)
    traj = simulate(variant, *START, LR, 600, mode, substeps=2)
    assert np.abs(traj[:, 1]).max() <= 0.5  # projection applied
    r = distance_to_equilibrium(traj)[300:]
    assert r.min() > 0.45  # settles on (or near) the circle of radius c, never at 0


@pytest.mark.parametrize("mode", MODES)
def test_wgan_gp_settles_away_from_the_data(mode):
    # λ = g0 = 1: the one-sided field vanishes at (-2λg0, 0), where trajectories from (1, 1) end.
    traj = simulate(make_variant("wgan-gp", lam=1.0, g0=1.0), *START, LR, 500, mode, substeps=2)
    np.testing.assert_allclose(traj[-1], [-2.0, 0.0], atol=1e-6)


def test_wgan_gp_with_small_lambda_cycles():
    # λ < 1: the one-sided fixed points are foci; trajectories cross ψ = 0 and keep cycling.
    traj = simulate(make_variant("wgan-gp", lam=0.5), *START, 0.05, 4000)
    r = distance_to_equilibrium(traj)[2000:]
    assert r.min() > 1.0
    assert traj[2000:, 0].min() < -1 and traj[2000:, 0].max() > 1


def test_alternating_uses_updated_theta():
    # G moves first: θ1 = θ0 + lr·v_θ(θ0, ψ0), then ψ1 = ψ0 + lr·v_ψ(θ1, ψ0).
    variant = make_variant("wgan")
    traj = simulate(variant, *START, LR, 1, "alternating")
    np.testing.assert_allclose(traj[1], [1 - LR, 1 + LR * (1 - LR)])


# --- registry and errors -------------------------------------------------------------------------
def test_make_variant_bad_name_lists_choices():
    with pytest.raises(ValueError, match="'dirac-gan'") as err:
        make_variant("dirac-gan")
    assert all(name in str(err.value) for name in DIRAC_GANS)


@pytest.mark.parametrize(
    "name, params, bad",
    [("r1", {"gamma": -1.0}, "-1.0"), ("instance-noise", {"sigma": -0.5}, "-0.5")]
    + [("wgan-clip", {"c": 0.0}, "0.0"), ("wgan-gp", {"lam": float("nan")}, "nan")]
    + [("r1", {"sigma": 1.0}, "sigma")],
)
def test_make_variant_bad_parameters(name, params, bad):
    with pytest.raises(ValueError, match=bad):
        make_variant(name, **params)


def test_simulate_bad_arguments():
    with pytest.raises(ValueError, match="'euler'.*simultaneous"):
        simulate("gan", 1.0, 1.0, LR, 10, mode="euler")
    with pytest.raises(ValueError, match="-0.1"):
        simulate("gan", 1.0, 1.0, -0.1, 10)


def test_registry_names_and_labels():
    for name, cls in DIRAC_GANS.items():
        variant = cls()
        assert variant.name == name and variant.label.startswith(variant.title)
    assert make_variant("r1", gamma=0.5).label == "R1 (γ=0.5)"


# --- plots ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, kind",
    [("gan", "quiver"), ("wgan-clip", "quiver"), ("wgan-gp", "quiver"), ("r1", "stream")],
)
def test_plot_field(name, kind):
    ax = Figure().subplots()
    assert plot_field(name, ax=ax, kind=kind, n=7, density=0.3) is ax
    assert ax.get_title() == make_variant(name).label
    assert "θ" in ax.get_xlabel() and "ψ" in ax.get_ylabel()
    assert ax.get_aspect() == 1.0


def test_plot_trajectories():
    ax = Figure().subplots()
    plot_trajectories("gan", ax=ax, steps=50)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    for mode in MODES:
        assert any(label.startswith(mode) for label in labels)
    assert any("equilibrium" in label for label in labels)
    assert ax.get_title() == "GAN (minimax)"


@pytest.mark.parametrize("name", sorted(DIRAC_GANS))
def test_plots_draw_what_each_variant_says_about_itself(name):
    variant = make_variant(name)
    ax = plot_field(variant, ax=Figure().subplots(), n=5)
    bounds = sorted(line.get_ydata()[0] for line in ax.get_lines() if line.get_linestyle() == ":")
    if variant.psi_bound is None:
        assert bounds == []
    else:
        assert bounds == [-variant.psi_bound, variant.psi_bound]
    marks = [line for line in ax.get_lines() if line.get_marker() == "X"]
    expected = variant.stationary_points()
    assert len(marks) == (1 if len(expected) else 0)
    if marks:
        np.testing.assert_array_equal(np.stack(marks[0].get_data(), axis=1), expected)
        assert marks[0].get_label() == variant.stationary_label


def test_wgan_gp_stationary_points_are_where_the_one_sided_fields_vanish():
    variant = make_variant("wgan-gp", lam=0.7, g0=1.5)
    (left, right) = variant.stationary_points()
    # (-2λg0, 0) is the zero of the field for ψ > 0, (+2λg0, 0) the one for ψ < 0.
    for (theta, psi), side in [(left, 1e-12), (right, -1e-12)]:
        np.testing.assert_allclose(variant.field(theta, psi + side), (0.0, 0.0), atol=1e-9)
    assert make_variant("wgan-clip", c=0.3).psi_bound == 0.3
    assert all(make_variant(n).psi_bound is None for n in DIRAC_GANS if n != "wgan-clip")


def test_gan_toy_dirac_keeps_its_names():
    old = """Consensus GAN InstanceNoise MODES NonSaturatingGAN Penalised R1 R2 Roth VARIANTS WGAN
    WGANClip WGANGP WeightPenalty d2f_gan df_gan distance_to_equilibrium f_gan make_variant
    plot_field plot_trajectories simulate step_factor""".split()
    assert set(old) <= set(dirac.__all__)
    assert dirac.VARIANTS is dirac.DIRAC_GANS is DIRAC_GANS
    assert dirac.simulate is simulate and dirac.plot_field is plot_field
