"""The MNIST classifier behind the MNIST metrics: a small CNN that gan_toy trains itself.

Modes of an MNIST GAN are digit classes (10 for MNIST, 1000 digit triples for Stacked MNIST),
so the metrics need a judge that says which digit a sample shows. Rather than ship weights, we
train one the first time it is needed, on the best MNIST at hand, and cache it next to the
MNIST files (written atomically, read back with `torch.load(weights_only=True)`). On the
shipped 5,000-digit subset it trains in seconds and scores ≥95% on the subset's held-out 1,000
(tested). On full MNIST a CNN of this size should reach ≥98% on the official test set; that
figure has not been measured, since full MNIST cannot be downloaded where the tests run.

The network: conv 3×3 (16) → pool → conv 3×3 (32) → pool → 64 features → 10 logits. The 64
features double as the embedding for a Fréchet distance (metrics.frechet_distance).
"""

from __future__ import annotations

import math
import os
import pickle
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from gan_toy.atomic import atomic_save
from gan_toy.data.mnist import MNISTData, default_root, load_digits

VERSION = 1  # bump when the network or its training changes: old cache files are retrained
FEATURES = 64
MIN_SAMPLES = 23_000  # train on at least this many draws (6 epochs of the subset, 2 of MNIST)
BATCH = 64

_loaded: dict = {}  # (path, device) -> classifier, so periodic evaluations load it once


class DigitClassifier(nn.Module):
    """Logits over the digits 0–9 for images (n, 1, 28, 28) in [-1, 1]."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 14×14
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 7×7
            nn.Flatten(),
            nn.Linear(32 * 7 * 7, FEATURES),
            nn.ReLU(),
        )
        self.head = nn.Linear(FEATURES, 10)
        self.info: dict = {}  # how it was trained and how well it did (saved with it)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    @torch.no_grad()
    def predict(self, images: torch.Tensor, chunk: int = 2500):
        """(probabilities (n, C, 10), features (n, C·64)) for images (n, C, 28, 28).

        Each channel is classified on its own, so Stacked MNIST (C=3) gets one digit per
        channel; the features of a sample are its channels' features side by side.
        """
        if images.ndim != 4 or images.shape[-2:] != (28, 28):
            raise ValueError(f"images must have shape (n, C, 28, 28), got {tuple(images.shape)}")
        n, c = images.shape[:2]
        device = next(self.parameters()).device
        flat = images.reshape(n * c, 1, 28, 28)
        probs, feats = [], []
        was_training = self.training
        self.eval()
        for start in range(0, n * c, chunk):
            x = flat[start : start + chunk].to(device=device, dtype=torch.float32)
            f = self.features(x)
            feats.append(f)
            probs.append(torch.softmax(self.head(f), dim=1))
        self.train(was_training)
        return torch.cat(probs).view(n, c, 10), torch.cat(feats).view(n, c * FEATURES)


def accuracy(model: DigitClassifier, data: MNISTData) -> float:
    probs, _ = model.predict(data.float_images())
    return float((probs[:, 0].argmax(1).cpu() == data.labels.cpu()).float().mean())


def train_classifier(train: MNISTData, test: MNISTData, seed: int = 0, device="cpu"):
    """A DigitClassifier trained on `train`, with its accuracy on `test` in `.info`.

    Adam with a one-cycle learning rate over max(2 epochs, MIN_SAMPLES draws), batch 64. The
    seed fixes the initialisation and the batch order, so a retrained classifier is the same.
    """
    start = time.perf_counter()
    device = torch.device(device)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = DigitClassifier()
    model.to(device).train()
    images, labels = train.float_images(device), train.labels.to(device)
    rng = torch.Generator(device="cpu").manual_seed(seed)
    per_epoch = len(labels) // BATCH
    epochs = max(2, math.ceil(MIN_SAMPLES / (per_epoch * BATCH)))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=epochs * per_epoch)
    for _ in range(epochs):
        order = torch.randperm(len(labels), generator=rng).to(device)
        for i in range(per_epoch):
            idx = order[i * BATCH : (i + 1) * BATCH]
            loss = F.cross_entropy(model(images[idx]), labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            schedule.step()
    model.info = {
        "version": VERSION,
        "source": train.source,
        "n_train": len(train),
        "n_test": len(test),
        "epochs": epochs,
        "seed": seed,
        "train_seconds": time.perf_counter() - start,
    }
    model.info["test_accuracy"] = accuracy(model, test)
    return model.eval()


def classifier_path(source: str, root=None) -> Path:
    """Cache file of the classifier trained on `source` ("full" or "subset"); `root` as in
    load_mnist (default: $GAN_TOY_DATA/mnist or ~/.cache/gan_toy/mnist)."""
    root = Path(root).expanduser() if root is not None else default_root()
    return root / f"classifier-{source}-v{VERSION}.pt"


def save_classifier(model: DigitClassifier, path) -> Path:
    return atomic_save({"state": model.state_dict(), "info": model.info}, path)


def _read(path: Path) -> DigitClassifier | None:
    """The classifier cached at `path`, or None when there is none or it is unusable."""
    if not path.is_file():
        return None
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        model = DigitClassifier()
        model.load_state_dict(saved["state"])
    except (RuntimeError, KeyError, TypeError, EOFError, ValueError, pickle.UnpicklingError):
        return None  # corrupt or from another version: train a new one over it
    model.info = dict(saved.get("info", {}))
    return model if model.info.get("version") == VERSION else None


def forget_loaded_classifiers() -> None:
    """Drop the classifiers kept in memory, so the next load reads (or trains) from the cache
    files: for tests, and after replacing a cache file by hand."""
    _loaded.clear()


def load_classifier(
    mnist_source: str = "auto",
    device: torch.device | str = "cpu",
    root: str | os.PathLike | None = None,
    log: Callable[[str], object] | None = None,
) -> DigitClassifier:
    """The MNIST classifier for `mnist_source` ("auto", "full" or "subset") on `device`.

    Read from the cache if it is there; otherwise trained on that MNIST's training split,
    scored on its test split and cached. `log(message)` hears about a training run (it can take
    a minute on a CPU), e.g. `log=print`.
    """
    train = load_digits(mnist_source, "train")
    path = classifier_path(train.source, root)
    key = (str(path), str(torch.device(device)))
    if key in _loaded:
        return _loaded[key]
    model = _read(path)
    if model is None:
        if log is not None:
            log(f"training the MNIST classifier on {len(train)} {train.source} digits ...")
        model = train_classifier(train, load_digits(train.source, "test"), device=device)
        save_classifier(model, path)
        if log is not None:
            info = model.info
            log(
                f"classifier: {100 * info['test_accuracy']:.1f}% on {info['n_test']} held-out "
                f"digits, trained in {info['train_seconds']:.0f} s; cached at {path}"
            )
    model = model.to(device).eval()
    _loaded[key] = model
    return model
