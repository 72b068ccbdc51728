"""Command line: `python -m gan_toy train ...` (researchers and our own checks rely on it).

    python -m gan_toy train --data ring --loss ns --steps 2000 --seed 0 --json out.json

    python -m gan_toy train --data mnist --arch dcgan --steps 5000 --json out.json

The JSON holds `config`, `device`, `steps_per_second` (training steps per second, set-up
excluded) and `runs`, one object per seed with `seed`, `modes_covered`, `high_quality` and
`reverse_kl`. For 2D data these are the VEEGAN/PacGAN mode metrics. For `--data mnist` and
`--data stacked-mnist` a classifier labels every sample (gan_toy.data.classifier; trained and cached
on first use): modes are digits (10) or digit triples (1000), `high_quality` is the fraction of
samples labelled with confidence >= 0.9 on every channel, and each run also has `frechet`
(Fréchet distance to real digits in the classifier's features) and, for MNIST,
`class_histogram`; the top level adds `classifier` (its data and held-out accuracy).

`--seeds K` trains seeds seed..seed+K-1 and `--sweep NAME=V1,V2,...` a hyper-parameter sweep
(crossed with the seeds) as one batched run (gan_toy.batched): one step advances every run, so
the aggregate throughput is len(runs) × steps_per_second.
Usage errors exit with status 2 and one line naming the bad value and the valid choices; a
diverged run exits with status 1 after writing what it has.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from gan_toy.atomic import atomic_write_json
from gan_toy.config import (
    ARCHS,
    DATASETS,
    LOSSES,
    MNIST_SOURCES,
    OPTIMIZERS,
    ConfigError,
    TrainConfig,
    data_defaults,
)
from gan_toy.regularizers import REGULARIZERS

PROG = "python -m gan_toy"


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    # argparse prints the whole usage block before its error; we want one clear line.
    def error(self, message):
        raise UsageError(message)


def _reg(text: str) -> tuple[str, float]:
    name, sep, weight = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"--reg expects NAME=WEIGHT, got {text!r}")
    if name not in REGULARIZERS:
        valid = ", ".join(REGULARIZERS)
        raise argparse.ArgumentTypeError(f"unknown regulariser {name!r}; valid choices: {valid}")
    try:
        return name, float(weight)
    except ValueError:
        msg = f"weight of --reg {name} must be a number, got {weight!r}"
        raise argparse.ArgumentTypeError(msg) from None


# What --sweep may vary: per-run settings of the batched trainer, plus regulariser weights.
SWEEPABLE = ("lr_d", "lr_g", "d_steps", "g_steps", "unroll_lr")


def _sweep(text: str) -> tuple[str, list[float]]:
    name, sep, values = text.partition("=")
    name = name.replace("-", "_")
    valid = SWEEPABLE + tuple(n for n in REGULARIZERS if n != "sn")
    if not sep or not values:
        raise argparse.ArgumentTypeError(f"--sweep expects NAME=V1,V2,..., got {text!r}")
    if name not in valid:
        raise argparse.ArgumentTypeError(
            f"cannot sweep {name!r}; valid choices: {', '.join(valid)}"
        )
    try:
        numbers = [float(v) for v in values.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--sweep {name}: values must be numbers, got {values!r}"
        ) from None
    if name in ("d_steps", "g_steps"):
        if any(v != int(v) for v in numbers):
            raise argparse.ArgumentTypeError(f"--sweep {name}: values must be whole numbers")
        numbers = [int(v) for v in numbers]
    return name, numbers


DEFAULT_CASES = (("ring", "mlp"), ("mnist", "mlp"), ("mnist", "dcgan"))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="GAN Failure Lab: train and measure toy GANs.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    t = sub.add_parser("train", help="train a GAN (2D or MNIST) and report mode metrics")
    d = TrainConfig()

    def depends(name):  # help for the settings whose default depends on the data
        two_d, mlp, dcgan = (data_defaults(*d)[name] for d in DEFAULT_CASES)
        images = f"{mlp:g}" if mlp == dcgan else f"mlp {mlp:g}, dcgan {dcgan:g}"
        return f"default: 2D {two_d:g}; MNIST {images}"

    t.add_argument("--data", default=d.data, choices=DATASETS)
    t.add_argument("--arch", default=d.arch, choices=ARCHS, help="image nets (2D: mlp only)")
    t.add_argument("--z-dim", type=int, default=None, help=depends("z_dim"))
    t.add_argument(
        "--hidden", type=int, default=None, help="MLP width or DCGAN channels; " + depends("hidden")
    )
    t.add_argument(
        "--mnist-source",
        default=d.mnist_source,
        choices=MNIST_SOURCES,
        help="full MNIST, the shipped subset, or auto (full if it can be had)",
    )
    t.add_argument("--loss", default=d.loss, choices=LOSSES)
    t.add_argument("--steps", type=int, default=d.steps, help="generator steps")
    t.add_argument("--seed", type=int, default=d.seed)
    t.add_argument("--seeds", type=int, default=1, metavar="K", help="K seeds in one batched run")
    t.add_argument(
        "--sweep",
        type=_sweep,
        action="append",
        default=[],
        metavar="NAME=V1,V2,...",
        help=f"batched sweep, repeatable; NAME in {', '.join(SWEEPABLE)} or a regulariser",
    )
    t.add_argument("--batch", type=int, default=None, dest="batch_size", help=depends("batch_size"))
    t.add_argument("--lr-d", type=float, default=None, help=depends("lr_d"))
    t.add_argument("--lr-g", type=float, default=None, help=depends("lr_g"))
    t.add_argument("--beta1", type=float, default=d.betas[0])
    t.add_argument("--beta2", type=float, default=d.betas[1])
    t.add_argument("--optimizer", default=d.optimizer, choices=OPTIMIZERS)
    t.add_argument("--d-steps", type=int, default=d.d_steps, help="D updates per step")
    t.add_argument("--g-steps", type=int, default=d.g_steps, help="G updates per step")
    t.add_argument("--simultaneous", action="store_true", help="simultaneous, not alternating")
    t.add_argument("--unroll", type=int, default=d.unroll, metavar="K", help="unrolled D steps")
    t.add_argument("--unroll-order", type=int, default=d.unroll_order, choices=(1, 2))
    t.add_argument("--unroll-lr", type=float, default=None, help="unrolled step (default lr-d)")
    t.add_argument(
        "--reg",
        type=_reg,
        action="append",
        default=[],
        metavar="NAME=WEIGHT",
        help=f"regulariser, repeatable; NAME in {', '.join(REGULARIZERS)}",
    )
    t.add_argument("--clip", type=float, default=None, help="WGAN weight clipping bound")
    t.add_argument("--device", default=d.device, help="auto, cpu, cuda, cuda:N or mps")
    t.add_argument(
        "--eval-samples",
        type=int,
        default=None,
        help=depends("eval_samples") + "; Stacked MNIST 26000",
    )
    t.add_argument(
        "--tf32",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="TF32 matmuls/convolutions on CUDA (default: on for MNIST)",
    )
    t.add_argument("--eval-every", type=int, default=0, help="record modes every N steps")
    t.add_argument("--checkpoint", type=Path, help="save checkpoints here (atomic)")
    t.add_argument("--checkpoint-every", type=int, default=1000)
    t.add_argument("--resume", type=Path, help="continue the run saved in this checkpoint")
    t.add_argument("--json", type=Path, help="write the results here")
    t.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    return parser


def config_from_args(args) -> TrainConfig:
    return TrainConfig(
        data=args.data,
        arch=args.arch,
        z_dim=args.z_dim,
        hidden=args.hidden,
        mnist_source=args.mnist_source,
        loss=args.loss,
        steps=args.steps,
        batch_size=args.batch_size,
        d_steps=args.d_steps,
        g_steps=args.g_steps,
        simultaneous=args.simultaneous,
        optimizer=args.optimizer,
        lr_d=args.lr_d,
        lr_g=args.lr_g,
        betas=(args.beta1, args.beta2),
        regs=dict(args.reg),
        clip=args.clip,
        unroll=args.unroll,
        unroll_order=args.unroll_order,
        unroll_lr=args.unroll_lr,
        seed=args.seed,
        device=args.device,
        eval_samples=args.eval_samples,
        tf32=args.tf32,
    ).validate()


def _finite_or_none(x):
    return x if isinstance(x, (int, str)) or (x is not None and math.isfinite(x)) else None


def sweep_configs(base: TrainConfig, seeds: int, sweeps) -> list[tuple[dict, TrainConfig]]:
    """Every combination of the sweeps, crossed with `seeds` seeds: [(swept values, config)]."""
    combos = [{}]
    for name, values in sweeps:
        combos = [{**c, name: v} for c in combos for v in values]
    out = []
    for combo in combos:
        for k in range(seeds):
            fields = {n: v for n, v in combo.items() if n in SWEEPABLE}
            regs = {**base.regs, **{n: v for n, v in combo.items() if n not in SWEEPABLE}}
            out.append((combo, base.replace(seed=base.seed + k, regs=regs, **fields).validate()))
    return out


def run_batched(args, base: TrainConfig) -> int:
    from gan_toy.batched import BatchedTrainer
    from gan_toy.train import DivergenceError

    if args.eval_every or args.checkpoint or args.resume:
        raise UsageError("--seeds/--sweep runs take no --eval-every, --checkpoint or --resume")
    if args.seeds <= 0:
        raise UsageError(f"--seeds must be > 0, got {args.seeds}")
    if base.is_image:
        raise UsageError(f"--seeds/--sweep take 2D data (ring, grid), got --data {base.data}")
    pairs = sweep_configs(base, args.seeds, args.sweep)
    try:
        trainer = BatchedTrainer([c for _, c in pairs])
    except ValueError as err:
        raise UsageError(str(err)) from None
    if not args.quiet:
        print(
            f"training {len(pairs)} runs of {base.loss} on {base.data} on {trainer.device}",
            file=sys.stderr,
        )
    runs = [{"seed": c.seed, **combo} for combo, c in pairs]
    status = 0
    try:
        trainer.fit()
        for run, metrics in zip(runs, trainer.evaluate()):
            run.update(metrics)
    except DivergenceError as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        status = 1
    result = {
        "config": base.to_dict(),
        "device": str(trainer.device),
        "steps_per_second": trainer.steps_per_second,
        "runs": runs,
    }
    if args.json is not None:
        atomic_write_json(args.json, result)
    if not args.quiet:
        for run in runs:
            print("  ".join(f"{k} {v}" for k, v in run.items()), file=sys.stderr)
    return status


def run_train(args) -> int:
    from gan_toy.callbacks import ModesOverTime, ProgressBar
    from gan_toy.checkpoint import Checkpointer, load_checkpoint
    from gan_toy.train import DivergenceError, Trainer

    if args.resume is not None:
        if not args.resume.is_file():
            raise UsageError(f"--resume: no checkpoint at {args.resume}")
        trainer = load_checkpoint(args.resume)
        config = trainer.config
    else:
        config = config_from_args(args)
        if args.seeds != 1 or args.sweep:
            return run_batched(args, config)
        try:
            trainer = Trainer(config)
        except ValueError as err:  # e.g. --device cuda on a machine without CUDA
            raise UsageError(str(err)) from None
    callbacks = []
    log = None if args.quiet else (lambda message: print(message, file=sys.stderr))
    if log is not None:
        callbacks.append(ProgressBar())
        what = config.data
        if config.is_image:
            what += f" ({config.arch}, {len(trainer.source.data)} {config.mnist_source} digits)"
        log(f"training {config.loss} on {what} on {trainer.device}")
    if args.eval_every > 0:
        callbacks.append(ModesOverTime(every=args.eval_every, n_samples=config.eval_samples))
    if args.checkpoint is not None:
        callbacks.append(Checkpointer(args.checkpoint, every=args.checkpoint_every))

    run = {"seed": config.seed}
    status = 0
    extra = {}
    if config.is_image:  # load (or train: a minute) the classifier now, with a word to say so,
        # rather than silently inside the first evaluation
        from gan_toy.data.classifier import load_classifier

        classifier = load_classifier(trainer.config.mnist_source, trainer.device, log=log)
        trainer.source.classifier = classifier
        extra["classifier"] = classifier.info
    try:
        trainer.fit(callbacks)
        run.update(trainer.evaluate(extras=True))
    except DivergenceError as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        run.update(diverged_at_step=err.step)
        status = 1
    result = {
        "config": trainer.config.to_dict(),  # as used: "auto" MNIST says which one it found
        "device": str(trainer.device),
        "steps_per_second": trainer.steps_per_second,
        "runs": [run],
        **extra,
    }
    if args.eval_every > 0:
        result["evals"] = trainer.evals
    if args.json is not None:
        atomic_write_json(args.json, result)
    if not args.quiet:
        shown = {k: v for k, v in run.items() if k not in ("seed", "class_histogram")}
        log(
            f"steps/s {trainer.steps_per_second:.1f}  "
            + "  ".join(f"{k} {v}" for k, v in shown.items())
        )
    return status


def main(argv=None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "train":
            return run_train(args)
    except (UsageError, ConfigError) as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    return 2
