"""Pictures of image GANs, now in `gan_toy.plots.images`; kept so that existing imports keep
working."""

from gan_toy.plots.images import (
    ImageSnapshots,
    image_grid,
    plot_class_histogram,
    plot_image_samples,
    plot_image_snapshots,
)

__all__ = [
    "ImageSnapshots",
    "image_grid",
    "plot_class_histogram",
    "plot_image_samples",
    "plot_image_snapshots",
]
