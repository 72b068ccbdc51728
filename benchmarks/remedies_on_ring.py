"""Every loss and remedy on the ring (or grid), several seeds: metrics over time and cost.

    python benchmarks/remedies_on_ring.py --steps 3000 --seeds 0 1 2 --out ring.json
    python benchmarks/remedies_on_ring.py --only ns unrolled-5 --steps 500   # a quick look

The variants are gan_toy.experiments.VARIANTS (the same the book uses). Each variant trains
its seeds together (gan_toy.experiments.compare), is evaluated every `--eval-every` steps on
2,500 samples, and is reported with: final modes covered, the mean of modes covered over the
evaluations after the first quarter of training (a run that hops between modes covers few at
any moment even if it visits all), high-quality fraction, reverse KL (mean ± sd over seeds),
and its cost as milliseconds of wall time per step and run.
"""

from __future__ import annotations

import argparse
import json
import math

import torch

from gan_toy.experiments import VARIANTS, compare


def fmt(mean_sd, digits=2) -> str:
    mean, sd = mean_sd
    return "n/a" if math.isnan(mean) else f"{mean:.{digits}f} ± {sd:.{digits}f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="ring", choices=("ring", "grid"))
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--only", nargs="+", choices=list(VARIANTS), help="a subset of variants")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    parser.add_argument("--out", help="write every run (with its evaluations) to this JSON file")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    print(
        f"{args.data}, {args.steps} steps, seeds {args.seeds}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} thread(s)\n\n| variant | modes (final) | modes (mean over "
        "time) | high-quality | reverse KL | ms per step and run |\n|---|---|---|---|---|---|",
        flush=True,
    )
    everything = {}
    for name in args.only or VARIANTS:
        result = compare(
            [name], seeds=args.seeds, eval_every=args.eval_every, data=args.data, steps=args.steps
        )[name]
        per_step_ms = 1000 * result.wall_seconds / (args.steps * len(args.seeds))
        mean_time, _ = result.modes_over_time()
        cells = [
            name,
            fmt(result.mean_sd("modes_covered"), 1),
            f"{mean_time:.1f}",
            fmt(result.mean_sd("high_quality"), 3),
            fmt(result.mean_sd("reverse_kl")),
            f"{per_step_ms:.1f}",
        ]
        print("| " + " | ".join(cells) + " |", flush=True)
        everything[name] = {"runs": result.runs, "evals": result.evals, "ms": per_step_ms}
        if args.out:
            with open(args.out, "w") as f:
                json.dump({"data": args.data, "steps": args.steps, "results": everything}, f)


if __name__ == "__main__":
    main()
