"""GAN Failure Lab's toolkit: toy GANs, every loss and remedy the book uses, metrics, plots.

    from gan_toy import TrainConfig, train
    trainer = train(TrainConfig(loss="minimax", steps=2000))
    trainer.evaluate()   # {'modes_covered': ..., 'high_quality': ..., 'reverse_kl': ...}
    trainer.history      # per-step losses, D outputs and G's gradient norm

The names below are the public API: what the book's chapters and the labs cite (a test checks
that they import nothing else). Pictures, lab panels and the Dirac-GAN are three public
namespaces of their own, imported when needed, because they bring in matplotlib and ipywidgets:
`from gan_toy import plots, panels, dirac` (or `from gan_toy.plots import plot_run`);
`gan_toy.comparison` holds the tables and numbers of variants compared over seeds.
"""

from gan_toy.batched import BatchedTrainer
from gan_toy.callbacks import ModesOverTime, ProgressBar, StopFlag
from gan_toy.checkpoint import Checkpointer, load_checkpoint, save_checkpoint
from gan_toy.config import ConfigError, TrainConfig, fast_mode, pick
from gan_toy.data import GaussianMixture, StackedMNIST, grid, make_mixture, ring
from gan_toy.data.classifier import load_classifier
from gan_toy.data.mnist import load_digits
from gan_toy.devices import resolve_device
from gan_toy.divergences import sample_parallel_lines
from gan_toy.experiments import VARIANTS, compare, track, variant_config
from gan_toy.glue import glue
from gan_toy.history import History
from gan_toy.losses import LOSSES, get_loss
from gan_toy.metrics import (
    high_quality_shares,
    label_metrics,
    mean_distance_to_centre,
    mean_sd,
    mode_metrics,
    mode_shares,
    modes_holding,
)
from gan_toy.mnist_collapse import (
    distinct_leaders,
    eval_at,
    leader_changes,
    leading_digits,
    quiet_digits,
    train_scored,
)
from gan_toy.nets import make_discriminator, make_generator
from gan_toy.probes import vanishing_gradient_probe
from gan_toy.progress import progress_bar
from gan_toy.regularizers import (
    REGULARIZERS,
    apply_spectral_norm,
    gradient_penalty,
    r1_penalty,
    r2_penalty,
    roth_penalty,
)
from gan_toy.settling import rolling_std, settling, verdict
from gan_toy.train import DivergenceError, StopTraining, Trainer, train
from gan_toy.unrolled import adam_unroll, unrolled_generator_loss

__version__ = "0.1.0"

# The namespaces `from gan_toy import ...` may also name (submodules with an __all__ of theirs).
NAMESPACES = ("plots", "panels", "dirac", "comparison")

__all__ = [
    "LOSSES",
    "REGULARIZERS",
    "VARIANTS",
    "BatchedTrainer",
    "Checkpointer",
    "ConfigError",
    "DivergenceError",
    "GaussianMixture",
    "History",
    "ModesOverTime",
    "ProgressBar",
    "StackedMNIST",
    "StopFlag",
    "StopTraining",
    "TrainConfig",
    "Trainer",
    "adam_unroll",
    "apply_spectral_norm",
    "compare",
    "distinct_leaders",
    "eval_at",
    "fast_mode",
    "get_loss",
    "glue",
    "gradient_penalty",
    "grid",
    "high_quality_shares",
    "label_metrics",
    "leader_changes",
    "leading_digits",
    "load_checkpoint",
    "load_classifier",
    "load_digits",
    "make_discriminator",
    "make_generator",
    "make_mixture",
    "mean_sd",
    "mean_distance_to_centre",
    "mode_metrics",
    "mode_shares",
    "modes_holding",
    "pick",
    "progress_bar",
    "quiet_digits",
    "r1_penalty",
    "r2_penalty",
    "resolve_device",
    "ring",
    "rolling_std",
    "roth_penalty",
    "sample_parallel_lines",
    "save_checkpoint",
    "settling",
    "track",
    "train",
    "train_scored",
    "unrolled_generator_loss",
    "vanishing_gradient_probe",
    "variant_config",
    "verdict",
]
