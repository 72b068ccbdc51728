"""Where a training step's CPU time goes: matrix products, random draws, other operations, and
what is left (Python, autograd, dispatch), as shares of the step.

Each aten operation is timed in process CPU time (a TorchDispatchMode around every call), so
other jobs on the machine slow the step without shifting the shares much, unlike wall-clock
profilers. The timing adds a few microseconds per operation; the step's own CPU time is
measured without it, and "python/autograd" is that time less the operations' total.

    python -m benchmarks.profile_step --batched 16               # K = 16 runs, default ring
    python -m benchmarks.profile_step --unroll 5 --top 15        # one Trainer, unrolled
    python -m benchmarks.profile_step --batched 5 --loss wgan-gp --d-steps 5
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from benchmarks.common import add_machine_options, parse
from gan_toy import TrainConfig, Trainer
from gan_toy.batched import BatchedTrainer

MATMUL = {"mm", "addmm", "bmm", "baddbmm"}
RANDOM = {"normal_", "uniform_", "random_", "randint", "randn", "rand"}


class OpTimer(TorchDispatchMode):
    """CPU seconds and calls per aten operation while active."""

    def __init__(self):
        super().__init__()
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        start = time.process_time()
        out = func(*args, **(kwargs or {}))
        name = func.__name__.split(".")[0]
        self.seconds[name] += time.process_time() - start
        self.calls[name] += 1
        return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batched", type=int, default=0, help="K batched runs (0: one Trainer)")
    parser.add_argument("--unroll", type=int, default=0)
    parser.add_argument("--unroll-order", type=int, default=2, choices=[1, 2])
    parser.add_argument("--loss", default="ns")
    parser.add_argument("--d-steps", type=int, default=1)
    parser.add_argument("--steps", type=int, default=5, help="steps timed (after 3 untimed)")
    parser.add_argument("--top", type=int, default=10, help="operations listed")
    add_machine_options(parser, rounds=1)
    args = parse(parser, argv)
    config = TrainConfig(
        steps=args.steps + 3,
        device=args.device,
        loss=args.loss,
        d_steps=args.d_steps,
        unroll=args.unroll,
        unroll_order=args.unroll_order,
    )
    if args.batched:
        trainer = BatchedTrainer([config.replace(seed=s) for s in range(args.batched)])
    else:
        trainer = Trainer(config)
    for _ in range(3):
        trainer.train_step()
    start = time.process_time()
    for _ in range(args.steps):
        trainer.train_step()
    step_ms = 1e3 * (time.process_time() - start) / args.steps
    trainer.step = 3
    timer = OpTimer()
    with timer:
        for _ in range(args.steps):
            trainer.train_step()
    shares: dict[str, float] = defaultdict(float)
    for name, seconds in timer.seconds.items():
        kind = "matmul" if name in MATMUL else "random" if name in RANDOM else "other ops"
        shares[kind] += 1e3 * seconds / args.steps
    shares["python/autograd"] = max(step_ms - sum(shares.values()), 0.0)
    calls = sum(timer.calls.values()) / args.steps
    what = f"{args.batched} batched runs" if args.batched else "one Trainer"
    print(f"device {trainer.device}, threads {torch.get_num_threads()}, torch {torch.__version__}")
    print(f"{what}, loss {args.loss}, d_steps {args.d_steps}, unroll {args.unroll}:")
    print(f"{step_ms:.1f} ms CPU per step, {calls:.0f} operations per step")
    print("  " + ", ".join(f"{kind} {100 * ms / step_ms:.0f}%" for kind, ms in shares.items()))
    for name, seconds in sorted(timer.seconds.items(), key=lambda kv: -kv[1])[: args.top]:
        ms, per_step = 1e3 * seconds / args.steps, timer.calls[name] / args.steps
        print(f"  {name:24}{ms:8.2f} ms {100 * ms / step_ms:5.1f}%  {per_step:6.0f}/step")


if __name__ == "__main__":
    main()
