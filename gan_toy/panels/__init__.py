"""Lab panels from core ipywidgets (ipywidgets 7.7, as in Colab, and 8).

- display.py: a figure as a PNG in an Output widget, a panel's message line;
- base.py: the machinery of a training panel (Train, Stop, progress, the training thread);
- gan_panel.py: the controls every GAN-training panel shares and the TrainConfig they describe;
- points.py: TrainPanel, a 2D GAN (ring, grid), drawn by live_points.LiveView;
- mnist.py: MNISTPanel, an MNIST or Stacked MNIST GAN, drawn by live_mnist.MNISTLiveView;
- dirac.py: DiracPanel, the Dirac-GAN's vector field, trajectories and eigenvalues.

    from gan_toy.panels import LAB_CONFIG, TrainPanel
    panel = TrainPanel(LAB_CONFIG)
    panel        # in a notebook: the controls, Train and Stop, the live view
"""

from gan_toy.panels.base import ProgressForwarder, TrainingPanel, control
from gan_toy.panels.dirac import DIRAC_PARAMS, MODE_COLOURS, DiracPanel
from gan_toy.panels.display import latest_evaluation, png_bytes, show_message, show_png
from gan_toy.panels.gan_panel import LIPSCHITZ, REG_CHOICES, GANPanel
from gan_toy.panels.live_mnist import MNISTLiveView, mode_counts
from gan_toy.panels.live_points import LiveView
from gan_toy.panels.mnist import FINAL_SAMPLES, LIVE_SAMPLES, MNIST_LAB_CONFIG, MNISTPanel
from gan_toy.panels.points import LAB_CONFIG, TrainPanel

__all__ = [
    "DIRAC_PARAMS",
    "FINAL_SAMPLES",
    "LAB_CONFIG",
    "LIPSCHITZ",
    "LIVE_SAMPLES",
    "MNIST_LAB_CONFIG",
    "MODE_COLOURS",
    "REG_CHOICES",
    "DiracPanel",
    "GANPanel",
    "LiveView",
    "MNISTLiveView",
    "MNISTPanel",
    "ProgressForwarder",
    "TrainPanel",
    "TrainingPanel",
    "control",
    "latest_evaluation",
    "mode_counts",
    "png_bytes",
    "show_message",
    "show_png",
]
