"""The machinery every training panel shares: Train and Stop, a progress bar, a message line,
and a run in a background thread.

Training runs in a background thread so that the Stop button (handled by the kernel's main
thread) is heard at once: Stop says "stopping…" and disables itself there and then, and the
trainer checks the stop event after every step and keeps what it trained. The thread never
prints; it only sets widget traits (display.py). A lock orders the two threads' messages, so
"stopping…" never replaces the message a run ended with.

Everything a panel does is a plain Python method on plain widget objects
(`panel.train_button.click()`, `panel.loss.value = "wgan"`), so tests drive panels without a
browser. Only widgets and traits that exist in ipywidgets 7.7 (Colab) and 8 are used.

A run's callbacks are, in this order: one ModesOverTime(final=True), which scores the generator
every `view.every` steps and at the end into `trainer.evals`; the live view, which draws what
the trainer has and shows the latest evaluation (it never scores samples itself); and the
ProgressForwarder.

A panel built on TrainingPanel provides `controls` (frozen while training), `view` (the live
view, a training callback), `config()` (the TrainConfig the controls describe, ConfigError if
invalid), `hint(config)`, `evaluation_samples(config)` and `closing_message(config)`, and may
extend `make_trainer(config)`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import ipywidgets as widgets

from gan_toy.callbacks import ModesOverTime
from gan_toy.config import ConfigError, TrainConfig
from gan_toy.panels.display import error_line, show_message
from gan_toy.train import DivergenceError, Trainer

CONTROL_STYLE = {"description_width": "110px"}
W = TypeVar("W")  # a widget

# What went non-finite, in the words of the panel's curves.
QUANTITY_WORDS = {
    "d_loss": "D's loss",
    "g_loss": "G's loss",
    "d_real": "D's output on real data",
    "d_fake": "D's output on generated data",
    "g_grad_norm": "G's gradient",
}


def control(cls: Callable[..., W], description: str, **kw: Any) -> W:
    """A control in the panels' style: a 110 px label and a 300 px wide widget."""
    return cls(
        description=description, style=CONTROL_STYLE, layout=widgets.Layout(width="300px"), **kw
    )


class ProgressForwarder:
    """Training callback inside the training thread: honours the Stop button (`stop_event`)
    after every step, and hands the trainer to `show(trainer)` (the progress bar) every
    `show_every` steps."""

    every = 1  # the trainer calls on_step_end after every step

    def __init__(self, stop_event: threading.Event, show, show_every: int = 10):
        self.stop_event, self.show, self.show_every = stop_event, show, show_every

    def on_step_end(self, trainer) -> None:
        if self.stop_event.is_set():
            trainer.stop_requested = True
        if trainer.step % self.show_every == 0:
            self.show(trainer)

    def on_train_end(self, trainer) -> None:
        self.show(trainer)


class View(Protocol):
    """What a panel's live view is: a training callback that draws every `every` steps."""

    every: int


class TrainingPanel:
    """Train / Stop buttons, a progress bar with a status line, a message line and an output
    for the live view, and the background run behind them. See the module docstring for what a
    subclass provides; `panel.trainer` holds the last run (also after Stop or divergence),
    `panel.error` the message of a run or setting that failed (None if all went well), and
    `panel.diverged_at` the step at which the last run diverged (None if it did not)."""

    view: View  # the live view, set by the subclass

    def __init__(self) -> None:
        self.trainer: Trainer | None = None
        self.error: str | None = None
        self.diverged_at: int | None = None
        self._thread: threading.Thread | None = None
        self._stop_event = threading.Event()
        self._lock = threading.Lock()  # orders Stop's message and the run's last one
        self._active = False  # a run has started and not yet shown how it ended
        self._started = 0.0
        self.train_button = widgets.Button(description="Train", button_style="success", icon="play")
        self.stop_button = widgets.Button(
            description="Stop", button_style="danger", icon="stop", disabled=True
        )
        self.train_button.on_click(lambda _: self.train())
        self.stop_button.on_click(lambda _: self.stop())
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="progress")
        self.status = widgets.HTML("")
        self.message = widgets.HTML("")
        self.output = widgets.Output()
        self.controls: list = []

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def say(self, text: str, kind: str = "info") -> None:
        """Show `text` in the panel's message line (display.show_message's kinds)."""
        show_message(self.message, text, kind)

    def say_progress(self, text: str) -> None:
        """Show what the run is doing, unless Stop was pressed: then "stopping…" stays."""
        with self._lock:
            if not self._stop_event.is_set():
                self.say(text, "info")

    # --- what a subclass provides -----------------------------------------------------------------
    def config(self) -> TrainConfig:
        """The TrainConfig the controls describe; ConfigError if it is invalid."""
        raise NotImplementedError

    def hint(self, config: TrainConfig) -> str:
        """A note on a valid setting that may not do what a student expects, or ''."""
        raise NotImplementedError

    def evaluation_samples(self, config: TrainConfig) -> int:
        """How many samples each evaluation of the run scores."""
        raise NotImplementedError

    def closing_message(self, config: TrainConfig) -> str:
        """What the message line says when a run ends without diverging."""
        raise NotImplementedError

    # --- settings ---------------------------------------------------------------------------------
    def check(self) -> TrainConfig | None:
        """Validate the controls: show the problem (and disable Train) or a hint; return the
        config when it is valid."""
        try:
            config = self.config()
        except Exception as err:  # a ConfigError names the bad value; anything else, its type
            self.error = self.explain(err) if isinstance(err, ConfigError) else error_line(err)
            self.say(self.error, "error")
            self.train_button.disabled = True
            return None
        self.error = None
        self.train_button.disabled = self.running
        self.say(self.hint(config), "note")
        return config

    def explain(self, err: ConfigError) -> str:
        """A ConfigError of the controls' settings, as the panel shows it."""
        return str(err)

    # --- training ---------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def history(self):
        return None if self.trainer is None else self.trainer.history

    def train(self, wait: bool = False):
        """Start a new run with the current settings: in a background thread (returned), or
        here and now with `wait=True`. Invalid settings only show their message."""
        if self.running:
            self.say("already training: press Stop first", "error")
            return None
        config = self.check()
        if config is None:
            return None
        self._stop_event.clear()
        self._active = True
        self.diverged_at = None
        self._set_running(True, config)
        if wait:
            self._run(config)
            return None
        self._thread = threading.Thread(target=self._run, args=(config,), daemon=True)
        self._thread.start()
        return self._thread

    def stop(self) -> None:
        """Ask the run to stop after its current step; it keeps everything trained. Says
        "stopping…" and disables Stop at once: the run's closing frame and score follow."""
        with self._lock:
            if not self._active or self._stop_event.is_set():
                return
            self._stop_event.set()
            self.stop_button.disabled = True
            self.say("stopping…", "info")

    def join(self, timeout: float | None = None) -> None:
        """Wait for the run's thread to end (at most `timeout` seconds)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _set_running(self, running: bool, config=None) -> None:
        for widget in self.controls:
            widget.disabled = running
        self.train_button.disabled = running
        self.stop_button.disabled = not running
        if running:
            self.progress.max, self.progress.value = max(config.steps, 1), 0
            self.progress.bar_style = ""
            self._started = time.perf_counter()
            self.say("training…", "info")

    def show_progress(self, trainer) -> None:
        """Move the progress bar and the status line to the trainer's step."""
        self.progress.value = trainer.step
        elapsed = time.perf_counter() - self._started
        rate = trainer.step / elapsed if elapsed > 0 else 0.0
        self.status.value = f"step {trainer.step} / {trainer.config.steps} ({rate:.0f} steps/s)"

    def _run(self, config: TrainConfig) -> None:
        # The training thread: train, then say how it went in the panel, never in a traceback.
        kind, text = "ok", ""
        self.trainer = None  # a run that fails to start leaves no trainer of an earlier run
        try:
            self.trainer = self.make_trainer(config)
            self._started = time.perf_counter()  # the run's time leaves out loading
            self.say_progress("training…")
            callbacks = [
                ModesOverTime(self.view.every, self.evaluation_samples(config), final=True),
                self.view,
                ProgressForwarder(self._stop_event, self.show_progress),
            ]
            try:
                self.trainer.fit(callbacks)
            except DivergenceError as err:
                self.diverged_at = err.step
                kind, text = "warning", self.divergence_message(err, callbacks)
            else:
                text = self.closing_message(config)
        except Exception as err:  # a device not available, a figure that cannot be drawn, ...
            kind, text = "error", error_line(err)  # a message, never a traceback
        finally:
            with self._lock:
                self._active = False
                self.error = None if kind == "ok" else text
                self._set_running(False)
                if self.trainer is not None:
                    self.show_progress(self.trainer)
                self.progress.bar_style = {"ok": "success", "warning": "warning"}.get(
                    kind, "danger"
                )
                self.say(text, kind)

    def divergence_message(self, err: DivergenceError, callbacks: list) -> str:
        """Finish a diverged run (the trainer is back at its last finite networks: score them
        and draw them) and say what happened, naming the step."""
        what = QUANTITY_WORDS.get(err.quantity, err.quantity)
        text = (
            f"training diverged at step {err.step}: {what} became NaN or Inf. "
            "Shown: the last networks that were still finite. A smaller learning rate or a "
            "regulariser may keep the run stable."
        )
        try:
            for callback in callbacks:
                callback.on_train_end(self.trainer)
        except Exception as draw_err:  # the divergence stays the news
            text += f" (The last frame could not be drawn: {error_line(draw_err)}.)"
        return text

    def make_trainer(self, config: TrainConfig) -> Trainer:
        """The run's Trainer (a panel for images also loads its classifier here)."""
        return Trainer(config)

    def last_run(self) -> Trainer:
        """`panel.trainer`, the last run, for what is said when it ends; RuntimeError if the
        panel has not started one."""
        if self.trainer is None:
            raise RuntimeError("no run yet: press Train first")
        return self.trainer

    def how_far(self, config: TrainConfig) -> str:
        """'trained step N in T s' or 'stopped at step N in T s', for the closing message."""
        step = self.last_run().step
        stopped = "stopped at" if step < config.steps else "trained"
        return f"{stopped} step {step} in {time.perf_counter() - self._started:.1f} s"
