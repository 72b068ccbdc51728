"""The chapter-3 schematic of mode hopping: D's opinion, G's target, and the figure."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

from gan_toy.plots import plot_mode_hopping  # noqa: E402
from gan_toy.plots.collapse_diagram import MOMENTS, d_opinion  # noqa: E402


def test_d_is_undecided_before_it_reacts_then_lowest_at_the_blob():
    assert np.allclose(d_opinion(3, 0), 0.5)
    after = d_opinion(3, 1)
    assert after.argmin() == 3 and after.max() > 0.5 > after.min()
    assert after[7] == after.max()  # the mode opposite the blob


def test_each_move_climbs_d():
    # the blob moves to a mode D rates higher than the one it leaves
    for i, (blob, goal, _) in enumerate(MOMENTS):
        if goal is not None:
            opinion = d_opinion(blob, i)
            assert opinion[goal] > opinion[blob], (i, opinion)


def test_the_moments_show_a_blob_that_moves_away_from_where_it_was():
    # each move leaves the blob's mode for another one, which the next moment starts from
    for (blob, goal, _), (next_blob, _, _) in zip(MOMENTS[1:], MOMENTS[2:]):
        assert goal != blob and next_blob == goal


def test_figure_fits_the_column_and_draws_the_moves():
    fig = plot_mode_hopping()
    assert fig.get_figwidth() <= 8
    assert len(fig.axes) == len(MOMENTS)
    arrows = [p for ax in fig.axes for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == sum(goal is not None for _, goal, _ in MOMENTS)
    fig.canvas.draw()
    for ax in fig.axes:
        assert ax.title.get_fontsize() >= 8
