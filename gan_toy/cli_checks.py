"""What the command line refuses before any work: each check raises UsageError with one line.

Values of the run itself are TrainConfig.validate()'s to judge (it names the field and what is
allowed). Here is what only the command line knows: its own flags (--checkpoint-every,
--seeds, --sweep, --resume), whether the files it will write can be written, how many batched
runs this machine can hold, and what this run will need from the data and classifier caches,
so that a run is never refused after it has trained.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from gan_toy.config import TrainConfig
from gan_toy.regularizers import REGULARIZERS

PROG = "python -m gan_toy"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# What --sweep may vary: per-run settings of the batched trainer, plus regulariser weights.
SWEEPABLE = ("lr_d", "lr_g", "d_steps", "g_steps", "unroll_lr")
SWEEP_NAMES = SWEEPABLE + tuple(n for n in REGULARIZERS if n != "sn")


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


# What a resume may change; every other setting given must match the checkpoint's.
RESUME_MAY_CHANGE = ("--steps", "--device", "--json", "--checkpoint", "--checkpoint-every")
RESUME_MAY_CHANGE += ("--eval-every", "--quiet")
# Flags that set a TrainConfig field under another name.
FLAG_OF_FIELD = {"batch_size": "--batch", "betas": "--beta1/--beta2", "regs": "--reg"}
# Memory a batched run keeps per run beyond TrainConfig's estimate: its random stream, config
# and the run's own nets, built on the CPU before they are stacked (measured: about 50 kB for
# tiny nets; rounded up).
BATCHED_RUN_OVERHEAD = 1 << 20


def flag_of(field: str) -> str:
    return FLAG_OF_FIELD.get(field, "--" + field.replace("_", "-"))


def shown(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return ",".join(f"{k}={shown(v)}" for k, v in value.items()) or "none"
    if isinstance(value, tuple):
        return ",".join(shown(v) for v in value)
    return str(value)


def check_flags(args) -> None:
    """The command line's own flags and how they go together."""
    if args.checkpoint_every < 1:
        raise UsageError(
            f"--checkpoint-every must be a whole number >= 1, got {args.checkpoint_every}"
        )
    if args.eval_every < 0:
        raise UsageError(f"--eval-every must be >= 0 (0: off), got {args.eval_every}")
    if args.seeds < 1:
        raise UsageError(f"--seeds must be a whole number >= 1, got {args.seeds}")
    swept = {}
    for name, values in args.sweep:
        if name in swept:
            raise UsageError(
                f"--sweep {name} is given twice ({shown(tuple(swept[name]))} and "
                f"{shown(tuple(values))}); give all its values once: --sweep {name}=V1,V2,..."
            )
        swept[name] = values
        field = name if name in SWEEPABLE else "regs"
        if field in args.given and (field != "regs" or name in args.given["regs"]):
            flag = f"--reg {name}" if field == "regs" else flag_of(name)
            raise UsageError(f"{flag} and --sweep {name} both set {name}; give one of them")
    batched = args.seeds != 1 or args.sweep
    if batched and args.resume is not None:
        raise UsageError("--seeds/--sweep cannot be used with --resume: a resume continues one run")
    if batched and (args.eval_every or args.checkpoint is not None):
        raise UsageError("--seeds/--sweep runs take no --eval-every or --checkpoint")
    if args.json is not None and args.checkpoint is not None:
        if Path(args.json).resolve() == Path(args.checkpoint).resolve():
            raise UsageError(f"--json and --checkpoint both name {args.json}; give two files")


def check_writable(flag: str, path: Path) -> None:
    """`path` can be written atomically: it is not a folder, and its folder exists or can be
    made, and takes new files (a temporary file is made there and removed)."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{flag} {path} is a folder; give a file name")
    writable_folder(path.parent, f"{flag} {path}")


def writable_folder(folder: Path, what: str) -> None:
    """`folder` exists or can be made, and new files can be made in it; UsageError naming
    `what` otherwise. Makes no folder: it probes the nearest one that exists."""
    folder = Path(os.path.abspath(folder))
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"{what}: cannot make the folder {folder}, since {existing} is a file")
    try:
        fd, probe = tempfile.mkstemp(dir=existing, prefix=".gan_toy-probe-")
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise UsageError(f"{what}: cannot write in {existing} ({reason.lower()})") from None
    os.close(fd)
    os.remove(probe)


def check_targets(args) -> None:
    for flag in ("json", "checkpoint"):
        if getattr(args, flag) is not None:
            check_writable("--" + flag, getattr(args, flag))


def resume_config(args, saved: TrainConfig, done: int) -> TrainConfig:
    """The config a resume continues with: the checkpoint's, with --steps and --device if
    given. Any other run setting given must equal the checkpoint's."""
    for field, value in args.given.items():
        if field in ("steps", "device"):
            continue
        if field == "mnist_source" and value == "auto":  # the checkpoint says what auto found
            continue
        if field == "betas":
            value = tuple(args.given[field])
        if value != getattr(saved, field):
            flag = flag_of(field)
            raise UsageError(
                f"{flag} {shown(value)} differs from the checkpoint's {field}="
                f"{shown(getattr(saved, field))}; a resume continues the same run (it may change "
                f"{', '.join(RESUME_MAY_CHANGE)})"
            )
    steps = args.given.get("steps", saved.steps)
    if steps < done:
        raise UsageError(
            f"--steps {steps} is fewer than the {done} steps the checkpoint has done; give "
            f"--steps {done} or more to train further"
        )
    changes = {"steps": steps}
    if "device" in args.given:
        changes["device"] = args.given["device"]
    return saved.replace(**changes).validate()


def check_device(config: TrainConfig, resumed: bool = False) -> None:
    from gan_toy.train import resolve_device

    try:
        resolve_device(config.device)
    except ValueError as err:
        hint = " (the checkpoint's device; --device changes it)" if resumed else ""
        raise UsageError(f"{err}{hint}") from None


def check_images(config: TrainConfig) -> None:
    if config.is_image and config.eval_samples < 2:
        raise UsageError(
            f"--eval-samples {config.eval_samples}: {config.data} runs need at least 2 samples "
            "(the Fréchet distance fits a covariance to their features)"
        )


def check_batch_size(n_runs: int, what: str, base: TrainConfig) -> None:
    """Refuse more batched runs than this machine's memory holds, by TrainConfig's estimate."""
    from gan_toy.config import machine_memory, memory_estimate

    each = memory_estimate(base) + BATCHED_RUN_OVERHEAD
    have = machine_memory()
    if n_runs * each > have:
        raise UsageError(
            f"{what}: {n_runs:,} runs need about {gb(n_runs * each)} GB of memory "
            f"({gb(each, 3)} GB each) and this machine has {gb(have)} GB; at most "
            f"{have // each:,} runs of this size fit"
        )


def gb(n_bytes: int, digits: int = 1) -> str:
    value = n_bytes / 1e9
    return f"{value:,.{digits}f}" if value < 1e6 else f"{value:.1e}"


def classifier_cache(source: str) -> None:
    """The MNIST classifier for `source` is cached, or its cache folder takes new files (it is
    trained and saved there before the first evaluation)."""
    from gan_toy.data.classifier import classifier_path

    path = classifier_path(source)
    if path.is_file():
        return
    writable_folder(
        path.parent,
        f"the MNIST classifier is not cached yet and its cache {path}",
    )


def mnist_unavailable(config: TrainConfig, err: OSError) -> UsageError:
    """One line for MNIST that could not be had (offline, or an unwritable cache)."""
    from gan_toy.data.mnist import default_root

    reason = str(err).strip().splitlines()
    detail = reason[1].strip() if len(reason) > 1 else (reason[0] if reason else "")
    return UsageError(
        f"full MNIST could not be downloaded into {default_root()} ({detail[:160]}); "
        f"--mnist-source auto or subset works offline (the 5,000 digits shipped with gan_toy), "
        f"or put the files there by hand; see {PROG} train --help"
    )
