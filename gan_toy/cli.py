"""Command line: `python -m gan_toy train ...` (researchers and our own checks rely on it).

    python -m gan_toy train --data ring --loss ns --steps 2000 --seed 0 --json out.json

    python -m gan_toy train --data mnist --arch dcgan --steps 5000 --json out.json

The JSON holds `config`, `device`, `steps_per_second` (training steps per second, set-up
excluded), `status` and `runs`, one object per run with `seed`, `status` ("ok", "diverged",
"interrupted" or "failed"), `step` and the metrics `modes_covered`, `high_quality` and
`reverse_kl`. For 2D data these are the VEEGAN/PacGAN mode metrics. For `--data mnist` and
`--data stacked-mnist` a classifier labels every sample (gan_toy.data.classifier; trained and
cached on first use): modes are digits (10) or digit triples (1000), `high_quality` is the
fraction of samples labelled with confidence >= 0.9 on every channel, and each run also has
`frechet` (Fréchet distance to real digits in the classifier's features) and, for MNIST,
`class_histogram`; the top level adds `classifier` (its data and held-out accuracy).

`--seeds K` trains seeds seed..seed+K-1 and `--sweep NAME=V1,V2,...` a hyper-parameter sweep
(crossed with the seeds) as one batched run (gan_toy.batched): one step advances every run, so
the aggregate throughput is len(runs) × steps_per_second.

This module reads the command line; cli_checks.py refuses what can be refused before any work,
cli_run.py trains and writes the results, cli_signals.py stops in order on Ctrl-C and SIGTERM.
Exit status: 0 done; 1 a run diverged or failed (or the final evaluation did), after writing
what it has; 2 bad input, refused before any work with one line naming the value and what is
allowed; 130 Ctrl-C and 143 SIGTERM, after writing what was done.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from gan_toy.cli_checks import EXIT_USAGE, PROG, SWEEP_NAMES, UsageError
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

# Settings of the command line itself (not of the run), with their defaults.
CLI_DEFAULTS = {"seeds": 1, "checkpoint_every": 1000, "eval_every": 0, "quiet": False}


class _Parser(argparse.ArgumentParser):
    # argparse prints the whole usage block before its error; we want one clear line.
    value_options: set[str]  # the train command's options that take a value

    def error(self, message):
        raise UsageError(message)


# --- values ---------------------------------------------------------------------------------------
# argparse words a bad value as "argument --steps: <message>", so each message says what is
# allowed and quotes what was given.


def whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def number(text: str) -> float:
    """A finite number: no command-line setting takes inf or nan."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def reg_value(text: str) -> tuple[str, float]:
    name, sep, weight = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected NAME=WEIGHT, got {text!r}")
    if name not in REGULARIZERS:
        valid = ", ".join(REGULARIZERS)
        raise argparse.ArgumentTypeError(f"unknown regulariser {name!r}; valid choices: {valid}")
    try:
        return name, number(weight)
    except argparse.ArgumentTypeError as err:
        raise argparse.ArgumentTypeError(f"weight of {name}: {err}") from None


def sweep_value(text: str) -> tuple[str, list]:
    name, sep, values = text.partition("=")
    name = name.replace("-", "_")
    if not sep or not values:
        raise argparse.ArgumentTypeError(f"expected NAME=V1,V2,..., got {text!r}")
    if name not in SWEEP_NAMES:
        valid = ", ".join(SWEEP_NAMES)
        raise argparse.ArgumentTypeError(f"cannot sweep {name!r}; valid choices: {valid}")
    parse = whole if name in ("d_steps", "g_steps") else number
    try:
        return name, [parse(v) for v in values.split(",")]
    except argparse.ArgumentTypeError as err:
        kind = "whole numbers" if parse is whole else "finite numbers"
        raise argparse.ArgumentTypeError(f"{name}: values must be {kind} ({err})") from None


# --- the parser -----------------------------------------------------------------------------------
# Every default is None, so that a flag left out is told apart from one given: the run's defaults
# come from TrainConfig (one place), and a resume can refuse exactly the flags that were given.
DEFAULT_CASES = (("ring", "mlp"), ("mnist", "mlp"), ("mnist", "dcgan"))


def build_parser() -> _Parser:
    parser = _Parser(
        prog=PROG, description="GAN Failure Lab: train and measure toy GANs.", allow_abbrev=False
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    t = sub.add_parser(
        "train", help="train a GAN (2D or MNIST) and report mode metrics", allow_abbrev=False
    )
    d = TrainConfig()
    value_options = parser.value_options = set()  # for keep_negative_values

    def add(*names, **kwargs):
        action = t.add_argument(*names, **kwargs)
        if action.nargs is None:
            value_options.update(action.option_strings)

    def depends(name):  # help for the settings whose default depends on the data
        two_d, mlp, dcgan = (data_defaults(*case)[name] for case in DEFAULT_CASES)
        images = f"{mlp:g}" if mlp == dcgan else f"mlp {mlp:g}, dcgan {dcgan:g}"
        return f"default: 2D {two_d:g}; MNIST {images}"

    add("--data", choices=DATASETS, help=f"default: {d.data}")
    add("--arch", choices=ARCHS, help="image nets (2D: mlp only); default: mlp")
    add("--z-dim", type=whole, help=depends("z_dim"))
    add("--hidden", type=whole, help="MLP width or DCGAN channels; " + depends("hidden"))
    add(
        "--mnist-source",
        choices=MNIST_SOURCES,
        help="full MNIST, the shipped subset, or auto (full if it can be had; default)",
    )
    add("--loss", choices=LOSSES, help=f"default: {d.loss}")
    add("--steps", type=whole, help=f"generator steps; default: {d.steps}")
    add("--seed", type=whole, help=f"default: {d.seed}")
    add("--seeds", type=whole, metavar="K", help="K seeds in one batched run")
    add(
        "--sweep",
        type=sweep_value,
        action="append",
        metavar="NAME=V1,V2,...",
        help=f"batched sweep, repeatable; NAME in {', '.join(SWEEP_NAMES)}",
    )
    add("--batch", type=whole, dest="batch_size", help=depends("batch_size"))
    add("--lr-d", type=number, help=depends("lr_d"))
    add("--lr-g", type=number, help=depends("lr_g"))
    add("--beta1", type=number, help=f"Adam's β1; default: {d.betas[0]}")
    add("--beta2", type=number, help=f"Adam's β2; default: {d.betas[1]}")
    add("--optimizer", choices=OPTIMIZERS, help=f"default: {d.optimizer}")
    add("--d-steps", type=whole, help=f"D updates per step; default: {d.d_steps}")
    add("--g-steps", type=whole, help=f"G updates per step; default: {d.g_steps}")
    add("--simultaneous", action="store_true", default=None, help="simultaneous updates")
    add("--unroll", type=whole, metavar="K", help="unrolled D steps; default: 0")
    add("--unroll-order", type=whole, choices=(1, 2), help="default: 2")
    add("--unroll-lr", type=number, help="unrolled step (default: lr-d)")
    add(
        "--reg",
        type=reg_value,
        action="append",
        metavar="NAME=WEIGHT",
        help=f"regulariser, repeatable; NAME in {', '.join(REGULARIZERS)}",
    )
    add("--clip", type=number, help="WGAN weight clipping bound")
    add("--device", help="auto (default), cpu, cuda, cuda:N or mps")
    add("--eval-samples", type=whole, help=depends("eval_samples") + "; Stacked MNIST 26000")
    add(
        "--tf32",
        action=argparse.BooleanOptionalAction,
        help="TF32 matmuls/convolutions on CUDA (default: on for MNIST)",
    )
    add("--eval-every", type=whole, help="record modes every N steps (default: off)")
    add("--checkpoint", type=Path, help="save checkpoints here (atomic)")
    add("--checkpoint-every", type=whole, help="default: 1000 steps")
    add("--resume", type=Path, help="continue the run saved in this checkpoint")
    add("--json", type=Path, help="write the results here (also if stopped early)")
    add("--quiet", action="store_true", default=None, help="no progress or summary")
    return parser


def keep_negative_values(parser: _Parser, argv: list[str]) -> list[str]:
    """Join `--lr-g -1e-3` into `--lr-g=-1e-3`: argparse would read a negative number in
    scientific notation as an unknown option and say the value is missing."""
    takes_value = parser.value_options
    out, i = [], 0
    while i < len(argv):
        token = argv[i]
        if token in takes_value and i + 1 < len(argv) and argv[i + 1].startswith("-"):
            try:
                float(argv[i + 1])
            except ValueError:
                pass
            else:
                out.append(f"{token}={argv[i + 1]}")
                i += 2
                continue
        out.append(token)
        i += 1
    return out


def parse(argv=None) -> argparse.Namespace:
    """The parsed command line, with `given`: the run settings given explicitly, by
    TrainConfig field (what config_from_args passes on and what a resume compares)."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(keep_negative_values(parser, argv))
    for name, default in CLI_DEFAULTS.items():
        if getattr(args, name, None) is None:
            setattr(args, name, default)
    args.sweep = args.sweep or []
    args.given = config_fields(args) if args.command == "train" else {}
    return args


# Every other dest is named as the TrainConfig field it sets.
NOT_CONFIG = {"command", "seeds", "sweep", "beta1", "beta2", "reg", *CLI_DEFAULTS}
NOT_CONFIG |= {"checkpoint", "resume", "json", "given"}


def config_fields(args) -> dict:
    """{TrainConfig field: value} of the run settings given on the command line."""
    given = {
        name: value
        for name, value in vars(args).items()
        if name not in NOT_CONFIG and value is not None
    }
    if args.beta1 is not None or args.beta2 is not None:
        default = TrainConfig().betas
        given["betas"] = (
            default[0] if args.beta1 is None else args.beta1,
            default[1] if args.beta2 is None else args.beta2,
        )
    if args.reg:
        regs: dict[str, float] = {}
        for name, weight in args.reg:
            if name in regs:
                raise UsageError(
                    f"--reg {name} is given twice ({regs[name]:g} and {weight:g}); give it once"
                )
            regs[name] = weight
        given["regs"] = regs
    return given


def main(argv=None) -> int:
    from gan_toy.checkpoint import CheckpointError
    from gan_toy.cli_run import run_command
    from gan_toy.cli_signals import Interrupted, SignalGuard

    with SignalGuard() as guard:
        try:
            args = parse(argv)
            return run_command(args, guard)
        except (UsageError, ConfigError, CheckpointError) as err:
            print(f"{PROG}: error: {err}", file=sys.stderr)
            return EXIT_USAGE
        except Interrupted as stop:  # before training began, or a second signal
            print(f"{PROG}: {stop}", file=sys.stderr)
            return stop.exit_status
