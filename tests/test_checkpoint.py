"""Checkpoints: a resumed run ends exactly where an uninterrupted one does."""

import pytest
import torch

from gan_toy import Checkpointer, ModesOverTime, TrainConfig, Trainer, load_checkpoint

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
