"""Nothing is lost: a run that diverges, is interrupted (Ctrl-C, SIGTERM) or fails late still
writes its JSON (atomically, with each run's status and step) and its final checkpoint; NaN never
overwrites a good checkpoint; in a sweep a diverged run is reported while the others keep their
metrics. These tests wait on events (a file written, a step reached), never on elapsed time."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from gan_toy.batched import BatchedTrainer
from gan_toy.checkpoint import load_checkpoint
from gan_toy.cli import main
from gan_toy.train import Trainer

TINY = ["--batch", "64", "--z-dim", "8", "--hidden", "16", "--eval-samples", "300", "--quiet"]
ROOT = Path(__file__).resolve().parents[1]


def no_temporary_files(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def at_step(monkeypatch, cls, step, action):
    """Make `cls.train_step` call `action(trainer)` once the trainer has completed `step`."""
    original = cls.train_step

    def train_step(self):
        original(self)
        if self.step == step:
            action(self)

    monkeypatch.setattr(cls, "train_step", train_step)


def raise_signals(*signums):
    def action(trainer):
        for signum in signums:
            signal.raise_signal(signum)

    return action


# --- Ctrl-C and SIGTERM, from outside -------------------------------------------------------------


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_the_cli_in_order_and_keeps_the_run(tmp_path, signum, status):
    ckpt, out = tmp_path / "run.pt", tmp_path / "run.json"
    argv = [sys.executable, "-m", "gan_toy", "train", "--steps", "1000000", *TINY]
    argv += ["--checkpoint", str(ckpt), "--checkpoint-every", "20", "--json", str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120  # generous: waits for the event, not a duration
        while not ckpt.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ckpt.exists(), "no checkpoint was written"
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == status, err
    assert "Traceback" not in err and f"stopped by {signal.Signals(signum).name}" in err
    result = json.loads(out.read_text())
    (run,) = result["runs"]
    assert result["status"] == run["status"] == "interrupted"
    assert 0 < run["step"] < 1_000_000 and "modes_covered" in run
    assert load_checkpoint(ckpt).step == run["step"]  # the final checkpoint, at the step reached
    assert no_temporary_files(tmp_path)


# --- the same, at a known step, in process --------------------------------------------------------


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_the_first_signal_ends_training_after_the_step_in_progress(
    tmp_path, monkeypatch, capsys, signum, status
):
    ckpt, out = tmp_path / "run.pt", tmp_path / "run.json"
    at_step(monkeypatch, Trainer, 7, raise_signals(signum))
    argv = ["train", "--steps", "100", *TINY, "--checkpoint", str(ckpt), "--json", str(out)]
    assert main(argv + ["--checkpoint-every", "5"]) == status
    (run,) = json.loads(out.read_text())["runs"]
    assert (run["status"], run["step"]) == ("interrupted", 7) and run["modes_covered"] >= 0
    assert load_checkpoint(ckpt).step == 7
    err = capsys.readouterr().err
    assert "Traceback" not in err and "at step 7" in err
    # what was kept resumes: the run goes on to its end
    assert main(["train", "--resume", str(ckpt), "--quiet", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["runs"][0]["step"] == 100


def test_a_second_signal_stops_at_once_and_still_writes_the_json(tmp_path, monkeypatch, capsys):
    ckpt, out = tmp_path / "run.pt", tmp_path / "run.json"
    at_step(monkeypatch, Trainer, 7, raise_signals(signal.SIGINT, signal.SIGINT))
    argv = ["train", "--steps", "100", *TINY, "--checkpoint", str(ckpt), "--json", str(out)]
    assert main(argv + ["--checkpoint-every", "5"]) == 130
    (run,) = json.loads(out.read_text())["runs"]
    assert run["status"] == "interrupted" and run["step"] == 7
    assert "modes_covered" not in run and "interrupted" in run["metrics"]
    assert load_checkpoint(ckpt).step == 5  # the last checkpoint made, untouched
    assert "Traceback" not in capsys.readouterr().err
    assert no_temporary_files(tmp_path)


def test_a_signal_before_training_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(Trainer, "__init__", lambda self, config: signal.raise_signal(15))
    out = tmp_path / "run.json"
    assert main(["train", "--steps", "10", *TINY, "--json", str(out)]) == 143
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "SIGTERM" in err and "nothing was written" in err
    assert not out.exists()


# --- divergence -----------------------------------------------------------------------------------


def test_divergence_exits_1_and_writes_the_json_and_the_last_finite_checkpoint(tmp_path, capsys):
    out, ckpt = tmp_path / "out.json", tmp_path / "c.pt"
    # an absurd learning rate with the saturating loss and no clipping blows the critic up
    args = ["train", "--loss", "wgan", "--lr-d", "1e30", "--lr-g", "1e30", "--optimizer", "sgd"]
    args += ["--steps", "200", *TINY, "--json", str(out), "--checkpoint", str(ckpt)]
    assert main(args) == 1
    err = capsys.readouterr().err.strip()
    assert "diverged at step" in err and len(err.splitlines()) == 1
    result = json.loads(out.read_text())
    (run,) = result["runs"]
    assert result["status"] == run["status"] == "diverged" and run["step"] >= 1
    assert run["quantity"] and "modes_covered" in run  # of the last finite networks
    trainer = load_checkpoint(ckpt)  # loads: finite, and consistent with its step
    assert trainer.step < run["step"]


def test_nan_never_overwrites_a_good_checkpoint(tmp_path, monkeypatch):
    out, ckpt = tmp_path / "out.json", tmp_path / "c.pt"

    def poison(trainer):  # a weight goes NaN after step 12
        with torch.no_grad():
            next(trainer.D.parameters()).fill_(math.nan)

    at_step(monkeypatch, Trainer, 12, poison)
    args = ["train", "--steps", "40", *TINY, "--json", str(out), "--checkpoint", str(ckpt)]
    assert main(args + ["--checkpoint-every", "5"]) == 1
    (run,) = json.loads(out.read_text())["runs"]
    assert run["status"] == "diverged" and 12 <= run["step"] <= 15 and run["quantity"]
    trainer = load_checkpoint(ckpt)  # refuses NaN: this is the state of step 10
    assert trainer.step == 10
    assert all(torch.isfinite(p).all() for p in trainer.D.parameters())
    assert no_temporary_files(tmp_path)


# --- a final evaluation or a late step that fails -------------------------------------------------


def test_a_failed_final_evaluation_still_writes_the_json(tmp_path, monkeypatch, capsys):
    def broken(self, *args, **kwargs):
        raise RuntimeError("the evaluation broke")

    monkeypatch.setattr(Trainer, "evaluate", broken)
    out, ckpt = tmp_path / "out.json", tmp_path / "c.pt"
    args = ["train", "--steps", "10", *TINY, "--json", str(out), "--checkpoint", str(ckpt)]
    assert main(args) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "the evaluation broke" in err and "Traceback" not in err
    (run,) = json.loads(out.read_text())["runs"]
    assert (run["status"], run["step"]) == ("ok", 10) and "evaluation broke" in run["metrics"]
    assert load_checkpoint(ckpt).step == 10


def test_running_out_of_memory_late_is_one_line_and_keeps_the_json(tmp_path, monkeypatch, capsys):
    def oom(trainer):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    at_step(monkeypatch, Trainer, 9, oom)
    out = tmp_path / "out.json"
    assert main(["train", "--steps", "20", *TINY, "--json", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "out of memory" in err and "at step 9" in err
    (run,) = json.loads(out.read_text())["runs"]
    assert (run["status"], run["step"]) == ("failed", 9) and "out of memory" in run["error"]


def test_a_bug_in_a_late_step_shows_its_traceback_after_writing_the_json(tmp_path, monkeypatch):
    def bug(trainer):
        raise ZeroDivisionError("a bug")

    at_step(monkeypatch, Trainer, 6, bug)
    out = tmp_path / "out.json"
    with pytest.raises(ZeroDivisionError):
        main(["train", "--steps", "20", *TINY, "--json", str(out)])
    (run,) = json.loads(out.read_text())["runs"]
    assert (run["status"], run["step"], run["error"]) == ("failed", 6, "ZeroDivisionError: a bug")


# --- batched runs ---------------------------------------------------------------------------------


def test_a_diverged_run_of_a_sweep_is_reported_and_the_others_keep_their_metrics(tmp_path, capsys):
    out = tmp_path / "sweep.json"
    args = ["train", "--loss", "wgan", "--optimizer", "sgd", "--steps", "60", *TINY]
    assert main(args + ["--sweep", "lr_d=1e-4,1e30", "--seeds", "2", "--json", str(out)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "diverged" in err and "the others went on" in err
    result = json.loads(out.read_text())
    assert result["status"] == "diverged"
    healthy = [r for r in result["runs"] if r["lr_d"] == 1e-4]
    broken = [r for r in result["runs"] if r["lr_d"] == 1e30]
    assert [(r["status"], r["step"]) for r in healthy] == [("ok", 60)] * 2
    assert all(r["status"] == "diverged" and 1 <= r["step"] <= 60 for r in broken)
    assert all("modes_covered" in r for r in result["runs"])


def test_sigterm_stops_a_batched_run_in_order(tmp_path, monkeypatch, capsys):
    out = tmp_path / "seeds.json"
    at_step(monkeypatch, BatchedTrainer, 30, raise_signals(signal.SIGTERM))
    args = ["train", "--steps", "1000", *TINY, "--seeds", "3", "--json", str(out)]
    assert main(args) == 143
    assert "Traceback" not in capsys.readouterr().err
    result = json.loads(out.read_text())
    assert result["status"] == "interrupted"
    steps = {r["step"] for r in result["runs"]}
    assert len(steps) == 1 and 30 <= steps.pop() < 1000  # stopped between chunks of steps
    assert all(r["status"] == "interrupted" and "modes_covered" in r for r in result["runs"])


def test_a_batched_run_out_of_memory_is_one_line_and_keeps_the_json(tmp_path, monkeypatch, capsys):
    def oom(trainer):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    at_step(monkeypatch, BatchedTrainer, 30, oom)
    out = tmp_path / "seeds.json"
    assert main(["train", "--steps", "100", *TINY, "--seeds", "2", "--json", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "out of memory" in err and "Traceback" not in err
    result = json.loads(out.read_text())
    assert result["status"] == "failed"
    assert [(r["status"], r["step"]) for r in result["runs"]] == [("failed", 30)] * 2
