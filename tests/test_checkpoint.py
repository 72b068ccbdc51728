"""Checkpoints: a resumed run ends exactly where an uninterrupted one does; damaged, foreign or
inconsistent files are refused in one line; a state holding NaN is never written."""

import pytest
import torch

from gan_toy import (
    Checkpointer,
    ConfigError,
    DivergenceError,
    ModesOverTime,
    TrainConfig,
    Trainer,
    load_checkpoint,
    save_checkpoint,
)
from gan_toy.checkpoint import CheckpointError, NonFiniteStateError

torch.set_num_threads(1)

CFG = TrainConfig(steps=40, batch_size=64, z_dim=16, hidden=32)


@pytest.mark.parametrize("cfg", [CFG, CFG.replace(loss="wgan-gp", regs={"noise": 0.1, "sn": 1})])
def test_resume_gives_the_same_parameters_as_an_uninterrupted_run(tmp_path, cfg):
    straight = Trainer(cfg)
    straight.fit([ModesOverTime(every=10, n_samples=200)])

    first = Trainer(cfg)
    first.fit([Checkpointer(tmp_path / "run.pt", every=10), ModesOverTime(10, 200)], until=20)
    del first
    resumed = load_checkpoint(tmp_path / "run.pt")
    assert resumed.step == 20
    resumed.fit([ModesOverTime(every=10, n_samples=200)])

    for a, b in zip(straight.G.state_dict().values(), resumed.G.state_dict().values()):
        assert torch.equal(a, b)
    for a, b in zip(straight.D.state_dict().values(), resumed.D.state_dict().values()):
        assert torch.equal(a, b)
    assert (straight.history.stats == resumed.history.stats).all()
    assert repr(straight.evals) == repr(resumed.evals)  # repr: NaN KL compares equal


def test_checkpoint_loads_with_weights_only(tmp_path):
    trainer = Trainer(CFG.replace(steps=3))
    trainer.fit([Checkpointer(tmp_path / "c.pt", every=1)])
    state = torch.load(tmp_path / "c.pt", weights_only=True)
    assert state["step"] == 3 and state["config"]["steps"] == 3


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "nope.pt")


# --- what a checkpoint refuses ------------------------------------------------------------------


def saved_state(tmp_path, **changes):
    """A real checkpoint of a 3-step run, then `changes` made to its state, saved again."""
    trainer = Trainer(CFG.replace(steps=3))
    trainer.fit()
    state = trainer.state_dict()
    for key, value in changes.items():
        state[key] = value(state) if callable(value) else value
    path = tmp_path / "c.pt"
    torch.save(state, path)
    return path


class NotATensor:
    pass


def bad_shapes(state):
    state["G"] = {**state["G"], "0.weight": torch.zeros(3, 3)}
    return state["G"]


def nan_weight(state):
    d = dict(state["D"])
    d["0.weight"] = torch.full_like(d["0.weight"], float("nan"))
    return d


DAMAGED = {
    "empty": (lambda p: p.write_bytes(b""), ["empty"]),
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[:2000]), ["truncated or damaged"]),
    "random bytes": (lambda p: p.write_bytes(bytes(range(256)) * 8), ["not a gan_toy checkpoint"]),
    "text": (lambda p: p.write_text("hello"), ["not a gan_toy checkpoint"]),
    "foreign torch file": (
        lambda p: torch.save({"weights": torch.zeros(2)}, p),
        ["not a gan_toy checkpoint"],
    ),
    "a list": (lambda p: torch.save([1, 2], p), ["not a gan_toy checkpoint"]),
    "python objects": (
        lambda p: torch.save({"format": 1, "x": NotATensor()}, p),
        ["Python objects", "weights_only=True"],
    ),
}


@pytest.mark.parametrize("name", list(DAMAGED))
def test_damaged_or_foreign_files_are_refused_in_one_line(tmp_path, name):
    damage, words = DAMAGED[name]
    path = saved_state(tmp_path)
    damage(path)
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(path)
    message = str(caught.value)
    assert len(message.splitlines()) == 1 and str(path) in message
    for word in words:
        assert word in message
    assert "weights_only=False" not in message and "trust" not in message


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"G": bad_shapes}, ["does not fit its config", "size mismatch"]),
        ({"D": nan_weight}, ["D 0.weight", "NaN"]),
        ({"config": lambda s: {**s["config"], "loss": "foo"}}, ["config", "'foo'"]),
        ({"config": lambda s: {**s["config"], "hidden": 64}}, ["does not fit its config"]),
        ({"step": 10**6}, ["step 1000000"]),
        ({"format": 99}, ["not a gan_toy checkpoint"]),
        ({"G": [1, 2]}, ["not a gan_toy checkpoint"]),
    ],
)
def test_inconsistent_states_are_refused_in_one_line(tmp_path, changes, words):
    path = saved_state(tmp_path, **changes)
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(path)
    assert len(str(caught.value).splitlines()) == 1
    for word in words:
        assert word in str(caught.value)


def test_a_checkpoint_resumes_with_more_steps_and_on_another_device(tmp_path):
    path = saved_state(tmp_path, config=lambda s: {**s["config"], "device": "auto"})
    trainer = load_checkpoint(path, device="cpu", steps=8)
    assert (trainer.step, trainer.config.steps, trainer.config.device) == (3, 8, "cpu")
    trainer.fit()
    assert trainer.step == 8
    with pytest.raises(ConfigError, match="fewer than the 3 steps"):
        load_checkpoint(path, steps=2)


def test_a_non_finite_state_is_never_saved_and_the_good_file_is_kept(tmp_path):
    path = tmp_path / "c.pt"
    trainer = Trainer(CFG.replace(steps=3))
    trainer.fit([Checkpointer(path, every=1)])
    good = path.read_bytes()
    with torch.no_grad():
        next(trainer.G.parameters()).fill_(float("inf"))
    with pytest.raises(DivergenceError, match="no checkpoint was written") as caught:
        save_checkpoint(trainer, path)
    assert isinstance(caught.value, NonFiniteStateError) and "G 0.weight" in str(caught.value)
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]  # no temporary file left
