"""gan_toy.plots: every figure draws what it claims, headless (Agg), without touching the run."""

import re
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.animation import FuncAnimation  # noqa: E402
from matplotlib.collections import QuadMesh  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402
from matplotlib.quiver import Quiver  # noqa: E402

from gan_toy import plots  # noqa: E402
from gan_toy.config import TrainConfig  # noqa: E402
from gan_toy.data import make_mixture  # noqa: E402
from gan_toy.history import History  # noqa: E402
from gan_toy.losses import get_loss  # noqa: E402
from gan_toy.plots.animation import Animation, Frame, Snapshots, animate, animation_html  # noqa: E402
from gan_toy.plots.curves import (  # noqa: E402
    moving_average,
    plot_history,
    plot_modes_over_time,
    smoothing_window,
)
from gan_toy.plots.points import (  # noqa: E402
    discriminator_surface,
    plot_density,
    plot_discriminator,
    plot_generator_gradient_field,
    plot_samples,
)
from gan_toy.plots.summary import plot_run  # noqa: E402
from gan_toy.train import Trainer  # noqa: E402


class Evaluate:
    """Minimal evaluation callback, so the modes-over-time panels have something to show."""

    every = 20

    def on_step_end(self, trainer):
        trainer.evals.append({**trainer.evaluate(500), "step": trainer.step})


@pytest.fixture(scope="module")
def run():
    torch.set_num_threads(1)
    trainer = Trainer(TrainConfig(steps=60, batch_size=64))
    snaps = Snapshots(every=30, n=200, surface=True, resolution=32)
    trainer.fit([Evaluate(), snaps])
    return SimpleNamespace(trainer=trainer, snaps=snaps)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def scatter_with_label(ax, prefix):
    found = [c for c in ax.collections if str(c.get_label()).startswith(prefix)]
    assert len(found) == 1, [c.get_label() for c in ax.collections]
    return found[0]


def colorbar_labels(fig):
    every_axes = [a for ax in fig.axes for a in [ax, *ax.child_axes]]  # insets are children
    return [a.get_ylabel() for a in every_axes if a.get_label() == "<colorbar>"]


def linear_critic(weight=(1.0, 0.0)):
    d = torch.nn.Linear(2, 1)
    with torch.no_grad():
        d.weight.copy_(torch.tensor([weight]))
        d.bias.zero_()
    return d


# --- samples and density ------------------------------------------------------------------------
def test_plot_samples_draws_every_sample_over_the_centres(run):
    samples = run.trainer.sample(300)
    ax = plot_samples(samples, run.trainer.source, hq_circles=True)
    dots = scatter_with_label(ax, "generator")
    np.testing.assert_allclose(dots.get_offsets(), samples.numpy())
    assert len(scatter_with_label(ax, "true centres").get_offsets()) == 8
    assert len(ax.patches) == 8  # one 3σ circle per centre
    assert ax.patches[0].get_radius() == pytest.approx(3 * run.trainer.source.sigma)
    assert ax.get_aspect() == 1.0
    assert ax.get_legend() is not None and len(ax.get_legend().get_texts()) == 3


@pytest.mark.parametrize("name, lim", [("ring", 3.0), ("grid", 6.0)])
def test_view_follows_the_mixture(name, lim):
    ax = plot_samples(np.zeros((5, 2)), make_mixture(name))
    assert ax.get_xlim() == pytest.approx((-lim, lim))
    assert ax.get_ylim() == pytest.approx((-lim, lim))


def test_samples_outside_the_view_are_counted():
    points = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, -7.0], [1.0, 1.0]])
    ax = plot_samples(points, make_mixture("ring"))
    assert "2 of 4 samples outside the view" in ax.get_xlabel()
    ax = plot_samples(points[[0, 3]], make_mixture("ring"))
    assert "outside" not in ax.get_xlabel()


@pytest.mark.parametrize(
    "call",
    [
        lambda x: plot_samples(x),
        lambda x: plot_density(x, make_mixture("ring")),
        lambda x: plot_discriminator((linear_critic(), "critic"), samples=x),
    ],
    ids=["samples", "density", "discriminator"],
)
@pytest.mark.parametrize("shape", [(10, 3), (10,), (2, 5, 2)])
def test_samples_of_the_wrong_shape_raise_naming_the_shape(call, shape):
    with pytest.raises(ValueError, match=re.escape(f"shape (n, 2), got {shape}")):
        call(np.zeros(shape))


def test_plot_density_is_a_log_scaled_histogram(run):
    mixture = make_mixture("ring")
    real = mixture.sample(400, generator=torch.Generator().manual_seed(0))
    ax = plot_density(real, mixture)
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert isinstance(mesh.norm, LogNorm)
    assert mesh.get_array().sum() == 400  # every sample binned once
    assert mesh.get_array().count() <= 8 * 9  # σ = 0.02 modes, 0.06-wide bins: a few bins each
    assert colorbar_labels(ax.figure) == ["samples per bin (log scale)"]
    assert len(scatter_with_label(ax, "true centres").get_offsets()) == 8

    ax = plot_density(run.trainer, n=300)  # a trainer: its own fixed-latent samples
    inside = (run.trainer.sample(300).abs() < 3).all(dim=1).sum().item()
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert (mesh.get_array().sum() or 0) == inside
    assert inside == 300 or f"{300 - inside} of 300 samples outside" in ax.get_xlabel()


# --- discriminator and gradient field -------------------------------------------------------------
def test_probability_surface_is_sigmoid_of_the_logit(run):
    d = run.trainer.D
    xs, ys, values = discriminator_surface(d, "probability", 3.0, resolution=7)
    point = torch.tensor([[xs[2], ys[5]]], dtype=torch.float32)
    assert values[5, 2] == pytest.approx(torch.sigmoid(d(point)).item(), rel=1e-5)
    ax = plot_discriminator(run.trainer, samples=run.trainer.sample(100))
    (label,) = colorbar_labels(ax.figure)
    assert "probability" in label
    assert ax.collections[0].levels[0] == 0 and ax.collections[0].levels[-1] == 1
    assert len(scatter_with_label(ax, "generator").get_offsets()) == 100


def test_critic_surface_shows_raw_values():
    ax = plot_discriminator((linear_critic((1.0, 0.0)), "critic"), make_mixture("grid"))
    (label,) = colorbar_labels(ax.figure)
    assert "critic" in label and "probability" not in label
    levels = ax.collections[0].levels  # D(x) = x1 over [-6, 6]: not squashed into (0, 1)
    assert levels[0] <= -5.9 and levels[-1] >= 5.9
    plot_discriminator((linear_critic((0.0, 0.0)), "critic"))  # flat: no warning (-W error)


def test_discriminator_needs_a_known_output_kind():
    with pytest.raises(ValueError, match="'logit'.*probability.*critic"):
        plot_discriminator((linear_critic(), "logit"))


def test_plotting_leaves_the_run_untouched():
    trainer = Trainer(TrainConfig(steps=2, batch_size=16, regs={"sn": 1.0}))
    trainer.fit()
    before = {k: v.clone() for k, v in trainer.D.state_dict().items()}
    grads = [p.grad.clone() for p in trainer.D.parameters()]
    rng, global_rng = trainer.rng.get_state(), torch.get_rng_state()
    plot_run(trainer, n=200, field=True)
    after = trainer.D.state_dict()
    for key, value in before.items():  # spectral norm's u, v included
        assert torch.equal(value, after[key]), key
    assert trainer.D.training
    assert all(torch.equal(p.grad, g) for p, g in zip(trainer.D.parameters(), grads))
    assert torch.equal(trainer.rng.get_state(), rng)
    assert torch.equal(torch.get_rng_state(), global_rng)


def quiver_of(ax):
    (quiver,) = [c for c in ax.collections if isinstance(c, Quiver)]
    return quiver.get_offsets(), np.stack([quiver.U, quiver.V], axis=1)


def test_ns_push_points_up_the_discriminator(run):
    d = run.trainer.D
    points = np.random.default_rng(1).uniform(-2.5, 2.5, size=(300, 2))  # spread over the view
    ax = plot_generator_gradient_field(run.trainer, samples=points, n_arrows=40)
    base, arrows = quiver_of(ax)
    assert 0 < len(base) <= 40
    x = torch.tensor(base, dtype=torch.float32, requires_grad=True)
    (grad_d,) = torch.autograd.grad(d(x).sum(), x)  # ∇ of the logit: towards "more real"
    dots = (arrows * grad_d.numpy()).sum(axis=1)
    moving = np.linalg.norm(grad_d.numpy(), axis=1) > 1e-8
    assert moving.any() and (dots[moving] > 0).all()


@pytest.mark.parametrize("loss", ["ns", "minimax", "wgan"])
def test_push_on_a_linear_critic_is_along_its_weight(loss):
    points = np.random.default_rng(0).uniform(-2, 2, size=(50, 2))
    stub = SimpleNamespace(
        D=linear_critic((1.0, 0.0)),
        loss=get_loss(loss),
        output_kind="critic",
        source=make_mixture("ring"),
        sample=lambda n: torch.as_tensor(points[:n], dtype=torch.float32),
    )
    ax = plot_generator_gradient_field(stub, samples=points, surface=False)
    _, arrows = quiver_of(ax)
    assert (arrows[:, 0] > 0).all()  # every sample is pushed towards larger x1 ...
    np.testing.assert_allclose(arrows[:, 1], 0, atol=1e-7)  # ... and only that way
    assert stub.D.weight.grad is None  # gradients were taken w.r.t. the samples only


# --- training curves -----------------------------------------------------------------------------
def test_moving_average_is_trailing():
    np.testing.assert_allclose(moving_average([1, 2, 3, 4], 2), [1.5, 2.5, 3.5])
    np.testing.assert_allclose(moving_average([1, 2], 5), [1, 2])


def test_smoothing_window_is_a_25th_of_the_run_within_1_and_250():
    assert [smoothing_window(n) for n in (0, 10, 2500, 10**6)] == [1, 1, 100, 250]


def test_plot_history_panels(run):
    history = run.trainer.history
    fig = plot_history(history, window=10)
    losses, outputs, grads = fig.axes
    assert [t.get_text() for t in losses.get_legend().get_texts()] == ["D loss", "G loss"]
    raw, smooth = losses.get_lines()[:2]  # faint raw D loss, then its moving average
    np.testing.assert_allclose(raw.get_ydata(), history.d_loss)
    assert len(smooth.get_ydata()) == len(history) - 10 + 1
    assert raw.get_alpha() < 1 and smooth.get_alpha() is None
    assert outputs.get_ylim()[0] > -0.1 and outputs.get_ylim()[1] < 1.1  # probabilities
    assert grads.get_yscale() == "log"
    assert losses.get_yscale() == "linear"


def test_plot_history_critic_and_bad_axes():
    stats = np.abs(np.random.default_rng(0).normal(size=(30, 5))) + 0.1
    fig = plot_history(History(stats, output_kind="critic"))
    assert fig.axes[1].get_ylabel() == "mean critic value"
    _, axes = plt.subplots(2)
    with pytest.raises(ValueError, match="three panels; got 2"):
        plot_history(History(stats), axes=axes)


def test_plot_modes_over_time(run):
    history = run.trainer.history
    ax = plot_modes_over_time(history, n_modes=8)
    steps, modes = history.eval_series("modes_covered")
    line = ax.get_lines()[0]
    np.testing.assert_array_equal(line.get_xdata(), [20, 40, 60])
    np.testing.assert_array_equal(line.get_ydata(), modes)
    assert ax.get_lines()[1].get_ydata()[0] == 8  # the "all modes" reference
    (right,) = [a for a in ax.figure.axes if a is not ax]
    _, hq = history.eval_series("high_quality")
    np.testing.assert_allclose(right.get_lines()[0].get_ydata(), 100 * hq)
    assert len(ax.get_legend().get_texts()) == 3
    with pytest.raises(ValueError, match="no evaluations with 'modes_covered'"):
        plot_modes_over_time(History(np.zeros((3, 5))), 8)


def test_plot_run_summary(run):
    fig = plot_run(run.trainer, n=300)
    titles = [a.get_title() for a in fig.axes]
    for title in ("Generator samples", "Discriminator D(x)", "Generator gradient norm"):
        assert title in titles
    assert any(t.startswith("Losses") for t in titles)
    assert any(t.startswith("Mode coverage") for t in titles)  # the run has evaluations
    assert "step 60" in fig.get_suptitle() and "/8 modes" in fig.get_suptitle()
    assert fig.get_size_inches()[0] == 8
    field = plot_run(run.trainer, n=300, field=True)
    assert any(isinstance(c, Quiver) for a in field.axes for c in a.collections)


# --- snapshots and animation ----------------------------------------------------------------------
def test_snapshots_record_start_every_and_end(run):
    snaps = run.snaps
    assert [f.step for f in snaps] == [0, 30, 60]
    assert all(f.samples.shape == (200, 2) for f in snaps)
    assert all(f.surface.shape == (32, 32) for f in snaps)
    assert not np.allclose(snaps.frames[0].samples, snaps.frames[-1].samples)
    assert snaps.mixture is run.trainer.source


def test_animation_plays_in_static_html(run):
    anim = animate(run.snaps, interval=100)
    assert isinstance(anim, Animation) and isinstance(anim, FuncAnimation)
    fig = anim.figure
    assert plt.fignum_exists(fig.number)
    html = animation_html(anim)
    assert not plt.fignum_exists(fig.number)  # closed: no extra static frame in the notebook
    assert "<script" in html and "https://" not in html  # nothing to fetch: works offline
    for control in ("play_animation", "pause_animation", "next_frame", "previous_frame"):
        assert control in html
    frames = re.findall(r'frames\[\d+\] = "data:image/png;base64,([^"]+)"', html)
    assert len(frames) == len(run.snaps) == 3
    assert frames[0] != frames[-1]


def test_animation_samples_only_and_errors():
    snaps = Snapshots()
    with pytest.raises(ValueError, match="no snapshots recorded"):
        animate(snaps)
    snaps.frames = [Frame(0, np.zeros((20, 2))), Frame(5, np.ones((20, 2)))]
    anim = animate(snaps, make_mixture("ring"))
    assert len(anim.figure.axes) == 1  # no surface recorded: samples only
    html = animation_html(anim)
    assert len(re.findall(r"frames\[\d+\] = ", html)) == 2
    snaps.frames.append(Frame(9, np.zeros((20, 3))))
    with pytest.raises(ValueError, match=r"step 9 must have shape \(n, 2\), got \(20, 3\)"):
        animate(snaps)


def test_plot_samples_takes_a_label_for_real_data():
    ring = make_mixture("ring")
    ax = plot_samples(ring.sample(50), ring, label="real data")
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert "real data" in labels and "generator" not in labels


# --- the package's names --------------------------------------------------------------------------
OLD_NAMES = """CENTRE_STYLE COLOURBAR_LABELS CORNERS OUTPUT_KINDS SAMPLE_STYLE Frame Snapshots
animate animation_html as_points discriminator_surface draw_run generator_push moving_average
plot_d_outputs plot_density plot_discriminator plot_generator_gradient_field plot_grad_norm
plot_history plot_losses plot_modes_over_time plot_run plot_samples run_figsize smoothing_window
spread_subset view_limit""".split()


def test_gan_toy_plots_keeps_its_names():
    import importlib

    for name in OLD_NAMES:
        obj = getattr(plots, name)
        module = getattr(obj, "__module__", None)
        if module:  # functions and classes: the package re-exports the module's own object
            assert getattr(importlib.import_module(module), name) is obj, name
    assert set(OLD_NAMES) <= set(plots.__all__)


def test_mnist_plots_re_exports_the_image_module():
    from gan_toy import mnist_plots
    from gan_toy.plots import images

    for name in mnist_plots.__all__:
        assert getattr(mnist_plots, name) is getattr(images, name) is getattr(plots, name)


def test_book_figures_use_no_font_below_8_pt():
    # The browser test bounds a figure's width so that 8-pt text stays legible in the book's
    # column; that bound holds only if the book's plotting code writes nothing smaller.
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "gan_toy"
    small = re.compile(
        r"(?:fontsize|labelsize|size)\s*=\s*(?:([0-7](?:\.\d+)?)\b|[\"']x+-small[\"'])"
    )
    offenders = [
        f"{path.relative_to(root)}:{n}: {line.strip()}"
        for path in [*sorted((root / "plots").glob("*.py")), root / "dirac" / "plots.py"]
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if small.search(line) and "markersize" not in line
    ]
    assert not offenders, offenders
