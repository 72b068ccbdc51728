"""TrainConfig: every knob of a GAN run in one documented dataclass, plus fast mode.

2D defaults follow the design notes (after Metz et al. 2017, "Unrolled GANs"). `validate()`
turns bad input into a ConfigError that names the bad value and the valid choices, so neither
the command line nor a lab panel ever shows a traceback from deep inside torch.

Some defaults depend on the data (an MNIST GAN wants another latent size, width, batch and
learning rate than a 2D one): those fields default to None and take the value in
`data_defaults(data, arch)` when the config is made. A value you pass always wins.
`replace(data=...)` (or `arch=...`) moves the fields still at the old data's default to the new
data's default and keeps the others.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

MIXTURES = ("ring", "grid")  # 2D mixtures of Gaussians
IMAGE_DATASETS = ("mnist", "stacked-mnist")  # 28×28 images, 1 or 3 channels
DATASETS = MIXTURES + IMAGE_DATASETS
ARCHS = ("mlp", "dcgan")  # 2D data takes "mlp" only
MNIST_SOURCES = ("auto", "full", "subset")
LOSSES = ("minimax", "ns", "wgan", "wgan-gp", "hinge", "lsgan")
OPTIMIZERS = ("adam", "sgd")
DEVICES = ("auto", "cpu", "cuda", "mps")
UNROLL_ORDERS = (1, 2)


class ConfigError(ValueError):
    """A setting is out of range or unknown; the message names the value and the choices."""


# The 2D setting of the design notes; unknown data gets it too, so that construction does not
# fail before validate() can name the bad value.
_MIXTURE_DEFAULTS = {
    "z_dim": 256,
    "hidden": 128,
    "batch_size": 512,
    "lr_d": 1e-4,
    "lr_g": 1e-3,
    "eval_samples": 2500,
    "tf32": False,
}


def data_defaults(data: str, arch: str = "mlp") -> dict:
    """The values that the data-dependent fields (those defaulting to None) take."""
    if data not in IMAGE_DATASETS:
        return dict(_MIXTURE_DEFAULTS)
    dcgan = arch == "dcgan"
    return {
        "z_dim": 100,  # as in DCGAN (Radford et al. 2016)
        # 256 keeps an MLP epoch of full MNIST near 10 s on a 2-core CPU (bench_mnist.py)
        "hidden": 64 if dcgan else 256,
        "batch_size": 64,
        # DCGAN's Adam setting (lr 2e-4, β=(0.5, 0.999)); the MLP GAN learns digits several
        # times faster at 1e-3 and stayed stable over the 3000 steps we tried
        "lr_d": 2e-4 if dcgan else 1e-3,
        "lr_g": 2e-4 if dcgan else 1e-3,
        # Stacked MNIST has 1000 modes: VEEGAN and PacGAN count them over 26,000 samples.
        "eval_samples": 26_000 if data == "stacked-mnist" else 10_000,
        "tf32": True,  # image nets are big enough for TF32 tensor cores to pay on CUDA
    }


DATA_DEPENDENT = tuple(data_defaults("ring"))


@dataclass
class TrainConfig:
    # --- data and model -----------------------------------------------------------------------
    # "ring" (8 Gaussians, r=2, σ=0.02), "grid" (25 Gaussians, σ=0.05), "mnist" (28×28 digits,
    # 10 modes) or "stacked-mnist" (three digits as the channels of one image, 1000 modes)
    data: str = "ring"
    arch: str = "mlp"  # "mlp" or, for images, "dcgan" (strided convolutions, see nets.py)
    z_dim: int | None = None  # latent size, z ~ N(0, I); None: 256 (2D) or 100 (MNIST)
    # MLPs: width of the two hidden layers (None: 128 in 2D, 256 for MNIST); DCGAN: channels of
    # D's first / G's last conv layer, doubled in the next (None: 64)
    hidden: int | None = None
    mnist_source: str = "auto"  # "auto" (full MNIST if it can be had, else the shipped
    # subset), "full" or "subset"; a Trainer records which one "auto" found
    # --- the game -----------------------------------------------------------------------------
    loss: str = "ns"  # see LOSSES; "ns" is the non-saturating (modified minimax) loss
    steps: int = 25_000  # generator updates ("steps"); one step = d_steps D + g_steps G updates
    batch_size: int | None = None  # None: 512 (2D) or 64 (MNIST)
    d_steps: int = 1  # discriminator updates per step (the D:G ratio is d_steps:g_steps)
    g_steps: int = 1  # generator updates per step
    simultaneous: bool = False  # both players step from the same point instead of alternating
    # --- optimisers ---------------------------------------------------------------------------
    optimizer: str = "adam"  # "adam" or "sgd", used by both players
    lr_d: float | None = None  # None: 1e-4 (2D); MNIST: 1e-3 (mlp) or 2e-4 (dcgan)
    lr_g: float | None = None  # None: 1e-3 (2D); MNIST: 1e-3 (mlp) or 2e-4 (dcgan)
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
    # Samples drawn for the final metrics. None: 2500 in 2D (VEEGAN/PacGAN), 10,000 for MNIST,
    # 26,000 for Stacked MNIST (VEEGAN/PacGAN)
    eval_samples: int | None = None
    # On CUDA, let float32 matmuls and convolutions use TF32 tensor cores (about 1e-3 relative
    # rounding; faster on Ampere and later). Ignored on other devices. None: on for MNIST only.
    tf32: bool | None = None

    def __post_init__(self):
        for name, value in data_defaults(self.data, self.arch).items():
            if getattr(self, name) is None:
                setattr(self, name, value)

    @property
    def is_image(self) -> bool:
        """True for MNIST and Stacked MNIST, False for the 2D mixtures."""
        return self.data in IMAGE_DATASETS

    @property
    def channels(self) -> int:
        """Image channels: 3 for Stacked MNIST, else 1 (2D data has none; this says 1)."""
        return 3 if self.data == "stacked-mnist" else 1

    def validate(self) -> TrainConfig:
        """Check every field; raise ConfigError naming the first bad value. Returns self."""
        _choice("data", self.data, DATASETS)
        _choice("arch", self.arch, ARCHS)
        if not self.is_image and self.arch != "mlp":
            raise ConfigError(
                f"arch {self.arch!r} is for images (mnist, stacked-mnist); 2D data "
                f"{self.data!r} takes arch 'mlp'"
            )
        _choice("mnist_source", self.mnist_source, MNIST_SOURCES)
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
        if not isinstance(self.tf32, bool):
            raise ConfigError(f"tf32 must be True or False, got {self.tf32!r}")
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
        """A copy with some fields changed (unknown names raise ConfigError, not TypeError).

        Changing `data` or `arch` moves each data-dependent field that is still at the old
        data's default to the new one: `TrainConfig().replace(data="mnist")` is an MNIST config
        with MNIST's latent size and learning rates, as `TrainConfig(data="mnist")` is.
        """
        known = {f.name for f in dataclasses.fields(self)}
        for name in changes:
            _choice("setting", name, tuple(sorted(known)))
        if "data" in changes or "arch" in changes:
            old = data_defaults(self.data, self.arch)
            for name in DATA_DEPENDENT:
                if name not in changes and getattr(self, name) == old[name]:
                    changes[name] = None  # __post_init__ fills in the new data's default
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
