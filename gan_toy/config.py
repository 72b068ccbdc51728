"""TrainConfig: every knob of a 2D GAN run in one documented dataclass, plus fast mode.

Defaults follow the design notes (after Metz et al. 2017, "Unrolled GANs"). `validate()` turns
bad input into a ConfigError that names the bad value and the valid choices, so neither the
command line nor a lab panel ever shows a traceback from deep inside torch.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

DATASETS = ("ring", "grid")
LOSSES = ("minimax", "ns", "wgan", "wgan-gp", "hinge", "lsgan")
OPTIMIZERS = ("adam", "sgd")
DEVICES = ("auto", "cpu", "cuda", "mps")
UNROLL_ORDERS = (1, 2)


class ConfigError(ValueError):
    """A setting is out of range or unknown; the message names the value and the choices."""


@dataclass
class TrainConfig:
    # --- data and model -----------------------------------------------------------------------
    data: str = "ring"  # "ring" (8 Gaussians, r=2, σ=0.02) or "grid" (25 Gaussians, σ=0.05)
    z_dim: int = 256  # latent size; z ~ N(0, I)
    hidden: int = 128  # width of both MLPs' two hidden layers
    # --- the game -----------------------------------------------------------------------------
    loss: str = "ns"  # see LOSSES; "ns" is the non-saturating (modified minimax) loss
    steps: int = 25_000  # generator updates ("steps"); one step = d_steps D + g_steps G updates
    batch_size: int = 512
    d_steps: int = 1  # discriminator updates per step (the D:G ratio is d_steps:g_steps)
    g_steps: int = 1  # generator updates per step
    simultaneous: bool = False  # both players step from the same point instead of alternating
    # --- optimisers ---------------------------------------------------------------------------
    optimizer: str = "adam"  # "adam" or "sgd", used by both players
    lr_d: float = 1e-4
    lr_g: float = 1e-3
    betas: tuple[float, float] = (0.5, 0.999)  # Adam's (β1, β2) for both players
    # --- remedies (issue 3 fills in their use; named here so the CLI and panels share them) ---
    regs: dict[str, float] = field(default_factory=dict)  # regulariser name -> weight
    clip: float | None = None  # WGAN weight clipping: clamp D's weights to [-clip, clip]
    unroll: int = 0  # k unrolled discriminator steps in the generator's loss (0 = plain)
    unroll_order: int = 2  # 2: differentiate through the unrolled steps; 1: treat them as fixed
    unroll_lr: float | None = None  # step of the unrolled D updates; None = lr_d (Adam rule)
    # --- run ----------------------------------------------------------------------------------
    seed: int = 0
    device: str = "auto"  # "auto" picks CUDA, then MPS, then CPU
    eval_samples: int = 2500  # samples drawn for the final metrics (VEEGAN/PacGAN use 2500)

    def validate(self) -> TrainConfig:
        """Check every field; raise ConfigError naming the first bad value. Returns self."""
        _choice("data", self.data, DATASETS)
        _choice("loss", self.loss, LOSSES)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _choice("unroll_order", self.unroll_order, UNROLL_ORDERS)
        if self.device not in DEVICES and not self.device.startswith("cuda:"):
            raise ConfigError(
                f"unknown device {self.device!r}; valid choices: {', '.join(DEVICES)} or cuda:N"
            )
        for name in ("steps", "batch_size", "d_steps", "z_dim", "hidden", "eval_samples"):
            _positive(name, getattr(self, name))
        _non_negative("g_steps", self.g_steps)
        _non_negative("unroll", self.unroll)
        for name in ("lr_d", "lr_g"):
            _positive(name, getattr(self, name))
        if self.unroll_lr is not None:
            _positive("unroll_lr", self.unroll_lr)
        if self.clip is not None:
            _positive("clip", self.clip)
        if not all(0.0 <= b < 1.0 for b in self.betas) or len(self.betas) != 2:
            raise ConfigError(f"betas must be two numbers in [0, 1), got {self.betas!r}")
        from gan_toy.regularizers import REGULARIZERS  # late import: regularizers imports nets

        for name, weight in self.regs.items():
            _choice("regulariser", name, tuple(REGULARIZERS))
            if not weight >= 0:  # also rejects NaN
                raise ConfigError(f"regulariser weight {name}={weight!r} must be >= 0")
        if self.simultaneous and (self.d_steps, self.g_steps) != (1, 1):
            raise ConfigError(
                f"simultaneous=True takes one update of each player per step, got "
                f"d_steps={self.d_steps}, g_steps={self.g_steps}; set both to 1"
            )
        if self.simultaneous and self.unroll:
            raise ConfigError(
                f"unroll={self.unroll} with simultaneous=True: unrolling needs alternating "
                "updates; set unroll=0 or simultaneous=False"
            )
        return self

    def replace(self, **changes) -> TrainConfig:
        """A copy with some fields changed (unknown names raise ConfigError, not TypeError)."""
        known = {f.name for f in dataclasses.fields(self)}
        for name in changes:
            _choice("setting", name, tuple(sorted(known)))
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        values = dict(values)
        if "betas" in values:
            values["betas"] = tuple(values["betas"])
        return cls().replace(**values)


def _choice(name, value, choices):
    if value not in choices:
        valid = ", ".join(str(c) for c in choices)
        raise ConfigError(f"unknown {name} {value!r}; valid choices: {valid}")


def _positive(name, value):
    if not value > 0:  # `not >` also catches NaN
        raise ConfigError(f"{name} must be > 0, got {value!r}")


def _non_negative(name, value):
    if not value >= 0:
        raise ConfigError(f"{name} must be >= 0, got {value!r}")


# --- fast mode ---------------------------------------------------------------------------------
# GAN_TOY_FAST=1 scales experiments down (steps, samples, seeds) so every notebook runs in well
# under a minute on a 2-core CPU. It changes sizes, never code paths.


def fast_mode() -> bool:
    """True when the environment asks for scaled-down experiments (GAN_TOY_FAST=1)."""
    return os.environ.get("GAN_TOY_FAST", "0").strip().lower() not in ("", "0", "false", "no")


def pick(full, fast):
    """`full` normally, `fast` in fast mode: `steps = pick(5000, 300)`."""
    return fast if fast_mode() else full
