"""GAN losses against values worked out by hand with math.log / math.exp.

With D = sigmoid(l): log D = -log(1 + e^-l) and log(1 - D) = -log(1 + e^l). Every expected
value below is built from those two identities (or the Wasserstein / hinge / least-squares
formulas) on a handful of hand-picked logits, never from the code under test.
"""

import math

import pytest
import torch

from gan_toy.losses import LOSSES, get_loss

torch.set_num_threads(1)

REAL = [2.0, -1.0, 0.5]
FAKE = [-3.0, 1.5]


def t(values):
    return torch.tensor(values, dtype=torch.float64).reshape(-1, 1)


def mean(values):
    return sum(values) / len(values)


def log_d(logit):
    """log D(x) = log sigmoid(l), by hand."""
    return -math.log(1.0 + math.exp(-logit))


def log_one_minus_d(logit):
    """log(1 - D(x)) = log(1 - sigmoid(l)), by hand."""
    return -math.log(1.0 + math.exp(logit))


def value(tensor):
    assert tensor.ndim == 0, "losses must reduce to a scalar"
    return tensor.item()


def test_registry_has_the_six_losses():
    assert set(LOSSES) == {"minimax", "ns", "wgan", "wgan-gp", "hinge", "lsgan"}
    for name, loss in LOSSES.items():
        assert loss.name == name
        assert get_loss(name) is loss


@pytest.mark.parametrize("name", ["minimax", "ns"])
def test_bce_d_loss_at_zero_logits_is_two_log_two(name):
    # D = 1/2 everywhere: -log(1/2) - log(1 - 1/2) = 2 log 2.
    loss = get_loss(name)
    assert value(loss.d_loss(torch.zeros(4, 1), torch.zeros(6, 1))) == pytest.approx(
        2 * math.log(2), rel=1e-6
    )


@pytest.mark.parametrize("name", ["minimax", "ns"])
def test_bce_d_loss_by_hand(name):
    expected = -mean([log_d(r) for r in REAL]) - mean([log_one_minus_d(f) for f in FAKE])
    got = value(get_loss(name).d_loss(t(REAL), t(FAKE)))
    assert got == pytest.approx(expected, rel=1e-12)


def test_minimax_g_loss_by_hand():
    # The generator minimises E[log(1 - D(G(z)))]; at logit 0 that is log(1/2) = -log 2.
    loss = get_loss("minimax")
    assert value(loss.g_loss(torch.zeros(5, 1))) == pytest.approx(-math.log(2), rel=1e-6)
    expected = mean([log_one_minus_d(f) for f in FAKE])
    assert value(loss.g_loss(t(FAKE))) == pytest.approx(expected, rel=1e-12)


def test_ns_g_loss_by_hand():
    # The generator minimises -E[log D(G(z))]; at logit 0 that is log 2.
    loss = get_loss("ns")
    assert value(loss.g_loss(torch.zeros(5, 1))) == pytest.approx(math.log(2), rel=1e-6)
    expected = -mean([log_d(f) for f in FAKE])
    assert value(loss.g_loss(t(FAKE))) == pytest.approx(expected, rel=1e-12)


def test_minimax_and_ns_agree_on_the_direction_of_the_generator_gradient():
    # Both push fake logits up (towards "real"): d/dl of each G loss is negative.
    for name in ("minimax", "ns"):
        fake = t(FAKE).requires_grad_(True)
        get_loss(name).g_loss(fake).backward()
        assert (fake.grad < 0).all(), name


def test_minimax_generator_gradient_saturates_but_ns_does_not():
    # Per sample: d/dl log(1 - sigmoid(l)) = -sigmoid(l) -> 0 as l -> -inf (D confidently
    # rejects the fakes, the generator learns nothing), while d/dl -log sigmoid(l) =
    # -(1 - sigmoid(l)) -> -1. Checked with autograd in float32, the dtype training uses.
    n = 4
    for logit in (-10.0, -20.0):
        grads = {}
        for name in ("minimax", "ns"):
            fake = torch.full((n, 1), logit, requires_grad=True)
            get_loss(name).g_loss(fake).backward()
            grads[name] = fake.grad
        sig = 1.0 / (1.0 + math.exp(-logit))
        assert torch.allclose(grads["minimax"], torch.full((n, 1), -sig / n), rtol=1e-4)
        assert torch.allclose(grads["ns"], torch.full((n, 1), -(1 - sig) / n), rtol=1e-4)
        assert grads["minimax"].abs().max() < 1e-4 / n
        assert grads["ns"].abs().min() > 0.99 / n
    # And the minimax gradient keeps shrinking by e^-10 per 10 logits: it really vanishes.
    small = torch.full((1, 1), -30.0, requires_grad=True)
    get_loss("minimax").g_loss(small).backward()
    assert 0 < -small.grad.item() < 1e-12


def test_losses_are_finite_at_extreme_logits():
    # Written on logits with softplus: no log(0) where the Sigmoid+BCE round trip gives inf.
    big = torch.tensor([[100.0], [-100.0]])
    for name in ("minimax", "ns", "lsgan", "hinge", "wgan"):
        loss = get_loss(name)
        assert torch.isfinite(loss.d_loss(big, big)), name
        assert torch.isfinite(loss.g_loss(big)), name
    # -log D at logit -100 is 100, not inf.
    assert value(get_loss("ns").g_loss(torch.tensor([[-100.0]]))) == pytest.approx(100.0)


@pytest.mark.parametrize("name", ["wgan", "wgan-gp"])
def test_wasserstein_by_hand(name):
    # The critic maximises E[f(real)] - E[f(fake)], i.e. minimises E[f(fake)] - E[f(real)];
    # the generator minimises -E[f(fake)].
    loss = get_loss(name)
    assert value(loss.d_loss(t(REAL), t(FAKE))) == pytest.approx(mean(FAKE) - mean(REAL))
    assert value(loss.g_loss(t(FAKE))) == pytest.approx(-mean(FAKE))


def test_hinge_by_hand():
    # D: E[max(0, 1 - f(real))] + E[max(0, 1 + f(fake))]; G: -E[f(fake)].
    loss = get_loss("hinge")
    expected = mean([max(0.0, 1 - r) for r in REAL]) + mean([max(0.0, 1 + f) for f in FAKE])
    # REAL terms: 0, 2, 0.5; FAKE terms: 0, 2.5 -> 2.5/3 + 1.25.
    assert expected == pytest.approx(2.5 / 3 + 1.25)
    assert value(loss.d_loss(t(REAL), t(FAKE))) == pytest.approx(expected)
    assert value(loss.g_loss(t(FAKE))) == pytest.approx(-mean(FAKE))
    # Outside the margin the hinge is flat: no gradient from confidently classified samples.
    real = torch.tensor([[3.0]], requires_grad=True)
    fake = torch.tensor([[-3.0]], requires_grad=True)
    loss.d_loss(real, fake).backward()
    assert real.grad.item() == 0 and fake.grad.item() == 0


def test_lsgan_by_hand():
    # Mao et al. with a=0 (fake), b=1 (real), c=1: D: ½E[(f(real)-1)²] + ½E[f(fake)²];
    # G: ½E[(f(fake)-1)²].
    loss = get_loss("lsgan")
    expected_d = 0.5 * mean([(r - 1) ** 2 for r in REAL]) + 0.5 * mean([f**2 for f in FAKE])
    expected_g = 0.5 * mean([(f - 1) ** 2 for f in FAKE])
    assert value(loss.d_loss(t(REAL), t(FAKE))) == pytest.approx(expected_d)
    assert value(loss.g_loss(t(FAKE))) == pytest.approx(expected_g)
    # At the targets both losses are zero.
    assert value(loss.d_loss(torch.ones(3, 1), torch.zeros(2, 1))) == 0
    assert value(loss.g_loss(torch.ones(2, 1))) == 0


def test_d_loss_gives_real_and_fake_batches_equal_weight():
    # Each half is a mean over its own batch, so a larger fake batch does not outweigh real.
    loss = get_loss("ns")
    small = value(loss.d_loss(torch.zeros(2, 1), torch.zeros(2, 1)))
    skewed = value(loss.d_loss(torch.zeros(2, 1), torch.zeros(50, 1)))
    assert small == pytest.approx(skewed)


def test_get_loss_unknown_name_names_the_bad_value_and_every_choice():
    with pytest.raises(ValueError) as info:
        get_loss("wasserstein")
    message = str(info.value)
    assert "'wasserstein'" in message
    for name in LOSSES:
        assert name in message


def test_which_losses_report_probabilities_is_said_once_by_the_loss():
    kinds = {name: loss.output_kind for name, loss in LOSSES.items()}
    assert kinds == {
        "minimax": "probability",
        "ns": "probability",
        "wgan": "critic",
        "wgan-gp": "critic",
        "hinge": "critic",
        "lsgan": "critic",
    }
    out = torch.tensor([0.0, 2.0])
    assert LOSSES["ns"].reported(out).tolist() == pytest.approx([0.5, 0.880797])
    assert LOSSES["wgan"].reported(out).tolist() == [0.0, 2.0]


def test_wgan_gp_implies_its_penalty_unless_the_run_sets_one():
    assert LOSSES["wgan-gp"].regularizers({}) == {"gp": 10.0}
    assert LOSSES["wgan-gp"].regularizers({"gp": 1.0, "r1": 2.0}) == {"gp": 1.0, "r1": 2.0}
    assert LOSSES["ns"].regularizers({"r1": 2.0}) == {"r1": 2.0}
