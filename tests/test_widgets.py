"""The lab panels, driven the way a student drives them, without a browser.

Widgets are plain Python objects: tests set `.value`, press buttons with `.click()` and read the
message, the progress bar and the live view's PNG. Training runs are tiny (a few dozen steps on
small batches); the speed of a real lab run is measured by benchmarks/bench_lab_panel.py.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
import time
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import torch

from gan_toy import widgets
from gan_toy.config import TrainConfig
from gan_toy.train import Trainer
from gan_toy.widgets import LAB_CONFIG, DiracPanel, LiveView, TrainPanel

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TINY = LAB_CONFIG.replace(steps=30, batch_size=32, z_dim=16, hidden=32)


def shown_png(output) -> bytes:
    """The PNG an Output widget shows (set through its `outputs` trait)."""
    (item,) = output.outputs
    assert item["output_type"] == "display_data"
    png = base64.b64decode(item["data"]["image/png"])
    assert png.startswith(b"\x89PNG")
    return png


def message(panel) -> str:
    """The panel's message as text (it is HTML)."""
    return html.unescape(re.sub(r"<[^>]+>", "", panel.message.value))


def decode(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


# --- the lab setting --------------------------------------------------------------------------
def test_lab_config_is_the_book_setting_made_cheaper():
    book = TrainConfig()
    assert LAB_CONFIG.validate() is LAB_CONFIG
    assert (LAB_CONFIG.batch_size, LAB_CONFIG.z_dim) == (256, 64)
    same = ("data", "loss", "hidden", "lr_d", "lr_g", "betas", "d_steps", "g_steps", "optimizer")
    assert all(getattr(LAB_CONFIG, f) == getattr(book, f) for f in same)


# --- the training panel ---------------------------------------------------------------------
def test_panel_starts_from_its_config():
    config = TINY.replace(loss="wgan", clip=0.05, d_steps=5, unroll=2, seed=7)
    panel = TrainPanel(config)
    assert panel.config() == config
    assert (panel.loss.value, panel.reg.value, panel.reg_weight.value) == ("wgan", "clip", 0.05)
    panel = TrainPanel(TINY.replace(regs={"r1": 2.0}, simultaneous=True))
    assert (panel.reg.value, panel.reg_weight.value, panel.update.value) == (
        "r1",
        2.0,
        "simultaneous",
    )
    assert panel.config().regs == {"r1": 2.0}


def test_train_uses_the_controls_and_shows_the_result():
    panel = TrainPanel(TINY, live_every=10, max_share=None)
    panel.data.value = "grid"
    panel.loss.value = "lsgan"
    panel.reg.value, panel.reg_weight.value = "r1", 0.5
    panel.lr_d.value, panel.lr_g.value = 1e-3, 1e-4
    panel.d_steps.value, panel.g_steps.value = 2, 1
    panel.steps.value, panel.seed.value = 20, 3
    panel.train(wait=True)

    cfg = panel.trainer.config
    assert (cfg.data, cfg.loss, cfg.regs, cfg.d_steps, cfg.steps, cfg.seed) == (
        "grid",
        "lsgan",
        {"r1": 0.5},
        2,
        20,
        3,
    )
    assert math.isclose(cfg.lr_d, 1e-3) and math.isclose(cfg.lr_g, 1e-4)
    assert cfg.batch_size == TINY.batch_size  # settings without a control come from the config
    assert panel.trainer.step == 20 and len(panel.history) == 20
    assert panel.error is None and "trained step 20" in message(panel)
    assert "of 25 modes" in message(panel)
    assert panel.progress.value == 20 and panel.progress.bar_style == "success"
    assert panel.view.redraws == 3  # steps 0, 10, 20
    assert [e["step"] for e in panel.history.evals] == [0, 10, 20]  # modes over time
    shown_png(panel.output)
    assert not panel.train_button.disabled and panel.stop_button.disabled
    assert not any(c.disabled for c in panel.controls)


def test_train_button_trains_in_a_thread_and_stop_keeps_what_was_trained():
    panel = TrainPanel(TINY.replace(steps=100_000), live_every=1000)
    panel.train_button.click()
    try:
        assert panel.running
        assert panel.train_button.disabled and not panel.stop_button.disabled
        assert all(c.disabled for c in panel.controls)  # settings are frozen while training
        deadline = time.monotonic() + 60
        while (panel.trainer is None or panel.trainer.step < 20) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert panel.trainer.step >= 20, "training did not start"
        panel.train_button.click()  # a second Train while running only says so
        assert "already training" in message(panel)
    finally:
        pressed = time.monotonic()
        panel.stop_button.click()
        panel.join(timeout=30)
    stopped_after = time.monotonic() - pressed
    assert not panel.running
    # One step and the final redraw: well under a second on an idle machine; the bound here
    # only catches a Stop that is not heard (a busy CI machine can be several times slower).
    assert stopped_after < 10, stopped_after
    step = panel.trainer.step
    assert 20 <= step < 100_000
    assert len(panel.history) == step  # everything trained is kept
    assert f"stopped at step {step}" in message(panel)
    assert panel.progress.value == step
    assert not panel.train_button.disabled and panel.stop_button.disabled
    # Train again: a new run from the current settings.
    panel.steps.value = 10
    panel.train(wait=True)
    assert panel.trainer.step == 10 and "trained step 10" in message(panel)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"unroll": 3, "update": "simultaneous"}, "unroll=3 with simultaneous=True"),
        ({"d_steps": 2, "update": "simultaneous"}, "simultaneous=True takes one update"),
        ({"steps": 0}, "steps must be a whole number from 1 to 100,000,000, got 0"),
        (
            {"reg": "r1", "reg_weight": -1.0},
            "regs: weight r1=-1.0 (float) must be a finite number >= 0",
        ),
        ({"reg": "clip", "reg_weight": 0.0}, "clip must be None or a finite number > 0, got 0.0"),
    ],
)
def test_invalid_settings_show_a_message_instead_of_training(changes, expected):
    panel = TrainPanel(TINY)
    for name, value in changes.items():
        getattr(panel, name).value = value
    assert expected in message(panel) and expected in panel.error
    assert "#b00020" in panel.message.value  # shown as an error
    assert panel.train_button.disabled
    assert panel.train(wait=True) is None and panel.trainer is None  # nothing ran
    for name in changes:  # back to valid: the message goes, Train comes back
        default = TrainPanel(TINY)
        getattr(panel, name).value = getattr(default, name).value
    assert panel.error is None and not panel.train_button.disabled


def test_wasserstein_without_a_constraint_gets_a_note_not_an_error():
    panel = TrainPanel(TINY)
    panel.loss.value = "wgan"
    assert "Lipschitz" in message(panel) and panel.error is None
    assert not panel.train_button.disabled
    panel.reg.value, panel.reg_weight.value = "clip", 0.01
    assert panel.message.value == ""


def test_divergence_is_reported_in_the_panel_with_the_history_kept(monkeypatch):
    class Diverging(Trainer):
        def train_step(self):
            super().train_step()
            if self.step == 7:
                self._stats[6, 1] = float("nan")

    monkeypatch.setattr(widgets, "Trainer", Diverging)
    panel = TrainPanel(TINY, live_every=5)
    panel.train(wait=True)  # no exception escapes
    assert "training diverged at step 7" in message(panel)
    assert panel.error.startswith("training diverged")
    assert panel.progress.bar_style == "danger"
    assert panel.trainer is not None and not panel.running
    assert not panel.train_button.disabled


def test_an_unavailable_device_is_a_message(monkeypatch):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    panel = TrainPanel(TINY.replace(device="cuda"))
    panel.train(wait=True)
    assert "CUDA is not available" in message(panel)


def test_static_figure_shows_the_default_setting_not_the_controls():
    panel = TrainPanel(TINY.replace(steps=15))
    panel.loss.value, panel.steps.value = "hinge", 5
    fig = panel.static_figure()
    try:
        assert fig.number in plt.get_fignums()  # a pyplot figure: the notebook shows it
        assert fig.get_suptitle().startswith("ns on the ring, step 15 of 15")
        grid_fig = panel.static_figure(data="grid", steps=5)
        assert "on the grid, step 5 of 5" in grid_fig.get_suptitle()
    finally:
        plt.close("all")


def test_panel_displays_its_widget(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    panel = TrainPanel(TINY)
    panel._ipython_display_()
    dirac_panel = DiracPanel()
    dirac_panel._ipython_display_()
    assert shown == [panel.widget, dirac_panel.widget]


# --- the live view ----------------------------------------------------------------------------
def test_live_view_redraws_every_n_steps_in_place():
    frames = []
    view = LiveView(every=10, max_share=None, on_frame=frames.append)
    trainer = Trainer(TINY.replace(steps=100))
    trainer.fit([view])
    assert view.redraws == len(frames) == 11  # steps 0, 10, ..., 100 (no repeat at the end)
    assert view.last_step == 100
    # Axes, ticks and labels are drawn again only when an axis has to grow (early on); the
    # other frames are blitted.
    assert view.full_redraws <= 4, view.full_redraws
    assert "step 100 of 100" in view._title.get_text()
    assert all(f.startswith(b"\x89PNG") for f in frames)
    assert plt.get_fignums() == []  # its own canvas: nothing for pyplot to show twice


def test_live_view_skips_redraws_beyond_its_time_budget():
    view = LiveView(every=1, max_share=0.0, on_frame=lambda png: None)
    trainer = Trainer(TINY.replace(steps=20))
    trainer.fit([view])
    assert view.redraws == 2 and view.skipped == 20  # only the first and the final frame


def test_blitted_frame_is_the_same_picture_as_a_full_redraw():
    view = LiveView(every=5, max_share=None, on_frame=lambda png: None)
    trainer = Trainer(TINY.replace(steps=30, loss="wgan-gp", d_steps=2))  # critic: moving scale
    trainer.fit([view])
    view.draw(trainer)
    blitted = decode(view.render())
    view._background = None  # force a full redraw
    full = decode(view.render())
    assert blitted.shape == full.shape
    assert np.mean(np.any(blitted != full, axis=-1)) < 1e-3


# --- the Dirac-GAN panel ----------------------------------------------------------------------
def test_dirac_panel_reports_the_eigenvalues_and_draws():
    panel = DiracPanel()
    assert panel.error is None
    assert "GAN (minimax)" in message(panel) and "± 0.5i" in message(panel)
    assert "simultaneous steps spiral out" in message(panel)
    first = shown_png(panel.output)
    panel.variant.value = "r1"  # strength takes R1's default
    assert panel.strength.value == 0.3 and not panel.strength.disabled
    assert "simultaneous steps converge" in message(panel)
    assert shown_png(panel.output) != first
    panel.variant.value = "wgan-gp"
    assert "no Jacobian" in message(panel)
    panel.variant.value = "wgan"
    assert panel.strength.disabled


def test_dirac_panel_shows_bad_settings_as_messages():
    panel = DiracPanel(variant="r1")
    panel.strength.value = -1.0
    assert "gamma must be a finite number >= 0" in message(panel)
    assert panel.error is not None
    panel.strength.value = 0.5
    assert panel.error is None
    for box in panel.modes.values():
        box.value = False
    assert "tick at least one" in message(panel)
    panel.modes["continuous"].value = True
    assert panel.error is None


def test_dirac_static_figure_is_the_default():
    panel = DiracPanel(variant="r1", strength=0.5)
    panel.variant.value = "wgan"
    fig = panel.static_figure()
    try:
        assert fig.number in plt.get_fignums()
        assert fig.axes[0].get_title() == "R1 (γ=0.5)"
    finally:
        plt.close("all")


# --- Colab ships ipywidgets 7.7 -----------------------------------------------------------------
# Core widgets that exist, with the options used here, in ipywidgets 7.7 and 8.
IPYWIDGETS_7_AND_8 = {
    "Button",
    "Checkbox",
    "Dropdown",
    "FloatLogSlider",
    "FloatText",
    "HBox",
    "HTML",
    "IntProgress",
    "IntSlider",
    "IntText",
    "Layout",
    "Output",
    "VBox",
}


def test_panels_use_only_widgets_that_colab_has():
    source = Path(widgets.__file__).read_text(encoding="utf-8")
    used = set(re.findall(r"\bwidgets\.([A-Z]\w*)", source))
    assert used and used <= IPYWIDGETS_7_AND_8, used - IPYWIDGETS_7_AND_8
    assert "description_tooltip" not in source and ".tooltip" not in source  # renamed in 8


def test_each_panel_refuses_the_other_kind_of_data():
    from gan_toy.mnist_widgets import MNISTPanel

    with pytest.raises(ValueError, match="'mnist'.*MNISTPanel"):
        TrainPanel(TINY.replace(data="mnist"))
    with pytest.raises(ValueError, match="'ring'.*TrainPanel"):
        MNISTPanel(TINY)
