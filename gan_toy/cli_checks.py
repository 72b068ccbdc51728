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
RESUME_MAY_CHANGE = (
    *("--steps", "--device", "--json", "--checkpoint", "--checkpoint-every", "--eval-every"),
    "--quiet",
)
# Flags that set a TrainConfig field under another name.
FLAG_OF_FIELD = {"batch_size": "--batch", "betas": "--beta1/--beta2", "regs": "--reg"}
# Memory a batched run keeps per run beyond TrainConfig's estimate: its random stream, config
# and Python objects (measured: about 50-150 kB a run in all for tiny nets, well inside the
# estimate plus this).
BATCHED_RUN_OVERHEAD = 1 << 17


def flag_of(field: str) -> str:
    return FLAG_OF_FIELD.get(field, "--" + field.replace("_", "-"))


def shown(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return ",".join(f"{k}={shown(v)}" for k, v in value.items()) or "none"
    if isinstance(value, tuple):
        return "(" + ", ".join(shown(v) for v in value) + ")"
    return str(value)


def listed(values) -> str:
    return ",".join(shown(v) for v in values)


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
    swept: dict[str, list] = {}
    for name, values in args.sweep:
        if name in swept:
            raise UsageError(
                f"--sweep {name} is given twice ({listed(swept[name])} and {listed(values)}); "
                f"give all its values once: --sweep {name}=V1,V2,..."
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
    made, and takes new files."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{flag} {path} is a folder; give a file name")
    problem = folder_problem(path.parent)
    if problem is not None:
        raise UsageError(f"{flag} {path}: {problem}")


def folder_problem(folder: Path) -> str | None:
    """Why files cannot be written in `folder` (made if missing), or None when they can. Makes
    no folder: it makes and removes a temporary file in the nearest one that exists."""
    folder = Path(os.path.abspath(folder))
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        return f"cannot make the folder {folder}, since {existing} is a file"
    try:
        fd, probe = tempfile.mkstemp(dir=existing, prefix=".gan_toy-probe-")
    except OSError as err:
        return f"cannot write in {existing} ({(err.strerror or type(err).__name__).lower()})"
    os.close(fd)
    os.remove(probe)
    return None


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
        if field == "betas":  # --beta1 and --beta2 one by one
            for i, flag in enumerate(("--beta1", "--beta2")):
                if getattr(args, flag[2:]) is not None and value[i] != saved.betas[i]:
                    refuse_resume(f"{flag} {shown(value[i])}", "betas", saved.betas)
        elif value != getattr(saved, field):
            refuse_resume(given_flag(field, value), field, getattr(saved, field))
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


def given_flag(field: str, value) -> str:
    """The flag that sets `field` to `value`, as it is typed: --data grid, --no-tf32."""
    if isinstance(value, bool):
        return flag_of(field) if value else "--no-" + flag_of(field)[2:]
    if field == "regs":
        return " ".join(f"--reg {name}={shown(weight)}" for name, weight in value.items())
    return f"{flag_of(field)} {shown(value)}"


def refuse_resume(given: str, field: str, saved) -> None:
    raise UsageError(
        f"{given} differs from the checkpoint's {field}={shown(saved)}; a resume continues the "
        f"same run (it may change {', '.join(RESUME_MAY_CHANGE)})"
    )


def check_device(config: TrainConfig, resumed: bool = False) -> None:
    from gan_toy.devices import resolve_device

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
    from gan_toy.memory import gigabytes, machine_memory, memory_estimate

    each = memory_estimate(base) + BATCHED_RUN_OVERHEAD
    have = machine_memory()
    if n_runs * each > have:
        raise UsageError(
            f"{what}: {n_runs:,} runs need about {gigabytes(n_runs * each)} GB of memory "
            f"({each / 1e6:,.1f} MB each) and this machine has {gigabytes(have)} GB; at most "
            f"{have // each:,} runs of this size fit"
        )


def classifier_cache(source: str) -> None:
    """The MNIST classifier for `source` is cached, or its cache folder takes new files (it is
    trained and saved there before the first evaluation)."""
    from gan_toy.data.classifier import classifier_path

    path = classifier_path(source)
    problem = None if path.is_file() else folder_problem(path.parent)
    if problem is not None:
        raise UsageError(
            f"the MNIST classifier is not cached yet and cannot be saved in {path.parent}: "
            f"{problem}; set GAN_TOY_DATA to a writable folder"
        )


def mnist_unavailable(err: OSError) -> UsageError:
    """One line for full MNIST that could not be had (offline, or a cache that takes no files)."""
    from gan_toy.data.mnist import default_root

    lines = [line.strip() for line in str(err).strip().splitlines()] or [type(err).__name__]
    reason = lines[1] if len(lines) > 1 else lines[0]  # the first mirror's failure
    root = default_root()
    return UsageError(
        f"full MNIST could not be downloaded into {root} ({reason[:160]}); --mnist-source auto "
        f"or subset works offline (the 5,000 digits shipped with gan_toy), or put the four .gz "
        f"files in {root} (or set GAN_TOY_DATA)"
    )
