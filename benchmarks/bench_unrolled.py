"""Per-step cost of unrolled GAN steps against a plain step and against plain D updates.

Everything trains the default ring setting (Trainer: MLPs 256-128-128-2 / 2-128-128-1, batch
512, Adam, non-saturating loss) in this process, in interleaved rounds; medians are compared:
- "x plain": an unrolled step's time over a plain (k = 0) step's;
- "D upd/k": what each unrolled D step adds to the plain step, (unrolled - plain) / k, in plain
  discriminator updates (Trainer.d_step on one batch). A first-order step costs about one
  (a D update whose result is used); a second-order one about three (that update, then a
  Hessian-vector product through it, which costs two).
With --batched K the same settings also train as K batched runs (BatchedTrainer), time per run.

    python -m benchmarks.bench_unrolled                    # CPU: k = 1, 5, 10, both orders
    python -m benchmarks.bench_unrolled --device cuda --batched 16
"""

from __future__ import annotations

import argparse
import statistics

import torch

from benchmarks.common import add_machine_options, parse, rate
from gan_toy import TrainConfig, Trainer
from gan_toy.batched import BatchedTrainer


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ks", type=int, nargs="+", default=[1, 5, 10])
    parser.add_argument("--orders", type=int, nargs="+", default=[2, 1], choices=[1, 2])
    parser.add_argument("--batched", type=int, default=0, help="also K batched runs (0: no)")
    parser.add_argument("--seconds", type=float, default=1.5, help="rough time per measurement")
    add_machine_options(parser, rounds=5)
    args = parse(parser, argv)
    base = TrainConfig(steps=100_000, device=args.device)

    plain = Trainer(base)
    device = plain.device
    real, fake = plain._real(), plain.G(plain._z()).detach()
    steppers = {"D update": (lambda: plain.d_step(real, fake), None, 1)}
    settings = [("plain step", 0, 2)] + [
        (f"k={k} order {o}", k, o) for o in args.orders for k in args.ks
    ]
    for name, k, order in settings:
        config = base.replace(unroll=k, unroll_order=order)
        trainer = plain if k == 0 else Trainer(config)
        steppers[name] = (trainer.train_step, trainer, 1)
        if args.batched:
            runs = BatchedTrainer([config.replace(seed=s) for s in range(args.batched)])
            steppers[f"{name}, batched"] = (runs.train_step, runs, args.batched)

    counts = {}
    for name, (step, _, _) in steppers.items():  # warm up, and size each measurement
        counts[name] = max(2, int(args.seconds * rate(step, 2, device, warmup=1)[0]))
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in steppers}
    for _ in range(args.rounds):
        for name, (step, trainer, runs) in steppers.items():
            if trainer is not None:
                trainer.step = 0  # reuse the statistics buffer; only speed is measured
            steps_wall, steps_cpu = rate(step, counts[name], device, warmup=0)
            times[name].append((1 / (runs * steps_wall), 1 / (runs * steps_cpu)))  # s per run-step
    wall = {n: statistics.median(t[0] for t in ts) for n, ts in times.items()}
    cpu = {n: statistics.median(t[1] for t in ts) for n, ts in times.items()}

    print(f"device {device}, threads {torch.get_num_threads()}, torch {torch.__version__}")
    print(f"default ring setting, {args.rounds} interleaved rounds, medians; CPU-time ratios in ()")
    print(f"{'(batched: per run)':28}{'ms/step':>9}{'x plain':>14}{'D upd/k':>16}")
    for name, k, _ in [("D update", 0, 0)] + settings:
        for suffix in ["", ", batched"] if args.batched and name != "D update" else [""]:
            key, ref = name + suffix, "plain step" + suffix
            cols = f"{1e3 * wall[key]:9.2f}"
            if name != "D update":
                cols += f"{wall[key] / wall[ref]:8.2f} ({cpu[key] / cpu[ref]:4.2f})"
            if k:
                per_k = [(d[key] - d[ref]) / k / d["D update"] for d in (wall, cpu)]
                cols += f"{per_k[0]:9.2f} ({per_k[1]:4.2f})"
            print(f"{key:28}{cols}")


if __name__ == "__main__":
    main()
