"""Every loss and remedy on the ring (or grid), several seeds: modes over time and cost.

    python benchmarks/remedies_on_ring.py --steps 3000 --seeds 0 1 2 --out ring.json
    python benchmarks/remedies_on_ring.py --only ns unrolled-5 --steps 500   # a quick look

For each variant and seed it trains one run, evaluates the VEEGAN/PacGAN metrics every
`--eval-every` steps on 2,500 samples, and reports: the final metrics; the mean and the minimum
of modes covered over the evaluations after the first quarter of training (a run that hops
between modes covers few at any moment even if it visits all); and steps per second (CPU time
of this process, so a busy machine distorts it less than wall time).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from gan_toy import ModesOverTime, TrainConfig, Trainer

# name -> TrainConfig changes. WGAN-GP as in Gulrajani et al. (λ=10, 5 critic steps, Adam
# lr 1e-4, β=(0.5, 0.9)); WGAN with clipping as in Arjovsky et al. (c=0.01, 5 critic steps),
# but with Adam at the WGAN-GP rates instead of RMSProp at 5e-5.
VARIANTS = {
    "minimax": {"loss": "minimax"},
    "ns": {"loss": "ns"},
    "ns d:g 5:1": {"loss": "ns", "d_steps": 5},
    "wgan-clip": {"loss": "wgan", "clip": 0.01, "d_steps": 5, "lr_g": 1e-4, "betas": (0.5, 0.9)},
    "wgan-gp": {"loss": "wgan-gp", "d_steps": 5, "lr_g": 1e-4, "betas": (0.5, 0.9)},
    "hinge": {"loss": "hinge"},
    "lsgan": {"loss": "lsgan"},
    "unrolled-1": {"unroll": 1},
    "unrolled-5": {"unroll": 5},
    "unrolled-5 first-order": {"unroll": 5, "unroll_order": 1},
    "unrolled-10": {"unroll": 10},
    "instance-noise": {"regs": {"noise": 0.1}},
    "r1": {"regs": {"r1": 1.0}},
    "spectral-norm": {"regs": {"sn": 1.0}},
}


def run_one(config: TrainConfig, eval_every: int) -> dict:
    trainer = Trainer(config)
    start = time.process_time()
    trainer.fit([ModesOverTime(every=eval_every)])
    cpu = time.process_time() - start  # includes evaluations: a few % of the total
    later = [e for e in trainer.evals if e["step"] >= config.steps // 4]
    return {
        "seed": config.seed,
        **trainer.evaluate(),
        "modes_mean_over_time": statistics.mean(e["modes_covered"] for e in later),
        "modes_min_over_time": min(e["modes_covered"] for e in later),
        "cpu_steps_per_second": config.steps / cpu,
        "evals": trainer.evals,
    }


def summarise(name: str, runs: list[dict]) -> str:
    def mean_sd(key, fmt="{:.2f}"):
        values = [r[key] for r in runs if r[key] == r[key]]  # drop NaN
        if not values:
            return "n/a"
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        return f"{fmt.format(statistics.mean(values))} ± {fmt.format(sd)}"

    cells = [
        name,
        mean_sd("modes_covered", "{:.1f}"),
        mean_sd("modes_mean_over_time", "{:.1f}"),
        mean_sd("high_quality", "{:.3f}"),
        mean_sd("reverse_kl"),
        f"{statistics.mean(r['cpu_steps_per_second'] for r in runs):.1f}",
    ]
    return "| " + " | ".join(cells) + " |"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="ring", choices=("ring", "grid"))
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--only", nargs="+", choices=list(VARIANTS), help="a subset of variants")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", help="write every run (with its evaluations) to this JSON file")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    results = {}
    header = (
        f"{args.data}, {args.steps} steps, seeds {args.seeds}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} thread(s)\n\n"
        "| variant | modes covered (final) | modes covered (mean over time) | high-quality "
        "| reverse KL | steps/s (CPU time) |\n|---|---|---|---|---|---|"
    )
    print(header, flush=True)
    for name in args.only or VARIANTS:
        base = TrainConfig(data=args.data, steps=args.steps).replace(**VARIANTS[name])
        runs = [run_one(base.replace(seed=s), args.eval_every) for s in args.seeds]
        results[name] = runs
        print(summarise(name, runs), flush=True)
        if args.out:
            with open(args.out, "w") as f:
                json.dump({"steps": args.steps, "data": args.data, "results": results}, f)


if __name__ == "__main__":
    main()
