"""The 2D live view: samples, D's surface with the generator's push, losses, gradient norm and
modes covered, as one matplotlib figure updated in place during training.

The figure's artists are built once and updated in place (dots moved, image data replaced,
lines extended), then rendered to a PNG. A redraw costs tens of milliseconds, about as much as
ten training steps, so the view redraws every `every` steps but skips a redraw while plotting
has already taken more than `max_share` of the run's time.

The modes covered and the high-quality fraction are read from `trainer.evals`, which an
evaluation callback ahead of the view records (ModesOverTime):
the view never scores samples itself.
"""

from __future__ import annotations

import io

import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from gan_toy.panels.display import latest_evaluation, png_bytes
from gan_toy.panels.live import LiveFigure
from gan_toy.plots import (
    CENTRE_STYLE,
    COLOURBAR_LABELS,
    SAMPLE_STYLE,
    discriminator_surface,
    generator_push,
    moving_average,
    smoothing_window,
    spread_subset,
    view_limit,
)


class LiveView(LiveFigure):
    """Training callback: samples, D's surface with the generator's push, losses, gradient norm
    and modes covered, updated in place.

    `n` samples are drawn as dots; the title shows the latest entry of `trainer.evals`.
    `on_frame(png_bytes)` receives each rendered frame (the panel puts it in an Output widget).
    Redraws happen at the start, every `every` steps and at the end; a scheduled redraw is
    skipped while plotting has taken more than `max_share` of the run's time (None: never skip).

    With its own figure (the default) frames are blitted: axes, ticks and labels are drawn once
    and only the moving artists are redrawn on top, unless an axis has to grow (the curves'
    step axes span the whole run from the start, value axes only ever widen). Given a `figure`
    (a pyplot one, for a static picture) everything is drawn normally instead.
    """

    def __init__(
        self, every=50, n=1000, resolution=48, max_share=0.2, figure=None, dpi=72, on_frame=None
    ):
        super().__init__(every, max_share, on_frame)
        self.n, self.resolution = n, resolution
        self.blit = figure is None
        self.figure = figure if figure is not None else Figure(figsize=(9, 6.2), dpi=dpi)
        if self.blit:
            FigureCanvasAgg(self.figure)  # renders without pyplot: no extra copy in the notebook
        self.full_redraws = 0
        self._key, self._background = None, None

    # --- callbacks --------------------------------------------------------------------------------
    def on_train_begin(self, trainer) -> None:
        self.full_redraws = 0
        super().on_train_begin(trainer)

    # --- building and updating the figure ---------------------------------------------------------
    def _build(self, trainer) -> None:
        fig, mixture, kind = self.figure, trainer.source, trainer.output_kind
        fig.clear()
        fig.set_layout_engine("constrained")
        gs = fig.add_gridspec(2, 6, height_ratios=[1.45, 1])
        ax_s, ax_d = fig.add_subplot(gs[0, :3]), fig.add_subplot(gs[0, 3:])
        ax_l, ax_g, ax_m = (fig.add_subplot(gs[1, 2 * i : 2 * i + 2]) for i in range(3))
        lim = self.lim = view_limit(mixture)
        centres = mixture.centres.cpu().numpy()
        dynamic = []  # the artists redrawn at every frame

        def add(artist):
            artist.set_animated(self.blit)
            dynamic.append(artist)
            return artist

        for ax, title in ((ax_s, "Generator samples"), (ax_d, "D(x) and the push on samples")):
            ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal")
            ax.set_title(title, fontsize=9)
        self._image = add(
            ax_d.imshow(
                np.zeros((2, 2)),
                extent=(-lim, lim, -lim, lim),
                origin="lower",
                vmin=0,
                vmax=1,
                cmap="RdBu_r" if kind == "probability" else "viridis",
            )
        )
        cbar = fig.colorbar(self._image, ax=ax_d, fraction=0.046, pad=0.02)
        cbar.set_label(COLOURBAR_LABELS[kind], fontsize=7)
        cbar.ax.tick_params(labelsize=7)
        self._dots = add(ax_s.scatter([], [], **{**SAMPLE_STYLE, "s": 2}))
        self._ddots = add(ax_d.scatter([], [], **{**SAMPLE_STYLE, "s": 1, "color": "black"}))
        ax_s.scatter(*centres.T, **{**CENTRE_STYLE, "s": 20})
        ax_d.scatter(*centres.T, **{**CENTRE_STYLE, "s": 20, "color": "gold"})
        note = {
            "fontsize": 7,
            "va": "bottom",
            "ha": "center",
            "zorder": 6,
            "bbox": {"facecolor": "white", "alpha": 0.7, "linewidth": 0},
        }
        self._samples_note = add(ax_s.text(0.5, 0.02, "", transform=ax_s.transAxes, **note))
        self._push_note = add(ax_d.text(0.5, 0.02, "", transform=ax_d.transAxes, **note))
        self._lines = {}
        steps = trainer.config.steps
        for ax, curves, title in (
            (ax_l, (("d_loss", "D loss", "tab:red"), ("g_loss", "G loss", "tab:blue")), "Losses"),
            (ax_g, (("g_grad_norm", "‖∇G loss‖", "tab:purple"),), "Generator gradient norm"),
        ):
            for key, label, colour in curves:  # faint raw values, solid moving average
                (raw,) = ax.plot([], [], color=colour, alpha=0.25, lw=0.7)
                (smooth,) = ax.plot([], [], color=colour, lw=1.4, label=label)
                self._lines[key] = (add(raw), add(smooth))
            ax.set_title(title, fontsize=9)
        ax_l.legend(fontsize=7, loc="upper right")
        ax_g.set_yscale("log")
        ax_m.axhline(mixture.n_modes, color="tab:blue", ls=":", lw=1)
        ax_m.set_ylim(-0.3, mixture.n_modes + 0.7)
        ax_m.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax_m.set_title(f"Modes covered (of {mixture.n_modes})", fontsize=9)
        (self._modes,) = ax_m.plot([], [], "o-", ms=3, color="tab:blue", label="modes covered")
        right = ax_m.twinx()
        (self._hq,) = right.plot([], [], "s--", ms=2, color="tab:orange", label="high quality %")
        right.set_ylim(-2, 102)
        right.tick_params(labelsize=7, colors="tab:orange")
        add(self._modes), add(self._hq)
        ax_m.legend(handles=[self._modes, self._hq], fontsize=7, loc="center right")
        for ax in (ax_s, ax_d, ax_l, ax_g, ax_m):
            ax.tick_params(labelsize=7)
        for ax in (ax_l, ax_g, ax_m):
            ax.set_xlim(0, steps)
            ax.set_xlabel("step", fontsize=8)
            ax.xaxis.set_major_locator(MaxNLocator(4))
        self._title = add(fig.suptitle("", fontsize=10))
        self._axes = {"samples": ax_s, "surface": ax_d, "losses": ax_l, "grad": ax_g, "modes": ax_m}
        self._dynamic, self._quiver = dynamic, None
        # Value axes' limits (None until first widened), and the surface's colour limits.
        self._limits: dict[str, tuple[float, float] | None] = {"losses": None, "grad": None}
        self._clim = (0.0, 1.0)
        self._key = (mixture.name, kind, steps, id(fig))
        self._background, self._laid_out = None, not self.blit

    def _widen(self, name: str, values: np.ndarray, log: bool = False) -> None:
        """Widen a value axis (never shrink it) so that `values` fit. Live frames leave room to
        grow (half the range, or a decade), so that the axis, and with it the full redraw that
        a change costs, changes rarely; a static picture fits the data closely."""
        values = values[np.isfinite(values) & ((values > 0) if log else True)]
        if not len(values):
            return
        low, high = float(values.min()), float(values.max())
        old = self._limits[name]
        if old is not None:
            if old[0] <= low and high <= old[1]:
                return
            low, high = min(old[0], low), max(old[1], high)
        if log:
            room = 10.0 if self.blit else 1.0
            low, high = 10 ** np.floor(np.log10(low)) / room, 10 ** np.ceil(np.log10(high)) * room
        else:
            pad = (0.5 if self.blit else 0.08) * max(high - low, 1e-3, 0.05 * abs(high))
            low, high = low - pad, high + pad
        self._limits[name] = (low, high)
        self._axes[name].set_ylim(low, high)
        self._background = None

    def draw(self, trainer) -> Figure:
        """Update the figure to the trainer's current state and return it."""
        kind, cfg = trainer.output_kind, trainer.config
        if self._key != (trainer.source.name, kind, cfg.steps, id(self.figure)):
            self._build(trainer)
        points = trainer.sample(self.n).cpu().numpy()
        lim = self.lim
        inside = (np.abs(points) <= lim).all(axis=1)
        self._dots.set_offsets(points)
        self._ddots.set_offsets(points[inside])
        self._samples_note.set_text(
            f"{(~inside).sum()} of {len(points)} samples outside the view"
            if (~inside).any()
            else ""
        )
        _, _, values = discriminator_surface(trainer.D, kind, lim, self.resolution)
        self._image.set_data(values)
        if kind != "probability":  # a critic's scale drifts: widen it, or narrow it by 4x
            low, high = float(values.min()), float(values.max())
            old_low, old_high = self._clim
            if low < old_low or high > old_high or 4 * (high - low) < old_high - old_low:
                pad = (0.25 if self.blit else 0.0) * max(high - low, 1e-6)
                self._clim = (low - pad, high + pad)
                self._image.set_clim(*self._clim)
                self._background = None
        self._draw_push(trainer, points[inside])
        self._draw_curves(trainer.history)
        title = f"{cfg.loss} on the {cfg.data}, step {trainer.step} of {cfg.steps}"
        m, when = latest_evaluation(trainer)
        if m:
            title += (
                f": {m['modes_covered']}/{trainer.source.n_modes} modes, "
                f"{100 * m['high_quality']:.3g}% high quality{when}"
            )
        self._title.set_text(title)
        return self.figure

    def _draw_push(self, trainer, points: np.ndarray) -> None:
        if self._quiver is not None:
            self._dynamic.remove(self._quiver)
            self._quiver.remove()
        chosen = spread_subset(points, self.lim, cells=14, limit=80)
        push = generator_push(trainer, points[chosen]) if len(chosen) else np.zeros((0, 2))
        norms = np.linalg.norm(push, axis=1)
        longest = float(norms.max()) if len(norms) and norms.max() > 0 else 1.0
        self._quiver = self._axes["surface"].quiver(
            *points[chosen].T,
            *push.T,
            angles="xy",
            scale_units="xy",
            scale=longest / (self.lim / 6),
            width=0.006,
            color="darkorange",
            zorder=5,
            animated=self.blit,
        )
        self._dynamic.append(self._quiver)
        median = float(np.median(norms)) if len(norms) else 0.0
        self._push_note.set_text(f"arrows: −∇x of G's loss (median length {median:.2g})")

    def _draw_curves(self, history) -> None:
        steps = history.steps
        stride = max(1, len(steps) // 400)  # at most ~400 raw points per curve
        window = smoothing_window(len(steps))
        for key, (raw, line) in self._lines.items():
            values = getattr(history, key)
            if key == "g_grad_norm":
                values = np.where(values > 0, values, np.nan)  # log axis
            raw.set_data(steps[::stride], values[::stride])
            smooth = moving_average(values, window)
            line.set_data(steps[len(steps) - len(smooth) :][::stride], smooth[::stride])
        self._widen("losses", np.concatenate([history.d_loss, history.g_loss]))
        self._widen("grad", history.g_grad_norm, log=True)
        eval_steps, modes = history.eval_series("modes_covered")
        _, hq = history.eval_series("high_quality")
        self._modes.set_data(eval_steps, modes)
        self._hq.set_data(eval_steps, 100 * hq)

    def render(self, full: bool = False) -> bytes:
        """The current frame as PNG bytes, blitted onto the cached background when it can
        (`full=True`: axes, ticks and labels are drawn again first)."""
        if full:
            self._background = None
        fig = self.figure
        if not self.blit:
            return png_bytes(fig)
        canvas = fig.canvas
        if not self._laid_out:  # lay out once, then freeze: re-running it costs a full draw
            fig.get_layout_engine().execute(fig)
            fig.set_layout_engine("none")
            self._laid_out = True
        if self._background is None:
            canvas.draw()  # everything but the animated artists
            self._background = canvas.copy_from_bbox(fig.bbox)
            self.full_redraws += 1
        else:
            canvas.restore_region(self._background)
        for artist in self._dynamic:
            (artist.axes or fig).draw_artist(artist)
        buf = io.BytesIO()
        # Fast zlib level: a frame is shown once, and encoding it at the default level costs as
        # much as drawing it.
        PIL.Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buf, "png", compress_level=1)
        return buf.getvalue()
