"""Two phenomena chapter 3 claims beyond collapse itself, checked over several seeds.

1. The learning-rate control of the D:G sweep. The default ring setting gives the generator
   ten times the discriminator's learning rate, and that gap alone makes the plain GAN
   collapse: closing it (both players at the generator's rate) lifts the generator out of
   collapse at one D step per G step, as five D steps per G step at the original rates do.
2. First-order unrolling (`unroll_order=1`: G trained against the unrolled D_k, without the
   term dD_k/dθ through which G's change moves D's unrolled steps) partly helps: clearly more
   modes than the plain GAN on average, but not on every seed, and short of second order.

Scaled-down setting of tests/test_mode_collapse_phenomena.py (about 40 s of CPU in all):

    ring, 500 steps, batch 128, z_dim 32, hidden 128, Adam lr_D 5e-4, lr_G 2e-3 (β = 0.5,
    0.999); evaluated every 50 steps on 2,500 samples; seeds 0, 1, 2.

Measured before writing the test (mean of `modes_covered` over the 10 evaluations after step
0, one number per seed, seeds 0, 1, 2):

    plain GAN (lr_D 5e-4, lr_G 2e-3, 1:1):     0.4 0.5 0.6
    equal rates, lr_D = lr_G = 2e-3, 1:1:        4.1 4.5 3.9
    original rates, 5 D steps per G step:        5.8 7.0 3.2
    unrolled k = 3, first order:                 5.9 6.5 0.7
    unrolled k = 3, second order:                5.9 6.6 4.9   (the other test file's runs)

Each test can fail: (1) fails for the plain GAN against itself, (2) fails for the plain GAN
(no gain) and for second-order unrolling (it helps on every seed).
"""

import statistics

import pytest
import torch

from gan_toy import TrainConfig
from gan_toy.experiments import track

torch.set_num_threads(1)

SETTING = TrainConfig(
    data="ring", steps=500, batch_size=128, z_dim=32, hidden=128, lr_d=5e-4, lr_g=2e-3
)
SEEDS = (0, 1, 2)


def modes_over_time(changes: dict) -> list[float]:
    """Per seed, the mean of modes covered over the evaluations after step 0 (batched)."""
    _, evals = track([SETTING.replace(seed=s, **changes) for s in SEEDS], 50)
    return [statistics.mean(e["modes_covered"] for e in run[1:]) for run in evals]


@pytest.fixture(scope="module")
def plain():
    return modes_over_time({})


def lifts_out_of_collapse(runs, plain_runs, gap=2.0):
    return all(r >= p + gap for r, p in zip(runs, plain_runs))


def test_closing_the_learning_rate_gap_lifts_collapse_at_one_to_one(plain):
    assert max(plain) <= 1.5, plain  # the control: the plain GAN collapses on every seed
    equal = modes_over_time({"lr_d": SETTING.lr_g})
    assert lifts_out_of_collapse(equal, plain), (plain, equal)  # seeds 0-2: +3.3 or more
    assert not lifts_out_of_collapse(plain, plain)


def test_more_discriminator_steps_lift_collapse_at_the_original_rates(plain):
    five = modes_over_time({"d_steps": 5})
    assert statistics.mean(five) >= statistics.mean(plain) + 2, (plain, five)  # +4.8


def first_order_partly_helps(runs, plain_runs, second_order_runs):
    gains = [r - p for r, p in zip(runs, plain_runs)]
    return (
        statistics.mean(gains) >= 2  # clearly more modes on average ...
        and min(gains) <= 1  # ... but on some seed next to nothing ...
        and statistics.mean(runs) < statistics.mean(second_order_runs)  # ... short of 2nd order
    )


def test_first_order_unrolling_partly_helps(plain):
    first = modes_over_time({"unroll": 3, "unroll_order": 1})
    second = modes_over_time({"unroll": 3, "unroll_order": 2})
    assert first_order_partly_helps(first, plain, second), (plain, first, second)
    # the criterion can fail: neither the plain GAN nor second-order unrolling passes it
    assert not first_order_partly_helps(plain, plain, second)
    assert not first_order_partly_helps(second, plain, second)
