"""The MNIST classifier now lives in gan_toy.data.classifier; this module keeps old imports
(`from gan_toy.classifier import load_classifier`) working."""

from gan_toy.data.classifier import (
    DigitClassifier,
    classifier_path,
    load_classifier,
    save_classifier,
    train_classifier,
)

__all__ = [
    "DigitClassifier",
    "classifier_path",
    "load_classifier",
    "save_classifier",
    "train_classifier",
]
