"""The 2D lab panel: a GAN on the ring or the grid, with the live view of live_points.py, and
its closing message, which says what the mode metrics mean for the picture a student sees."""

from __future__ import annotations

import math

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from gan_toy.callbacks import ModesOverTime
from gan_toy.config import TrainConfig, pick
from gan_toy.data.mixtures import as_mixture
from gan_toy.metrics import mode_shares
from gan_toy.panels.base import control
from gan_toy.panels.display import show_png
from gan_toy.panels.gan_panel import GANPanel
from gan_toy.panels.live_points import LiveView
from gan_toy.train import Trainer

# The labs' default run: the book's networks and optimisers with a cheaper batch (256 instead of
# 512) and latent (64 instead of 256 dimensions), so that 2,000 steps with the live view take
# seconds on a laptop CPU. The game, the losses and the failure modes are the same.
LAB_CONFIG = TrainConfig(batch_size=256, z_dim=64, steps=pick(2000, 200))


def reverse_kl_text(kl: float) -> str:
    """The reverse KL as a student reads it: NaN means there was no histogram to compare."""
    return "undefined (no high-quality samples)" if math.isnan(kl) else f"{kl:.2f}"


def describe_metrics(m: dict, mixture, shares) -> str:
    """The mode metrics `m` of a run on `mixture` in words. `shares` (metrics.mode_shares: the
    fraction of samples nearest to each centre) says where the generator is when no sample is
    high quality yet, which is how a short run usually ends: a blob between the modes."""
    k, hq = mixture.n_modes, m["high_quality"]
    text = (
        f"{m['modes_covered']} of {k} modes, {100 * hq:.3g}% high quality, reverse KL "
        f"{reverse_kl_text(m['reverse_kl'])}"
    )
    if hq > 0:
        return text
    near = int((np.asarray(shares) >= 0.1).sum())  # centres with a tenth of the samples or more
    where = (
        f"still one blob between the modes (its samples are nearest to {near} of the {k} centres)"
        if near <= 2
        else f"still spread around {near} of the {k} modes without matching one"
    )
    return (
        f"{text}. The generator is {where}, so no sample is within 3σ = "
        f"{3 * mixture.sigma:.2g} of a centre yet; more steps, another seed or a remedy "
        "change this."
    )


class TrainPanel(GANPanel):
    """Controls for one 2D GAN run, a Train and a Stop button, a progress bar and a live view.

    `config` gives the starting values (default LAB_CONFIG); settings without a control
    (batch size, latent size, Adam's betas, ...) are taken from it unchanged. After a run,
    `panel.trainer` holds it (also after Stop or divergence), `panel.history` its record.
    """

    DEFAULT_CONFIG = LAB_CONFIG
    view: LiveView

    def __init__(
        self, config: TrainConfig | None = None, live_every: int = 50, max_share: float | None = 0.2
    ):
        super().__init__(config, live_every, max_share)

    def check_data(self, config: TrainConfig) -> None:
        if config.is_image:
            raise ValueError(
                f"TrainPanel takes 2D data (ring, grid), got data {config.data!r}; use "
                "MNISTPanel (gan_toy.panels) for images"
            )

    def data_controls(self, c: TrainConfig) -> list:
        self.data = control(widgets.Dropdown, "dataset", options=["ring", "grid"], value=c.data)
        return [self.data]

    def live_view(self, live_every: int, max_share: float | None) -> LiveView:
        return LiveView(
            every=live_every,
            max_share=max_share,
            on_frame=lambda png: show_png(self.output, png, "live view"),
        )

    # --- a run ------------------------------------------------------------------------------------
    def evaluation_samples(self, config: TrainConfig) -> int:
        return config.eval_samples  # 2500: the VEEGAN / PacGAN metrics, at every evaluation

    def closing_message(self, config: TrainConfig) -> str:
        trainer = self.last_run()
        mixture = as_mixture(trainer.source)
        m = trainer.evals[-1]  # the run's last step, scored by ModesOverTime(final=True)
        samples = trainer.sample(self.evaluation_samples(config))
        shares = mode_shares(samples, mixture.centres).numpy()
        return f"{self.how_far(config)}: {describe_metrics(m, mixture, shares)}"

    def static_figure(self, **changes) -> Figure:
        """Train the panel's default setting (with `changes`, TrainConfig fields) here, without
        live redraws, and draw the live view's final picture as a pyplot figure: the static
        copy shown under the panel, so that the lab also reads well without a kernel."""
        config = self.defaults.replace(**changes)
        trainer = Trainer(config)
        trainer.fit([ModesOverTime(self.view.every, self.evaluation_samples(config), final=True)])
        view = LiveView(figure=plt.figure(figsize=(9, 6.2)), n=self.view.n)
        return view.draw(trainer)
