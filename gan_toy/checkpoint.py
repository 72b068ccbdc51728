"""Checkpoints: atomic writes, safe loads, and resuming a run exactly where it stopped.

A checkpoint is `Trainer.state_dict()`: tensors and plain containers only, so it loads with
`torch.load(..., weights_only=True)` and never runs code from the file. It is written
atomically (atomic.py): a crash mid-write leaves the previous checkpoint intact. A state holding
NaN or Inf is never written, so a diverging run cannot overwrite the last good checkpoint.

Reading checks the file before trusting it: an empty, truncated or foreign file, one that the
safe load refuses, or one whose saved networks do not fit its own config raises CheckpointError
with one line saying which, never a traceback from deep inside torch.
"""

from __future__ import annotations

import os
import pickle
import warnings
import zipfile
from pathlib import Path

import torch

from gan_toy.atomic import atomic_save
from gan_toy.config import ConfigError, TrainConfig
from gan_toy.train import DivergenceError, Trainer

FORMAT = 1  # Trainer.state_dict()["format"]
KEYS = ("format", "config", "step", "G", "D", "opt_g", "opt_d", "rng", "stats", "evals")
ZIP_MAGIC = b"PK\x03\x04"  # torch.save writes a zip archive


class CheckpointError(ValueError):
    """A file that is not a usable gan_toy checkpoint; the message says why, in one line."""


class NonFiniteStateError(DivergenceError):
    """save_checkpoint was asked to write a state holding NaN or Inf; nothing was written."""

    def __init__(self, step: int, quantity: str, history, path):
        super().__init__(step, quantity, history)
        self.args = (
            f"training diverged by step {step}: {quantity} holds NaN or Inf, so no checkpoint "
            f"was written to {path} (a checkpoint already there is kept)",
        )


def first_nonfinite(state: dict) -> str | None:
    """The name of the first tensor of `state` (weights, optimiser moments, the per-step
    record) holding NaN or Inf, or None when all are finite."""
    parts = [("G", state["G"]), ("D", state["D"]), ("the record", {"stats": state["stats"]})]
    for opt in ("opt_g", "opt_d"):
        for index, moments in state[opt].get("state", {}).items():
            parts.append((f"{opt} state {index}", moments))
    for part, tensors in parts:
        for name, value in tensors.items():
            if torch.is_tensor(value) and value.is_floating_point():
                if not bool(torch.isfinite(value).all()):
                    return f"{part} {name}"
    return None


def save_checkpoint(trainer: Trainer, path: str | os.PathLike) -> Path:
    """Write everything needed to continue `trainer` bit-for-bit; refuse (NonFiniteStateError,
    a DivergenceError) a state holding NaN or Inf, leaving the file at `path` as it was."""
    state = trainer.state_dict()
    bad = first_nonfinite(state)
    if bad is not None:
        raise NonFiniteStateError(trainer.step, bad, trainer.history, path)
    return atomic_save(state, path)


def read_checkpoint(path) -> tuple[dict, TrainConfig]:
    """The saved state at `path` and its config, checked; CheckpointError when it is not a
    usable gan_toy checkpoint, FileNotFoundError when there is no file."""
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"{path} is a folder, not a checkpoint file")
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    with open(path, "rb") as f:
        head = f.read(len(ZIP_MAGIC))
    if not head:
        raise CheckpointError(f"{path} is empty, not a gan_toy checkpoint")
    if head != ZIP_MAGIC:
        raise CheckpointError(f"{path} is not a gan_toy checkpoint (not a file torch.save wrote)")
    if not zipfile.is_zipfile(path):
        raise CheckpointError(f"{path} is truncated or damaged (its archive index is missing)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's notes on pickle protocols and the like
            state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise CheckpointError(
            f"{path} holds Python objects that a safe load (weights_only=True) does not "
            "rebuild; a gan_toy checkpoint holds only tensors and plain containers"
        ) from None
    except Exception as err:  # torch's readers raise RuntimeError, EOFError, KeyError, ...
        raise CheckpointError(f"{path} is truncated or damaged ({type(err).__name__})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a gan_toy checkpoint (no format {FORMAT} state)")
    missing = [key for key in KEYS if key not in state]
    if missing:
        raise CheckpointError(f"{path} is not a gan_toy checkpoint (no {', '.join(missing)})")
    tables = all(isinstance(state[key], dict) for key in ("G", "D", "opt_g", "opt_d"))
    if not (tables and torch.is_tensor(state["stats"]) and isinstance(state["evals"], list)):
        raise CheckpointError(f"{path} is not a gan_toy checkpoint (its parts are not tables)")
    try:
        config = TrainConfig.from_dict(state["config"]).validate()
    except (ConfigError, TypeError) as err:
        raise CheckpointError(f"{path}: the saved config is not valid: {err}") from None
    step = state["step"]
    if not isinstance(step, int) or not 0 <= step <= config.steps:
        raise CheckpointError(f"{path}: step {step!r} is not in 0..{config.steps} (its steps)")
    try:
        bad = first_nonfinite(state)
    except (AttributeError, TypeError):  # an optimiser table that is not one
        raise CheckpointError(f"{path} is not a gan_toy checkpoint (bad optimiser state)") from None
    if bad is not None:
        raise CheckpointError(f"{path}: {bad} holds NaN or Inf; it cannot be resumed")
    return state, config


def restore(state: dict, config: TrainConfig, path) -> Trainer:
    """A Trainer for `config` holding the saved `state` read from `path` (read_checkpoint);
    CheckpointError when the saved networks or optimisers do not fit the config."""
    if config.steps < state["step"]:
        raise ConfigError(
            f"steps={config.steps} is fewer than the {state['step']} steps {path} has done"
        )
    trainer = Trainer(config)
    try:
        trainer.load_state_dict(state)
    except Exception as err:  # size mismatches (RuntimeError), optimiser groups (ValueError)
        first = str(err).strip().splitlines() or [type(err).__name__]
        reason = " ".join(line.strip() for line in first[:2])[:200]
        raise CheckpointError(
            f"{path}: the saved state does not fit its config ({reason})"
        ) from None
    return trainer


def load_checkpoint(
    path: str | os.PathLike, device: str | None = None, steps: int | None = None
) -> Trainer:
    """A Trainer restored from `path`, ready to `fit()` on. `device` overrides the saved one
    (a run saved on CUDA resumes on the CPU); `steps` (at least the steps done) trains further."""
    state, config = read_checkpoint(path)
    changes = {"device": device, "steps": steps}
    config = config.replace(**{k: v for k, v in changes.items() if v is not None}).validate()
    return restore(state, config, path)


class Checkpointer:
    """Callback: save a checkpoint every `every` steps and when training ends."""

    def __init__(self, path, every: int = 1000):
        self.path = Path(path)
        self.every = every

    def on_step_end(self, trainer) -> None:
        save_checkpoint(trainer, self.path)

    def on_train_end(self, trainer) -> None:
        save_checkpoint(trainer, self.path)
