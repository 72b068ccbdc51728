"""The MNIST lab panel: the 2D panel's controls and machinery, with digits as the live view.

`MNISTPanel` has the same Train and Stop buttons, background thread, progress bar and messages
as the 2D TrainPanel, with other data controls, which choose MNIST or Stacked MNIST and the
network (`mlp` or `dcgan`), and the live view of live_mnist.py.
"""

from __future__ import annotations

from typing import cast

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from gan_toy.callbacks import ModesOverTime
from gan_toy.config import TrainConfig, pick
from gan_toy.data.classifier import load_classifier
from gan_toy.data.sources import MNISTSource
from gan_toy.panels.base import control
from gan_toy.panels.display import show_png
from gan_toy.panels.gan_panel import GANPanel
from gan_toy.panels.live_mnist import MNISTLiveView
from gan_toy.train import Trainer

# The lab's MNIST run: the MLP GAN of the MNIST chapter with hidden layers of 128 units (half the
# book's default, about twice as fast on a CPU), on whichever MNIST is at hand.
MNIST_LAB_CONFIG = TrainConfig(data="mnist", hidden=128, steps=pick(2000, 100))
LIVE_SAMPLES = 1000  # samples scored every `live_every` steps, for the live view
FINAL_SAMPLES = 5000  # samples the panel's closing message is computed on


class MNISTPanel(GANPanel):
    """Controls for one MNIST or Stacked MNIST GAN run, Train and Stop, progress and a live view.

    Everything but the data controls and the live view is the 2D TrainPanel's: `panel.train()`,
    `panel.stop()`, `panel.trainer`, `panel.history`, `panel.error`, `panel.message`. Settings
    without a control (batch size, latent size, width, Adam's betas, ...) come from `config`
    (default MNIST_LAB_CONFIG).
    """

    DEFAULT_CONFIG = MNIST_LAB_CONFIG
    view: MNISTLiveView

    def __init__(
        self, config: TrainConfig | None = None, live_every: int = 100, max_share=0.2, n=None
    ):
        self.live_samples = n or LIVE_SAMPLES
        self.final_samples = FINAL_SAMPLES
        super().__init__(config, live_every, max_share)

    def check_data(self, config: TrainConfig) -> None:
        if not config.is_image:
            raise ValueError(
                f"MNISTPanel takes mnist or stacked-mnist, got data {config.data!r}; "
                "use TrainPanel (gan_toy.panels) for 2D data"
            )

    def data_controls(self, c: TrainConfig) -> list:
        self.data = control(
            widgets.Dropdown, "dataset", options=["mnist", "stacked-mnist"], value=c.data
        )
        self.arch = control(widgets.Dropdown, "network", options=["mlp", "dcgan"], value=c.arch)
        return [self.data, self.arch]

    def live_view(self, live_every: int, max_share: float | None) -> MNISTLiveView:
        return MNISTLiveView(
            every=live_every,
            max_share=max_share,
            on_frame=lambda png: show_png(self.output, png, "live view"),
        )

    @staticmethod
    def fixed_text(c: TrainConfig) -> str:
        return (
            f"fixed: batch {c.batch_size}, z {c.z_dim}-dim, width {c.hidden}, "
            f"{c.optimizer} betas {tuple(c.betas)}, MNIST: {c.mnist_source}"
        )

    # --- settings ---------------------------------------------------------------------------------
    def chosen_data(self) -> TrainConfig:
        """The defaults with the chosen data set and network.

        Changing the network keeps the width, batch and latent of the defaults if they were set
        there, else takes the new network's defaults (TrainConfig.replace)."""
        return self.defaults.replace(data=self.data.value, arch=self.arch.value)

    @staticmethod
    def hint(config: TrainConfig) -> str:
        hint = GANPanel.hint(config)
        if hint:
            return hint
        if config.arch == "dcgan":
            return "the convolutional networks are several times slower than the MLP on a CPU."
        if config.data == "stacked-mnist":
            return "Stacked MNIST has 1000 modes: the live view counts them in a few samples only."
        return ""

    # --- a run ------------------------------------------------------------------------------------
    def make_trainer(self, config: TrainConfig) -> Trainer:
        trainer = super().make_trainer(config)

        # The classifier is trained once, on first use (under a minute): say so as it goes.
        log = self.say_progress
        source = cast(MNISTSource, trainer.source)  # check_data let only MNIST data through
        source.classifier = load_classifier(trainer.config.mnist_source, trainer.device, log=log)
        return trainer

    def evaluation_samples(self, config: TrainConfig) -> int:
        return self.live_samples

    def closing_message(self, config: TrainConfig) -> str:
        n = min(self.final_samples, config.eval_samples)
        # 5,000 samples take seconds through a DCGAN and the classifier on a CPU: say so.
        self.say(f"scoring {n} samples with the classifier…", "info")
        trainer = self.last_run()
        m = trainer.evaluate(n)
        return (
            f"{self.how_far(config)}: {m['modes_covered']} of {trainer.source.n_modes} "
            f"modes, KL to uniform {m['reverse_kl']:.2f}, {100 * m['high_quality']:.3g}% "
            f"confident ({n} samples)"
        )

    def static_figure(self, **changes) -> Figure:
        """Train the panel's default setting (with `changes`, TrainConfig fields) here, without
        live redraws, and draw the live view's final picture as a pyplot figure: the static copy
        shown under the panel, so that the lab also reads well without a kernel."""
        config = self.defaults.replace(**changes)
        trainer = Trainer(config)
        trainer.fit([ModesOverTime(self.view.every, self.evaluation_samples(config), final=True)])
        return MNISTLiveView(figure=plt.figure(figsize=(10, 5.2))).draw(trainer)
