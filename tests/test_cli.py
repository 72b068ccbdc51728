"""The command-line contract: the JSON's layout, every option reaching the config, resuming,
batched seeds and sweeps. Bad input is in test_cli_errors.py, faults and signals in
test_cli_faults.py."""

import json
import subprocess
import sys

import pytest
import torch

from gan_toy.checkpoint import load_checkpoint
from gan_toy.cli import main

TINY = ["--steps", "5", "--batch", "32", "--eval-samples", "200", "--quiet"]


def test_train_writes_the_json_contract(tmp_path):
    out = tmp_path / "out.json"
    args = ["train", "--data", "ring", "--loss", "ns", "--seed", "3", "--json", str(out)]
    status = main(args + TINY)
    assert status == 0
    result = json.loads(out.read_text())
    assert result["config"]["loss"] == "ns" and result["config"]["steps"] == 5
    assert result["steps_per_second"] > 0
    assert result["status"] == "ok"
    (run,) = result["runs"]
    assert (run["seed"], run["status"], run["step"]) == (3, "ok", 5)
    assert set(run) >= {"seed", "modes_covered", "high_quality", "reverse_kl"}
    assert 0 <= run["modes_covered"] <= 8 and 0.0 <= run["high_quality"] <= 1.0


def test_every_option_reaches_the_config(tmp_path):
    out = tmp_path / "out.json"
    args = ["train", "--data", "grid", "--loss", "wgan", "--lr-d", "0.002", "--lr-g", "0.003"]
    args += ["--d-steps", "2", "--g-steps", "3", "--device", "cpu", "--clip", "0.05"]
    args += ["--reg", "r1=2.5", "--reg", "noise=0.1", "--unroll", "1", "--unroll-order", "1"]
    assert main(args + TINY + ["--json", str(out)]) == 0
    cfg = json.loads(out.read_text())["config"]
    assert (cfg["data"], cfg["loss"], cfg["lr_d"], cfg["lr_g"]) == ("grid", "wgan", 0.002, 0.003)
    assert (cfg["d_steps"], cfg["g_steps"], cfg["device"], cfg["clip"]) == (2, 3, "cpu", 0.05)
    assert cfg["regs"] == {"r1": 2.5, "noise": 0.1}
    assert (cfg["unroll"], cfg["unroll_order"], cfg["batch_size"]) == (1, 1, 32)


def test_module_entry_point_exits_2_without_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "gan_toy", "train", "--loss", "bogus"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "'bogus'" in proc.stderr


def test_resume_from_a_partial_checkpoint_matches_a_straight_run(tmp_path):
    from gan_toy import TrainConfig, Trainer, save_checkpoint

    straight, resumed, ckpt = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.pt"
    base = ["train", "--steps", "12", "--batch", "32", "--eval-samples", "300", "--quiet"]
    assert main(base + ["--json", str(straight)]) == 0
    # the same run, stopped after 5 of its 12 steps
    config = TrainConfig(steps=12, batch_size=32, eval_samples=300)
    partial = Trainer(config)
    partial.fit(until=5)
    save_checkpoint(partial, ckpt)
    assert main(["train", "--resume", str(ckpt), "--quiet", "--json", str(resumed)]) == 0
    assert json.loads(straight.read_text())["runs"] == json.loads(resumed.read_text())["runs"]


def test_resume_of_a_missing_checkpoint_is_a_usage_error(tmp_path, capsys):
    assert main(["train", "--resume", str(tmp_path / "none.pt"), "--quiet"]) == 2
    assert "no checkpoint" in capsys.readouterr().err


def test_seeds_run_batched_and_each_matches_its_single_run(tmp_path):
    batched, single = tmp_path / "b.json", tmp_path / "s.json"
    base = ["train", "--steps", "8", "--batch", "32", "--eval-samples", "400", "--quiet"]
    assert main(base + ["--seed", "5", "--seeds", "3", "--json", str(batched)]) == 0
    result = json.loads(batched.read_text())
    assert [r["seed"] for r in result["runs"]] == [5, 6, 7]
    assert result["steps_per_second"] > 0
    assert main(base + ["--seed", "6", "--json", str(single)]) == 0
    (alone,) = json.loads(single.read_text())["runs"]
    together = result["runs"][1]
    assert together["modes_covered"] == alone["modes_covered"]
    assert together["high_quality"] == pytest.approx(alone["high_quality"], abs=2e-3)


def test_sweeps_cross_with_seeds_and_label_each_run(tmp_path):
    out = tmp_path / "sweep.json"
    args = ["train", "--steps", "3", "--batch", "16", "--eval-samples", "100", "--quiet"]
    args += ["--seeds", "2", "--sweep", "lr-d=1e-4,1e-3", "--sweep", "d_steps=1,2"]
    assert main(args + ["--json", str(out)]) == 0
    runs = json.loads(out.read_text())["runs"]
    combos = {(r["lr_d"], r["d_steps"], r["seed"]) for r in runs}
    assert combos == {(lr, d, s) for lr in (1e-4, 1e-3) for d in (1, 2) for s in (0, 1)}


def test_resume_with_more_steps_continues_the_run_bit_for_bit(tmp_path):
    straight, resumed, ckpt = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.pt"
    base = ["train", "--batch", "32", "--z-dim", "8", "--hidden", "16", "--quiet"]
    base += ["--eval-samples", "300"]
    assert main(base + ["--steps", "12", "--json", str(straight)]) == 0
    assert main(base + ["--steps", "5", "--checkpoint", str(ckpt)]) == 0
    # only the steps (and where results go) may change on a resume; the rest comes from the file
    args = ["train", "--resume", str(ckpt), "--steps", "12", "--device", "cpu", "--quiet"]
    assert main(args + ["--json", str(resumed), "--checkpoint", str(ckpt)]) == 0
    a, b = json.loads(straight.read_text()), json.loads(resumed.read_text())
    assert a["runs"] == b["runs"] and b["runs"][0]["step"] == 12
    assert b["config"]["steps"] == 12 and b["config"]["device"] == "cpu"
    assert load_checkpoint(ckpt).step == 12


def test_resume_accepts_flags_equal_to_the_checkpoints(tmp_path):
    ckpt = tmp_path / "c.pt"
    base = ["train", "--steps", "4", "--batch", "32", "--z-dim", "8", "--hidden", "16"]
    assert main(base + ["--quiet", "--checkpoint", str(ckpt)]) == 0
    again = ["--lr-d", "1e-4", "--loss", "ns", "--no-tf32", "--beta1", "0.5", "--eval-every", "2"]
    assert main(base + again + ["--resume", str(ckpt), "--quiet"]) == 0


def test_a_checkpoint_made_for_another_device_resumes_with_device(tmp_path, capsys):
    ckpt = tmp_path / "c.pt"
    base = ["train", "--steps", "4", "--batch", "32", "--z-dim", "8", "--hidden", "16"]
    assert main(base + ["--quiet", "--checkpoint", str(ckpt)]) == 0
    state = torch.load(ckpt, weights_only=True)
    state["config"]["device"] = "cuda"  # as if made on a GPU: tensors load to the CPU anyway
    torch.save(state, ckpt)
    out = tmp_path / "r.json"
    if not torch.cuda.is_available():
        assert main(["train", "--resume", str(ckpt), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert "'cuda'" in err and "--device" in err and len(err.splitlines()) == 1
    args = ["train", "--resume", str(ckpt), "--device", "cpu", "--steps", "6", "--quiet"]
    assert main(args + ["--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert (result["device"], result["config"]["device"], result["runs"][0]["step"]) == (
        "cpu",
        "cpu",
        6,
    )
