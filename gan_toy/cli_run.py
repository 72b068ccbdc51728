"""Running what the command line asked for, and writing what it did whatever happens.

One run (a Trainer, with checkpoints and resuming) or many as one batched run (BatchedTrainer).
Whatever finished is written: with --json the results file (atomically) always, with each run's
`status` ("ok", "diverged" or "interrupted"), the `step` it reached and the metrics that could
be computed; with --checkpoint the final checkpoint at the step reached (a state holding NaN is
never written, so a diverged run keeps its last good checkpoint).

Ctrl-C (SIGINT) and SIGTERM are one orderly stop (SignalGuard): the first during training ends
it after the step in progress, then the final checkpoint, evaluation and JSON are written and
the exit status is 130 or 143. A second signal stops at once, still writing the JSON (with the
step reached, without final metrics); a signal while results are written waits for them.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
import warnings

from gan_toy.atomic import atomic_write_json
from gan_toy.checkpoint import read_checkpoint, restore
from gan_toy.cli_checks import (
    EXIT_FAILED,
    EXIT_OK,
    PROG,
    SWEEPABLE,
    UsageError,
    check_batch_size,
    check_device,
    check_flags,
    check_images,
    check_targets,
    classifier_cache,
    mnist_unavailable,
    resume_config,
    shown,
)
from gan_toy.config import TrainConfig

# A batched run is trained this many steps at a time, so that a signal is heard between chunks.
CHUNK = 25


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM, raised where the work cannot be stopped in order."""

    def __init__(self, signum: int, when: str = "before training began; nothing was written"):
        self.signum = signum
        self.exit_status = 128 + signum  # 130 for SIGINT, 143 for SIGTERM, as a shell reports
        super().__init__(f"stopped by {signal.Signals(signum).name} {when}")


class SignalGuard:
    """Ctrl-C and SIGTERM as one orderly stop, whatever the command is doing.

    In mode "raise" (setting up, evaluating) a signal raises Interrupted; in "flag" (training)
    the first is noted and asks the trainer to stop after the step in progress, while a second
    raises; in "defer" (writing results) it is only noted. `signum` is the first signal
    received, if any. Handlers are installed in the main thread only and restored on exit.
    As a callback, the guard passes on a signal that came before the loop began.
    """

    def __init__(self):
        self.signum: int | None = None
        self.mode = "raise"
        self.trainer = None
        self._saved = {}

    def __enter__(self) -> SignalGuard:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._saved[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._saved.items():
            signal.signal(sig, handler)

    def _handle(self, signum, frame) -> None:
        first = self.signum is None
        if first:
            self.signum = signum
        if self.mode == "flag" and first and self.trainer is not None:
            self.trainer.stop_requested = True  # the loop ends after the step in progress
            return
        if self.mode != "defer":
            raise Interrupted(signum)

    @contextlib.contextmanager
    def while_(self, mode: str, trainer=None):
        before = self.mode, self.trainer
        self.mode, self.trainer = mode, trainer
        try:
            yield
        finally:
            self.mode, self.trainer = before

    @property
    def stopped(self) -> bool:
        return self.signum is not None

    def on_train_begin(self, trainer) -> None:
        if self.stopped:
            trainer.stop_requested = True


def one_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return f"{type(err).__name__}: {lines[0][:200] if lines else ''}".rstrip(": ")


def write_file(write, path) -> bool:
    """Run `write()` (an atomic write to `path`); on failure say so in one line."""
    try:
        write()
    except OSError as err:
        print(f"{PROG}: could not write {path}: {one_line(err)}", file=sys.stderr)
        return False
    return True


def say_stopped(guard: SignalGuard, step: int, args) -> None:
    if guard.stopped:
        kept = [str(p) for p in (args.json, getattr(args, "checkpoint", None)) if p is not None]
        where = f"; the run so far is in {' and '.join(kept)}" if kept else ""
        name = signal.Signals(guard.signum).name
        print(f"{PROG}: stopped by {name} at step {step}{where}", file=sys.stderr)


def try_evaluate(evaluate, guard: SignalGuard):
    """(metrics, None) or (None, why not): a signal or an error in the final evaluation costs
    the metrics, not the results file."""
    try:
        with guard.while_("raise"):
            return evaluate(), None
    except Interrupted:
        return None, "interrupted"
    except Exception as err:
        return None, one_line(err)


def is_out_of_memory(err: BaseException) -> bool:
    import torch

    return isinstance(err, torch.OutOfMemoryError) or "out of memory" in str(err).lower()


def run_command(args, guard: SignalGuard) -> int:
    """Check everything that can be checked, then train; returns the exit status."""
    check_flags(args)
    log = None if args.quiet else (lambda message: print(message, file=sys.stderr))
    state = None
    if args.resume is not None:
        try:
            state, saved = read_checkpoint(args.resume)
        except FileNotFoundError:
            raise UsageError(f"--resume: no checkpoint at {args.resume}") from None
        config = resume_config(args, saved, state["step"])
    else:
        config = TrainConfig(**args.given).validate()
    check_images(config)
    check_device(config, resumed=state is not None)
    if args.seeds != 1 or args.sweep:
        return run_batched(args, config, guard, log)
    check_targets(args)
    trainer = make_trainer(config, state, args, log)
    return run_single(args, trainer, guard, log)


def make_trainer(config: TrainConfig, state, args, log):
    """The Trainer (restored from `state` on a resume), with the MNIST classifier in place."""
    from gan_toy.train import Trainer

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            trainer = Trainer(config) if state is None else restore(state, config, args.resume)
        except OSError as err:  # full MNIST offline, or a cache folder that takes no files
            if config.is_image:
                raise mnist_unavailable(err) from None
            raise
    fell_back = config.mnist_source == "auto" and trainer.config.mnist_source == "subset"
    if log is not None:  # one line each, not the warnings' paragraphs
        if fell_back:
            from gan_toy.data.mnist import default_root

            log(
                f"{PROG}: note: full MNIST is not in {default_root()} and could not be "
                "downloaded; training on the 5,000 digits shipped with gan_toy (mnist_source "
                "'subset' in the results)"
            )
        for w in caught:
            if not (fell_back and "MNIST" in str(w.message)):
                log(f"{PROG}: note: {str(w.message).splitlines()[0]}")
    if config.is_image:  # load (or train: a minute) the classifier now, with a word to say so,
        # rather than silently inside the first evaluation
        from gan_toy.data.classifier import load_classifier

        source = trainer.config.mnist_source
        classifier_cache(source)
        trainer.source.classifier = load_classifier(source, trainer.device, log=log)
    return trainer


def run_single(args, trainer, guard: SignalGuard, log) -> int:
    from gan_toy.callbacks import ModesOverTime, ProgressBar
    from gan_toy.checkpoint import Checkpointer, save_checkpoint
    from gan_toy.train import DivergenceError

    config = trainer.config
    callbacks = [guard]
    if log is not None:
        callbacks.append(ProgressBar())
        what = config.data
        if config.is_image:
            what += f" ({config.arch}, {len(trainer.source.data)} {config.mnist_source} digits)"
        log(f"training {config.loss} on {what} on {trainer.device} from step {trainer.step}")
    if args.eval_every > 0:
        callbacks.append(ModesOverTime(every=args.eval_every, n_samples=config.eval_samples))
    if args.checkpoint is not None:
        callbacks.append(Checkpointer(args.checkpoint, every=args.checkpoint_every))

    run = {"seed": config.seed, "status": "ok"}
    status, failure, evaluate = EXIT_OK, None, True
    try:
        with guard.while_("flag", trainer):
            trainer.fit(callbacks)
    except DivergenceError as err:
        run.update(status="diverged", step=err.step)
        if getattr(err, "quantity", None):
            run["quantity"] = err.quantity
        status = EXIT_FAILED
        print(
            f"{PROG}: {str(err).split('. ')[0]}; the results are of its last finite networks",
            file=sys.stderr,
        )
    except Interrupted:  # a second signal: stop now, without final checkpoint or metrics
        run.update(status="interrupted", metrics="not computed (interrupted)")
        evaluate = False
    except Exception as err:  # a step failed: keep what was done, then say so
        run.update(status="failed", error=one_line(err))
        status, failure, evaluate = EXIT_FAILED, err, False
    if guard.stopped and run["status"] == "ok":
        run["status"] = "interrupted"
    run.setdefault("step", trainer.step)
    if evaluate:
        metrics, why_not = try_evaluate(lambda: trainer.evaluate(extras=True), guard)
        if metrics is not None:
            run.update(metrics)
        else:
            run["metrics"] = f"not computed ({why_not})"
            if why_not == "interrupted":
                run["status"] = "interrupted"
            else:
                print(f"{PROG}: the final evaluation failed: {why_not}", file=sys.stderr)
                status = EXIT_FAILED
    result = {
        "config": config.to_dict(),  # as used: "auto" MNIST says which one it found
        "device": str(trainer.device),
        "steps_per_second": trainer.steps_per_second,
        "status": run["status"],
        "runs": [run],
    }
    if config.is_image:
        result["classifier"] = trainer.source.classifier.info
    if args.eval_every > 0 or trainer.evals:
        result["evals"] = trainer.evals
    with guard.while_("defer"):
        if run["status"] == "diverged" and args.checkpoint is not None:
            # the run is rolled back to its last finite check: newer than any checkpoint made
            saved = write_file(lambda: save_checkpoint(trainer, args.checkpoint), args.checkpoint)
            status = status if saved else EXIT_FAILED
        if args.json is not None:
            saved = write_file(lambda: atomic_write_json(args.json, result), args.json)
            status = status if saved else EXIT_FAILED
    say_stopped(guard, run["step"], args)
    if failure is not None:
        if not (isinstance(failure, OSError) or is_out_of_memory(failure)):
            raise failure  # a bug: its traceback, after the results are safe
        print(f"{PROG}: training failed at step {trainer.step}: {run['error']}", file=sys.stderr)
    if log is not None:
        skip = ("seed", "class_histogram")
        log(
            f"steps/s {trainer.steps_per_second:.1f}  "
            + "  ".join(f"{k} {shown(v)}" for k, v in run.items() if k not in skip)
        )
    return 128 + guard.signum if guard.stopped else status


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


def run_batched(args, base: TrainConfig, guard: SignalGuard, log) -> int:
    from gan_toy.batched import BatchedTrainer

    if base.is_image:
        raise UsageError(f"--seeds/--sweep take 2D data (ring, grid), got --data {base.data}")
    n_runs, what = args.seeds, [f"--seeds {args.seeds}"]
    for name, values in args.sweep:
        n_runs *= len(values)
        what.append(f"--sweep {name} ({len(values)} values)")
    check_batch_size(n_runs, " × ".join(what), base)
    pairs = sweep_configs(base, args.seeds, args.sweep)
    check_targets(args)
    trainer = BatchedTrainer([c for _, c in pairs])
    bar = None
    if log is not None:
        from tqdm.auto import tqdm

        log(f"training {len(pairs)} runs of {base.loss} on {base.data} on {trainer.device}")
        bar = tqdm(total=base.steps, desc=base.loss)
    elapsed, forced = 0.0, False
    try:
        with guard.while_("flag", trainer):
            while trainer.step < base.steps and not guard.stopped:
                start = time.perf_counter()
                trainer.fit(until=min(trainer.step + CHUNK, base.steps))
                elapsed += time.perf_counter() - start
                if bar is not None:
                    bar.update(trainer.step - bar.n)
    except Interrupted:  # a second signal: no final metrics
        forced = True
    finally:
        if bar is not None:
            bar.close()
    metrics, why_not = (None, "interrupted") if forced else try_evaluate(trainer.evaluate, guard)
    runs = []
    for (combo, config), state, m in zip(
        pairs, trainer.run_status(), metrics or [None] * len(pairs)
    ):
        run = {"seed": config.seed, **combo, "status": state["status"], "step": state["step"]}
        if state["status"] == "ok" and guard.stopped:
            run["status"] = "interrupted"
        if state.get("quantity"):
            run["quantity"] = state["quantity"]
        run.update(m if m is not None else {"metrics": f"not computed ({why_not})"})
        runs.append(run)
    statuses = {run["status"] for run in runs}
    overall = next((s for s in ("interrupted", "diverged") if s in statuses), "ok")
    result = {
        "config": base.to_dict(),
        "device": str(trainer.device),
        "steps_per_second": trainer.step / elapsed if elapsed > 0 else float("nan"),
        "status": overall,
        "runs": runs,
    }
    written = True
    with guard.while_("defer"):
        if args.json is not None:
            written = write_file(lambda: atomic_write_json(args.json, result), args.json)
    say_stopped(guard, trainer.step, args)
    diverged = [run for run in runs if run["status"] == "diverged"]
    for run in diverged:
        print(
            f"{PROG}: run seed={run['seed']} {shown({k: run[k] for k in run if k in SWEEPABLE})} "
            f"diverged at step {run['step']} ({run.get('quantity')}); the others went on",
            file=sys.stderr,
        )
    if metrics is None and why_not != "interrupted":
        print(f"{PROG}: the final evaluation failed: {why_not}", file=sys.stderr)
    if log is not None:
        for run in runs:
            log("  ".join(f"{k} {shown(v)}" for k, v in run.items()))
    if guard.stopped:
        return 128 + guard.signum
    return EXIT_FAILED if diverged or metrics is None or not written else EXIT_OK
