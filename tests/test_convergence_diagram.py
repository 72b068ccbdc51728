"""gan_toy.plots.convergence_diagram: the schematic and the damping animation of chapter 4."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.text import Text

from gan_toy.dirac import make_variant
from gan_toy.plots import animation_html, damping_animation, plot_convergence_diagram
from gan_toy.plots.convergence_diagram import damped_eigenvalues, regime


@pytest.mark.parametrize("gamma", [0.0, 0.3, 1.0, 2.5])
def test_damped_eigenvalues_match_the_dirac_gan_r1(gamma):
    expected = np.sort_complex(make_variant("r1", gamma=gamma).eigenvalues())
    np.testing.assert_allclose(np.sort_complex(damped_eigenvalues(gamma)), expected)


def test_regime_from_eigenvalues():
    assert regime(damped_eigenvalues(0.0)) == "rotation"
    assert regime(damped_eigenvalues(0.3)) == "spiral"
    assert regime(damped_eigenvalues(2.0)) == "over-damped"
    assert regime([0.1 + 1j, 0.1 - 1j]) == "unstable"


def _fonts(fig):
    return [t.get_fontsize() for t in fig.findobj(Text) if t.get_text()]


def test_diagram_fits_the_column_with_legible_text():
    fig = plot_convergence_diagram()
    assert len(fig.axes) == 3 and fig.get_figwidth() <= 8
    assert min(_fonts(fig)) >= 8


def test_damping_animation_has_one_frame_per_strength():
    anim = damping_animation([0.0, 0.5, 3.0], steps=50)
    fig = anim.figure
    assert fig.get_figwidth() <= 8 and fig.dpi == 80
    anim._func(0.5)
    assert "spiral" in fig.axes[0].get_title() and min(_fonts(fig)) >= 8
    html = animation_html(anim)
    assert html.count("frames[") >= 3 or "frames" in html
    with pytest.raises(ValueError):
        damping_animation([])
