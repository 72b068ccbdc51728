"""Lab panels from core ipywidgets: train a 2D GAN with a live view, explore the Dirac-GAN.

Only widgets and traits that exist in ipywidgets 7.7 (Colab) and 8 are used. Everything a panel
does is a plain Python method on plain widget objects (`panel.train_button.click()`,
`panel.loss.value = "wgan"`), so tests drive panels without a browser.

Training runs in a background thread so that the Stop button (handled by the kernel's main
thread) is heard at once: the trainer checks a stop event after every step and keeps what it
trained. The thread never prints and never enters an Output widget's context manager, whose
output goes to whichever cell the main thread is running; it only sets widget traits (the
progress bar's value, the message's HTML, the live view's `Output.outputs`), which is the way
ipywidgets documents for updating widgets from a thread.

The live view is one matplotlib figure whose artists are built once and updated in place (dots
moved, image data replaced, lines extended), then rendered to a PNG. A redraw costs tens of
milliseconds, about as much as ten training steps, so the view redraws every `every` steps but
skips a redraw while plotting has already taken more than `max_share` of the run's time.
"""

from __future__ import annotations

import base64
import io
import threading
import time

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from gan_toy import dirac
from gan_toy.callbacks import ModesOverTime
from gan_toy.config import LOSSES, ConfigError, TrainConfig, pick
from gan_toy.plots import (
    CENTRE_STYLE,
    COLOURBAR_LABELS,
    SAMPLE_STYLE,
    _readable_log_ticks,
    discriminator_surface,
    generator_push,
    moving_average,
    spread_subset,
    view_limit,
)
from gan_toy.regularizers import REGULARIZERS
from gan_toy.train import DivergenceError, Trainer

# The labs' default run: the book's networks and optimisers with a cheaper batch (256 instead of
# 512) and latent (64 instead of 256 dimensions), so that 2,000 steps with the live view take
# seconds on a laptop CPU. The game, the losses and the failure modes are the same.
LAB_CONFIG = TrainConfig(batch_size=256, z_dim=64, steps=pick(2000, 200))

# Regulariser menu: TrainConfig.regs names, plus WGAN's weight clipping (TrainConfig.clip).
REG_CHOICES = [("none", "")] + [(f"{r.name}: {r.summary}", r.name) for r in REGULARIZERS.values()]
REG_CHOICES.append(("clip: WGAN weight clipping (weight = bound c)", "clip"))
LIPSCHITZ = ("gp", "sn", "clip")  # what makes a Wasserstein critic meaningful


def _png(fig: Figure) -> bytes:
    """The figure as PNG bytes at its own dpi. Straight through the Agg canvas: savefig would
    draw twice (once more for a layout engine, even a frozen one)."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    buf = io.BytesIO()
    canvas.print_png(buf)
    return buf.getvalue()


def show_png(output: widgets.Output, png: bytes, text: str = "figure") -> None:
    """Replace what `output` shows by one PNG, setting its `outputs` trait (thread-safe; no
    context manager, so nothing leaks into the cell the main thread is running)."""
    data = {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": f"<{text}>"}
    output.outputs = ({"output_type": "display_data", "data": data, "metadata": {}},)


def _message(html: widgets.HTML, text: str, kind: str = "info") -> None:
    colour = {"info": "#333", "error": "#b00020", "note": "#8a5a00", "ok": "#1b5e20"}[kind]
    mark = {"error": "⚠ ", "note": "Note: "}.get(kind, "")
    html.value = f'<div style="color:{colour}">{mark}{_escape(text)}</div>' if text else ""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- the live view --------------------------------------------------------------------------------
class LiveView:
    """Training callback: samples, D's surface with the generator's push, losses, gradient norm
    and modes covered, updated in place.

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
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every!r}")
        self.every, self.n, self.resolution, self.max_share = every, n, resolution, max_share
        self.on_frame = on_frame
        self.blit = figure is None
        self.figure = figure if figure is not None else Figure(figsize=(9, 6.2), dpi=dpi)
        if self.blit:
            FigureCanvasAgg(self.figure)  # renders without pyplot: no extra copy in the notebook
        self.redraws = self.skipped = self.full_redraws = 0
        self.plot_seconds, self.last_step = 0.0, None
        self._key, self._start, self._background = None, time.perf_counter(), None

    # --- callbacks --------------------------------------------------------------------------------
    def on_train_begin(self, trainer) -> None:
        self._start, self.plot_seconds = time.perf_counter(), 0.0
        self.redraws = self.skipped = self.full_redraws = 0
        self.last_step = None
        self.redraw(trainer)

    def on_step_end(self, trainer) -> None:
        elapsed = time.perf_counter() - self._start
        if self.max_share is not None and self.plot_seconds > self.max_share * elapsed:
            self.skipped += 1
            return
        self.redraw(trainer)

    def on_train_end(self, trainer) -> None:
        self.redraw(trainer)

    def redraw(self, trainer) -> None:
        """Draw the trainer's current state and hand the frame to `on_frame`."""
        if trainer.step == self.last_step:
            return
        start = time.perf_counter()
        self.draw(trainer)
        png = self.render()
        if self.on_frame is not None:
            self.on_frame(png)
        self.last_step = trainer.step
        self.redraws += 1
        self.plot_seconds += time.perf_counter() - start

    # --- building and updating the figure ---------------------------------------------------------
    def _build(self, trainer) -> None:
        fig, mixture, kind = self.figure, trainer.mixture, trainer.output_kind
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
        self._limits = {"losses": None, "grad": None, "clim": (0.0, 1.0)}
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
        if self._key != (trainer.mixture.name, kind, cfg.steps, id(self.figure)):
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
            old_low, old_high = self._limits["clim"]
            if low < old_low or high > old_high or 4 * (high - low) < old_high - old_low:
                pad = (0.25 if self.blit else 0.0) * max(high - low, 1e-6)
                self._limits["clim"] = (low - pad, high + pad)
                self._image.set_clim(*self._limits["clim"])
                self._background = None
        self._draw_push(trainer, points[inside])
        self._draw_curves(trainer.history)
        # The metrics of the modes-over-time curve at this step if it has them (the same
        # numbers, and no second evaluation), else a fresh evaluation.
        last = trainer.evals[-1] if trainer.evals else {}
        m = last if last.get("step") == trainer.step else trainer.evaluate()
        self._title.set_text(
            f"{cfg.loss} on the {cfg.data}, step {trainer.step} of {cfg.steps}: "
            f"{m['modes_covered']}/{trainer.mixture.n_modes} modes, "
            f"{100 * m['high_quality']:.3g}% high quality"
        )
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
        window = int(np.clip(len(steps) // 25, 1, 250))
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

    def render(self) -> bytes:
        """The current frame as PNG bytes (blitted onto the cached background when it can)."""
        fig = self.figure
        if not self.blit:
            return _png(fig)
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


# --- the training panel ---------------------------------------------------------------------------
class _PanelCallback:
    """Inside the training thread: honour the Stop button and move the progress bar."""

    def __init__(self, panel, every: int = 10):
        self.panel, self.every = panel, every

    def on_step_end(self, trainer) -> None:
        if self.panel._stop_event.is_set():
            trainer.stop_requested = True
        if trainer.step % self.every == 0:
            self.panel._show_progress(trainer)

    def on_train_end(self, trainer) -> None:
        self.panel._show_progress(trainer)


class TrainPanel:
    """Controls for one 2D GAN run, a Train and a Stop button, a progress bar and a live view.

    `config` gives the starting values (default LAB_CONFIG); settings without a control
    (batch size, latent size, Adam's betas, ...) are taken from it unchanged. After a run,
    `panel.trainer` holds it (also after Stop or divergence), `panel.history` its record.
    """

    def __init__(
        self, config: TrainConfig | None = None, live_every: int = 50, max_share: float | None = 0.2
    ):
        self.defaults = (config or self.DEFAULT_CONFIG).validate()
        self._check_data(self.defaults)
        self.trainer = None
        self.error: str | None = None
        self._thread: threading.Thread | None = None
        self._stop_event = threading.Event()
        self._started = 0.0
        c = self.defaults
        style, wide = {"description_width": "110px"}, widgets.Layout(width="300px")

        def ctl(cls, description, **kw):
            return cls(description=description, style=style, layout=wide, **kw)

        def lr_slider(description, value):
            return ctl(
                widgets.FloatLogSlider,
                description,
                value=value,
                base=10,
                min=-5,
                max=-1,
                step=0.25,
                readout_format=".1e",
                continuous_update=False,
            )

        reg, weight = self._reg_of(c)
        data_controls = self._data_controls(c, ctl)
        self.loss = ctl(widgets.Dropdown, "loss", options=list(LOSSES), value=c.loss)
        self.reg = ctl(widgets.Dropdown, "regulariser", options=REG_CHOICES, value=reg)
        self.reg_weight = ctl(widgets.FloatText, "weight", value=weight)
        self.lr_d = lr_slider("D learning rate", c.lr_d)
        self.lr_g = lr_slider("G learning rate", c.lr_g)
        self.d_steps = ctl(widgets.IntSlider, "D steps / round", value=c.d_steps, min=1, max=10)
        self.g_steps = ctl(widgets.IntSlider, "G steps / round", value=c.g_steps, min=1, max=10)
        self.unroll = ctl(widgets.IntSlider, "unroll steps", value=c.unroll, min=0, max=10)
        self.update = ctl(
            widgets.Dropdown,
            "updates",
            options=["alternating", "simultaneous"],
            value="simultaneous" if c.simultaneous else "alternating",
        )
        self.steps = ctl(widgets.IntText, "steps", value=c.steps)
        self.seed = ctl(widgets.IntText, "seed", value=c.seed)
        self.controls = [
            *data_controls,
            self.loss,
            self.reg,
            self.reg_weight,
            self.lr_d,
            self.lr_g,
            self.d_steps,
            self.g_steps,
            self.unroll,
            self.update,
            self.steps,
            self.seed,
        ]
        self.train_button = widgets.Button(description="Train", button_style="success", icon="play")
        self.stop_button = widgets.Button(
            description="Stop", button_style="danger", icon="stop", disabled=True
        )
        self.train_button.on_click(lambda _: self.train())
        self.stop_button.on_click(lambda _: self.stop())
        self.progress = widgets.IntProgress(
            value=0, min=0, max=max(c.steps, 1), description="progress"
        )
        self.status = widgets.HTML("")
        self.message = widgets.HTML("")
        self.output = widgets.Output()
        self.view = self._live_view(live_every, max_share)
        for control in self.controls:
            control.observe(lambda _: self.check(), names="value")
        half = (len(self.controls) + 1) // 2  # two columns of controls
        self.widget = widgets.VBox(
            [
                widgets.HBox(
                    [widgets.VBox(self.controls[:half]), widgets.VBox(self.controls[half:])]
                ),
                widgets.HTML(
                    f'<span style="color:#666;font-size:small">{self._fixed_text(c)}</span>'
                ),
                widgets.HBox([self.train_button, self.stop_button, self.progress, self.status]),
                self.message,
                self.output,
            ]
        )
        self.check()

    # --- what a panel for other data changes (see mnist_widgets.MNISTPanel) -------------------
    DEFAULT_CONFIG = LAB_CONFIG

    def _check_data(self, config: TrainConfig) -> None:
        if config.is_image:
            raise ValueError(
                f"TrainPanel takes 2D data (ring, grid), got data {config.data!r}; use "
                "MNISTPanel (gan_toy/mnist_widgets.py) for images"
            )

    def _data_controls(self, c: TrainConfig, ctl) -> list:
        """The controls before the loss: here the data set; `ctl(cls, description, **kw)`
        makes a control in the panel's style."""
        self.data = ctl(widgets.Dropdown, "dataset", options=["ring", "grid"], value=c.data)
        return [self.data]

    def _live_view(self, live_every: int, max_share: float | None):
        return LiveView(
            every=live_every,
            max_share=max_share,
            on_frame=lambda png: show_png(self.output, png, "live view"),
        )

    @staticmethod
    def _fixed_text(c: TrainConfig) -> str:
        """The settings without a control, shown under the controls."""
        return (
            f"fixed: batch {c.batch_size}, z {c.z_dim}-dim, hidden {c.hidden}, "
            f"{c.optimizer} betas {tuple(c.betas)}"
        )

    @staticmethod
    def _reg_of(config: TrainConfig) -> tuple[str, float]:
        if config.clip is not None:
            return "clip", config.clip
        if config.regs:
            return next(iter(config.regs.items()))
        return "", 0.0

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    # --- settings ---------------------------------------------------------------------------------
    def _chosen_data(self) -> TrainConfig:
        """The defaults with the chosen data set (and what comes with it: MNIST's network)."""
        return self.defaults.replace(data=self.data.value)

    def config(self) -> TrainConfig:
        """The TrainConfig the controls describe; ConfigError if it is invalid."""
        reg, weight = self.reg.value, self.reg_weight.value
        config = self._chosen_data().replace(
            loss=self.loss.value,
            regs={reg: weight} if reg not in ("", "clip") else {},
            clip=weight if reg == "clip" else None,
            lr_d=self.lr_d.value,
            lr_g=self.lr_g.value,
            d_steps=self.d_steps.value,
            g_steps=self.g_steps.value,
            unroll=self.unroll.value,
            simultaneous=self.update.value == "simultaneous",
            steps=self.steps.value,
            seed=self.seed.value,
        )
        return config.validate()

    def check(self) -> TrainConfig | None:
        """Validate the controls: show the problem (and disable Train) or a hint; return the
        config when it is valid."""
        try:
            config = self.config()
        except ConfigError as err:
            self.error = str(err)
            _message(self.message, str(err), "error")
            self.train_button.disabled = True
            return None
        self.error = None
        self.train_button.disabled = self.running
        _message(self.message, self._hint(config), "note")
        return config

    @staticmethod
    def _hint(config: TrainConfig) -> str:
        lipschitz = config.clip is not None or any(config.regs.get(r) for r in LIPSCHITZ)
        if config.loss == "wgan" and not lipschitz:
            return (
                "the Wasserstein loss assumes a Lipschitz critic: without weight clipping, "
                "a gradient penalty or spectral normalisation the critic's values can grow "
                "without bound."
            )
        if config.unroll and config.unroll_order == 2:
            return f"each step differentiates through {config.unroll} unrolled D updates: slower."
        return ""

    # --- training ---------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def history(self):
        return None if self.trainer is None else self.trainer.history

    def train(self, wait: bool = False):
        """Start a new run with the current settings: in a background thread (returned), or
        here and now with `wait=True`. Invalid settings only show their message."""
        if self.running:
            _message(self.message, "already training: press Stop first", "error")
            return None
        config = self.check()
        if config is None:
            return None
        self._stop_event.clear()
        self._set_running(True, config)
        if wait:
            self._run(config)
            return None
        self._thread = threading.Thread(target=self._run, args=(config,), daemon=True)
        self._thread.start()
        return self._thread

    def stop(self) -> None:
        """Ask the run to stop after its current step; it keeps everything trained."""
        self._stop_event.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _set_running(self, running: bool, config=None) -> None:
        for control in self.controls:
            control.disabled = running
        self.train_button.disabled = running
        self.stop_button.disabled = not running
        if running:
            self.progress.max, self.progress.value = max(config.steps, 1), 0
            self.progress.bar_style = ""
            self._started = time.perf_counter()
            _message(self.message, "training...", "info")

    def _show_progress(self, trainer) -> None:
        self.progress.value = trainer.step
        elapsed = time.perf_counter() - self._started
        rate = trainer.step / elapsed if elapsed > 0 else 0.0
        self.status.value = f"step {trainer.step} / {trainer.config.steps} ({rate:.0f} steps/s)"

    def _run(self, config: TrainConfig) -> None:
        # The training thread: train, then say how it went in the panel, never in a traceback.
        kind, text = "ok", ""
        try:
            text = self._train(config)
        except DivergenceError as err:
            kind, text = "error", str(err)
            self.view.redraw(self.trainer)  # the networks as they were before the NaN
        except Exception as err:  # e.g. a device not available: a message, never a traceback
            kind, text = "error", f"{type(err).__name__}: {err}"
        finally:
            self.error = text if kind == "error" else None
            self._set_running(False)
            if self.trainer is not None:
                self._show_progress(self.trainer)
            self.progress.bar_style = "danger" if kind == "error" else "success"
            _message(self.message, text, kind)

    def _train(self, config: TrainConfig) -> str:
        """Make `self.trainer`, train it with the live view, return the closing message."""
        self.trainer = Trainer(config)
        evals = ModesOverTime(every=self.view.every, n_samples=2500)
        self.trainer.fit([evals, self.view, _PanelCallback(self)])
        m = self.trainer.evaluate()
        return (
            f"{self._how_far(config)}: {m['modes_covered']} of {self.trainer.mixture.n_modes} "
            f"modes, {100 * m['high_quality']:.3g}% high quality, reverse KL "
            f"{m['reverse_kl']:.2f}"
        )

    def _how_far(self, config: TrainConfig) -> str:
        """'trained step N in T s' or 'stopped at step N in T s', for the closing message."""
        stopped = "stopped at" if self.trainer.step < config.steps else "trained"
        return f"{stopped} step {self.trainer.step} in {time.perf_counter() - self._started:.1f} s"

    def static_figure(self, **changes) -> Figure:
        """Train the panel's default setting (with `changes`, TrainConfig fields) here, without
        live redraws, and draw the live view's final picture as a pyplot figure: the static
        copy shown under the panel, so that the lab also reads well without a kernel."""
        trainer = Trainer(self.defaults.replace(**changes))
        trainer.fit([ModesOverTime(every=self.view.every, n_samples=2500)])
        view = LiveView(figure=plt.figure(figsize=(9, 6.2)), n=self.view.n)
        return view.draw(trainer)


# --- the Dirac-GAN panel --------------------------------------------------------------------------
# The one parameter of each variant that the panel exposes, with its default.
DIRAC_PARAMS = {
    "r1": ("gamma", 0.3),
    "r2": ("gamma", 0.3),
    "roth": ("gamma", 0.3),
    "weight-penalty": ("gamma", 0.3),
    "consensus": ("gamma", 0.3),
    "instance-noise": ("sigma", 0.5),
    "wgan-clip": ("c", 0.5),
    "wgan-gp": ("lam", 1.0),
}
MODE_COLOURS = {"simultaneous": "C3", "alternating": "C0", "continuous": "k"}


class DiracPanel:
    """The Dirac-GAN (Mescheder et al. 2018): a variant and its strength, the step size, the
    number of steps, the start and the update modes; it shows the vector field with the
    trajectories, the distance to the equilibrium over the steps, and the eigenvalues of the
    Jacobian at (0, 0). Redraws on every change: a simulation takes milliseconds."""

    def __init__(
        self,
        variant="gan",
        strength=None,
        lr=0.1,
        steps=300,
        theta0=1.0,
        psi0=1.0,
        modes=dirac.MODES,
    ):
        if strength is None:
            strength = DIRAC_PARAMS.get(variant, ("", 0.0))[1]
        self.defaults = dict(
            variant=variant,
            strength=strength,
            lr=lr,
            steps=steps,
            theta0=theta0,
            psi0=psi0,
            modes=tuple(modes),
        )
        style, wide = {"description_width": "110px"}, widgets.Layout(width="300px")

        def ctl(cls, description, **kw):
            return cls(description=description, style=style, layout=wide, **kw)

        self.variant = ctl(
            widgets.Dropdown, "variant", options=sorted(dirac.VARIANTS), value=variant
        )
        self.strength = ctl(
            widgets.FloatText, "strength", value=strength, disabled=variant not in DIRAC_PARAMS
        )
        self.lr = ctl(
            widgets.FloatLogSlider,
            "step size (lr)",
            value=lr,
            base=10,
            min=-3,
            max=0,
            step=0.1,
            readout_format=".3g",
            continuous_update=False,
        )
        self.steps = ctl(
            widgets.IntSlider,
            "steps",
            value=steps,
            min=10,
            max=2000,
            step=10,
            continuous_update=False,
        )
        self.theta0 = ctl(widgets.FloatText, "start θ", value=theta0)
        self.psi0 = ctl(widgets.FloatText, "start ψ", value=psi0)
        box = widgets.Layout(width="140px")
        self.modes = {
            m: widgets.Checkbox(value=m in modes, description=m, indent=False, layout=box)
            for m in dirac.MODES
        }
        self.message = widgets.HTML("")
        self.output = widgets.Output()
        self.figure = Figure(figsize=(9.5, 4.6), dpi=72)
        FigureCanvasAgg(self.figure)
        self.error: str | None = None
        self.variant.observe(self._variant_changed, names="value")
        for control in (
            self.strength,
            self.lr,
            self.steps,
            self.theta0,
            self.psi0,
            *self.modes.values(),
        ):
            control.observe(lambda _: self.update(), names="value")
        self.widget = widgets.VBox(
            [
                widgets.HBox(
                    [
                        widgets.VBox([self.variant, self.strength, self.lr]),
                        widgets.VBox([self.steps, self.theta0, self.psi0]),
                    ]
                ),
                widgets.HBox(list(self.modes.values())),
                self.message,
                self.output,
            ]
        )
        self.update()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def _variant_changed(self, change) -> None:
        param = DIRAC_PARAMS.get(change["new"])
        self.strength.disabled = param is None
        if param is not None and self.strength.value != param[1]:
            self.strength.value = param[1]  # its observer redraws
        else:
            self.update()

    def setting(self) -> dict:
        """The controls' values, in the form of `self.defaults`."""
        return dict(
            variant=self.variant.value,
            strength=self.strength.value,
            lr=self.lr.value,
            steps=self.steps.value,
            theta0=self.theta0.value,
            psi0=self.psi0.value,
            modes=tuple(m for m, box in self.modes.items() if box.value),
        )

    @staticmethod
    def make_variant(setting: dict):
        """The Dirac-GAN variant of a setting (ValueError names a bad value)."""
        param = DIRAC_PARAMS.get(setting["variant"])
        params = {} if param is None else {param[0]: setting["strength"]}
        return dirac.make_variant(setting["variant"], **params)

    @classmethod
    def draw(cls, fig: Figure, setting: dict) -> Figure:
        """Draw a setting on `fig`; ValueError or FloatingPointError for a bad one."""
        variant = cls.make_variant(setting)
        if not setting["modes"]:
            raise ValueError("tick at least one of simultaneous, alternating, continuous")
        lr, steps, start = setting["lr"], setting["steps"], (setting["theta0"], setting["psi0"])
        fig.clear()
        ax_t, ax_r = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
        lim = max(2.5, 1.2 * max(abs(start[0]), abs(start[1])))
        dirac.plot_trajectories(
            variant,
            *start,
            lr=lr,
            steps=steps,
            modes=setting["modes"],
            ax=ax_t,
            lim=lim,
            legend=False,
        )
        for mode in setting["modes"]:
            traj = dirac.simulate(variant, *start, lr, steps, mode)
            ax_r.semilogy(
                dirac.distance_to_equilibrium(traj) + 1e-16,
                label=mode,
                color=MODE_COLOURS[mode],
                ls="--" if mode == "continuous" else "-",
            )
        ax_r.set(xlabel="step", ylabel="distance to (0, 0)", title="Distance to the equilibrium")
        ax_r.legend(fontsize=8)
        _readable_log_ticks(ax_r, np.concatenate([line.get_ydata() for line in ax_r.lines]))
        fig.set_layout_engine("constrained")
        return fig

    @classmethod
    def describe(cls, setting: dict) -> str:
        """The eigenvalues at the equilibrium and what one simultaneous step does near it."""
        variant = cls.make_variant(setting)
        eig = variant.eigenvalues()
        if eig is None:
            return (
                f"{variant.label}: the field jumps at ψ = 0, so there is no Jacobian at "
                "(0, 0): see where the trajectories settle instead."
            )
        re, im = float(np.real(eig[0])), abs(float(np.imag(eig[0])))
        eig_text = f"{re:.3g} ± {im:.3g}i" if im > 0 else ", ".join(f"{e.real:.3g}" for e in eig)
        factor = dirac.step_factor(variant, setting["lr"])
        verdict = "spiral out" if factor > 1 else "converge"
        return (
            f"{variant.label}: eigenvalues of the Jacobian at (0, 0): {eig_text}. Near "
            f"(0, 0) one simultaneous step of lr={setting['lr']:.3g} multiplies the distance "
            f"to it by {factor:.4f}: simultaneous steps {verdict}."
        )

    def update(self) -> None:
        """Redraw the current setting, or show why it cannot be drawn."""
        setting = self.setting()
        try:
            self.draw(self.figure, setting)
            text = self.describe(setting)
        except (ValueError, FloatingPointError) as err:
            self.error = str(err)
            _message(self.message, str(err), "error")
            return
        self.error = None
        _message(self.message, text, "info")
        show_png(self.output, _png(self.figure), "Dirac-GAN")

    def static_figure(self) -> Figure:
        """The panel's default setting as a pyplot figure: the static copy under the panel."""
        return self.draw(plt.figure(figsize=(9.5, 4.6)), self.defaults)
