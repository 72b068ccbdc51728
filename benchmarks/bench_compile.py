"""Does torch.compile speed up a training step here? The plain loop on eager nets against the
same loop on `torch.compile`d nets.

Both sides train the default ring setting (MLPs 256-128-128-2 / 2-128-128-1, batch 512, Adam,
non-saturating loss) from the same initial weights, in this process, taking turns over several
rounds; medians are compared, so a busy neighbour slows both alike. The first compiled steps
(tracing and code generation, which a short run pays in full) are timed apart.

    python -m benchmarks.bench_compile                     # CPU, the default threads
    python -m benchmarks.bench_compile --threads 1         # as the book's chapters train
    python -m benchmarks.bench_compile --device cuda

Prints steps per second of each side (wall and CPU time) and the ratio compiled / eager
(> 1: compiling is faster). gan_toy does not compile its nets: this is the measurement behind
that choice.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch

from benchmarks.common import add_machine_options, parse, plain_loop, rate, sync
from gan_toy import TrainConfig, Trainer
from gan_toy.nets import make_discriminator, make_generator


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="steps per measurement")
    parser.add_argument("--mode", default="default", help="torch.compile mode")
    add_machine_options(parser, rounds=5)
    args = parse(parser, argv)

    config = TrainConfig(device=args.device)
    probe = Trainer(config.replace(steps=1))  # the device and the ring's sampler, as trained
    device, sample = probe.device, probe.source.sample
    torch.manual_seed(config.seed)
    G = make_generator(config.z_dim, config.hidden).to(device)
    D = make_discriminator(2, config.hidden).to(device)
    eager = plain_loop(G, D, sample, config, device)
    G2, D2 = copy.deepcopy(G), copy.deepcopy(D)
    compiled = plain_loop(
        torch.compile(G2, mode=args.mode), torch.compile(D2, mode=args.mode), sample, config, device
    )

    start = time.perf_counter()
    try:
        for _ in range(3):  # forward and backward of each graph, both players
            compiled()
        sync(device)
    except Exception as error:  # a missing C++ compiler, an unsupported backend
        raise SystemExit(
            f"torch.compile does not run here: {type(error).__name__}: {error}"
        ) from error
    first = time.perf_counter() - start

    walls: dict[str, list[float]] = {"eager": [], "compiled": []}
    cpus: dict[str, list[float]] = {"eager": [], "compiled": []}
    for _ in range(args.rounds):
        for name, step in (("eager", eager), ("compiled", compiled)):
            wall, cpu = rate(step, args.steps, device)
            walls[name].append(wall)
            cpus[name].append(cpu)

    print(f"device {device}, threads {torch.get_num_threads()}, torch {torch.__version__}")
    print(f"ring, batch {config.batch_size}, {args.rounds} rounds of {args.steps} steps, medians")
    print(f"first 3 compiled steps (compilation): {first:.1f} s")
    print(f"{'':10}{'steps/s (wall)':>16}{'steps/s (CPU)':>16}")
    for name in walls:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        print(f"{name:10}{wall:16.1f}{cpu:16.1f}")
    ratio = statistics.median(walls["compiled"]) / statistics.median(walls["eager"])
    ratio_cpu = statistics.median(cpus["compiled"]) / statistics.median(cpus["eager"])
    print(f"ratio compiled / eager: {ratio:.2f} (CPU time: {ratio_cpu:.2f})")


if __name__ == "__main__":
    main()
