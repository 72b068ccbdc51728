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
import threading
import time
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import torch

from gan_toy import ModesOverTime, panels
from gan_toy.config import TrainConfig
from gan_toy.data import make_mixture
from gan_toy.panels import LAB_CONFIG, DiracPanel, LiveView, MNISTPanel, TrainPanel
from gan_toy.panels import base as panel_base
from gan_toy.panels.display import in_control_words
from gan_toy.panels.points import describe_metrics, reverse_kl_text
from gan_toy.train import Trainer

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


def wait_until(condition, timeout: float = 120.0) -> bool:
    """Poll `condition()` until it holds or `timeout` seconds (generous: CI machines are busy)
    have passed; whether it held."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


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


def test_closing_message_says_what_a_collapsed_blob_is():
    ring = make_mixture("ring")
    blob = {"modes_covered": 0, "high_quality": 0.0, "reverse_kl": math.nan}
    text = describe_metrics(blob, ring, [0, 0, 0, 0.6, 0.4, 0, 0, 0])
    assert text.startswith("0 of 8 modes, 0% high quality, reverse KL undefined (no high-quality")
    assert "nan" not in text.lower()
    assert "still one blob between the modes" in text and "nearest to 2 of the 8 centres" in text
    assert "within 3σ = 0.06 of a centre" in text and "more steps" in text and "remedy" in text
    spread = describe_metrics(blob, ring, [0.125] * 8)
    assert "spread around 8 of the 8 modes" in spread and "one blob" not in spread
    good = {"modes_covered": 8, "high_quality": 0.36, "reverse_kl": 0.0123}
    assert describe_metrics(good, ring, [0.125] * 8) == (
        "8 of 8 modes, 36% high quality, reverse KL 0.01"
    )
    assert reverse_kl_text(math.nan) == "undefined (no high-quality samples)"


def test_a_run_without_high_quality_samples_never_says_nan():
    panel = TrainPanel(TINY.replace(steps=5), live_every=5)
    panel.train(wait=True)
    m = panel.history.evals[-1]
    assert m["high_quality"] == 0 and math.isnan(m["reverse_kl"])  # 5 steps: still a blob
    assert "nan" not in message(panel).lower()
    assert "reverse KL undefined (no high-quality samples)" in message(panel)


def test_train_button_trains_in_a_thread_and_stop_keeps_what_was_trained():
    panel = TrainPanel(TINY.replace(steps=100_000), live_every=1000)
    panel.train_button.click()
    try:
        assert panel.running
        assert panel.train_button.disabled and not panel.stop_button.disabled
        assert all(c.disabled for c in panel.controls)  # settings are frozen while training
        assert wait_until(lambda: panel.trainer is not None and panel.trainer.step >= 20)
        panel.train_button.click()  # a second Train while running only says so
        assert "already training" in message(panel)
    finally:
        panel.stop_button.click()
        panel.join(timeout=120)
    assert not panel.running  # the thread ended: Stop was heard
    step = panel.trainer.step
    assert 20 <= step < 100_000  # it stopped before its step budget
    assert len(panel.history) == step  # everything trained is kept
    assert f"stopped at step {step}" in message(panel)
    assert panel.progress.value == step
    assert not panel.train_button.disabled and panel.stop_button.disabled
    # Train again: a new run from the current settings.
    panel.steps.value = 10
    panel.train(wait=True)
    assert panel.trainer.step == 10 and "trained step 10" in message(panel)


def test_stop_is_acknowledged_at_once_and_then_shows_how_the_run_ended():
    panel = TrainPanel(TINY.replace(steps=100_000), live_every=1000)
    release = threading.Event()
    last_frame = panel.view.on_train_end

    def held_last_frame(trainer):  # the run's closing work waits until the test has looked
        release.wait(120)
        last_frame(trainer)

    panel.view.on_train_end = held_last_frame
    panel.stop()  # nothing to stop yet: nothing happens
    assert "stopping" not in message(panel)
    panel.train_button.click()
    try:
        assert wait_until(lambda: panel.trainer is not None and panel.trainer.step >= 5)
        panel.stop_button.click()
        assert message(panel) == "stopping…" and panel.stop_button.disabled
        assert panel.train_button.disabled and panel.running  # still closing the run
        panel.stop_button.click()  # a second click changes nothing
        assert message(panel) == "stopping…"
    finally:
        release.set()
        panel.stop()
        panel.join(timeout=120)
    assert not panel.running and f"stopped at step {panel.trainer.step}" in message(panel)
    panel.stop()  # after the run: the closing message stays
    assert "stopped at step" in message(panel)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"unroll": 3, "update": "simultaneous"},
            "unroll steps = 3 with updates = simultaneous: unrolling needs alternating updates; "
            "set unroll steps = 0 or updates = alternating",
        ),
        (
            {"d_steps": 2, "update": "simultaneous"},
            "updates = simultaneous takes one update of each player per step, got "
            "D steps / round = 2, G steps / round = 1",
        ),
        ({"steps": 0}, "steps must be a whole number from 1 to 100,000,000, got 0"),
        (
            {"reg": "r1", "reg_weight": -1.0},
            "weight of regulariser r1 = -1.0 must be a finite number >= 0",
        ),
        ({"reg": "clip", "reg_weight": 0.0}, "weight (clip bound) must be a number > 0, got 0.0"),
    ],
)
def test_invalid_settings_show_a_message_instead_of_training(changes, expected):
    panel = TrainPanel(TINY)
    for name, value in changes.items():
        getattr(panel, name).value = value
    assert expected in message(panel) and expected in panel.error
    assert not re.search(r"\w=|d_steps|simultaneous=|unroll=", message(panel))  # no field names
    assert "#b00020" in panel.message.value  # shown as an error
    assert panel.train_button.disabled
    assert panel.train(wait=True) is None and panel.trainer is None  # nothing ran
    for name in changes:  # back to valid: the message goes, Train comes back
        default = TrainPanel(TINY)
        getattr(panel, name).value = getattr(default, name).value
    assert panel.error is None and not panel.train_button.disabled


def test_messages_name_settings_as_the_controls_do():
    words = {"unroll": "unroll steps", "simultaneous": "updates", "steps": "steps"}
    shown = {"simultaneous": {"True": "simultaneous"}}
    assert in_control_words("unroll=3 with simultaneous=True: set unroll=0", words, shown) == (
        "unroll steps = 3 with updates = simultaneous: set unroll steps = 0"
    )
    assert in_control_words("unroll must be >= 0, got -1", words) == (
        "unroll steps must be >= 0, got -1"
    )
    # only a setting written name=value, or opening the message, is a setting
    assert in_control_words("it steps on: unroll it", words) == "it steps on: unroll it"
    assert in_control_words("gamma must be > 0", {}) == "gamma must be > 0"


def test_wasserstein_without_a_constraint_gets_a_note_not_an_error():
    panel = TrainPanel(TINY)
    panel.loss.value = "wgan"
    assert "Lipschitz" in message(panel) and panel.error is None
    assert not panel.train_button.disabled
    panel.reg.value, panel.reg_weight.value = "clip", 0.01
    assert panel.message.value == ""


class Diverging(Trainer):
    """A trainer whose generator turns to NaN in step 7's update: the trainer sees it at once."""

    def train_step(self):
        super().train_step()
        if self.step == 7:
            with torch.no_grad():
                for weight in self.G.parameters():
                    weight.fill_(float("nan"))


def test_divergence_is_a_warning_naming_the_step_with_the_history_kept(monkeypatch):
    monkeypatch.setattr(panel_base, "Trainer", Diverging)
    panel = TrainPanel(TINY, live_every=5)
    panel.train(wait=True)  # no exception escapes
    text = message(panel)
    assert text.startswith("⚠ training diverged at step 7:") and "trained" not in text
    assert "#8a5a00" in panel.message.value  # a warning, neither green success nor red error
    assert panel.diverged_at == 7 and panel.error.startswith("training diverged at step 7")
    assert panel.progress.bar_style == "warning"
    assert panel.trainer is not None and not panel.running
    assert len(panel.history) == panel.trainer.step  # everything recorded is kept
    # The last finite networks are scored and drawn at the step training reached.
    assert panel.history.evals[-1]["step"] == panel.trainer.step == panel.view.last_step
    assert not panel.train_button.disabled
    panel.train(wait=True)  # a new run starts afresh
    assert panel.diverged_at == 7  # (the patched trainer diverges again)


def test_an_error_while_drawing_is_a_one_line_message_in_the_panel():
    panel = TrainPanel(TINY, live_every=10, max_share=None)
    draw = panel.view.draw

    def failing_draw(trainer):
        if trainer.step >= 10:
            raise RuntimeError("the figure\ncould not be drawn")
        return draw(trainer)

    panel.view.draw = failing_draw
    panel.train(wait=True)  # nothing escapes to the kernel's log
    assert message(panel) == "⚠ RuntimeError: the figure could not be drawn"
    assert panel.error == "RuntimeError: the figure could not be drawn"
    assert panel.progress.bar_style == "danger" and not panel.train_button.disabled
    assert not any(c.disabled for c in panel.controls)


def test_an_unexpected_error_in_the_settings_is_a_message(monkeypatch):
    panel = TrainPanel(TINY)

    def broken_config():
        raise KeyError("lr_d")

    monkeypatch.setattr(panel, "config", broken_config)
    panel.seed.value = 5  # the observer runs check(): no traceback, a message
    assert message(panel) == "⚠ KeyError: 'lr_d'" and panel.train_button.disabled


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
        assert fig.get_suptitle().startswith("ns on the ring, step 15 of 15: ")
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
    assert view.figure.get_suptitle().endswith("step 100 of 100")
    assert trainer.evals == []  # a view reads evaluations, it never makes them
    assert all(f.startswith(b"\x89PNG") for f in frames)
    assert plt.get_fignums() == []  # its own canvas: nothing for pyplot to show twice


def test_live_view_shows_the_latest_evaluation_with_its_step():
    view = LiveView(every=10, max_share=None, on_frame=lambda png: None)
    trainer = Trainer(TINY.replace(steps=25))
    trainer.fit([ModesOverTime(every=10, n_samples=500, final=True), view])
    assert [e["step"] for e in trainer.evals] == [0, 10, 20, 25]  # and the step it ended at
    m = trainer.evals[-1]
    metrics = f"{m['modes_covered']}/8 modes, {100 * m['high_quality']:.3g}% high quality"
    assert view.figure.get_suptitle().endswith(f"step 25 of 25: {metrics}")
    trainer.evals.pop()
    view.draw(trainer)
    assert view.figure.get_suptitle().endswith("high quality (at step 20)")


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
    full = decode(view.render(full=True))
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
    assert message(panel) == "⚠ strength must be a finite number >= 0, got -1.0"
    assert panel.error is not None
    panel.strength.value = 0.5
    assert panel.error is None
    for box in panel.modes.values():
        box.value = False
    assert "tick at least one" in message(panel)
    panel.modes["continuous"].value = True
    assert panel.error is None


@pytest.mark.parametrize("start", [1e308, float("inf"), -2e6])
def test_dirac_panel_says_when_a_start_is_too_far_out_to_draw(start):
    panel = DiracPanel()
    first = shown_png(panel.output)
    panel.theta0.value = start  # it used to fail inside matplotlib, seen only in the kernel log
    assert message(panel).startswith("⚠ start θ = ") and "too far out to draw" in message(panel)
    assert "\n" not in panel.message.value and panel.error is not None
    assert shown_png(panel.output) == first  # the last picture that could be drawn stays
    panel.theta0.value = 2.0
    assert panel.error is None and shown_png(panel.output) != first


def test_dirac_panel_shows_any_drawing_error_as_one_line(monkeypatch):
    panel = DiracPanel()

    def failing_draw(fig, setting):
        raise OverflowError("math range error\nin the plot")

    monkeypatch.setattr(panel, "draw", failing_draw)
    panel.lr.value = 0.2
    assert (
        message(panel)
        == "⚠ could not draw this setting: OverflowError: math range error in the plot"
    )
    assert panel.error.startswith("could not draw this setting")


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


PANEL_FILES = sorted(Path(panels.__file__).parent.glob("*.py"))


def test_panels_use_only_widgets_that_colab_has():
    source = "\n".join(path.read_text(encoding="utf-8") for path in PANEL_FILES)
    used = set(re.findall(r"\bwidgets\.([A-Z]\w*)", source))
    assert used and used <= IPYWIDGETS_7_AND_8, used - IPYWIDGETS_7_AND_8
    assert "description_tooltip" not in source and ".tooltip" not in source  # renamed in 8


# --- the package: small modules, public names only, the old module names kept ------------------
def test_panel_modules_are_small_and_import_no_private_names():
    import ast

    for path in PANEL_FILES:
        source = path.read_text(encoding="utf-8")
        assert len(source.splitlines()) <= 400, path.name
        tree = ast.parse(source)
        assert ast.get_docstring(tree), f"{path.name} says what it is for"
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module.startswith("gan_toy"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{path.name} imports {private} from {node.module}"


def test_the_old_module_names_still_work():
    from gan_toy import mnist_widgets, widgets

    for module in (widgets, mnist_widgets):
        assert module.__all__
        for name in module.__all__:
            assert getattr(module, name) is getattr(panels, name), name
    assert widgets.TrainPanel is TrainPanel and mnist_widgets.MNISTPanel is MNISTPanel


def test_each_panel_refuses_the_other_kind_of_data():
    with pytest.raises(ValueError, match="'mnist'.*MNISTPanel"):
        TrainPanel(TINY.replace(data="mnist"))
    with pytest.raises(ValueError, match="'ring'.*TrainPanel"):
        MNISTPanel(TINY)
