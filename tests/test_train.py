"""The trainer: reproducibility, the D:G ratio, simultaneous steps, divergence, stopping."""

import math

import numpy as np
import pytest
import torch

from gan_toy import (
    ConfigError,
    DivergenceError,
    ModesOverTime,
    StopFlag,
    TrainConfig,
    Trainer,
    train,
)

torch.set_num_threads(1)

SMALL = TrainConfig(steps=30, batch_size=64, z_dim=16, hidden=32)


def params(module):
    return torch.cat([p.detach().flatten() for p in module.parameters()])


def test_same_seed_same_numbers_and_different_seed_different_samples():
    a, b = Trainer(SMALL), Trainer(SMALL)
    ha, hb = a.fit(), b.fit()
    np.testing.assert_array_equal(ha.stats, hb.stats)
    assert torch.equal(a.sample(100), b.sample(100))
    assert a.evaluate() == b.evaluate()
    c = Trainer(SMALL.replace(seed=1))
    c.fit()
    assert not torch.allclose(a.sample(100), c.sample(100))


def test_history_records_every_step_with_finite_values():
    history = Trainer(SMALL).fit()
    assert len(history) == SMALL.steps
    for name in ("d_loss", "g_loss", "d_real", "d_fake", "g_grad_norm"):
        values = getattr(history, name)
        assert values.shape == (SMALL.steps,) and np.isfinite(values).all()
    # probabilities for the non-saturating loss
    assert ((history.d_real > 0) & (history.d_real < 1)).all()
    assert (history.g_grad_norm > 0).all()


def test_d_steps_and_g_steps_count_optimizer_updates():
    trainer = Trainer(SMALL.replace(steps=4, d_steps=3, g_steps=2))
    trainer.fit()
    assert trainer.opt_d.state[next(trainer.D.parameters())]["step"] == 12
    assert trainer.opt_g.state[next(trainer.G.parameters())]["step"] == 8


def test_g_steps_zero_freezes_the_generator():
    trainer = Trainer(SMALL.replace(steps=5, g_steps=0))
    before = params(trainer.G).clone()
    trainer.fit()
    assert torch.equal(before, params(trainer.G))


def test_simultaneous_takes_both_gradients_at_the_same_point():
    # With SGD, a simultaneous step from (G0, D0) must equal stepping each player alone from
    # (G0, D0); an alternating step instead gives G the gradient at the *updated* D.
    cfg = SMALL.replace(steps=1, optimizer="sgd", lr_d=0.5, lr_g=0.5)
    sim, alt = Trainer(cfg.replace(simultaneous=True)), Trainer(cfg)
    assert torch.equal(params(sim.G), params(alt.G))
    sim.fit()
    alt.fit()
    assert torch.equal(params(sim.D), params(alt.D))  # D moves the same way in both
    assert not torch.allclose(params(sim.G), params(alt.G))
    # recompute G's simultaneous step by hand from the starting point
    fresh = Trainer(cfg)
    z = torch.randn(64, 16, generator=fresh.rng)
    fake = fresh.G(z)
    fresh._real()
    loss = fresh.loss.g_loss(fresh.D(fake))
    grads = torch.autograd.grad(loss, fresh.g_params)
    expected = torch.cat([(p - 0.5 * g).flatten() for p, g in zip(fresh.g_params, grads)])
    torch.testing.assert_close(params(sim.G), expected.detach())


def test_nan_stops_with_the_step_and_rolls_the_run_back_to_its_last_finite_state():
    trainer = Trainer(SMALL.replace(steps=60))
    trainer.fit([ModesOverTime(every=10, n_samples=100)], until=10)
    saved = {}

    class Poison:
        every = 1

        def on_step_end(self, t):
            if t.step == 17:  # the trainer checked step 17 before calling us: this state is good
                saved.update(G=params(t.G).clone(), D=params(t.D).clone(), rng=t.rng.get_state())
                with torch.no_grad():
                    next(t.D.parameters()).fill_(math.nan)

    with pytest.raises(DivergenceError) as info:
        trainer.fit([Poison()])
    err = info.value
    assert err.step == 18 and "step 18" in str(err)
    assert len(err.history) == 17 and np.isfinite(err.history.stats).all()
    # Networks, random stream and step are back at the last finite check.
    assert trainer.step == 17 and len(trainer.history) == 17
    assert torch.equal(saved["G"], params(trainer.G)) and torch.equal(saved["D"], params(trainer.D))
    assert torch.equal(saved["rng"], trainer.rng.get_state())
    assert [e["step"] for e in trainer.evals] == [0, 10]


def test_no_callback_ever_sees_non_finite_weights():
    # An update that leaves an Inf weight behind while the step's losses were still finite
    # (they are computed before the update): caught before any callback runs.
    trainer = Trainer(SMALL.replace(steps=50))
    real_step, seen = trainer.train_step, []

    def step_then_overflow():
        real_step()
        if trainer.step == 5:
            with torch.no_grad():
                next(trainer.G.parameters()).view(-1)[0] = math.inf

    trainer.train_step = step_then_overflow

    class Watch:
        every = 1

        def on_step_end(self, t):
            seen.append(bool(torch.isfinite(params(t.G)).all()))

    with pytest.raises(DivergenceError, match="step 5: a network weight"):
        trainer.fit([Watch()])
    assert seen == [True] * 4
    assert torch.isfinite(params(trainer.G)).all() and trainer.step == 4


def test_stop_flag_ends_early_and_keeps_what_was_trained():
    flag = StopFlag()

    class PressStop:
        every = 1

        def on_step_end(self, t):
            if t.step == 7:
                flag.stop()

    trainer = Trainer(SMALL)
    history = trainer.fit([PressStop(), flag])
    assert trainer.step == 7 and len(history) == 7
    trainer.fit()  # can carry on afterwards
    assert trainer.step == SMALL.steps


def test_train_function_accepts_overrides_and_returns_the_trained_trainer():
    trainer = train(SMALL, steps=5, loss="minimax")
    assert trainer.step == 5 and len(trainer.history) == 5
    assert trainer.config.loss == "minimax" and trainer.config.steps == 5


@pytest.mark.parametrize(
    "change, words",
    [
        ({"loss": "nope"}, ["'nope'", "minimax", "wgan-gp"]),
        ({"data": "moons"}, ["'moons'", "ring", "grid"]),
        ({"steps": 0}, ["steps", "0"]),
        ({"lr_g": -1.0}, ["lr_g", "-1.0"]),
        ({"batch_size": 0}, ["batch_size"]),
        ({"regs": {"r3": 1.0}}, ["'r3'", "r1", "gp"]),
        ({"regs": {"r1": -1.0}}, ["r1=-1.0"]),
        ({"optimizer": "rmsprop"}, ["'rmsprop'", "adam", "sgd"]),
        ({"simultaneous": True, "unroll": 5}, ["unroll=5"]),
        ({"device": "tpu"}, ["'tpu'", "cpu"]),
    ],
)
def test_bad_settings_name_the_value_and_the_choices(change, words):
    with pytest.raises(ConfigError) as info:
        Trainer(SMALL.replace(**change))
    for word in words:
        assert word in str(info.value)


def test_replace_rejects_unknown_setting_names():
    with pytest.raises(ConfigError, match="'stpes'"):
        SMALL.replace(stpes=3)


@pytest.mark.parametrize("loss", ["minimax", "ns", "wgan", "wgan-gp", "hinge", "lsgan"])
def test_every_loss_trains_a_few_steps(loss):
    history = Trainer(SMALL.replace(steps=5, loss=loss)).fit()
    assert np.isfinite(history.stats).all()


@pytest.mark.parametrize("reg", ["gp", "r1", "r2", "roth", "l2", "noise", "sn"])
def test_every_regulariser_trains_a_few_steps(reg):
    history = Trainer(SMALL.replace(steps=5, regs={reg: 0.5})).fit()
    assert np.isfinite(history.stats).all()


def test_unrolled_and_clipped_runs_train():
    for cfg in (SMALL.replace(steps=3, unroll=2), SMALL.replace(steps=3, unroll=2, unroll_order=1)):
        assert np.isfinite(Trainer(cfg).fit().stats).all()
    trainer = Trainer(SMALL.replace(steps=3, loss="wgan", clip=0.01))
    trainer.fit()
    assert params(trainer.D).abs().max() <= 0.01


def test_last_stats_names_the_last_steps_values():
    trainer = Trainer(SMALL.replace(steps=3))
    assert trainer.last_stats() == {}
    trainer.fit()
    stats = trainer.last_stats()
    assert list(stats) == ["d_loss", "g_loss", "d_real", "d_fake", "g_grad_norm"]
    assert stats["d_loss"] == pytest.approx(float(trainer.history.d_loss[-1]))


@pytest.mark.parametrize("bad", ["ring", {"data": "ring"}, 3])
def test_train_and_trainer_refuse_what_is_not_a_config(bad):
    with pytest.raises(ConfigError, match="TrainConfig"):
        train(bad)
    with pytest.raises(ConfigError, match="TrainConfig"):
        Trainer(bad)


def test_modes_over_time_can_score_the_step_a_run_ends_at():
    plain, final = ModesOverTime(every=4, n_samples=100), ModesOverTime(4, 100, final=True)
    for callback, steps in ((plain, [0, 4, 8]), (final, [0, 4, 8, 10])):
        trainer = Trainer(SMALL.replace(steps=10))
        trainer.fit([callback])
        assert [e["step"] for e in trainer.evals] == steps


def test_progress_bars_are_silent_while_the_static_book_is_built(monkeypatch, capsys):
    from gan_toy import progress_bar

    monkeypatch.setenv("GAN_TOY_STATIC", "1")
    assert list(progress_bar(range(3), desc="x")) == [0, 1, 2]
    with progress_bar(total=5) as bar:
        bar.update(5)
    assert bar.disable and capsys.readouterr().err == ""
    monkeypatch.setenv("GAN_TOY_STATIC", "0")
    assert not progress_bar(range(3)).disable


def test_cpu_seconds_add_up_over_fit_calls_and_speed_is_of_the_last_call():
    trainer = Trainer(SMALL)
    assert trainer.cpu_seconds == 0.0 and math.isnan(trainer.steps_per_second)
    trainer.fit(until=10)
    first = trainer.cpu_seconds
    assert first > 0 and trainer.steps_per_second > 0
    trainer.fit()
    assert trainer.cpu_seconds > first and trainer.step == SMALL.steps
