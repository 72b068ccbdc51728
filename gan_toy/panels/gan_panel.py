"""The controls every GAN-training panel shares, and the TrainConfig they describe.

A GANPanel has a control for each knob a lab turns (loss, regulariser and its weight, both
learning rates, the D:G update ratio, unrolling, alternating or simultaneous updates, steps,
seed); the settings without a control (batch size, latent size, Adam's betas, ...) come from
the panel's starting config unchanged. A subclass adds the controls that choose the data
(`data_controls`), the live view (`live_view`) and what a run is scored and summed up by.
"""

from __future__ import annotations

import re

import ipywidgets as widgets

from gan_toy.config import LOSSES, ConfigError, TrainConfig
from gan_toy.panels.base import TrainingPanel, View, control
from gan_toy.panels.display import in_control_words
from gan_toy.regularizers import REGULARIZERS

# Regulariser menu: TrainConfig.regs names, plus WGAN's weight clipping (TrainConfig.clip).
REG_CHOICES = [("none", "")] + [(f"{r.name}: {r.summary}", r.name) for r in REGULARIZERS.values()]
REG_CHOICES.append(("clip: WGAN weight clipping (weight = bound c)", "clip"))
LIPSCHITZ = ("gp", "sn", "clip")  # what makes a Wasserstein critic meaningful

# The TrainConfig fields the controls set, as the controls' labels say them, so that a message
# about settings that do not fit names what the student sees (display.in_control_words).
CONTROL_WORDS = {
    "loss": "loss",
    "clip": "weight (clip bound)",
    "lr_d": "D learning rate",
    "lr_g": "G learning rate",
    "d_steps": "D steps / round",
    "g_steps": "G steps / round",
    "unroll": "unroll steps",
    "simultaneous": "updates",
    "steps": "steps",
    "seed": "seed",
}
SHOWN_VALUES = {"simultaneous": {"True": "simultaneous", "False": "alternating"}}


def lr_slider(description: str, value: float):
    """A learning-rate slider from 1e-5 to 1e-1 on a log scale."""
    return control(
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


class GANPanel(TrainingPanel):
    """Controls for one GAN run, Train and Stop, progress and a live view (see TrainPanel and
    MNISTPanel). `config` gives the starting values (default `DEFAULT_CONFIG`)."""

    DEFAULT_CONFIG: TrainConfig
    data: widgets.Dropdown  # the data set control, made by data_controls

    def __init__(self, config: TrainConfig | None, live_every: int, max_share: float | None):
        super().__init__()
        self.defaults = (config or self.DEFAULT_CONFIG).validate()
        self.check_data(self.defaults)
        c = self.defaults
        reg, weight = self.reg_of(c)
        data_controls = self.data_controls(c)
        self.loss = control(widgets.Dropdown, "loss", options=list(LOSSES), value=c.loss)
        self.reg = control(widgets.Dropdown, "regulariser", options=REG_CHOICES, value=reg)
        self.reg_weight = control(widgets.FloatText, "weight", value=weight)
        self.lr_d = lr_slider("D learning rate", c.lr_d)
        self.lr_g = lr_slider("G learning rate", c.lr_g)
        self.d_steps = control(widgets.IntSlider, "D steps / round", value=c.d_steps, min=1, max=10)
        self.g_steps = control(widgets.IntSlider, "G steps / round", value=c.g_steps, min=1, max=10)
        self.unroll = control(widgets.IntSlider, "unroll steps", value=c.unroll, min=0, max=10)
        self.update = control(
            widgets.Dropdown,
            "updates",
            options=["alternating", "simultaneous"],
            value="simultaneous" if c.simultaneous else "alternating",
        )
        self.steps = control(widgets.IntText, "steps", value=c.steps)
        self.seed = control(widgets.IntText, "seed", value=c.seed)
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
        self.progress.max = max(c.steps, 1)
        self.view = self.live_view(live_every, max_share)
        for widget in self.controls:
            widget.observe(lambda _: self.check(), names="value")
        half = (len(self.controls) + 1) // 2  # two columns of controls
        fixed = f'<span style="color:#666;font-size:small">{self.fixed_text(c)}</span>'
        self.widget = widgets.VBox(
            [
                widgets.HBox(
                    [widgets.VBox(self.controls[:half]), widgets.VBox(self.controls[half:])]
                ),
                widgets.HTML(fixed),
                widgets.HBox([self.train_button, self.stop_button, self.progress, self.status]),
                self.message,
                self.output,
            ]
        )
        self.check()

    # --- what a panel for some data provides ------------------------------------------------------
    def check_data(self, config: TrainConfig) -> None:
        """Raise ValueError if the panel does not take `config`'s data."""

    def data_controls(self, c: TrainConfig) -> list:
        """The controls before the loss, which choose the data (and the network)."""
        raise NotImplementedError

    def chosen_data(self) -> TrainConfig:
        """The defaults with the chosen data set (and what comes with it)."""
        return self.defaults.replace(data=self.data.value)

    def live_view(self, live_every: int, max_share: float | None) -> View:
        """The training callback that draws the run into `self.output`."""
        raise NotImplementedError

    @staticmethod
    def fixed_text(c: TrainConfig) -> str:
        """The settings without a control, shown under the controls."""
        return (
            f"fixed: batch {c.batch_size}, z {c.z_dim}-dim, hidden {c.hidden}, "
            f"{c.optimizer} betas {tuple(c.betas)}"
        )

    # --- settings ---------------------------------------------------------------------------------
    @staticmethod
    def reg_of(config: TrainConfig) -> tuple[str, float]:
        """The regulariser menu's choice and weight for `config`."""
        if config.clip is not None:
            return "clip", config.clip
        if config.regs:
            return next(iter(config.regs.items()))
        return "", 0.0

    def config(self) -> TrainConfig:
        """The TrainConfig the controls describe; ConfigError if it is invalid."""
        reg, weight = self.reg.value, self.reg_weight.value
        config = self.chosen_data().replace(
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

    def explain(self, err: ConfigError) -> str:
        """The config's message in the controls' words ("unroll steps = 3", not "unroll=3");
        a regulariser's weight is the "weight" control."""
        text = in_control_words(str(err), CONTROL_WORDS, SHOWN_VALUES)
        # A control always holds a value of the right type, so the config's type notes and its
        # "None or" (a Python default a slider cannot be) only get in a student's way.
        text = re.sub(r" \((?:int|float|bool|str)\)", "", text)
        text = text.replace("must be None or a finite number", "must be a number")
        return re.sub(r"regs: weight ([\w-]+)=", r"weight of regulariser \1 = ", text)

    @staticmethod
    def hint(config: TrainConfig) -> str:
        """A note on a valid setting that may not do what a student expects, or ''."""
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
