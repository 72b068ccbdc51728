"""The MNIST lab panel, driven the way a student drives it, without a browser.

Runs use the shipped subset and tiny networks (a few dozen steps take about a second). The
classifier is a never-trained one cached in a temporary folder ($GAN_TOY_DATA), so no test
trains it: the panel's plumbing does not depend on how well it classifies.
"""

from __future__ import annotations

import base64
import html
import re
import threading
import time

import matplotlib
import numpy as np
import pytest
import torch

from gan_toy import ModesOverTime
from gan_toy.config import TrainConfig
from gan_toy.data import classifier as clf
from gan_toy.panels import MNIST_LAB_CONFIG, MNISTLiveView, MNISTPanel, mode_counts
from gan_toy.panels import base as panel_base
from gan_toy.train import Trainer

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TINY = TrainConfig(data="mnist", mnist_source="subset", hidden=16, batch_size=16, z_dim=8, steps=20)


def shown_png(output) -> bytes:
    """The PNG an Output widget shows (set through its `outputs` trait)."""
    (item,) = output.outputs
    png = base64.b64decode(item["data"]["image/png"])
    assert png.startswith(b"\x89PNG")
    return png


def message(panel) -> str:
    """The panel's message as text (it is HTML)."""
    return html.unescape(re.sub(r"<[^>]+>", "", panel.message.value))


def wait_until(condition, timeout: float = 120.0) -> bool:
    """Poll `condition()` until it holds or `timeout` seconds (generous: CI machines are busy)
    have passed; whether it held."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture(autouse=True)
def untrained_classifier(tmp_path_factory, monkeypatch):
    """$GAN_TOY_DATA points at a folder holding a never-trained classifier, so nothing trains it
    (and nothing reads or writes the user's cache)."""
    root = tmp_path_factory.getbasetemp() / "mnist_widgets_data"
    path = clf.classifier_path("subset", root / "mnist")
    if not path.is_file():
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            model = clf.DigitClassifier()
        model.info = {"version": clf.VERSION, "source": "subset", "test_accuracy": 0.1}
        clf.save_classifier(model, path)
    monkeypatch.setenv("GAN_TOY_DATA", str(root))
    clf.forget_loaded_classifiers()


def test_lab_config_is_an_mnist_mlp():
    assert MNIST_LAB_CONFIG.validate() is MNIST_LAB_CONFIG
    assert (MNIST_LAB_CONFIG.data, MNIST_LAB_CONFIG.arch, MNIST_LAB_CONFIG.hidden) == (
        "mnist",
        "mlp",
        128,
    )


def test_mode_counts_reads_triples_as_numbers():
    probs = torch.zeros(3, 3, 10)
    for i, digits in enumerate([(1, 2, 3), (1, 2, 3), (9, 0, 7)]):
        for c, d in enumerate(digits):
            probs[i, c, d] = 1.0
    counts = mode_counts(probs)
    assert counts.shape == (1000,) and counts[123] == 2 and counts[907] == 1 and counts.sum() == 3
    assert mode_counts(probs[:, :1]).tolist() == [0, 2, 0, 0, 0, 0, 0, 0, 0, 1]


def test_panel_starts_from_its_config_and_rejects_2d_data():
    config = TINY.replace(loss="hinge", regs={"r1": 2.0}, d_steps=3, seed=5)
    panel = MNISTPanel(config)
    assert panel.config() == config
    assert (panel.data.value, panel.arch.value, panel.reg.value) == ("mnist", "mlp", "r1")
    with pytest.raises(ValueError, match="MNISTPanel takes mnist or stacked-mnist"):
        MNISTPanel(TrainConfig())


def test_train_uses_the_controls_and_shows_digits():
    panel = MNISTPanel(TINY, live_every=10, max_share=None, n=200)
    panel.loss.value = "lsgan"
    panel.lr_d.value, panel.lr_g.value = 1e-3, 1e-4
    panel.g_steps.value = 2
    panel.steps.value, panel.seed.value = 20, 3
    panel.final_samples = 300
    panel.train(wait=True)

    cfg = panel.trainer.config
    assert (cfg.data, cfg.loss, cfg.g_steps, cfg.steps, cfg.seed) == ("mnist", "lsgan", 2, 20, 3)
    assert cfg.batch_size == TINY.batch_size and cfg.hidden == TINY.hidden
    assert panel.error is None, panel.error
    assert "trained step 20" in message(panel) and "of 10 modes" in message(panel)
    assert "KL to uniform" in message(panel) and "(300 samples)" in message(panel)
    assert panel.progress.value == 20 and panel.progress.bar_style == "success"
    assert [e["step"] for e in panel.history.evals] == [0, 10, 20]  # modes over time
    assert all(sum(e["class_histogram"]) == 200 for e in panel.history.evals)
    assert panel.view.redraws == 3
    title = panel.view.figure.get_suptitle()
    assert title.startswith("lsgan mlp on mnist, step 20 of 20: ") and "(at step" not in title
    shown_png(panel.output)
    assert not panel.train_button.disabled and panel.stop_button.disabled
    assert not any(c.disabled for c in panel.controls)


def test_stacked_mnist_and_dcgan_from_the_controls():
    panel = MNISTPanel(TINY.replace(steps=4), live_every=2, max_share=None, n=100)
    panel.data.value, panel.arch.value = "stacked-mnist", "dcgan"
    assert "several times slower" in message(panel) and panel.error is None
    panel.final_samples = 100
    panel.train(wait=True)
    cfg = panel.trainer.config
    assert (cfg.data, cfg.arch, cfg.channels) == ("stacked-mnist", "dcgan", 3)
    assert "of 1000 modes" in message(panel), message(panel)
    assert panel.view.last_counts.shape == (1000,) and panel.view.last_counts.sum() == 100
    assert panel.trainer.sample(2).shape == (2, 3, 28, 28)
    shown_png(panel.output)


def test_train_button_runs_in_a_thread_and_stop_keeps_what_was_trained():
    panel = MNISTPanel(TINY.replace(steps=100_000), live_every=1000, n=100)
    panel.train_button.click()
    try:
        assert panel.running
        assert panel.train_button.disabled and not panel.stop_button.disabled
        assert all(c.disabled for c in panel.controls)
        assert wait_until(lambda: panel.trainer is not None and panel.trainer.step >= 10)
        panel.train_button.click()
        assert "already training" in message(panel)
    finally:
        panel.stop_button.click()
        panel.join(timeout=120)
    assert not panel.running  # the thread ended: Stop was heard
    step = panel.trainer.step
    assert 10 <= step < 100_000 and len(panel.history) == step  # before its step budget
    assert f"stopped at step {step}" in message(panel)
    assert panel.progress.value == step
    assert not panel.train_button.disabled and panel.stop_button.disabled


def test_the_closing_score_is_announced_while_it_runs(monkeypatch):
    seen = []

    class Watched(Trainer):
        def evaluate(self, n=None, frechet=False):
            seen.append((n, message(panel)))
            return super().evaluate(n, frechet)

    monkeypatch.setattr(panel_base, "Trainer", Watched)
    panel = MNISTPanel(TINY, live_every=10, n=50)
    panel.final_samples = 300
    panel.train(wait=True)
    assert seen[-1] == (300, "scoring 300 samples with the classifier…")
    assert "(300 samples)" in message(panel)


def test_stop_says_stopping_until_the_run_has_ended():
    panel = MNISTPanel(TINY.replace(steps=100_000), live_every=1000, n=50)
    release = threading.Event()
    last_frame = panel.view.on_train_end

    def held_last_frame(trainer):
        release.wait(120)
        last_frame(trainer)

    panel.view.on_train_end = held_last_frame
    panel.train_button.click()
    try:
        assert wait_until(lambda: panel.trainer is not None and panel.trainer.step >= 3)
        panel.stop_button.click()
        assert message(panel) == "stopping…" and panel.stop_button.disabled
    finally:
        release.set()
        panel.stop()
        panel.join(timeout=120)
    assert not panel.running and "stopped at step" in message(panel)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"unroll": 3, "update": "simultaneous"}, "unroll steps = 3 with updates = simultaneous"),
        ({"g_steps": 2, "update": "simultaneous"}, "got D steps / round = 1, G steps / round = 2"),
        ({"steps": -5}, "steps must be a whole number from 1 to 100,000,000, got -5"),
        (
            {"reg": "gp", "reg_weight": -1.0},
            "weight of regulariser gp = -1.0 must be a finite number >= 0",
        ),
        ({"reg": "clip", "reg_weight": 0.0}, "weight (clip bound) must be a number > 0, got 0.0"),
    ],
)
def test_invalid_settings_show_a_message_instead_of_training(changes, expected):
    panel = MNISTPanel(TINY)
    for name, value in changes.items():
        getattr(panel, name).value = value
    assert expected in message(panel) and expected in panel.error
    assert "#b00020" in panel.message.value
    assert panel.train_button.disabled
    assert panel.train(wait=True) is None and panel.trainer is None
    default = MNISTPanel(TINY)
    for name in changes:
        getattr(panel, name).value = getattr(default, name).value
    assert panel.error is None and not panel.train_button.disabled


def test_an_unavailable_device_is_a_message():
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    panel = MNISTPanel(TINY.replace(device="cuda"))
    panel.train(wait=True)
    assert "CUDA is not available" in message(panel) and panel.error is not None
    assert panel.progress.bar_style == "danger"


def test_an_error_while_drawing_is_a_one_line_message():
    panel = MNISTPanel(TINY, live_every=10, n=50)

    def failing_draw(trainer):
        raise ValueError("cannot convert float NaN\nto integer")

    panel.view.draw = failing_draw
    panel.train(wait=True)
    assert message(panel) == "⚠ ValueError: cannot convert float NaN to integer"
    assert panel.progress.bar_style == "danger" and not panel.train_button.disabled


def test_divergence_is_a_warning_naming_the_step(monkeypatch):
    class Diverging(Trainer):
        def train_step(self):
            super().train_step()
            if self.step == 7:
                with torch.no_grad():
                    for weight in self.G.parameters():
                        weight.fill_(float("inf"))

    monkeypatch.setattr(panel_base, "Trainer", Diverging)
    panel = MNISTPanel(TINY, live_every=5, n=50)
    panel.train(wait=True)
    assert message(panel).startswith("⚠ training diverged at step 7:")
    assert "trained" not in message(panel) and panel.progress.bar_style == "warning"
    assert panel.diverged_at == 7
    assert panel.trainer is not None and not panel.running and not panel.train_button.disabled


def test_live_view_shows_the_evaluations_even_when_it_skips_drawing():
    view = MNISTLiveView(every=5, max_share=0.0, on_frame=lambda png: None)
    trainer = Trainer(TINY)
    trainer.fit([ModesOverTime(every=5, n_samples=50, final=True), view])
    assert [e["step"] for e in trainer.evals] == [0, 5, 10, 15, 20]
    assert view.redraws == 2 and view.skipped == 4  # the first and the final frame only
    assert view.last_counts.tolist() == trainer.evals[-1]["mode_histogram"]
    assert "step 20 of 20: " in view.figure.get_suptitle()


def test_live_view_only_reads_evaluations():
    frames = []
    view = MNISTLiveView(every=5, max_share=None, on_frame=frames.append)
    trainer = Trainer(TINY.replace(steps=10))
    trainer.fit([view])
    assert trainer.evals == [] and view.last_counts is None  # it scored nothing
    assert view.figure.get_suptitle().endswith("step 10 of 10") and len(frames) == 3
    # Evaluations at other steps than the frame's are labelled with their step.
    trainer.evals.append({"step": 7, **trainer.evaluate(40)})
    view.draw(trainer)
    assert view.figure.get_suptitle().endswith("confident (at step 7)")
    assert view.last_counts.sum() == 40


def test_static_figure_is_the_default_setting():
    panel = MNISTPanel(TINY.replace(steps=6), live_every=3, n=50)
    panel.loss.value, panel.steps.value = "hinge", 2
    fig = panel.static_figure()
    try:
        assert fig.number in plt.get_fignums()
        assert fig.get_suptitle().startswith("ns mlp on mnist, step 6 of 6: ")
        image = fig.axes[0].get_images()[0].get_array()
        assert np.ptp(np.asarray(image)) > 0  # real samples, not the blank start
    finally:
        plt.close("all")
