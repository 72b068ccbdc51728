"""Mode metrics (VEEGAN / PacGAN definitions) on samples constructed by hand.

Centres are written out here from the design notes (ring: 8 at radius 2, σ = 0.02; grid:
{-4,-2,0,2,4}², σ = 0.05), and every expected number is counted by hand.
"""

import math
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from gan_toy.metrics import evaluate, mode_histogram, mode_metrics, mode_shares, nearest_centre

torch.set_num_threads(1)

K = 8
SIGMA = 0.02
RING = torch.tensor(
    [[2 * math.cos(2 * math.pi * k / K), 2 * math.sin(2 * math.pi * k / K)] for k in range(K)]
)
GRID = torch.tensor(
    [[x, y] for x in (-4.0, -2.0, 0.0, 2.0, 4.0) for y in (-4.0, -2.0, 0.0, 2.0, 4.0)]
)
GRID_SIGMA = 0.05


def around(centre, radius, n, seed=0):
    """n points at exactly `radius` from `centre`, in random directions."""
    angles = torch.rand(n, generator=torch.Generator().manual_seed(seed)) * 2 * math.pi
    return centre + radius * torch.stack([angles.cos(), angles.sin()], dim=1)


def test_samples_at_every_centre_cover_every_mode():
    samples = RING.repeat(10, 1)  # 80 samples, 10 exactly on each centre
    m = mode_metrics(samples, RING, SIGMA)
    assert m == {"modes_covered": 8, "high_quality": 1.0, "reverse_kl": 0.0}
    assert isinstance(m["modes_covered"], int)


def test_every_mode_of_the_grid_within_3_sigma():
    # 40 samples per mode, each 2.9σ away (inside), plus 100 far from every centre.
    good = torch.cat([around(c, 2.9 * GRID_SIGMA, 40, seed=i) for i, c in enumerate(GRID)])
    bad = around(torch.tensor([1.0, 1.0]), 0.3, 100)  # ≥ 1.41 - 0.3 from every centre
    m = mode_metrics(torch.cat([good, bad]), GRID, GRID_SIGMA)
    assert m["modes_covered"] == 25
    assert m["high_quality"] == pytest.approx(1000 / 1100)
    assert m["reverse_kl"] == pytest.approx(0.0, abs=1e-12)


def test_one_mode_has_kl_log_k():
    samples = around(RING[3], 0.5 * SIGMA, 50)
    m = mode_metrics(samples, RING, SIGMA)
    assert m["modes_covered"] == 1
    assert m["high_quality"] == 1.0
    # p = (0,..,1,..,0): KL(p ‖ uniform) = 1 · log(1 / (1/K)) = log K.
    assert m["reverse_kl"] == pytest.approx(math.log(8))
    assert mode_histogram(samples, RING, SIGMA).tolist() == [0, 0, 0, 50, 0, 0, 0, 0]


def test_no_high_quality_samples():
    # Points at the origin and halfway between ring modes: nearest centres exist, but none is
    # within 3σ, so nothing counts.
    between = torch.tensor(
        [[2 * math.cos(a), 2 * math.sin(a)] for a in (math.pi / 8, 3 * math.pi / 8)]
    )
    samples = torch.cat([torch.zeros(5, 2), between, around(RING[0], 4 * SIGMA, 20)])
    m = mode_metrics(samples, RING, SIGMA)
    assert m["modes_covered"] == 0
    assert m["high_quality"] == 0.0
    assert math.isnan(m["reverse_kl"])


def test_half_and_half_with_low_quality_samples():
    # 30 good samples on mode 0, 10 on mode 5, 20 bad ones (nearest mode 0 but 5σ away).
    samples = torch.cat(
        [
            around(RING[0], 2.0 * SIGMA, 30, seed=1),
            around(RING[5], 1.0 * SIGMA, 10, seed=2),
            around(RING[0], 5.0 * SIGMA, 20, seed=3),
        ]
    )
    m = mode_metrics(samples, RING, SIGMA)
    assert m["modes_covered"] == 2
    assert m["high_quality"] == pytest.approx(40 / 60)
    # p = (3/4, 1/4) on two of 8 modes: KL = 3/4 log(3/4 · 8) + 1/4 log(1/4 · 8)
    #   = 3/4 log 6 + 1/4 log 2.
    assert m["reverse_kl"] == pytest.approx(0.75 * math.log(6) + 0.25 * math.log(2), rel=1e-12)
    # Low-quality samples are not counted anywhere in the histogram.
    assert mode_histogram(samples, RING, SIGMA).tolist() == [30, 0, 0, 0, 0, 10, 0, 0]


def test_two_equal_modes_have_kl_log_k_over_2():
    samples = torch.cat([RING[2].repeat(7, 1), RING[6].repeat(7, 1)])
    m = mode_metrics(samples, RING, SIGMA)
    assert m["modes_covered"] == 2
    assert m["reverse_kl"] == pytest.approx(math.log(4))


@pytest.mark.parametrize("n", [10, 3000], ids=["small_batch", "large_batch"])
def test_the_3_sigma_boundary(n):
    # Both sizes: torch.cdist switches to a matrix-product formula above 25 rows.
    inside = around(RING[1], 3 * SIGMA * (1 - 1e-3), n, seed=5)
    outside = around(RING[1], 3 * SIGMA * (1 + 1e-3), n, seed=6)
    assert mode_metrics(inside, RING, SIGMA)["high_quality"] == 1.0
    assert mode_metrics(inside, RING, SIGMA)["modes_covered"] == 1
    m_out = mode_metrics(outside, RING, SIGMA)
    assert m_out["high_quality"] == 0.0 and m_out["modes_covered"] == 0
    mixed = mode_metrics(torch.cat([inside[: n // 2], outside]), RING, SIGMA)
    assert mixed["high_quality"] == pytest.approx((n // 2) / (n // 2 + n))


def test_sigma_scales_the_threshold():
    samples = around(RING[0], 0.1, 20)
    assert mode_metrics(samples, RING, 0.02)["high_quality"] == 0.0  # 0.1 > 0.06
    assert mode_metrics(samples, RING, 0.04)["high_quality"] == 1.0  # 0.1 < 0.12


def test_nearest_centre_by_hand():
    samples = torch.tensor([[1.9, 0.1], [0.0, -2.5], [-1.0, -1.0]])
    idx, dist = nearest_centre(samples, RING)
    # (1.9, 0.1) -> centre 0 at (2, 0); (0, -2.5) -> centre 6 at (0, -2);
    # (-1, -1) -> centre 5 at (-√2, -√2).
    assert idx.tolist() == [0, 6, 5]
    r = math.sqrt(2)
    expected = [math.hypot(0.1, 0.1), 0.5, math.hypot(r - 1, r - 1)]
    assert dist.tolist() == pytest.approx(expected, rel=1e-5)


def test_float64_samples_are_accepted():
    m = mode_metrics(RING.double().repeat(2, 1), RING, SIGMA)
    assert m["modes_covered"] == 8 and m["high_quality"] == 1.0


def test_empty_sample_set():
    m = mode_metrics(torch.zeros(0, 2), RING, SIGMA)
    assert m["modes_covered"] == 0 and m["high_quality"] == 0.0
    assert math.isnan(m["reverse_kl"])


@pytest.mark.parametrize("shape", [(10,), (10, 3), (10, 1), (2, 5, 2)])
def test_wrong_shape_raises_value_error_naming_the_shape(shape):
    with pytest.raises(ValueError) as info:
        mode_metrics(torch.zeros(shape), RING, SIGMA)
    assert str(tuple(shape)) in str(info.value)
    assert "(n, 2)" in str(info.value)


def test_evaluate_draws_from_the_generator():
    # A generator that maps every z to centre 4: one mode, all high quality, KL = log 8.
    g = nn.Sequential(nn.Linear(6, 2))
    with torch.no_grad():
        g[0].weight.zero_()
        g[0].bias.copy_(RING[4])
    mixture = SimpleNamespace(centres=RING, sigma=SIGMA)
    m = evaluate(g, mixture, n_samples=100, seed=3)
    assert m["modes_covered"] == 1 and m["high_quality"] == 1.0
    assert m["reverse_kl"] == pytest.approx(math.log(8))
    # x = centre 0 + 0.05·(z1, z2): within 3σ = 0.06 iff ‖(z1, z2)‖ ≤ 1.2, which for a 2D
    # standard normal has probability 1 - exp(-1.2²/2) ≈ 0.513 (chi-square with 2 dof).
    g2 = nn.Sequential(nn.Linear(6, 2))
    with torch.no_grad():
        g2[0].weight.zero_()
        g2[0].weight[0, 0] = g2[0].weight[1, 1] = 0.05
        g2[0].bias.copy_(RING[0])
    a = evaluate(g2, mixture, seed=1)  # default: 2500 samples
    assert a["modes_covered"] == 1
    assert a["high_quality"] == pytest.approx(1 - math.exp(-0.72), abs=0.04)  # ±4 s.d.
    assert a == evaluate(g2, mixture, seed=1)  # same seed, same numbers
    assert a != evaluate(g2, mixture, seed=2)


def test_mode_shares_by_hand_counts_blurry_samples_too():
    # three samples near mode 0 (one far outside 3σ), one near mode 2: shares 3/4 and 1/4
    samples = torch.stack([RING[0], RING[0] * 1.2, RING[0] * 0.9, RING[2]])
    shares = mode_shares(samples, RING)
    expected = torch.zeros(RING.shape[0], dtype=torch.float64)
    expected[0], expected[2] = 0.75, 0.25
    assert torch.equal(shares, expected)


# --- MNIST: label metrics ------------------------------------------------------------------------
def test_label_metrics_count_the_samples_of_every_mode():
    from gan_toy.metrics import label_metrics

    one_hot = torch.nn.functional.one_hot
    digits = torch.tensor([3, 3, 7])
    m = label_metrics(one_hot(digits, 10).float())
    assert m["mode_histogram"] == [0, 0, 0, 2, 0, 0, 0, 1, 0, 0] == m["class_histogram"]
    # Stacked MNIST: the triple (d1, d2, d3) is mode 100·d1 + 10·d2 + d3, of 1000
    triples = torch.tensor([[1, 2, 3], [1, 2, 3], [9, 0, 7]])
    m = label_metrics(one_hot(triples, 10).float())
    counts = m["mode_histogram"]
    assert len(counts) == 1000 and counts[123] == 2 and counts[907] == 1 and sum(counts) == 3
    assert m["modes_covered"] == sum(c > 0 for c in counts) == 2
    assert "class_histogram" not in m


def test_high_quality_shares_ignore_blurry_mass():
    from gan_toy import high_quality_shares, modes_holding

    centres = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    sigma = 0.01
    on_mode_0 = torch.zeros(6, 2)
    blur = torch.tensor([[0.5, 0.05]] * 4 + [[0.05, 0.5]] * 4)  # far from every centre
    shares = high_quality_shares(torch.cat([on_mode_0, blur]), centres, sigma)
    assert shares.tolist() == [1.0, 0.0, 0.0]
    assert modes_holding(shares) == 1
    assert high_quality_shares(blur, centres, sigma).tolist() == [0.0, 0.0, 0.0]
    assert modes_holding(torch.tensor([0.5, 0.04, 0.46]), 0.05) == 2
    with pytest.raises(ValueError, match="min_share"):
        modes_holding(shares, 0.0)


def test_mean_distance_to_centre_known_answer():
    from gan_toy import mean_distance_to_centre

    centres = torch.tensor([[0.0, 0.0], [4.0, 0.0]])
    samples = torch.tensor([[0.0, 3.0], [4.0, 1.0], [3.0, 0.0]])
    assert mean_distance_to_centre(samples, centres) == pytest.approx((3.0 + 1.0 + 1.0) / 3)


def test_mean_sd_over_seeds_ignores_undefined_values():
    from gan_toy import mean_sd

    assert mean_sd([1.0, 3.0, math.nan]) == (2.0, pytest.approx(math.sqrt(2)))
    assert mean_sd([4]) == (4.0, 0.0)
    assert all(math.isnan(v) for v in mean_sd([]))
    assert all(math.isnan(v) for v in mean_sd(iter([math.nan])))
