"""The 2D lab panel: a GAN on the ring or the grid, with the live view of live_points.py."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from gan_toy.config import TrainConfig, pick
from gan_toy.panels.base import RunEvaluations, control
from gan_toy.panels.display import show_png
from gan_toy.panels.gan_panel import GANPanel
from gan_toy.panels.live_points import LiveView
from gan_toy.train import Trainer

# The labs' default run: the book's networks and optimisers with a cheaper batch (256 instead of
# 512) and latent (64 instead of 256 dimensions), so that 2,000 steps with the live view take
# seconds on a laptop CPU. The game, the losses and the failure modes are the same.
LAB_CONFIG = TrainConfig(batch_size=256, z_dim=64, steps=pick(2000, 200))


class TrainPanel(GANPanel):
    """Controls for one 2D GAN run, a Train and a Stop button, a progress bar and a live view.

    `config` gives the starting values (default LAB_CONFIG); settings without a control
    (batch size, latent size, Adam's betas, ...) are taken from it unchanged. After a run,
    `panel.trainer` holds it (also after Stop or divergence), `panel.history` its record.
    """

    DEFAULT_CONFIG = LAB_CONFIG

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
        m = self.trainer.evals[-1]  # the run's last step, scored by RunEvaluations
        return (
            f"{self.how_far(config)}: {m['modes_covered']} of {self.trainer.source.n_modes} "
            f"modes, {100 * m['high_quality']:.3g}% high quality, reverse KL "
            f"{m['reverse_kl']:.2f}"
        )

    def static_figure(self, **changes) -> Figure:
        """Train the panel's default setting (with `changes`, TrainConfig fields) here, without
        live redraws, and draw the live view's final picture as a pyplot figure: the static
        copy shown under the panel, so that the lab also reads well without a kernel."""
        config = self.defaults.replace(**changes)
        trainer = Trainer(config)
        trainer.fit([RunEvaluations(self.view.every, self.evaluation_samples(config))])
        view = LiveView(figure=plt.figure(figsize=(9, 6.2)), n=self.view.n)
        return view.draw(trainer)
