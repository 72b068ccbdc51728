"""The command-line contract: JSON layout, usage errors (exit 2, one line), divergence."""

import json
import subprocess
import sys

import pytest

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
    (run,) = result["runs"]
    assert run["seed"] == 3
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


@pytest.mark.parametrize(
    "args, words",
    [
        (["--loss", "foo"], ["'foo'", "minimax", "ns", "wgan-gp"]),
        (["--data", "moons"], ["'moons'", "ring", "grid"]),
        (["--steps", "0"], ["steps", "0"]),
        (["--steps", "-3"], ["steps", "-3"]),
        (["--lr-d", "0"], ["lr_d", "0"]),
        (["--lr-g", "-1"], ["lr_g", "-1"]),
        (["--batch", "0"], ["batch_size", "0"]),
        (["--reg", "r3=1"], ["'r3'", "r1", "gp"]),
        (["--unroll-order", "3"], ["3", "1", "2"]),
    ],
)
def test_usage_errors_exit_2_with_one_clear_line(capsys, args, words):
    assert main(["train"] + args + ["--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    for word in words:
        assert word in err


def test_module_entry_point_exits_2_without_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "gan_toy", "train", "--loss", "bogus"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "'bogus'" in proc.stderr


def test_divergence_exits_1_and_still_writes_json(tmp_path, capsys):
    out = tmp_path / "out.json"
    # an absurd learning rate with the saturating loss and no clipping blows the critic up
    args = ["train", "--loss", "wgan", "--lr-d", "1e30", "--lr-g", "1e30", "--optimizer", "sgd"]
    status = main(args + ["--steps", "200", "--batch", "32", "--quiet", "--json", str(out)])
    assert status == 1
    assert "diverged at step" in capsys.readouterr().err
    run = json.loads(out.read_text())["runs"][0]
    assert run["diverged_at_step"] >= 1


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


@pytest.mark.parametrize(
    "args, words",
    [
        (["--sweep", "foo=1,2"], ["'foo'", "lr_d", "r1"]),
        (["--sweep", "lr_d=a,b"], ["lr_d", "numbers"]),
        (["--sweep", "d_steps=1.5"], ["whole numbers"]),
        (["--seeds", "0"], ["--seeds", "0"]),
        (["--seeds", "2", "--reg", "sn=1"], ["'sn'"]),
        (["--seeds", "2", "--eval-every", "5"], ["--eval-every"]),
    ],
)
def test_batched_usage_errors(capsys, args, words):
    assert main(["train", "--steps", "2"] + args + ["--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    for word in words:
        assert word in err
