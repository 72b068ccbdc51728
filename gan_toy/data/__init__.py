"""Datasets: 2D Gaussian mixtures, MNIST (full or the shipped subset) and Stacked MNIST."""

from gan_toy.data.mixtures import MIXTURES, GaussianMixture, grid, make_mixture, ring
from gan_toy.data.mnist import IDXError, MNISTData, StackedMNIST, load_mnist, load_subset

__all__ = [
    "MIXTURES",
    "GaussianMixture",
    "IDXError",
    "MNISTData",
    "StackedMNIST",
    "grid",
    "load_mnist",
    "load_subset",
    "make_mixture",
    "ring",
]
