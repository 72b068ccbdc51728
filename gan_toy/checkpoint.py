"""Checkpoints: atomic writes, safe loads, and resuming a run exactly where it stopped.

A checkpoint is `Trainer.state_dict()`: tensors and plain containers only, so it loads with
`torch.load(..., weights_only=True)` and never runs code from the file. It is written
atomically (atomic.py): a crash mid-write leaves the previous checkpoint intact.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from gan_toy.atomic import atomic_save
from gan_toy.config import TrainConfig
from gan_toy.train import Trainer


def save_checkpoint(trainer: Trainer, path: str | os.PathLike) -> Path:
    """Write everything needed to continue `trainer` bit-for-bit."""
    return atomic_save(trainer.state_dict(), path)


def load_checkpoint(path: str | os.PathLike, device: str | None = None) -> Trainer:
    """A Trainer restored from `path`, ready to `fit()` on; `device` overrides the saved one."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    state = torch.load(path, map_location="cpu", weights_only=True)
    config = TrainConfig.from_dict(state["config"])
    if device is not None:
        config = config.replace(device=device)
    trainer = Trainer(config)
    trainer.load_state_dict(state)
    return trainer


class Checkpointer:
    """Callback: save a checkpoint every `every` steps and when training ends."""

    def __init__(self, path, every: int = 1000):
        self.path = Path(path)
        self.every = every

    def on_step_end(self, trainer) -> None:
        save_checkpoint(trainer, self.path)

    def on_train_end(self, trainer) -> None:
        save_checkpoint(trainer, self.path)
