"""Per-step cost of gan_toy's trainer against a plain hand-written PyTorch loop.

Both train the same setting (default ring: MLPs 256→128→128→2 / 2→128→128→1, batch 512,
Adam, non-saturating loss) in the same process. They take turns in several rounds, and the
median of each side is compared, so a busy neighbour on the machine slows both alike.

    python benchmarks/bench_trainer.py                 # CPU, default setting
    python benchmarks/bench_trainer.py --device cuda --steps 2000 --rounds 5

Prints steps per second for each and the ratio trainer / plain (> 1: the trainer is faster).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import torch

from gan_toy import TrainConfig, Trainer
from gan_toy.nets import make_discriminator, make_generator

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import add_machine_options, parse, rate  # noqa: E402
from benchmarks.common import plain_loop as plain_loop_on  # noqa: E402


def plain_loop(config: TrainConfig, device: torch.device):
    """The textbook loop on fresh nets of the config's sizes (seeded like the trainer)."""
    torch.manual_seed(config.seed)
    G = make_generator(config.z_dim, config.hidden).to(device)
    D = make_discriminator(2, config.hidden).to(device)
    source = Trainer(config.replace(steps=1)).source
    return plain_loop_on(G, D, source.sample, config, device)


def time_steps(step, steps: int, device) -> float:
    """Steps per second of `step()` called `steps` times (after a short warm-up)."""
    return rate(step, steps, device, warmup=20)[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    add_machine_options(parser, rounds=5)
    args = parse(parser, argv)

    config = TrainConfig(steps=args.steps * args.rounds + 100, device=args.device)
    trainer = Trainer(config)
    device = trainer.device
    plain_step = plain_loop(config, device)
    ours, plain = [], []
    for _ in range(args.rounds):
        ours.append(time_steps(trainer.train_step, args.steps, device))
        plain.append(time_steps(plain_step, args.steps, device))
        trainer.step = 0  # reuse the stats buffer; only speed is measured here
    ours_med, plain_med = statistics.median(ours), statistics.median(plain)
    print(f"device {device}, threads {torch.get_num_threads()}, torch {torch.__version__}")
    print(f"setting: ring, batch {config.batch_size}, {args.rounds} rounds of {args.steps} steps")
    print(f"{'':14}{'steps/s (median)':>18}{'min':>10}{'max':>10}")
    print(f"{'gan_toy':14}{ours_med:18.1f}{min(ours):10.1f}{max(ours):10.1f}")
    print(f"{'plain loop':14}{plain_med:18.1f}{min(plain):10.1f}{max(plain):10.1f}")
    print(f"ratio gan_toy / plain: {ours_med / plain_med:.2f}")


if __name__ == "__main__":
    main()
