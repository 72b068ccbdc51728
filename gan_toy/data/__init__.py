"""Datasets: 2D Gaussian mixtures (and, with the MNIST issue, MNIST and Stacked MNIST)."""

from gan_toy.data.mixtures import MIXTURES, GaussianMixture, grid, make_mixture, ring

__all__ = ["MIXTURES", "GaussianMixture", "grid", "make_mixture", "ring"]
