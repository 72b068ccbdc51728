"""Bad input is refused before any work: exit status 2, exactly one line on stderr naming the
bad value and what is allowed, no traceback, and nothing written."""

from __future__ import annotations

import os
import urllib.error
from pathlib import Path

import pytest
import torch

from gan_toy.cli import main
from gan_toy.data import mnist

TINY = ["--steps", "20", "--batch", "64", "--z-dim", "8", "--hidden", "16", "--quiet"]


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def refused(argv, capsys, tmp_path, words, json=True):
    """Run the CLI on `argv` (plus --json in tmp_path); assert the refusal and its words."""
    before = files_under(tmp_path)
    extra = ["--json", str(tmp_path / "out" / "result.json")] if json else []
    status = main(["train"] + argv + extra)
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in err, (word, err)
    assert files_under(tmp_path) == before  # nothing written, no folder made
    return err


BAD_VALUES = [
    (["--lr-d", "inf"], ["--lr-d", "'inf'", "finite number"]),
    (["--lr-d", "nan"], ["--lr-d", "'nan'", "finite number"]),
    (["--lr-d", "0"], ["lr_d", "0", "> 0"]),
    (["--lr-g", "-1e-3"], ["lr_g", "-0.001", "> 0"]),  # a value, not an unknown option
    (["--lr-g=-1e-3"], ["lr_g", "-0.001", "> 0"]),
    (["--beta2", "1"], ["betas", "[0, 1)"]),
    (["--reg", "gp=inf"], ["--reg", "gp", "'inf'", "finite number"]),
    (["--reg", "gp=-1"], ["gp", "-1", ">= 0"]),
    (["--reg", "r3=1"], ["'r3'", "r1", "gp"]),
    (["--reg", "r1=1", "--reg", "r1=2"], ["--reg r1", "twice", "1", "2"]),
    (["--steps", "0"], ["steps", "0"]),
    (["--steps", "-3"], ["steps", "-3"]),
    (["--steps", "1e3"], ["--steps", "'1e3'", "whole number"]),
    (["--steps", "1000000000000"], ["steps", "1000000000000", "100,000,000"]),
    (["--batch", "1000000000"], ["batch_size", "1000000000", "GB", "this machine has"]),
    (["--eval-samples", "1000000000"], ["eval_samples", "1000000000", "GB"]),
    (["--hidden", "10000000"], ["hidden", "10000000", "GB"]),
    (["--seed", "100000000000000000000"], ["seed", "100000000000000000000", "9,223,372,036"]),
    (["--seed", "-1"], ["seed", "-1", "whole number"]),
    (["--loss", "foo"], ["'foo'", "minimax", "ns", "wgan-gp"]),
    (["--data", "moons"], ["'moons'", "ring", "grid"]),
    (["--unroll-order", "3"], ["3", "1", "2"]),
    (["--device", "tpu"], ["'tpu'", "cpu", "cuda"]),
    (["--lr", "1e-3"], ["--lr"]),  # no abbreviations: --lr could be --lr-d or --lr-g
    (["--checkpoint-every", "0"], ["--checkpoint-every", "0", ">= 1"]),
    (["--checkpoint-every=-1"], ["--checkpoint-every", "-1", ">= 1"]),
    (["--eval-every", "-5"], ["--eval-every", "-5", ">= 0"]),
    (["--data", "mnist", "--eval-samples", "1"], ["--eval-samples 1", "at least 2"]),
    (["--data", "ring", "--arch", "dcgan"], ["'dcgan'", "mlp"]),
    (["--simultaneous", "--d-steps", "2"], ["simultaneous", "d_steps=2"]),
]
BAD_BATCHES = [
    (["--seeds", "0"], ["--seeds", "0", ">= 1"]),
    (["--seeds", "1000000"], ["--seeds 1000000", "1,000,000 runs", "GB", "at most"]),
    (["--seeds", "1000000", "--sweep", "lr_d=1e-4,1e-3"], ["2,000,000 runs", "--sweep lr_d"]),
    (["--sweep", "d_steps=inf"], ["d_steps", "'inf'", "whole numbers"]),
    (["--sweep", "d_steps=1.5"], ["d_steps", "whole numbers"]),
    (["--sweep", "d_steps=0,1"], ["d_steps", "0"]),
    (["--sweep", "lr_d=inf"], ["lr_d", "'inf'", "finite numbers"]),
    (["--sweep", "lr_d=a,b"], ["lr_d", "numbers"]),
    (["--sweep", "foo=1,2"], ["'foo'", "lr_d", "r1"]),
    (["--sweep", "lr_d=1e-4", "--sweep", "lr-d=1e-3"], ["--sweep lr_d", "twice", "once"]),
    (["--lr-d", "1e-3", "--sweep", "lr_d=1e-4,1e-3"], ["--lr-d", "--sweep lr_d", "one of"]),
    (["--reg", "r1=1", "--sweep", "r1=0,1"], ["--reg r1", "--sweep r1"]),
    (["--seeds", "2", "--reg", "sn=1"], ["'sn'"]),
    (["--seeds", "2", "--eval-every", "5"], ["--eval-every"]),
    (["--seeds", "2", "--checkpoint", "x.pt"], ["--checkpoint"]),
    (["--seeds", "2", "--data", "mnist"], ["--seeds", "mnist"]),
    (["--seed", str(2**63 - 2), "--seeds", "3"], ["seed", "9223372036854775808"]),
]


@pytest.mark.parametrize("argv, words", BAD_VALUES + BAD_BATCHES, ids=lambda v: " ".join(v))
def test_bad_input_is_refused_in_one_line_before_any_work(argv, words, capsys, tmp_path):
    err = refused(TINY + argv, capsys, tmp_path, words)
    assert "expected one argument" not in err  # negative numbers are read as values


def test_a_cuda_device_on_a_machine_without_one_is_refused(capsys, tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    refused(TINY + ["--device", "cuda"], capsys, tmp_path, ["'cuda'", "cpu"])


# --- files that could not be written --------------------------------------------------------------


def read_only_folder(tmp_path: Path) -> Path:
    """A folder this process cannot write in: a chmod-ed one, or (as root, whom permissions do
    not bind) sysfs, which takes no new files from anyone."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        (folder / "probe").touch()
    except OSError:
        return folder
    (folder / "probe").unlink()
    if Path("/sys/kernel").is_dir() and not os.access("/sys/kernel", os.W_OK | os.X_OK):
        return Path("/sys/kernel")
    try:
        (Path("/sys") / "gan_toy-probe").touch()
    except OSError:
        return Path("/sys")
    pytest.skip("no read-only folder to be had here")


@pytest.fixture
def read_only(tmp_path):
    folder = read_only_folder(tmp_path)
    yield folder
    if folder.is_relative_to(tmp_path):
        folder.chmod(0o755)


@pytest.mark.parametrize("flag", ["--json", "--checkpoint"])
def test_unwritable_targets_are_refused_before_training(flag, capsys, tmp_path, read_only):
    (tmp_path / "a-file").write_text("")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    cases = {
        read_only / "result.out": ["cannot write in", str(read_only)],
        read_only / "new" / "result.out": ["cannot write in", str(read_only)],
        tmp_path / "a-file" / "sub" / "result.out": ["a-file is a file"],
        folder: ["is a folder"],
    }
    for target, words in cases.items():
        refused(TINY + [flag, str(target)], capsys, tmp_path, [flag, str(target), *words], False)


def test_json_and_checkpoint_in_one_file_are_refused(capsys, tmp_path):
    same = str(tmp_path / "x")
    refused(TINY + ["--json", same, "--checkpoint", same], capsys, tmp_path, ["both name"], False)


# --- MNIST that cannot be had, a classifier that cannot be cached ---------------------------------


def test_full_mnist_offline_is_one_line_naming_the_cache_and_the_way_out(
    capsys, tmp_path, monkeypatch
):
    def offline(url, dest, timeout):
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(mnist, "fetch", offline)
    monkeypatch.setenv("GAN_TOY_DATA", str(tmp_path / "data"))
    argv = TINY + ["--data", "mnist", "--mnist-source", "full"]
    words = ["full MNIST could not be downloaded", str(tmp_path / "data" / "mnist")]
    before = files_under(tmp_path)
    status = main(["train"] + argv)
    err = capsys.readouterr().err.strip()
    assert status == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    for word in words + ["--mnist-source auto", "subset", "offline"]:
        assert word in err
    # the download may have made the (empty) cache folder; nothing else is left
    assert {p for p in files_under(tmp_path) - before if not p.is_dir()} == set()


def test_an_uncached_classifier_in_a_read_only_cache_is_refused_before_training(
    capsys, tmp_path, monkeypatch, read_only
):
    argv = TINY + ["--data", "mnist", "--mnist-source", "subset"]
    for data in (read_only / "gan_toy", tmp_path / "a-file"):
        (tmp_path / "a-file").write_text("")
        monkeypatch.setenv("GAN_TOY_DATA", str(data))
        refused(argv, capsys, tmp_path, ["MNIST classifier", "GAN_TOY_DATA"], json=False)


# --- resuming continues one run ---------------------------------------------------------------


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("resume") / "run.pt"
    assert main(["train"] + TINY + ["--checkpoint", str(path)]) == 0
    return path


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--data", "grid"], ["--data grid", "checkpoint's data=ring", "--steps", "--device"]),
        (["--loss", "wgan"], ["--loss wgan", "loss=ns"]),
        (["--lr-d", "1e-3"], ["--lr-d 0.001", "lr_d=0.0001"]),
        (["--beta2", "0.9"], ["--beta2 0.9", "betas=(0.5, 0.999)"]),
        (["--batch", "32"], ["--batch 32", "batch_size=64"]),
        (["--reg", "r1=1"], ["--reg r1=1", "regs="]),
        (["--simultaneous"], ["--simultaneous", "simultaneous=False"]),
        (["--tf32"], ["--tf32", "tf32=False"]),
        (["--seed", "3"], ["--seed 3", "seed=0"]),
        (["--steps", "10"], ["--steps 10", "fewer than the 20 steps"]),
        (["--seeds", "2"], ["--seeds", "--resume"]),
        (["--sweep", "lr_d=1e-4,1e-3"], ["--sweep", "--resume"]),
    ],
    ids=lambda v: " ".join(v),
)
def test_a_resume_may_change_only_what_continues_the_same_run(
    argv, words, checkpoint, capsys, tmp_path
):
    refused(["--resume", str(checkpoint), "--quiet"] + argv, capsys, tmp_path, words)


def test_a_missing_checkpoint_is_refused(capsys, tmp_path):
    refused(["--resume", str(tmp_path / "none.pt")], capsys, tmp_path, ["no checkpoint at"])


DAMAGE = {
    "empty": (lambda p: p.write_bytes(b""), ["empty"]),
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[:3000]), ["truncated or damaged"]),
    "random bytes": (lambda p: p.write_bytes(os.urandom(4000)), ["not a gan_toy checkpoint"]),
    "foreign": (lambda p: torch.save({"w": torch.zeros(2)}, p), ["not a gan_toy checkpoint"]),
    "objects": (lambda p: torch.save({"o": Path(".")}, p), ["weights_only=True", "objects"]),
}


@pytest.mark.parametrize("name", list(DAMAGE))
def test_damaged_checkpoints_are_refused_in_one_line(name, checkpoint, capsys, tmp_path):
    damage, words = DAMAGE[name]
    path = tmp_path / "damaged.pt"
    path.write_bytes(checkpoint.read_bytes())
    damage(path)
    err = refused(["--resume", str(path), "--quiet"], capsys, tmp_path, [str(path), *words])
    assert "weights_only=False" not in err and "trust" not in err  # never torch's advice


def test_a_checkpoint_whose_shapes_do_not_fit_its_config_is_refused(checkpoint, capsys, tmp_path):
    state = torch.load(checkpoint, weights_only=True)
    state["config"]["hidden"] = 32
    path = tmp_path / "mismatch.pt"
    torch.save(state, path)
    refused(["--resume", str(path), "--quiet"], capsys, tmp_path, ["does not fit its config"])
