"""Atomic writes: a failed write leaves the previous file and no temporary file."""

import json

import pytest
import torch

from gan_toy.atomic import atomic_save, atomic_write, atomic_write_json


class Unpicklable:
    def __reduce__(self):
        raise RuntimeError("boom")


def test_atomic_save_leaves_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "c.pt"
    atomic_save({"x": torch.ones(2)}, target)
    with pytest.raises(RuntimeError, match="boom"):
        atomic_save({"x": Unpicklable()}, target)
    assert torch.equal(torch.load(target, weights_only=True)["x"], torch.ones(2))
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]  # no temp file left behind


def test_an_interrupt_mid_write_keeps_the_old_file(tmp_path):
    target = atomic_write_json(tmp_path / "out.json", {"step": 1})

    def interrupted(f):
        f.write(b"{")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, interrupted)
    assert json.loads(target.read_text()) == {"step": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_json_turns_non_finite_numbers_into_null_and_creates_folders(tmp_path):
    target = atomic_write_json(
        tmp_path / "a" / "b.json", {"kl": float("nan"), "runs": [{"x": float("inf")}, 2.5], "n": 3}
    )
    assert json.loads(target.read_text()) == {"kl": None, "runs": [{"x": None}, 2.5], "n": 3}
