"""The MNIST lab panel under its first module name, kept so that existing imports
(`from gan_toy.mnist_widgets import MNIST_LAB_CONFIG, MNISTPanel`) keep working; it lives in
gan_toy.panels.
"""

from gan_toy.panels import (
    FINAL_SAMPLES,
    LIVE_SAMPLES,
    MNIST_LAB_CONFIG,
    MNISTLiveView,
    MNISTPanel,
    mode_counts,
)

__all__ = [
    "FINAL_SAMPLES",
    "LIVE_SAMPLES",
    "MNIST_LAB_CONFIG",
    "MNISTLiveView",
    "MNISTPanel",
    "mode_counts",
]
