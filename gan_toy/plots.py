"""Static figures and animations of 2D GAN runs (matplotlib only).

Conventions, so notebooks stay one line per picture:
- an axes-level function takes `ax=None` (a new figure when None) and returns the Axes it drew
  on; a figure-level function returns the Figure. Nothing here calls `plt.show()` or picks a
  backend: the notebook (or the test's Agg backend) does that.
- the view of a mixture is fixed by its centres (±3 for the ring, ±6 for the grid), so pictures
  of one run at different steps compare directly; samples outside it are counted in the x label.
- "a trainer" is anything with `.G`, `.D`, `.mixture`, `.loss`, `.output_kind`, `.sample(n)`
  and `.history`, i.e. a `gan_toy.train.Trainer`.

Plotting never changes a run: D is evaluated in eval mode (spectral normalisation does not run
its power iteration) and no random stream of the trainer is touched.

Animations play in the static book through matplotlib's JavaScript HTML:

    snaps = Snapshots(every=200)
    trainer.fit([snaps])
    HTML(animation_html(animate(snaps)))

`animation_html` closes the animation's figure, otherwise the notebook would also print a
static copy of its first frame under the player.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.animation import FuncAnimation
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Circle
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from gan_toy.metrics import mode_metrics

OUTPUT_KINDS = ("probability", "critic")
COLOURBAR_LABELS = {
    "probability": "D(x) = sigmoid(logit): probability x is real",
    "critic": "critic value D(x) (raw, unbounded)",
}
SAMPLE_STYLE = {"s": 3, "alpha": 0.35, "linewidths": 0, "color": "tab:blue"}
CENTRE_STYLE = {"marker": "x", "s": 30, "linewidths": 1.5, "color": "black", "zorder": 4}


# --- input checks and shared helpers ------------------------------------------------------------
def as_points(samples, name: str = "samples") -> np.ndarray:
    """`samples` (tensor or array) as a float numpy array of shape (n, 2); ValueError otherwise."""
    if isinstance(samples, torch.Tensor):
        samples = samples.detach().cpu().numpy()
    points = np.asarray(samples, dtype=float)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"{name} must have shape (n, 2), got {points.shape}")
    return points


def view_limit(mixture=None, samples=None) -> float:
    """Half-width of the square view: 1.5× the largest centre coordinate (ring ±3, grid ±6)."""
    if mixture is not None:
        return 1.5 * float(mixture.centres.abs().max())
    if samples is not None and len(samples):
        return max(1.0, 1.2 * float(np.percentile(np.abs(samples), 99)))
    return 3.0


def _new_axes(ax, figsize=(4.5, 4.5)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _square(ax, lim: float, points: np.ndarray | None = None) -> None:
    """Square view [-lim, lim]²; the x label counts the samples falling outside it."""
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    outside = 0 if points is None else int((np.abs(points) > lim).any(axis=1).sum())
    note = f"   ({outside} of {len(points)} samples outside the view)" if outside else ""
    ax.set_xlabel("$x_1$" + note)
    ax.set_ylabel("$x_2$")


def _draw_centres(ax, mixture, hq_circles: bool = False, color: str = "black") -> None:
    centres = mixture.centres.detach().cpu().numpy()
    style = {**CENTRE_STYLE, "color": color}
    ax.scatter(centres[:, 0], centres[:, 1], label="true centres", **style)
    if hq_circles:  # the "high-quality" radius of the metrics: 3σ
        for i, (cx, cy) in enumerate(centres):
            label = "3σ (high quality)" if i == 0 else None
            ax.add_patch(
                Circle(
                    (cx, cy),
                    3 * mixture.sigma,
                    fill=False,
                    color="tab:green",
                    lw=1,
                    zorder=3,
                    label=label,
                )
            )


def _colorbar(ax, mappable, label: str):
    """A colourbar hugging a square (equal-aspect) axes, instead of the edge of its grid cell."""
    cax = ax.inset_axes([1.04, 0.0, 0.05, 1.0], label="<colorbar>")
    return ax.figure.colorbar(mappable, cax=cax, label=label)


CORNERS = {"upper right": (1, 1), "upper left": (0, 1), "lower left": (0, 0), "lower right": (1, 0)}


def _legend(ax) -> None:
    """Legend in the corner with the fewest plotted points (centres, samples, arrows).

    Computed by hand: loc="best" is slow with thousands of points and then warns, which a book
    built with warnings as errors cannot afford.
    """
    offsets = [c.get_offsets() for c in ax.collections if len(c.get_offsets())]
    xy = np.concatenate(offsets) if offsets else np.zeros((0, 2))
    frac = ax.transLimits.transform(xy) if len(xy) else xy  # data -> axes fractions

    def crowd(corner):
        cx, cy = CORNERS[corner]
        near_x = frac[:, 0] > 0.55 if cx else frac[:, 0] < 0.45
        near_y = frac[:, 1] > 0.75 if cy else frac[:, 1] < 0.25
        return int((near_x & near_y).sum())

    ax.legend(loc=min(CORNERS, key=crowd), fontsize=7, markerscale=2, framealpha=0.7)


@contextlib.contextmanager
def _eval_mode(module: torch.nn.Module):
    """Evaluate without side effects (e.g. spectral norm's power iteration), then restore."""
    was_training = module.training
    module.eval()
    try:
        yield module
    finally:
        module.train(was_training)


def _model(model):
    """(D, output_kind, mixture or None) from a trainer or a (D, output_kind) pair."""
    if hasattr(model, "D") and hasattr(model, "output_kind"):
        return model.D, model.output_kind, getattr(model, "mixture", None)
    if isinstance(model, (tuple, list)) and len(model) == 2:
        d, kind = model
        if kind not in OUTPUT_KINDS:
            raise ValueError(f"unknown output_kind {kind!r}; valid choices: {OUTPUT_KINDS}")
        return d, kind, None
    raise ValueError(f"expected a Trainer or a (D, output_kind) pair, got {type(model).__name__}")


def _device(module: torch.nn.Module) -> torch.device:
    return next(module.parameters()).device


def discriminator_surface(d, output_kind: str, lim: float, resolution: int = 120):
    """D on a resolution² grid over [-lim, lim]²: (xs, ys, values), values[i, j] at (xs[j], ys[i]).

    Values are probabilities (sigmoid of the logit) for output_kind "probability", raw critic
    values otherwise.
    """
    ticks = np.linspace(-lim, lim, resolution)
    xs, ys = np.meshgrid(ticks, ticks)
    grid = torch.as_tensor(np.stack([xs.ravel(), ys.ravel()], 1), dtype=torch.float32)
    with torch.no_grad(), _eval_mode(d):
        out = d(grid.to(_device(d))).reshape(resolution, resolution)
    if output_kind == "probability":
        out = torch.sigmoid(out)
    return ticks, ticks, out.cpu().numpy()


# --- samples, density, discriminator ------------------------------------------------------------
def plot_samples(
    samples,
    mixture=None,
    ax=None,
    *,
    hq_circles: bool = False,
    lim=None,
    title: str | None = "Generator samples",
    **style,
):
    """Generator samples as small translucent dots over the true centres (and, with
    `hq_circles`, the 3σ circles inside which a sample counts as high-quality)."""
    points = as_points(samples)
    ax = _new_axes(ax)
    lim = lim or view_limit(mixture, points)
    ax.scatter(points[:, 0], points[:, 1], **{"label": "generator", **SAMPLE_STYLE, **style})
    _square(ax, lim, points)
    if mixture is not None:
        _draw_centres(ax, mixture, hq_circles)
        _legend(ax)
    if title:
        ax.set_title(title)
    return ax


def plot_density(
    samples_or_trainer,
    mixture=None,
    ax=None,
    *,
    n: int = 5000,
    bins: int = 100,
    title: str | None = "Generator density",
):
    """Generator density as a 2D histogram with a log colour scale (empty bins left white),
    centres overlaid. Pass samples, or a trainer to draw `n` of its fixed-latent samples."""
    if hasattr(samples_or_trainer, "sample") and hasattr(samples_or_trainer, "G"):
        mixture = mixture or samples_or_trainer.mixture
        samples_or_trainer = samples_or_trainer.sample(n)
    points = as_points(samples_or_trainer)
    ax = _new_axes(ax, figsize=(5.2, 4.5))
    lim = view_limit(mixture, points)
    counts, xe, ye = np.histogram2d(
        points[:, 0], points[:, 1], bins=bins, range=[[-lim, lim], [-lim, lim]]
    )
    counts = np.ma.masked_equal(counts.T, 0)  # histogram2d puts x first; pcolormesh wants rows=y
    norm = LogNorm(vmin=1, vmax=max(2.0, float(counts.max() or 2)))
    mesh = ax.pcolormesh(xe, ye, counts, norm=norm, cmap="viridis")
    _colorbar(ax, mesh, "samples per bin (log scale)")
    _square(ax, lim, points)
    if mixture is not None:
        _draw_centres(ax, mixture)
        _legend(ax)
    if title:
        ax.set_title(title)
    return ax


def plot_discriminator(
    model,
    mixture=None,
    ax=None,
    samples=None,
    *,
    resolution: int = 120,
    colorbar: bool = True,
    title: str | None = None,
):
    """D over the plane as a filled contour, real centres and (optionally) samples overlaid.

    `model` is a trainer or a pair (D, output_kind), D a torch module. For "probability" the
    surface is sigmoid(logit) on a fixed 0..1 scale with the D = 1/2 contour dashed; for
    "critic" it is the raw critic value on its own scale (only differences of a critic mean
    anything).
    """
    d, kind, own_mixture = _model(model)
    mixture = mixture or own_mixture
    points = None if samples is None else as_points(samples)
    ax = _new_axes(ax, figsize=(5.2, 4.5))
    lim = view_limit(mixture, points)
    xs, ys, values = discriminator_surface(d, kind, lim, resolution)
    if kind == "probability":
        cs = ax.contourf(xs, ys, values, levels=np.linspace(0, 1, 21), cmap="RdBu_r")
        if values.min() < 0.5 < values.max():
            ax.contour(xs, ys, values, levels=[0.5], colors="k", linewidths=0.8, linestyles="--")
    else:  # explicit levels: a flat critic (e.g. just initialised) must not warn
        low, high = float(values.min()), float(values.max())
        levels = np.linspace(low, high, 21) if high > low else [low - 0.5, low + 0.5]
        cs = ax.contourf(xs, ys, values, levels=levels, cmap="viridis")
    if colorbar:
        _colorbar(ax, cs, COLOURBAR_LABELS[kind])
    if points is not None:
        ax.scatter(
            points[:, 0],
            points[:, 1],
            label="generator",
            **{**SAMPLE_STYLE, "color": "black", "alpha": 0.5},
        )
    _square(ax, lim, points)
    if mixture is not None:
        _draw_centres(ax, mixture, color="gold")
    if points is not None or mixture is not None:
        _legend(ax)
    ax.set_title(title or ("Discriminator D(x)" if kind == "probability" else "Critic D(x)"))
    return ax


def generator_push(trainer, samples) -> np.ndarray:
    """−∇_x of the generator loss at each sample, per sample (n×2): where G's loss moves it.

    Uses the current D and the plain generator loss (no unrolling, no instance noise). Scaled
    by n so that it does not depend on how many samples are asked for.
    """
    x = torch.as_tensor(as_points(samples), dtype=torch.float32, device=_device(trainer.D))
    x.requires_grad_(True)
    with _eval_mode(trainer.D):
        loss = trainer.loss.g_loss(trainer.D(x))
    (grad,) = torch.autograd.grad(loss, x)  # gradients w.r.t. x only: D's .grad stay untouched
    return (-grad * x.shape[0]).cpu().numpy()


def spread_subset(points: np.ndarray, lim: float, cells: int = 24, limit: int = 150) -> np.ndarray:
    """Indices of at most `limit` points, the first in each occupied cell of a cells² grid over
    the view, so arrows drawn at them do not pile up where samples are dense."""
    inside = np.flatnonzero((np.abs(points) < lim).all(axis=1))
    cell = np.floor((points[inside] + lim) / (2 * lim) * cells).astype(int)
    _, first = np.unique(cell[:, 0] * cells + cell[:, 1], return_index=True)
    return inside[np.sort(first)][:limit]


def plot_generator_gradient_field(
    trainer,
    ax=None,
    *,
    samples=None,
    n: int = 1000,
    n_arrows: int = 150,
    surface: bool = True,
    title: str | None = "Where the generator loss pushes samples",
):
    """Arrows −∇_x g_loss at up to `n_arrows` samples spread over the plane (one per cell of a
    fine grid), over D's surface (`surface=True`) or over the centres.

    Arrow lengths are proportional to the push (the longest spans a 15th of the view), so they
    compare within one picture; the median push over all samples is given in the legend,
    because vanishing gradients show up in its absolute size, not in the arrows' shape.
    """
    points = as_points(trainer.sample(n) if samples is None else samples)
    if surface:
        ax = plot_discriminator(trainer, ax=ax, samples=points, title=title)
    else:
        ax = plot_samples(points, trainer.mixture, ax=ax, title=title)
    lim = view_limit(trainer.mixture, points)
    push = generator_push(trainer, points)
    norms = np.linalg.norm(push, axis=1)
    chosen = spread_subset(points, lim, limit=n_arrows)
    longest = float(norms[chosen].max()) if len(chosen) and norms[chosen].max() > 0 else 1.0
    base, arrows = points[chosen], push[chosen]
    ax.quiver(
        *base.T,
        *arrows.T,
        angles="xy",
        scale_units="xy",
        scale=longest / (lim / 7.5),
        width=0.005,
        headwidth=4,
        color="darkorange",
        zorder=5,
        label=f"push (median {np.median(norms):.2g})",
    )
    _legend(ax)
    return ax


# --- training curves ----------------------------------------------------------------------------
def moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean over `window` values; the result is len(values) - window + 1 long."""
    values = np.asarray(values, dtype=float)
    if window <= 1 or len(values) < window:
        return values
    cum = np.cumsum(np.insert(values, 0, 0.0))
    return (cum[window:] - cum[:-window]) / window


def smoothing_window(n_steps: int) -> int:
    """The moving-average window every training-curve plot uses for `n_steps` values: about a
    25th of the run, between 1 and 250 steps."""
    return int(np.clip(n_steps // 25, 1, 250))


def _curve(ax, steps, values, window, label, color) -> None:
    """Faint raw values plus a solid moving average (which carries the legend label)."""
    ax.plot(steps, values, color=color, alpha=0.25, lw=0.7)
    smooth = moving_average(values, window)
    ax.plot(steps[len(steps) - len(smooth) :], smooth, color=color, lw=1.5, label=label)


def plot_losses(history, ax=None, window: int | None = None):
    """D and G losses against step: faint raw values, solid moving average."""
    ax = _new_axes(ax, figsize=(8, 2.6))
    window = window or smoothing_window(len(history))
    _curve(ax, history.steps, history.d_loss, window, "D loss", "tab:red")
    _curve(ax, history.steps, history.g_loss, window, "G loss", "tab:blue")
    ax.set_title(f"Losses (solid: {window}-step average)")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend(fontsize=8)
    return ax


def plot_d_outputs(history, ax=None, window: int | None = None):
    """Mean D output on real and on generated samples (probability or raw critic value)."""
    ax = _new_axes(ax, figsize=(8, 2.6))
    window = window or smoothing_window(len(history))
    _curve(ax, history.steps, history.d_real, window, "on real data", "tab:green")
    _curve(ax, history.steps, history.d_fake, window, "on generated samples", "tab:orange")
    if history.output_kind == "probability":
        ax.axhline(0.5, color="gray", ls=":", lw=1, label="1/2: D cannot tell them apart")
        ax.set_ylim(-0.02, 1.02)
        ax.set_ylabel("mean D(x)")
    else:
        ax.set_ylabel("mean critic value")
    ax.set_title("Discriminator outputs")
    ax.set_xlabel("step")
    ax.legend(fontsize=8)
    return ax


def plot_grad_norm(history, ax=None, window: int | None = None):
    """The generator's gradient norm on a log scale (vanishing gradients drop by decades)."""
    ax = _new_axes(ax, figsize=(8, 2.6))
    window = window or smoothing_window(len(history))
    norms = np.where(history.g_grad_norm > 0, history.g_grad_norm, np.nan)  # log axis
    _curve(ax, history.steps, norms, window, "‖∇G loss‖", "tab:purple")
    ax.set_yscale("log")
    _readable_log_ticks(ax, norms)
    ax.set_title("Generator gradient norm")
    ax.set_xlabel("step")
    ax.set_ylabel("gradient norm (log scale)")
    return ax


def _readable_log_ticks(ax, values: np.ndarray) -> None:
    """Label 1-2-5 ticks as plain numbers when the data span at most two decades (matplotlib's
    default then labels crowded minor ticks like 3×10⁰); keep powers of ten otherwise."""
    finite = values[np.isfinite(values)]
    if len(finite) == 0 or np.log10(finite.max() / finite.min()) > 2:
        return
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def plot_history(history, axes=None, window: int | None = None) -> Figure:
    """Losses, mean D outputs and the generator's gradient norm, stacked over a shared step axis.

    `axes`: three Axes to draw on (default: a new 8-inch-wide figure).
    """
    if axes is None:
        _, axes = plt.subplots(3, 1, figsize=(8, 7), sharex=True, layout="constrained")
    if len(axes) != 3:
        raise ValueError(f"plot_history draws three panels; got {len(axes)} axes")
    plot_losses(history, axes[0], window)
    plot_d_outputs(history, axes[1], window)
    plot_grad_norm(history, axes[2], window)
    for ax in axes[:-1]:
        ax.set_xlabel("")
    return axes[0].figure


def plot_modes_over_time(history, n_modes: int | None = None, ax=None):
    """Modes covered (left axis) and high-quality fraction (right axis) at each evaluation."""
    steps, modes = history.eval_series("modes_covered")
    hq_steps, hq = history.eval_series("high_quality")
    if len(steps) == 0:
        raise ValueError(
            "history has no evaluations with 'modes_covered': record some during training "
            "(a callback appending trainer.evaluate() | {'step': trainer.step} to trainer.evals)"
        )
    ax = _new_axes(ax, figsize=(8, 3))
    ax.plot(steps, modes, "o-", color="tab:blue", ms=4, label="modes covered")
    if n_modes is not None:
        ax.axhline(n_modes, color="tab:blue", ls=":", lw=1, label=f"all {n_modes} modes")
        ax.set_ylim(-0.3, n_modes + 0.7)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("step")
    ax.set_ylabel("modes covered", color="tab:blue")
    right = ax.twinx()
    right.plot(
        hq_steps, 100 * hq, "s--", color="tab:orange", ms=3, label="high-quality samples (%)"
    )
    right.set_ylim(-2, 102)
    right.set_ylabel("high-quality samples (%)", color="tab:orange")
    lines = ax.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    # Above the axes: inside, it would hide points at 0 (collapse) or at the top (coverage).
    ax.legend(
        lines[0] + more[0],
        lines[1] + more[1],
        fontsize=8,
        ncol=3,
        frameon=False,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
    )
    ax.set_title("Mode coverage over training", pad=20)
    return ax


# --- one-call summary -----------------------------------------------------------------------------
def _has_evals(history) -> bool:
    return len(history.eval_series("modes_covered")[0]) > 0


def run_figsize(history) -> tuple[float, float]:
    """Size of the run summary: 8 inches wide (book width), taller when it has a modes panel."""
    return (8.0, 9.0) if _has_evals(history) else (8.0, 7.0)


def draw_run(fig: Figure, trainer, n: int = 2500, field: bool = False) -> Figure:
    """Fill `fig` with the summary panels of `trainer` (used by plot_run and LivePlot)."""
    history = trainer.history
    layout = [["samples", "surface"], ["losses", "grad"]]
    if _has_evals(history):
        layout.append(["modes", "modes"])
    ratios = [1.6, 1, 0.9][: len(layout)]
    axd = fig.subplot_mosaic(layout, gridspec_kw={"height_ratios": ratios})
    samples = trainer.sample(n)
    plot_samples(samples, trainer.mixture, axd["samples"])
    if field:
        title = "D(x) and the push on samples"
        plot_generator_gradient_field(trainer, axd["surface"], samples=samples, title=title)
    else:
        plot_discriminator(trainer, ax=axd["surface"], samples=samples)
    plot_losses(history, axd["losses"])
    plot_grad_norm(history, axd["grad"])
    if "modes" in axd:
        plot_modes_over_time(history, trainer.mixture.n_modes, axd["modes"])
    m = mode_metrics(samples, trainer.mixture.centres, trainer.mixture.sigma)
    cfg = trainer.config
    fig.suptitle(
        f"{cfg.loss} on the {cfg.data}, step {trainer.step}: {m['modes_covered']}/"
        f"{trainer.mixture.n_modes} modes, {100 * m['high_quality']:.3g}% high-quality "
        f"({len(samples)} samples)"
    )
    return fig


def plot_run(trainer, n: int = 2500, field: bool = False) -> Figure:
    """One-call summary of a run: samples, D's surface, losses and gradient norm (plus modes
    over time when the run recorded evaluations). `field=True` adds the generator's push."""
    fig = plt.figure(figsize=run_figsize(trainer.history), layout="constrained")
    return draw_run(fig, trainer, n, field)


# --- snapshots and animations ---------------------------------------------------------------------
@dataclass
class Frame:
    step: int
    samples: np.ndarray  # (n, 2)
    surface: np.ndarray | None = None  # D on a resolution² grid over the view (rows = x2)


class Snapshots:
    """Callback recording generator samples (and optionally D's surface) every `every` steps.

    Records the state at the start and at the end of training too. Samples come from a fixed
    latent batch, so an animation shows the generator moving, not fresh noise.
    """

    def __init__(
        self, every: int = 200, n: int = 1000, surface: bool = False, resolution: int = 64
    ):
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every!r}")
        self.every, self.n, self.surface, self.resolution = every, n, surface, resolution
        self.frames: list[Frame] = []
        self.mixture = None
        self.output_kind = "probability"
        self.lim = 3.0

    def record(self, trainer) -> None:
        """Add a frame for the trainer's current step (once per step)."""
        if self.mixture is None:
            self.on_train_begin(trainer)  # called directly, outside fit()
        if self.frames and self.frames[-1].step == trainer.step:
            return
        surface = None
        if self.surface:
            surface = discriminator_surface(
                trainer.D, trainer.output_kind, self.lim, self.resolution
            )[2]
        samples = trainer.sample(self.n).cpu().numpy().astype(np.float32)
        self.frames.append(Frame(trainer.step, samples, surface))

    def on_train_begin(self, trainer) -> None:
        self.mixture, self.output_kind = trainer.mixture, trainer.output_kind
        self.lim = view_limit(trainer.mixture)  # the surface's extent
        self.record(trainer)

    on_step_end = record
    on_train_end = record

    def __len__(self) -> int:
        return len(self.frames)

    def __iter__(self):
        return iter(self.frames)


def animate(
    snapshots: Snapshots,
    mixture=None,
    interval: int = 200,
    dpi: int = 80,
    max_frames: int | None = 150,
):
    """A FuncAnimation with one frame per snapshot: samples over the centres, and D's surface
    next to them when the snapshots recorded it. Play it with `animation_html`.

    More than `max_frames` snapshots are thinned evenly (first and last kept): a two-panel frame
    is about 50 KB of HTML at dpi 80, and matplotlib silently drops the frames beyond its
    `animation.embed_limit` (20 MB by default).
    """
    frames = list(snapshots)
    if not frames:
        raise ValueError("no snapshots recorded: pass Snapshots(...) to trainer.fit() first")
    if max_frames is not None and len(frames) > max_frames:
        keep = np.unique(np.linspace(0, len(frames) - 1, max(max_frames, 2)).round().astype(int))
        frames = [frames[i] for i in keep]
    for frame in frames:
        as_points(frame.samples, f"samples of the snapshot at step {frame.step}")
    mixture = mixture or snapshots.mixture
    with_surface = frames[0].surface is not None
    ncols = 2 if with_surface else 1
    fig, axes = plt.subplots(
        1, ncols, figsize=(4.2 * ncols, 4.2), dpi=dpi, layout="constrained", squeeze=False
    )
    lim = view_limit(mixture) if mixture is not None else snapshots.lim
    ax = plot_samples(frames[0].samples, mixture, axes[0, 0], lim=lim, title="Generator samples")
    dots = [ax.collections[0]]
    image = None
    if with_surface:
        kind = snapshots.output_kind
        sax = axes[0, 1]
        norm = Normalize(0, 1) if kind == "probability" else None
        image = sax.imshow(
            frames[0].surface,
            extent=(-lim, lim, -lim, lim),
            origin="lower",
            cmap="RdBu_r" if kind == "probability" else "viridis",
            norm=norm,
        )
        label = COLOURBAR_LABELS[kind] if kind == "probability" else "critic value, scale per frame"
        _colorbar(sax, image, label)
        dots.append(sax.scatter(*frames[0].samples.T, **{**SAMPLE_STYLE, "color": "black"}))
        if mixture is not None:
            _draw_centres(sax, mixture, color="gold")
        _square(sax, lim)
        sax.set_title("Discriminator" if kind == "probability" else "Critic")
    title = fig.suptitle(f"step {frames[0].step}")

    def update(i):
        frame = frames[i]
        for d in dots:
            d.set_offsets(frame.samples)
        _square(ax, lim, frame.samples)  # updates the count of samples outside the view
        if image is not None:
            image.set_data(frame.surface)
            if snapshots.output_kind != "probability":
                image.set_clim(float(frame.surface.min()), float(frame.surface.max()))
        title.set_text(f"step {frame.step}")
        return [*dots, title] + ([image] if image is not None else [])

    # Lay the figure out once and freeze it: re-running constrained layout on every frame would
    # triple the cost of rendering the animation, for positions that do not change.
    if hasattr(fig, "set_layout_engine"):  # matplotlib >= 3.6
        fig.get_layout_engine().execute(fig)
        fig.set_layout_engine("none")
    return FuncAnimation(fig, update, frames=len(frames), interval=interval, blit=False)


def animation_html(anim: FuncAnimation, close: bool = True) -> str:
    """The animation as self-contained JavaScript HTML (plays in the static book); wrap it in
    IPython.display.HTML. Closes the animation's figure (`close=True`) so the notebook does not
    also show a static first frame."""
    html = anim.to_jshtml()
    if close:
        plt.close(anim._fig)  # FuncAnimation keeps its figure only as the private ._fig
    return html


# --- live plot during training --------------------------------------------------------------------
def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class LivePlot:
    """Callback redrawing a run summary in place while training in a notebook.

    Redraws at the start, every `every` steps and at the end. The default 50 is the book's
    convention: a redraw costs about 0.5 s (mostly rendering the PNG; measured on a shared
    2-core CPU), as much as tens of training steps, so much smaller values slow training down.
    The figure is rendered to a PNG and shown through a display handle updated in place, or
    inside an ipywidgets.Output passed as `output`. Outside a notebook it only redraws
    `self.figure` (headless-safe: nothing is shown). The figure is not registered with pyplot,
    so the notebook does not print an extra copy of it at the end of the cell.
    """

    def __init__(
        self,
        every: int = 50,
        n: int = 1000,
        field: bool = True,
        dpi: int = 80,
        output=None,
    ):
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every!r}")
        self.every, self.n, self.field, self.output = every, n, field, output
        self.figure = Figure(dpi=dpi, layout="constrained")  # sized by run_figsize at each redraw
        self.redraws = 0
        self.last_step: int | None = None
        self._handle = None

    def redraw(self, trainer) -> None:
        if trainer.step == self.last_step:
            return
        self.figure.clear()
        self.figure.set_size_inches(run_figsize(trainer.history))
        draw_run(self.figure, trainer, self.n, self.field)
        self.last_step = trainer.step
        self.redraws += 1
        self._show()

    def on_train_begin(self, trainer) -> None:
        # A new fit() (possibly from a later cell) gets its own display, not the old one's.
        self._handle, self.last_step = None, None
        self.redraw(trainer)

    on_step_end = redraw
    on_train_end = redraw

    def _show(self) -> None:
        if self.output is None and not _in_notebook():
            return
        from IPython.display import Image, clear_output, display

        buf = io.BytesIO()
        self.figure.savefig(buf, format="png")
        image = Image(data=buf.getvalue(), format="png")
        if self.output is not None:
            with self.output:
                clear_output(wait=True)
                display(image)
        elif self._handle is None:
            self._handle = display(image, display_id=True)
        else:
            self._handle.update(image)
