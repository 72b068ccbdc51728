"""Aggregate throughput of K runs trained as one batched model against K plain loops.

K plain loops run one after another advance K runs at the plain loop's own speed, so their
aggregate throughput (runs × steps per second) is the plain loop's steps per second, whatever
K is. The batched trainer advances all K runs per step: its aggregate is K × its steps per
second. Both are timed in this process at the default ring setting, alternating in rounds.

    python benchmarks/bench_batched.py                       # CPU: K = 1, 4, 16, 64
    python benchmarks/bench_batched.py --device cuda --ks 1 64 256 1024
"""

from __future__ import annotations

import argparse
import statistics

import torch

from benchmarks.bench_trainer import plain_loop
from benchmarks.common import add_machine_options, parse, rate
from gan_toy import TrainConfig
from gan_toy.batched import BatchedTrainer
from gan_toy.devices import resolve_device


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ks", type=int, nargs="+", default=[1, 4, 16, 64])
    parser.add_argument("--seconds", type=float, default=4.0, help="rough time per measurement")
    add_machine_options(parser, rounds=3)
    args = parse(parser, argv)
    device = resolve_device(args.device)
    base = TrainConfig(device=str(device), steps=100_000)

    plain_step = plain_loop(base, device)
    plain_wall, plain_cpu = rate(plain_step, 20, device)
    print(f"device {device}, threads {torch.get_num_threads()}, torch {torch.__version__}")
    print("default ring setting (batch 512, MLPs 256-128-128-2 / 2-128-128-1, Adam, ns loss)")
    print(f"{'K':>6}{'plain agg/s':>14}{'batched agg/s':>16}{'ratio':>8}{'ratio (CPU time)':>18}")
    for k in args.ks:
        trainer = BatchedTrainer([base.replace(seed=s) for s in range(k)])
        batched_wall, batched_cpu = rate(trainer.train_step, 2, device, warmup=1)
        batched_steps = max(3, int(args.seconds * batched_wall))
        plain_steps = max(20, int(args.seconds * plain_wall))
        ours, theirs = [], []
        for _ in range(args.rounds):
            trainer.step = 0  # reuse the statistics buffer; only speed is measured
            ours.append(rate(trainer.train_step, batched_steps, device, warmup=0))
            theirs.append(rate(plain_step, plain_steps, device, warmup=0))
        b_wall = k * statistics.median(r[0] for r in ours)
        b_cpu = k * statistics.median(r[1] for r in ours)
        p_wall = statistics.median(r[0] for r in theirs)
        p_cpu = statistics.median(r[1] for r in theirs)
        print(f"{k:>6}{p_wall:>14.1f}{b_wall:>16.1f}{b_wall / p_wall:>8.2f}{b_cpu / p_cpu:>18.2f}")


if __name__ == "__main__":
    main()
