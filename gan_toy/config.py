"""TrainConfig: every knob of a GAN run in one documented dataclass, plus fast mode.

2D defaults follow the design notes (after Metz et al. 2017, "Unrolled GANs"). `validate()`
turns bad input into a ConfigError that names the field, the bad value and what is allowed, so
neither the command line nor a lab panel ever shows a traceback from deep inside torch: every
field's type and range, the fields that constrain each other, and whether the run fits in this
machine's memory (`memory_estimate`). `replace()` and `from_dict()` check each field too, so a
bad value is named wherever it comes in.

Some defaults depend on the data (an MNIST GAN wants another latent size, width, batch and
learning rate than a 2D one): those fields default to None and take the value in
`data_defaults(data, arch)` when the config is made. A value you pass always wins.
`replace(data=...)` (or `arch=...`) moves the fields still at the old data's default to the new
data's default and keeps the others.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, TypeVar

from gan_toy import losses, regularizers
from gan_toy.memory import gigabytes, machine_memory, memory_estimate

MIXTURES = ("ring", "grid")  # 2D mixtures of Gaussians
IMAGE_DATASETS = ("mnist", "stacked-mnist")  # 28×28 images, 1 or 3 channels
DATASETS = MIXTURES + IMAGE_DATASETS
ARCHS = ("mlp", "dcgan")  # 2D data takes "mlp" only
MNIST_SOURCES = ("auto", "full", "subset")
LOSSES = tuple(losses.LOSSES)  # the names of gan_toy.losses.LOSSES, in its order
REGULARIZER_NAMES = tuple(regularizers.REGULARIZERS)
OPTIMIZERS = ("adam", "sgd")
DEVICES = ("auto", "cpu", "cuda", "mps")
UNROLL_ORDERS = (1, 2)
# The trainer records 5 float32 statistics per step on the device (20 bytes a step): at this cap
# they take 2 GB, and the run is 4,000 times the default 25,000 steps.
MAX_STEPS = 10**8
# torch takes seeds in [-2**63, 2**64 - 1]; a non-negative int64 leaves room for seed + k (the
# command line's --seeds K) to stay inside it.
MAX_SEED = 2**63 - 1


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

# The default of the fields in DATA_DEPENDENT: None until __post_init__ puts the data's value
# there, so a made config always holds a real int, float or bool (typed Any for the checker).
FROM_DATA: Any = None


@dataclass
class TrainConfig:
    # --- data and model -----------------------------------------------------------------------
    # "ring" (8 Gaussians, r=2, σ=0.02), "grid" (25 Gaussians, σ=0.05), "mnist" (28×28 digits,
    # 10 modes) or "stacked-mnist" (three digits as the channels of one image, 1000 modes)
    data: str = "ring"
    arch: str = "mlp"  # "mlp" or, for images, "dcgan" (strided convolutions, see nets.py)
    z_dim: int = FROM_DATA  # latent size, z ~ N(0, I); None: 256 (2D) or 100 (MNIST)
    # MLPs: width of the two hidden layers (None: 128 in 2D, 256 for MNIST); DCGAN: channels of
    # D's first / G's last conv layer, doubled in the next (None: 64)
    hidden: int = FROM_DATA
    mnist_source: str = "auto"  # "auto" (full MNIST if it can be had, else the shipped
    # subset), "full" or "subset"; a Trainer records which one "auto" found
    # --- the game -----------------------------------------------------------------------------
    loss: str = "ns"  # see LOSSES; "ns" is the non-saturating (modified minimax) loss
    steps: int = 25_000  # generator updates ("steps"); one step = d_steps D + g_steps G updates
    batch_size: int = FROM_DATA  # None: 512 (2D) or 64 (MNIST)
    d_steps: int = 1  # discriminator updates per step (the D:G ratio is d_steps:g_steps)
    g_steps: int = 1  # generator updates per step
    simultaneous: bool = False  # both players step from the same point instead of alternating
    # --- optimisers ---------------------------------------------------------------------------
    optimizer: str = "adam"  # "adam" or "sgd", used by both players
    lr_d: float = FROM_DATA  # None: 1e-4 (2D); MNIST: 1e-3 (mlp) or 2e-4 (dcgan)
    lr_g: float = FROM_DATA  # None: 1e-3 (2D); MNIST: 1e-3 (mlp) or 2e-4 (dcgan)
    betas: tuple[float, float] = (0.5, 0.999)  # Adam's (β1, β2) for both players
    # --- remedies (named here so that the CLI and the panels share them) ----------------------
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
    eval_samples: int = FROM_DATA
    # On CUDA, let float32 matmuls and convolutions use TF32 tensor cores (about 1e-3 relative
    # rounding; faster on Ampere and later). Ignored on other devices. None: on for MNIST only.
    tf32: bool = FROM_DATA

    def __post_init__(self):
        # numpy numbers become the Python int or float they equal: JSON and weights_only
        # checkpoint loads take only those
        for f in dataclasses.fields(self):
            setattr(self, f.name, _plain(getattr(self, f.name)))
        if isinstance(self.betas, (tuple, list)):
            self.betas = type(self.betas)(_plain(b) for b in self.betas)
        if isinstance(self.regs, dict) and any(_plain(w) is not w for w in self.regs.values()):
            self.regs = {name: _plain(w) for name, w in self.regs.items()}
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
        """Check every field, how the fields go together and that the run fits in this machine's
        memory; raise ConfigError naming the first bad value. Returns self."""
        self._check_fields()
        if not self.is_image and self.arch != "mlp":
            raise ConfigError(
                f"arch {self.arch!r} is for images (mnist, stacked-mnist); 2D data "
                f"{self.data!r} takes arch 'mlp'"
            )
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
        _fits_in_memory(self)
        return self

    def _check_fields(self) -> TrainConfig:
        """Check each field's type and range on its own (not how fields go together)."""
        _choice("data", self.data, DATASETS)
        _choice("arch", self.arch, ARCHS)
        _whole("z_dim", self.z_dim, 1)
        _whole("hidden", self.hidden, 1)
        _choice("mnist_source", self.mnist_source, MNIST_SOURCES)
        _choice("loss", self.loss, LOSSES)
        _whole("steps", self.steps, 1, MAX_STEPS)
        _whole("batch_size", self.batch_size, 1)
        _whole("d_steps", self.d_steps, 1)
        _whole("g_steps", self.g_steps, 0)
        _flag("simultaneous", self.simultaneous)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _positive("lr_d", self.lr_d)
        _positive("lr_g", self.lr_g)
        _betas(self.betas)
        _regs(self.regs)
        _positive("clip", self.clip, none_ok=True)
        _whole("unroll", self.unroll, 0)
        _choice("unroll_order", self.unroll_order, UNROLL_ORDERS)
        _positive("unroll_lr", self.unroll_lr, none_ok=True)  # None: lr_d
        _whole("seed", self.seed, 0, MAX_SEED)
        _device(self.device)
        _whole("eval_samples", self.eval_samples, 1)
        _flag("tf32", self.tf32)
        return self

    def replace(self, **changes) -> TrainConfig:
        """A copy with some fields changed; each field of it is checked (`_check_fields`).

        Unknown names and bad values raise ConfigError (not TypeError). Fields that constrain
        each other are left to validate(), so a change can go through a combination that is
        not valid yet (`replace(data="mnist")` before `replace(arch="dcgan")`).

        Changing `data` or `arch` moves each data-dependent field that is still at the old
        data's default to the new one: `TrainConfig().replace(data="mnist")` is an MNIST config
        with MNIST's latent size and learning rates, as `TrainConfig(data="mnist")` is.
        """
        for name in changes:
            _choice("setting", name, FIELDS)
        if "data" in changes or "arch" in changes:
            old = data_defaults(self.data, self.arch)
            for name in DATA_DEPENDENT:
                # the same type too: 1 is not the default 1.0, nor an array equal to it
                value = getattr(self, name)
                if name not in changes and type(value) is type(old[name]) and value == old[name]:
                    changes[name] = None  # __post_init__ fills in the new data's default
        return dataclasses.replace(self, **changes)._check_fields()

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping) -> TrainConfig:
        """The config that `to_dict()` (or its JSON) describes; each field is checked."""
        if not isinstance(values, Mapping):
            raise ConfigError(f"a config must be a dict of settings, got {_got(values)}")
        values = dict(values)
        for name in values:  # before **values, which takes only string names
            _choice("setting", name, FIELDS)
        if isinstance(values.get("betas"), list):  # JSON has no tuples
            values["betas"] = tuple(values["betas"])
        return cls().replace(**values)


FIELDS = tuple(sorted(f.name for f in dataclasses.fields(TrainConfig)))


# --- one check per kind of field --------------------------------------------------------------


def _got(value) -> str:
    """The value and its type: `'100' (str)`, `np.True_ (numpy.bool)`."""
    kind = type(value)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    return f"{value!r} ({name})"


def _plain(value):
    """A numpy (or other non-builtin) real number as the Python int or float it equals."""
    if type(value) in (bool, int, float):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


def _is_number(value) -> bool:
    """An int or a finite float (numpy's too); not a bool, a string or None."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        return False
    return isinstance(value, numbers.Integral) or math.isfinite(value)  # an int may overflow it


def _choice(name, value, choices):
    # of the choices' own type too: True is not the choice 1, nor 1.0
    if not any(type(value) is type(c) and value == c for c in choices):
        shown = repr(value) if isinstance(value, str) else _got(value)
        valid = ", ".join(str(c) for c in choices)
        raise ConfigError(f"unknown {name} {shown}; valid choices: {valid}")


def _whole(name, value, low, high=None):
    """An int (numpy's too; not a bool or a float such as 5.0) in [low, high]."""
    is_int = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not is_int or value < low or (high is not None and value > high):
        allowed = f">= {low}" if high is None else f"from {low:,} to {high:,}"
        raise ConfigError(f"{name} must be a whole number {allowed}, got {_got(value)}")


def _positive(name, value, none_ok=False):
    """A finite number > 0 (an int will do), or None where `none_ok`."""
    if not ((none_ok and value is None) or (_is_number(value) and value > 0)):
        allowed = "None or a finite number > 0" if none_ok else "a finite number > 0"
        raise ConfigError(f"{name} must be {allowed}, got {_got(value)}")


def _flag(name, value):
    # bool only: the string "no" is truthy and would switch the setting on
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be True or False, got {_got(value)}")


def _betas(value):
    """Adam's (β1, β2): a tuple or list (JSON) of two finite numbers in [0, 1)."""
    pair = isinstance(value, (tuple, list)) and len(value) == 2
    if not (pair and all(_is_number(b) and 0 <= b < 1 for b in value)):
        raise ConfigError(f"betas must be a pair of finite numbers in [0, 1), got {_got(value)}")


def _regs(value):
    """A dict of known regulariser name -> finite weight >= 0."""
    if not isinstance(value, dict):
        raise ConfigError(f"regs must be a dict of regulariser name -> weight, got {_got(value)}")
    for name, weight in value.items():
        _choice("regs name", name, REGULARIZER_NAMES)
        if not (_is_number(weight) and weight >= 0):
            raise ConfigError(f"regs: weight {name}={_got(weight)} must be a finite number >= 0")


def _device(value):
    if not isinstance(value, str) or (
        value not in DEVICES and not re.fullmatch(r"cuda:\d+", value)
    ):
        shown = repr(value) if isinstance(value, str) else _got(value)
        raise ConfigError(f"unknown device {shown}; valid choices: {', '.join(DEVICES)} or cuda:N")


# --- memory -------------------------------------------------------------------------------------
_SIZES = ("z_dim", "hidden", "batch_size", "unroll", "eval_samples", "steps")


def _fits_in_memory(config: TrainConfig):
    """Refuse a run that `memory_estimate` says this machine cannot hold, naming the size
    furthest above its default."""
    need, have = memory_estimate(config), machine_memory()
    if need > have:
        defaults: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(config)}
        defaults.update(data_defaults(config.data, config.arch))
        name = max(_SIZES, key=lambda f: Fraction(getattr(config, f) + 1, defaults[f] + 1))
        sizes = ", ".join(f"{f}={getattr(config, f)}" for f in _SIZES)
        raise ConfigError(
            f"{name}={getattr(config, name)!r} is too big: the run needs about "
            f"{gigabytes(need)} GB of memory ({config.data}, {sizes}) and this machine has "
            f"{gigabytes(have)} GB"
        )


# --- fast mode ---------------------------------------------------------------------------------
# GAN_TOY_FAST=1 scales experiments down (steps, samples, seeds) so every notebook runs in well
# under a minute on a 2-core CPU. It changes sizes, never code paths.


def fast_mode() -> bool:
    """True when the environment asks for scaled-down experiments (GAN_TOY_FAST=1)."""
    return os.environ.get("GAN_TOY_FAST", "0").strip().lower() not in ("", "0", "false", "no")


T = TypeVar("T")


def pick(full: T, fast: T) -> T:
    """`full` normally, `fast` in fast mode: `steps = pick(5000, 300)`."""
    return fast if fast_mode() else full
