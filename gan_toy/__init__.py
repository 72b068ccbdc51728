"""GAN Failure Lab's toolkit: toy GANs, every loss and remedy the book uses, metrics, plots.

from gan_toy import TrainConfig, train
trainer = train(TrainConfig(loss="minimax", steps=2000))
trainer.evaluate()   # {'modes_covered': ..., 'high_quality': ..., 'reverse_kl': ...}
trainer.history      # per-step losses, D outputs and G's gradient norm
"""

from gan_toy.callbacks import ModesOverTime, ProgressBar, StopFlag
from gan_toy.checkpoint import Checkpointer, load_checkpoint, save_checkpoint
from gan_toy.config import ConfigError, TrainConfig, fast_mode, pick
from gan_toy.data import GaussianMixture, grid, make_mixture, ring
from gan_toy.devices import resolve_device
from gan_toy.history import History
from gan_toy.losses import LOSSES, get_loss
from gan_toy.metrics import mode_metrics
from gan_toy.regularizers import REGULARIZERS
from gan_toy.train import DivergenceError, StopTraining, Trainer, train

__version__ = "0.1.0"

__all__ = [
    "LOSSES",
    "REGULARIZERS",
    "Checkpointer",
    "ConfigError",
    "DivergenceError",
    "GaussianMixture",
    "History",
    "ModesOverTime",
    "ProgressBar",
    "StopFlag",
    "StopTraining",
    "TrainConfig",
    "Trainer",
    "fast_mode",
    "get_loss",
    "grid",
    "load_checkpoint",
    "make_mixture",
    "mode_metrics",
    "pick",
    "resolve_device",
    "ring",
    "save_checkpoint",
    "train",
]
