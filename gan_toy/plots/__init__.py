"""Static figures and animations of GAN runs (matplotlib only), one kind of picture per module:

- `style`: the shared look (colours, marker styles, square views, legends, colourbars)
- `points`: the 2D plane: samples, density, D's surface, the generator's push on samples
- `curves`: training curves from a History (any data): losses, D outputs, gradient norm, modes
- `summary`: the one-call summary of a 2D run
- `animation`: snapshots of a 2D run and their animation for the static book
- `images`: image GANs: sample grids, class histograms, snapshots over training
- `comparison`: variants compared over seeds: bars, modes over time, final samples
- `divergences`: JS against Wasserstein on the parallel lines (Arjovsky et al. 2017)
- `saturation_diagram`: why the minimax generator loss saturates (a concept diagram)
- `convergence_diagram`: the Dirac-GAN's rotation, damping and eigenvalues (chapter 4)
- `collapse_diagram`: a schematic of mode hopping (chapter 3), drawn without training

Conventions, so notebooks stay one line per picture:
- an axes-level function takes `ax=None` (a new figure when None) and returns the Axes it drew
  on; a figure-level function returns the Figure. Nothing here calls `plt.show()` or picks a
  backend: the notebook (or the test's Agg backend) does that.
- "a trainer" is anything with `.G`, `.D`, `.source` (for 2D data the GaussianMixture), `.loss`,
  `.output_kind`, `.sample(n)` and `.history`, i.e. a `gan_toy.train.Trainer`.

Plotting never changes a run: D is evaluated in eval mode and no random stream of the trainer
is touched.
"""

from gan_toy.plots.animation import Animation, Frame, Snapshots, animate, animation_html
from gan_toy.plots.collapse_diagram import plot_mode_hopping
from gan_toy.plots.comparison import (
    plot_comparison,
    plot_final_samples,
    plot_modes_over_time_grid,
)
from gan_toy.plots.convergence_diagram import damping_animation, plot_convergence_diagram
from gan_toy.plots.curves import (
    moving_average,
    plot_d_outputs,
    plot_grad_norm,
    plot_history,
    plot_losses,
    plot_modes_over_time,
    smoothing_window,
)
from gan_toy.plots.divergences import plot_parallel_lines_divergences
from gan_toy.plots.images import (
    ImageSnapshots,
    image_grid,
    plot_class_histogram,
    plot_image_samples,
    plot_image_snapshots,
)
from gan_toy.plots.leading_digits import plot_leading_digits
from gan_toy.plots.points import (
    discriminator_surface,
    generator_push,
    plot_density,
    plot_discriminator,
    plot_generator_gradient_field,
    plot_samples,
    spread_subset,
)
from gan_toy.plots.saturation_diagram import (
    animate_probe_saturation,
    plot_saturation_diagram,
    saturation_curves,
)
from gan_toy.plots.style import (
    CENTRE_STYLE,
    COLOURBAR_LABELS,
    CORNERS,
    OUTPUT_KINDS,
    SAMPLE_STYLE,
    as_points,
    readable_log_ticks,
    view_limit,
)
from gan_toy.plots.summary import draw_run, plot_run, run_figsize

# The name the lab panels import the tick helper under; `readable_log_ticks` is the one to use.
_readable_log_ticks = readable_log_ticks

__all__ = [
    "plot_parallel_lines_divergences",
    "CENTRE_STYLE",
    "COLOURBAR_LABELS",
    "CORNERS",
    "OUTPUT_KINDS",
    "SAMPLE_STYLE",
    "Animation",
    "Frame",
    "ImageSnapshots",
    "Snapshots",
    "animate",
    "animate_probe_saturation",
    "animation_html",
    "damping_animation",
    "plot_convergence_diagram",
    "as_points",
    "discriminator_surface",
    "draw_run",
    "generator_push",
    "image_grid",
    "moving_average",
    "plot_class_histogram",
    "plot_comparison",
    "plot_d_outputs",
    "plot_density",
    "plot_discriminator",
    "plot_final_samples",
    "plot_generator_gradient_field",
    "plot_grad_norm",
    "plot_history",
    "plot_image_samples",
    "plot_image_snapshots",
    "plot_leading_digits",
    "plot_losses",
    "plot_mode_hopping",
    "plot_modes_over_time",
    "plot_modes_over_time_grid",
    "plot_run",
    "plot_samples",
    "plot_saturation_diagram",
    "saturation_curves",
    "readable_log_ticks",
    "run_figsize",
    "smoothing_window",
    "spread_subset",
    "view_limit",
]
