"""Running what the command line asked for, and writing what it did whatever happens.

One run (a Trainer, with checkpoints and resuming) or many as one batched run (BatchedTrainer).
Whatever finished is written: with --json the results file (atomically) always, with each
run's `status` ("ok", "diverged", "interrupted" or "failed"), the `step` it reached and the
metrics that could be computed; with --checkpoint the final checkpoint at the step reached (a
state holding NaN is never written, so a diverged run keeps its last good checkpoint).
Ctrl-C and SIGTERM stop in order (cli_signals.py).
"""

from __future__ import annotations

import sys
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
from gan_toy.cli_signals import Interrupted, SignalGuard
from gan_toy.config import TrainConfig

# A batched run is trained this many steps at a time, so that a signal is heard between chunks.
CHUNK = 25


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
        print(f"{PROG}: stopped by {guard.name} at step {step}{where}", file=sys.stderr)


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
        from gan_toy.data.sources import MNISTSource

        assert isinstance(trainer.source, MNISTSource)  # what image data is drawn from
        classifier_cache(trainer.config.mnist_source)
        trainer.source.classifier = load_classifier(
            trainer.config.mnist_source, trainer.device, log=log
        )
    return trainer


def run_single(args, trainer, guard: SignalGuard, log) -> int:
    from gan_toy.callbacks import ModesOverTime, ProgressBar
    from gan_toy.checkpoint import Checkpointer, save_checkpoint
    from gan_toy.train import DivergenceError

    config = trainer.config
    callbacks: list[object] = [guard]
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
        run.update(status="diverged", step=err.step, quantity=err.quantity)
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
    classifier = getattr(trainer.source, "classifier", None)
    if classifier is not None:
        result["classifier"] = classifier.info
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
    return guard.exit_status if guard.stopped else status


def sweep_configs(base: TrainConfig, seeds: int, sweeps) -> list[tuple[dict, TrainConfig]]:
    """Every combination of the sweeps, crossed with `seeds` seeds: [(swept values, config)]."""
    combos: list[dict] = [{}]
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
    elapsed, forced, failure = 0.0, False, None
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
    except Exception as err:  # a step failed: keep what was done, then say so
        failure = err
    finally:
        if bar is not None:
            bar.close()
    if failure is not None:
        metrics, why_not = None, f"training failed: {one_line(failure)}"
    elif forced:
        metrics, why_not = None, "interrupted"
    else:
        metrics, why_not = try_evaluate(trainer.evaluate, guard)
    runs = []
    for (combo, config), state, m in zip(
        pairs, trainer.run_status(), metrics or [None] * len(pairs)
    ):
        run = {"seed": config.seed, **combo, "status": state["status"], "step": state["step"]}
        if state["status"] == "ok" and failure is not None:
            run.update(status="failed", error=one_line(failure))
        elif state["status"] == "ok" and guard.stopped:
            run["status"] = "interrupted"
        if state.get("quantity"):
            run["quantity"] = state["quantity"]
        run.update(m if m is not None else {"metrics": f"not computed ({why_not})"})
        runs.append(run)
    statuses = {run["status"] for run in runs}
    overall = next((s for s in ("failed", "interrupted", "diverged") if s in statuses), "ok")
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
    if failure is not None:
        if not (isinstance(failure, OSError) or is_out_of_memory(failure)):
            raise failure  # a bug: its traceback, after the results are safe
        print(f"{PROG}: {why_not} at step {trainer.step}", file=sys.stderr)
    diverged = [(run, combo) for run, (combo, _) in zip(runs, pairs) if run["status"] == "diverged"]
    for run, combo in diverged:
        setting = "".join(f" {name}={shown(value)}" for name, value in combo.items())
        print(
            f"{PROG}: the run seed={run['seed']}{setting} diverged at step {run['step']} "
            f"({run.get('quantity')}); the others went on",
            file=sys.stderr,
        )
    if metrics is None and why_not != "interrupted" and failure is None:
        print(f"{PROG}: the final evaluation failed: {why_not}", file=sys.stderr)
    if log is not None:
        for run in runs:
            log("  ".join(f"{k} {shown(v)}" for k, v in run.items()))
    if guard.stopped:
        return guard.exit_status
    return EXIT_FAILED if diverged or metrics is None or not written else EXIT_OK
