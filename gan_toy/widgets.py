"""The 2D and Dirac-GAN lab panels under their first module name, kept so that existing imports
(`from gan_toy.widgets import LAB_CONFIG, TrainPanel`) keep working; they live in gan_toy.panels.
"""

from gan_toy.panels import (
    DIRAC_PARAMS,
    LAB_CONFIG,
    LIPSCHITZ,
    MODE_COLOURS,
    REG_CHOICES,
    DiracPanel,
    LiveView,
    TrainPanel,
    show_png,
)

__all__ = [
    "DIRAC_PARAMS",
    "LAB_CONFIG",
    "LIPSCHITZ",
    "MODE_COLOURS",
    "REG_CHOICES",
    "DiracPanel",
    "LiveView",
    "TrainPanel",
    "show_png",
]
