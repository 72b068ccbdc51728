"""Seconds per epoch of full MNIST (60,000 images) for the MLP GAN and the DCGAN-style GAN.

One epoch is ceil(60,000 / batch) steps (one D and one G update each, D seeing one real batch
per step), at the default MNIST settings of TrainConfig. The digits are 60,000 images made by
tiling the shipped 5,000-digit subset 12×: indexing a batch costs the same whatever the images
are, so this times full MNIST without downloading it (timing only; nothing is learned here).
For the MLP GAN a plain hand-written PyTorch loop on the same nets is timed too, to check that
the trainer adds no overhead (design notes §5).

    python benchmarks/bench_mnist.py                          # CPU, both archs
    python benchmarks/bench_mnist.py --device cuda --steps 500

Each measurement takes turns with the others over several rounds and the median is reported,
with the process CPU time per epoch beside the wall-clock time (on a loaded machine the two
differ; the CPU time is what the run itself costs).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from pathlib import Path

import torch

from gan_toy import TrainConfig, Trainer
from gan_toy.data import MNISTData, load_subset
from gan_toy.data.sources import MNISTSource
from gan_toy.devices import float32_precision

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import add_machine_options, parse, rate  # noqa: E402
from benchmarks.common import plain_loop as plain_loop_on  # noqa: E402

EPOCH = 60_000


def sixty_thousand_digits() -> MNISTData:
    subset = load_subset("train")
    reps = math.ceil(EPOCH / len(subset))
    images = subset.images.repeat(reps, 1, 1)[:EPOCH]
    return MNISTData(images, subset.labels.repeat(reps)[:EPOCH], "tiled-subset", "train")


def timed(step, steps: int, device) -> tuple[float, float]:
    """(wall seconds, CPU seconds) per step of `step()`, after a short warm-up."""
    wall_rate, cpu_rate = rate(step, steps, device, warmup=10)
    return 1 / wall_rate, 1 / cpu_rate


def plain_loop(trainer: Trainer):
    """The textbook loop on the trainer's own nets and data."""
    return plain_loop_on(
        trainer.G, trainer.D, trainer.source.sample, trainer.config, trainer.device
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", default="mlp,dcgan", help="comma-separated: mlp, dcgan")
    parser.add_argument("--steps", type=int, default=200, help="timed steps per round")
    add_machine_options(parser, rounds=3)
    args = parse(parser, argv)

    digits = sixty_thousand_digits()
    runs = {}
    for arch in args.archs.split(","):
        config = TrainConfig(data="mnist", arch=arch, mnist_source="subset", device=args.device)
        trainer = Trainer(config.replace(steps=args.steps + 10))
        trainer.source = MNISTSource(digits, trainer.device)
        runs[f"{arch} (gan_toy)"] = (trainer, trainer.train_step)
        if arch == "mlp":
            plain = Trainer(config.replace(steps=1))  # its nets, optimisers and data only
            plain.source = trainer.source
            runs["mlp (plain loop)"] = (plain, plain_loop(plain))
    results = {name: [] for name in runs}
    for _ in range(args.rounds):
        for name, (trainer, step) in runs.items():
            with float32_precision(trainer.device, trainer.config.tf32):  # as fit() does
                results[name].append(timed(step, args.steps, trainer.device))
            trainer.step = 0  # reuse the stats buffer; only speed is measured here

    first = next(iter(runs.values()))[0]
    batch = first.config.batch_size
    steps_per_epoch = math.ceil(EPOCH / batch)
    print(f"device {first.device}, threads {torch.get_num_threads()}, torch {torch.__version__}")
    print(
        f"default MNIST settings: batch {batch}, {steps_per_epoch} steps per epoch of {EPOCH:,} "
        f"images; {args.rounds} rounds of {args.steps} steps"
    )
    print(f"{'':20}{'s/epoch wall':>14}{'s/epoch CPU':>13}{'steps/s':>10}   nets")
    for name, rows in results.items():
        wall = statistics.median(r[0] for r in rows) * steps_per_epoch
        cpu = statistics.median(r[1] for r in rows) * steps_per_epoch
        cfg = runs[name][0].config
        nets = f"{cfg.arch}, hidden {cfg.hidden}, z {cfg.z_dim}"
        print(f"{name:20}{wall:14.1f}{cpu:13.1f}{steps_per_epoch / wall:10.1f}   {nets}")


if __name__ == "__main__":
    main()
