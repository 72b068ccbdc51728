"""The saturation diagram of chapter 2: its curves are the chain-rule factors of the two
generator losses, and its figures fit the book's column."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
from matplotlib import pyplot as plt

from gan_toy.losses import get_loss
from gan_toy.plots import (
    animate_probe_saturation,
    animation_html,
    plot_saturation_diagram,
    saturation_curves,
)


def test_factors_are_the_slopes_of_the_losses_in_the_logit():
    logits = torch.tensor([-6.0, -2.0, 0.0, 3.0], requires_grad=True)
    d = torch.sigmoid(logits).detach().numpy()
    curves = saturation_curves(d)
    for name in ("minimax", "ns"):
        loss = get_loss(name)
        (grad,) = torch.autograd.grad(loss.g_loss(logits[:, None]) * len(d), logits)
        np.testing.assert_allclose(np.abs(grad.numpy()), curves[name]["factor"], rtol=1e-5)
    # minimax saturates where D rejects the fakes, non-saturating where D is fooled
    assert curves["minimax"]["factor"][0] < 0.01 < 0.99 < curves["ns"]["factor"][0]


def test_losses_match_their_formulas_and_reject_outputs_outside_0_1():
    curves = saturation_curves([0.25])
    assert curves["minimax"]["loss"][0] == pytest.approx(np.log(0.75))
    assert curves["ns"]["loss"][0] == pytest.approx(-np.log(0.25))
    with pytest.raises(ValueError):
        saturation_curves([0.0, 0.5])


def test_figures_fit_the_column():
    fig = plot_saturation_diagram()
    assert fig.get_figwidth() <= 8 and len(fig.axes) == 2
    plt.close(fig)
    record = {"d_iter": [0, 10, 20], "g_grad_norm": [1.0, 0.1, 0.01], "d_fake": [0.5, 0.1, 1e-3]}
    ns = {**record, "g_grad_norm": [1.0, 1.5, 2.0]}
    anim = animate_probe_saturation(record, ns, max_frames=2)
    assert anim.figure.get_figwidth() <= 8 and len(list(anim.new_frame_seq())) == 2
    assert "<script" in animation_html(anim)  # renders (and closes its figure)
    with pytest.raises(ValueError):
        animate_probe_saturation(record, {**ns, "d_iter": [0, 5, 20]})
