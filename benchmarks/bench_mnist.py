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
import time

import torch
import torch.nn.functional as F

from gan_toy import TrainConfig, Trainer
from gan_toy.data import MNISTData, load_subset
from gan_toy.sources import MNISTSource
from gan_toy.train import float32_precision

EPOCH = 60_000


def sixty_thousand_digits() -> MNISTData:
    subset = load_subset("train")
    reps = math.ceil(EPOCH / len(subset))
    images = subset.images.repeat(reps, 1, 1)[:EPOCH]
    return MNISTData(images, subset.labels.repeat(reps)[:EPOCH], "tiled-subset", "train")


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(step, steps: int, device) -> tuple[float, float]:
    """(wall seconds, CPU seconds) per step of `step()`, after a short warm-up."""
    for _ in range(10):
        step()
    _sync(device)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    _sync(device)
    return (time.perf_counter() - wall) / steps, (time.process_time() - cpu) / steps


def plain_loop(trainer: Trainer):
    """The textbook loop on the trainer's own nets and data: fresh z for each player."""
    cfg, device = trainer.config, trainer.device
    G, D, source = trainer.G, trainer.D, trainer.source
    opt_g = torch.optim.Adam(G.parameters(), lr=cfg.lr_g, betas=cfg.betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=cfg.lr_d, betas=cfg.betas)
    n = cfg.batch_size

    def step():
        real = source.sample(n)
        fake = G(torch.randn(n, cfg.z_dim, device=device)).detach()
        d_loss = F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        g_loss = F.softplus(-D(G(torch.randn(n, cfg.z_dim, device=device)))).mean()
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        return d_loss.detach(), g_loss.detach()

    return step


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", default="mlp,dcgan", help="comma-separated: mlp, dcgan")
    parser.add_argument("--steps", type=int, default=200, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

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
