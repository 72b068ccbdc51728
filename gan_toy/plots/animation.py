"""Snapshots of a 2D run and their animation, which plays in the static book through
matplotlib's JavaScript HTML:

    snaps = Snapshots(every=200)
    trainer.fit([snaps])
    HTML(animation_html(animate(snaps)))

`animation_html` closes the animation's figure, otherwise the notebook would also print a
static copy of its first frame under the player.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.colors import Normalize

from gan_toy.data.mixtures import as_mixture
from gan_toy.plots.points import discriminator_surface, plot_samples
from gan_toy.plots.style import (
    COLOURBAR_LABELS,
    SAMPLE_STYLE,
    add_colorbar,
    as_points,
    draw_centres,
    square,
    view_limit,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from matplotlib.artist import Artist
    from matplotlib.figure import Figure

    from gan_toy.data import GaussianMixture
    from gan_toy.train import Trainer


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
    ) -> None:
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every!r}")
        self.every, self.n, self.surface, self.resolution = every, n, surface, resolution
        self.frames: list[Frame] = []
        self.mixture: GaussianMixture | None = None  # the run's 2D data source
        self.output_kind = "probability"
        self.lim = 3.0

    def record(self, trainer: Trainer) -> None:
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

    def on_train_begin(self, trainer: Trainer) -> None:
        self.mixture, self.output_kind = as_mixture(trainer.source), trainer.output_kind
        self.lim = view_limit(self.mixture)  # the surface's extent
        self.record(trainer)

    on_step_end = record
    on_train_end = record

    def __len__(self) -> int:
        return len(self.frames)

    def __iter__(self) -> Iterator[Frame]:
        return iter(self.frames)


class Animation(FuncAnimation):
    """A FuncAnimation that keeps its figure as `.figure`, so that `animation_html` can close
    it (FuncAnimation itself keeps it only as a private attribute)."""

    def __init__(self, fig: Figure, *args, **kwargs) -> None:
        super().__init__(fig, *args, **kwargs)
        self.figure = fig


def animate(
    snapshots: Snapshots,
    mixture: GaussianMixture | None = None,
    interval: int = 200,
    dpi: int = 80,
    max_frames: int | None = 150,
) -> Animation:
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
        add_colorbar(sax, image, label)
        dots.append(sax.scatter(*frames[0].samples.T, **{**SAMPLE_STYLE, "color": "black"}))
        if mixture is not None:
            draw_centres(sax, mixture, color="gold")
        square(sax, lim)
        sax.set_title("Discriminator" if kind == "probability" else "Critic")
    title = fig.suptitle(f"step {frames[0].step}")

    def update(i: int) -> list[Artist]:
        frame = frames[i]
        for d in dots:
            d.set_offsets(frame.samples)
        square(ax, lim, frame.samples)  # updates the count of samples outside the view
        if image is not None and frame.surface is not None:
            image.set_data(frame.surface)
            if snapshots.output_kind != "probability":
                image.set_clim(float(frame.surface.min()), float(frame.surface.max()))
        title.set_text(f"step {frame.step}")
        return [*dots, title] + ([image] if image is not None else [])

    # Lay the figure out once and freeze it: re-running constrained layout on every frame would
    # triple the cost of rendering the animation, for positions that do not change.
    engine = fig.get_layout_engine() if hasattr(fig, "set_layout_engine") else None  # mpl >= 3.6
    if engine is not None:
        engine.execute(fig)
        fig.set_layout_engine("none")
    return Animation(fig, update, frames=len(frames), interval=interval, blit=False)


def animation_html(anim: Animation, close: bool = True) -> str:
    """The animation as self-contained JavaScript HTML (plays in the static book); wrap it in
    IPython.display.HTML. Closes the animation's figure (`close=True`) so the notebook does not
    also show a static first frame."""
    html = anim.to_jshtml()
    if close:
        plt.close(anim.figure)
    # matplotlib links Font Awesome 4 from a CDN for its button icons: offline that is a failed
    # request on every page. The book's theme ships Font Awesome itself, so the link goes.
    return re.sub(r'<link rel="stylesheet"[^>]*font-awesome[^>]*>\s*', "", html)
