"""MNIST and Stacked MNIST GANs: configs, nets, every loss and remedy on both archs, learning
digits, checkpoints and the command line.

All runs use the shipped 5,000-digit subset (`mnist_source="subset"`), so no test needs the
network. The one test that needs a good classifier (slow) takes it from the session cache that
test_classifier.py fills, or trains it once if this file runs alone; the others only need the
metrics' plumbing and use an untrained classifier, which costs nothing.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from gan_toy import Checkpointer, ConfigError, ModesOverTime, TrainConfig, Trainer
from gan_toy.checkpoint import load_checkpoint
from gan_toy.cli import main
from gan_toy.data import classifier as clf
from gan_toy.metrics import CONFIDENT
from gan_toy.nets import image_discriminator, image_generator

torch.set_num_threads(1)

# Tiny nets, so that a few steps of every variant cost a fraction of a second.
TINY = {
    "mlp": TrainConfig(data="mnist", mnist_source="subset", hidden=32, batch_size=16, steps=3),
    "dcgan": TrainConfig(
        data="mnist", arch="dcgan", mnist_source="subset", hidden=8, batch_size=16, steps=3
    ),
}
ARCHS = list(TINY)


@pytest.fixture(scope="session")
def data_root(tmp_path_factory):
    return tmp_path_factory.getbasetemp() / "gan_toy_data"  # shared with test_classifier.py


@pytest.fixture(scope="session")
def classifier(data_root):
    return clf.load_classifier("subset", root=data_root / "mnist")


@pytest.fixture(scope="session")
def untrained(tmp_path_factory):
    """(GAN_TOY_DATA folder, classifier): a never-trained classifier cached in a folder of its
    own. Checkpoints and the JSON contract do not depend on how well it classifies."""
    root = tmp_path_factory.mktemp("untrained_data")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = clf.DigitClassifier()
    model.info = {"version": clf.VERSION, "source": "subset", "test_accuracy": 0.125}
    clf.save_classifier(model, clf.classifier_path("subset", root / "mnist"))
    return root, model.eval()


def params(module):
    return torch.cat([p.detach().flatten() for p in module.parameters()])


# --- configs and nets ---------------------------------------------------------------------------


def test_image_data_get_their_own_defaults_and_2d_keeps_its_own():
    ring, mnist = TrainConfig(), TrainConfig(data="mnist")
    assert (ring.z_dim, ring.hidden, ring.batch_size, ring.lr_d, ring.lr_g) == (
        256,
        128,
        512,
        1e-4,
        1e-3,
    )
    assert (ring.eval_samples, ring.tf32) == (2500, False)
    assert (mnist.z_dim, mnist.batch_size, mnist.eval_samples, mnist.tf32) == (
        100,
        64,
        10_000,
        True,
    )
    assert TrainConfig(data="stacked-mnist").eval_samples == 26_000
    assert TrainConfig(data="mnist", arch="dcgan").hidden == 64
    # replace(data=...) moves defaults along and keeps explicit values
    moved = TrainConfig(z_dim=7).replace(data="mnist")
    assert (moved.z_dim, moved.batch_size) == (7, 64)
    assert moved.replace(data="ring").batch_size == 512
    # a checkpoint's config round-trips exactly
    cfg = TrainConfig(data="stacked-mnist", arch="dcgan", hidden=16, lr_g=1e-3)
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg


@pytest.mark.parametrize(
    "change, words",
    [
        ({"data": "ring", "arch": "dcgan"}, ["'dcgan'", "mlp"]),
        ({"arch": "resnet"}, ["'resnet'", "mlp", "dcgan"]),
        ({"data": "fashion"}, ["'fashion'", "mnist", "stacked-mnist"]),
        ({"mnist_source": "web"}, ["'web'", "auto", "full", "subset"]),
        ({"tf32": "yes"}, ["tf32", "'yes'"]),
    ],
)
def test_bad_image_settings_name_the_value_and_the_choices(change, words):
    with pytest.raises(ConfigError) as info:
        TrainConfig(data="mnist").replace(**change).validate()
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("channels", [1, 3])
def test_nets_map_latents_to_images_in_minus_one_one_and_images_to_one_logit(arch, channels):
    g = image_generator(arch, z_dim=10, hidden=8, channels=channels)
    d = image_discriminator(arch, hidden=8, channels=channels)
    images = g(torch.randn(5, 10) * 100)  # large z: tanh must still bound the output
    assert images.shape == (5, channels, 28, 28)
    assert images.abs().max() <= 1.0
    assert d(images).shape == (5, 1)


def test_the_trainer_draws_real_digits_from_the_source():
    trainer = Trainer(TINY["mlp"])
    real = trainer._real()
    assert real.shape == (16, 1, 28, 28) and real.min() >= -1 and real.max() <= 1
    assert trainer.source.n_modes == 10
    stacked = Trainer(TINY["mlp"].replace(data="stacked-mnist"))
    assert stacked._real().shape == (16, 3, 28, 28) and stacked.source.n_modes == 1000
    assert stacked.sample(5).shape == (5, 3, 28, 28)


def test_auto_source_is_recorded_so_a_resumed_run_uses_the_same_digits(monkeypatch):
    from gan_toy.data import mnist

    def offline(*args, **kwargs):
        raise OSError("no network in this test")

    monkeypatch.setattr(mnist, "download_file", offline)
    with pytest.warns(UserWarning, match="Full MNIST is not available"):
        monkeypatch.setattr(mnist, "_subset_warned", False)
        trainer = Trainer(TINY["mlp"].replace(mnist_source="auto"))
    assert trainer.config.mnist_source == "subset"


# --- every loss and remedy on both architectures ------------------------------------------------


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("loss", ["minimax", "ns", "wgan", "wgan-gp", "hinge", "lsgan"])
def test_every_loss_trains_a_few_steps_on_images(arch, loss):
    trainer = Trainer(TINY[arch].replace(loss=loss))
    before = params(trainer.G).clone()
    history = trainer.fit()
    assert np.isfinite(history.stats).all() and len(history) == 3
    assert not torch.equal(before, params(trainer.G))


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("reg", ["gp", "r1", "r2", "roth", "l2", "noise", "sn"])
def test_every_regulariser_trains_a_few_steps_on_images(arch, reg):
    history = Trainer(TINY[arch].replace(regs={reg: 0.5})).fit()
    assert np.isfinite(history.stats).all()


@pytest.mark.parametrize("arch", ARCHS)
def test_a_penalty_changes_the_discriminator_update_on_images(arch):
    plain, penalised = (
        Trainer(TINY[arch].replace(steps=1)),
        Trainer(TINY[arch].replace(steps=1, regs={"r1": 10.0})),
    )
    plain.fit()
    penalised.fit()
    assert not torch.allclose(params(plain.D), params(penalised.D))


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("order", [1, 2])
def test_unrolled_and_clipped_runs_train_on_images(arch, order):
    cfg = TINY[arch].replace(steps=2, unroll=2, unroll_order=order, regs={"r1": 1.0})
    assert np.isfinite(Trainer(cfg).fit().stats).all()
    trainer = Trainer(TINY[arch].replace(loss="wgan", clip=0.01))
    trainer.fit()
    assert params(trainer.D).abs().max() <= 0.01


@pytest.mark.parametrize("arch", ARCHS)
def test_stacked_mnist_trains_with_a_penalty(arch):
    cfg = TINY[arch].replace(data="stacked-mnist", loss="wgan-gp", d_steps=2)
    assert np.isfinite(Trainer(cfg).fit().stats).all()


def test_same_seed_same_numbers_on_images():
    a, b = Trainer(TINY["dcgan"]), Trainer(TINY["dcgan"])
    np.testing.assert_array_equal(a.fit().stats, b.fit().stats)
    assert torch.equal(a.sample(50), b.sample(50))
    assert torch.equal(a.sample(50), a.sample(50))  # sampling leaves the generator as it was


# --- it learns digits ---------------------------------------------------------------------------

# A short setting that reliably makes recognisable digits: the default MLP GAN (256 wide, batch
# 64) with G's Adam step doubled, 700 steps (~7 CPU seconds). On seeds 0-4 it gave confidently
# classified digits of 7, 8, 6, 7, 7 classes, 18-24% of samples confident; at 300 steps, 0-1.
LEARNS = TrainConfig(data="mnist", mnist_source="subset", lr_g=2e-3, steps=700, seed=1)


def confident_classes(trainer, classifier, n=1000) -> int:
    probs, _ = classifier.predict(trainer.sample(n))
    confidence, label = probs[:, 0].max(dim=1)
    return int(torch.unique(label[confidence >= CONFIDENT]).numel())


@pytest.mark.slow
def test_a_short_mlp_gan_run_makes_digits_of_several_classes(classifier):
    trainer = Trainer(LEARNS)
    trainer.source.classifier = classifier
    assert confident_classes(trainer, classifier) == 0  # noise before training
    trainer.fit()
    assert confident_classes(trainer, classifier) >= 4
    metrics = trainer.evaluate(1000)
    assert metrics["high_quality"] >= 0.05 and metrics["modes_covered"] >= 5
    assert metrics["reverse_kl"] < math.log(10) / 2


# --- checkpoints --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cfg",
    [
        TINY["mlp"].replace(steps=12, regs={"noise": 0.1}),
        TINY["dcgan"].replace(data="stacked-mnist", steps=12, loss="wgan-gp", regs={"sn": 1}),
    ],
    ids=["mnist-mlp", "stacked-dcgan"],
)
def test_an_interrupted_mnist_run_resumes_to_the_uninterrupted_result(tmp_path, cfg, untrained):
    classifier = untrained[1]

    def evals():
        return ModesOverTime(every=4, n_samples=100)

    straight = Trainer(cfg)
    straight.source.classifier = classifier
    straight.fit([evals()])

    first = Trainer(cfg)
    first.source.classifier = classifier
    first.fit([Checkpointer(tmp_path / "run.pt", every=4), evals()], until=8)
    del first
    assert torch.load(tmp_path / "run.pt", weights_only=True)["step"] == 8
    resumed = load_checkpoint(tmp_path / "run.pt")
    resumed.source.classifier = classifier
    resumed.fit([evals()])

    assert torch.equal(params(straight.G), params(resumed.G))
    assert torch.equal(params(straight.D), params(resumed.D))
    assert (straight.history.stats == resumed.history.stats).all()
    assert straight.evals == resumed.evals and len(resumed.evals) == 4


# --- command line -------------------------------------------------------------------------------

CLI_TINY = [
    "--mnist-source",
    "subset",
    "--steps",
    "3",
    "--batch",
    "16",
    "--device",
    "cpu",
    "--quiet",
]


@pytest.fixture
def cached_classifier_env(untrained, monkeypatch):
    """Point GAN_TOY_DATA at the folder where the untrained classifier is cached."""
    monkeypatch.setenv("GAN_TOY_DATA", str(untrained[0]))
    return untrained[1]


def test_cli_mnist_writes_the_json_contract(tmp_path, cached_classifier_env):
    out = tmp_path / "out.json"
    args = ["train", "--data", "mnist", "--hidden", "32", "--eval-samples", "300", "--seed", "4"]
    assert main(args + CLI_TINY + ["--json", str(out)]) == 0
    result = json.loads(out.read_text())
    cfg = result["config"]
    assert (cfg["data"], cfg["arch"], cfg["z_dim"], cfg["hidden"]) == ("mnist", "mlp", 100, 32)
    assert (cfg["batch_size"], cfg["mnist_source"], cfg["eval_samples"]) == (16, "subset", 300)
    assert result["steps_per_second"] > 0 and result["device"] == "cpu"
    assert result["classifier"]["test_accuracy"] == 0.125  # the cached one, reported
    (run,) = result["runs"]
    assert run["seed"] == 4
    assert 1 <= run["modes_covered"] <= 10 and 0.0 <= run["high_quality"] <= 1.0
    assert 0.0 <= run["reverse_kl"] <= math.log(10) + 1e-9
    assert sum(run["class_histogram"]) == 300 and run["frechet"] > 0


def test_cli_stacked_mnist_dcgan_reports_modes_of_1000(tmp_path, cached_classifier_env):
    out = tmp_path / "out.json"
    args = ["train", "--data", "stacked-mnist", "--arch", "dcgan", "--hidden", "8"]
    args += ["--eval-samples", "200", "--reg", "r1=1", "--json", str(out)]
    assert main(args + CLI_TINY) == 0
    result = json.loads(out.read_text())
    assert result["config"]["arch"] == "dcgan" and result["config"]["regs"] == {"r1": 1.0}
    (run,) = result["runs"]
    assert 1 <= run["modes_covered"] <= 200 and 0 <= run["reverse_kl"] <= math.log(1000)
    assert "class_histogram" not in run and run["frechet"] > 0


@pytest.mark.parametrize(
    "args, words",
    [
        (["--data", "ring", "--arch", "dcgan"], ["'dcgan'", "mlp"]),
        (["--data", "mnist", "--arch", "conv"], ["'conv'", "mlp", "dcgan"]),
        (["--data", "mnist", "--seeds", "2"], ["--seeds", "mnist"]),
        (["--data", "mnist", "--mnist-source", "web"], ["'web'", "subset"]),
        (["--data", "mnist", "--z-dim", "0"], ["z_dim", "0"]),
    ],
)
def test_cli_image_usage_errors_exit_2_with_one_clear_line(capsys, args, words):
    assert main(["train", "--steps", "2", "--quiet"] + args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    for word in words:
        assert word in err


# --- pictures -----------------------------------------------------------------------------------


def test_image_grid_places_each_sample_and_shows_stacked_digits_in_colour():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gan_toy.metrics import label_metrics
    from gan_toy.mnist_plots import image_grid, plot_class_histogram, plot_image_samples

    images = -torch.ones(5, 1, 28, 28)
    images[3] = 1.0  # one white sample: the 4th, so row 1, column 1 of a 2-wide grid
    grid = image_grid(images, cols=2, pad=2)
    assert grid.shape == (3 * 30 + 2, 2 * 30 + 2)
    assert grid[32:60, 32:60].min() == 1.0 and grid[2:30, 2:30].max() == 0.0
    stacked = -torch.ones(1, 3, 28, 28)
    stacked[0, 1] = 1.0  # only the middle digit's channel lit: green
    np.testing.assert_array_equal(image_grid(stacked)[10, 10], [0.0, 1.0, 0.0])

    ax = plot_image_samples(Trainer(TINY["mlp"]), n=9)
    assert ax.images[0].get_array().shape == (3 * 30 + 2, 3 * 30 + 2)
    labels = torch.tensor([0] * 5 + [7] * 15)
    ax = plot_class_histogram(label_metrics(torch.eye(10)[labels]))
    assert [p.get_height() for p in ax.patches] == [5, 0, 0, 0, 0, 0, 0, 15, 0, 0]
    plt.close("all")


def test_image_snapshots_keep_the_fixed_latents_at_the_chosen_steps():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gan_toy.mnist_plots import ImageSnapshots, plot_image_snapshots

    cfg = TINY["mlp"].replace(steps=4)
    snaps = ImageSnapshots(every=2, n=9)
    Trainer(cfg).fit([snaps])
    assert sorted(snaps.images) == [0, 2, 4]
    assert snaps.images[4].shape == (9, 1, 28, 28)
    # Step 0 is the untrained generator on the fixed latents: a fresh trainer reproduces it.
    torch.testing.assert_close(snaps.images[0], Trainer(cfg).sample(9).cpu())
    assert not torch.equal(snaps.images[0], snaps.images[4]), "training must move the samples"
    assert snaps.steps(at_most=2) == [0, 4] and snaps.steps() == [0, 2, 4]

    fig = plot_image_snapshots(snaps, title="tiny")
    assert [ax.get_title() for ax in fig.axes] == ["step 0", "step 2", "step 4"]
    with pytest.raises(ValueError, match=r"step\(s\) \[3\].*recorded: \[0, 2, 4\]"):
        plot_image_snapshots(snaps, steps=[2, 3])
    with pytest.raises(ValueError, match="every=0"):
        ImageSnapshots(every=0)
    plt.close("all")


def test_sources_score_their_own_samples_and_say_what_they_settled_on():
    from gan_toy.data.sources import make_source
    from gan_toy.metrics import mode_metrics

    ring_source = make_source(TrainConfig(data="ring"))
    points = ring_source.sample(500, generator=torch.Generator().manual_seed(0))
    expected = mode_metrics(points, ring_source.centres, ring_source.sigma)
    assert ring_source.evaluate(points) == expected and ring_source.settings() == {}
    digits = make_source(TrainConfig(data="mnist", mnist_source="subset"))
    assert digits.settings() == {"mnist_source": "subset"}
