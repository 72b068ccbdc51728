"""Command line: `python -m gan_toy train ...` (researchers and our own checks rely on it).

    python -m gan_toy train --data ring --loss ns --steps 2000 --seed 0 --json out.json

The JSON holds `config`, `steps_per_second` (training steps per second, set-up excluded) and
`runs`, one object per seed with `seed`, `modes_covered`, `high_quality` and `reverse_kl`.
Usage errors exit with status 2 and one line naming the bad value and the valid choices; a
diverged run exits with status 1 after writing what it has.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from gan_toy.config import DATASETS, LOSSES, OPTIMIZERS, ConfigError, TrainConfig
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


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="GAN Failure Lab: train and measure toy GANs.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    t = sub.add_parser("train", help="train a 2D GAN and report mode metrics")
    d = TrainConfig()
    t.add_argument("--data", default=d.data, choices=DATASETS)
    t.add_argument("--loss", default=d.loss, choices=LOSSES)
    t.add_argument("--steps", type=int, default=d.steps, help="generator steps")
    t.add_argument("--seed", type=int, default=d.seed)
    t.add_argument("--batch", type=int, default=d.batch_size, dest="batch_size")
    t.add_argument("--lr-d", type=float, default=d.lr_d)
    t.add_argument("--lr-g", type=float, default=d.lr_g)
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
    t.add_argument("--eval-samples", type=int, default=d.eval_samples)
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
    ).validate()


def _finite_or_none(x):
    return x if isinstance(x, (int, str)) or (x is not None and math.isfinite(x)) else None


def _write_json(path: Path, result: dict) -> None:
    clean = json.loads(json.dumps(result, default=str), parse_constant=lambda c: None)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(clean, indent=2) + "\n")
    tmp.replace(path)


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
        try:
            trainer = Trainer(config)
        except ValueError as err:  # e.g. --device cuda on a machine without CUDA
            raise UsageError(str(err)) from None
    callbacks = []
    if not args.quiet:
        callbacks.append(ProgressBar())
        print(f"training {config.loss} on {config.data} on {trainer.device}", file=sys.stderr)
    if args.eval_every > 0:
        callbacks.append(ModesOverTime(every=args.eval_every, n_samples=config.eval_samples))
    if args.checkpoint is not None:
        callbacks.append(Checkpointer(args.checkpoint, every=args.checkpoint_every))

    run = {"seed": config.seed}
    status = 0
    try:
        trainer.fit(callbacks)
        run.update(trainer.evaluate())
    except DivergenceError as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        run.update(diverged_at_step=err.step)
        status = 1
    result = {
        "config": config.to_dict(),
        "device": str(trainer.device),
        "steps_per_second": trainer.steps_per_second,
        "runs": [run],
    }
    if args.eval_every > 0:
        result["evals"] = trainer.evals
    if args.json is not None:
        _write_json(args.json, result)
    if not args.quiet:
        print(
            f"steps/s {trainer.steps_per_second:.1f}  "
            + "  ".join(f"{k} {v}" for k, v in run.items() if k != "seed"),
            file=sys.stderr,
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
