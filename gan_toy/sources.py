"""The data sources now live in gan_toy.data.sources (and `load_digits` in gan_toy.data.mnist);
this module keeps old imports working."""

from gan_toy.data.mnist import load_digits
from gan_toy.data.sources import MNISTSource, StackedMNISTSource, make_source

__all__ = ["MNISTSource", "StackedMNISTSource", "load_digits", "make_source"]
