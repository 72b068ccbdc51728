"""Ctrl-C (SIGINT) and SIGTERM as one orderly stop of the command line.

The first signal during training ends it after the step in progress; then the final
checkpoint, evaluation and JSON are written and the exit status is 130 or 143 (128 + the
signal's number, as a shell reports a process killed by it). A second signal stops at once,
still writing the JSON (with the step reached, without final metrics); a signal while results
are being written waits for them; one before training begins stops with nothing written.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Any


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM, raised where the work cannot be stopped in order."""

    def __init__(self, signum: int, when: str = "before training began; nothing was written"):
        self.signum = signum
        self.exit_status = 128 + signum  # 130 for SIGINT, 143 for SIGTERM, as a shell reports
        super().__init__(f"stopped by {signal.Signals(signum).name} {when}")


class SignalGuard:
    """Ctrl-C and SIGTERM as one orderly stop, whatever the command is doing.

    In mode "raise" (setting up, evaluating) a signal raises Interrupted; in "flag" (training)
    the first is noted and asks the trainer to stop after the step in progress, while a second
    raises; in "defer" (writing results) it is only noted. `signum` is the first signal
    received, if any. Handlers are installed in the main thread only and restored on exit.
    As a callback, the guard passes on a signal that came before the loop began.
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self.mode = "raise"
        self.trainer: Any = None  # the Trainer or BatchedTrainer being trained, once there is one
        self._saved: dict = {}

    def __enter__(self) -> SignalGuard:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._saved[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._saved.items():
            signal.signal(sig, handler)

    def _handle(self, signum, frame) -> None:
        first = self.signum is None
        if first:
            self.signum = signum
        if self.mode == "flag" and first and self.trainer is not None:
            self.trainer.stop_requested = True  # the loop ends after the step in progress
            return
        if self.mode != "defer":
            raise Interrupted(signum)

    @contextlib.contextmanager
    def while_(self, mode: str, trainer=None):
        before = self.mode, self.trainer
        self.mode, self.trainer = mode, trainer
        try:
            yield
        finally:
            self.mode, self.trainer = before

    @property
    def stopped(self) -> bool:
        return self.signum is not None

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum is not None else ""

    @property
    def exit_status(self) -> int:
        return 128 + self.signum if self.signum is not None else 0

    def on_train_begin(self, trainer) -> None:
        if self.stopped:
            trainer.stop_requested = True
