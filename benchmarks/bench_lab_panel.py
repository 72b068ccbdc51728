"""How long a lab panel's Train run takes, and how much of it is the live view.

Presses Train on a TrainPanel (the labs' default setting, gan_toy.panels.LAB_CONFIG: the ring,
batch 256, 64-dimensional latent) exactly as a student does: training runs in the panel's
background thread, the live view redraws every `--every` steps into the panel's Output widget.
Reports the wall time of the run, the share of it spent drawing, rendering and handing over
frames, the number of redraws (full and blitted) and skipped ones, and the process's CPU time
(less sensitive than wall time to other jobs on a shared machine). Then it starts a long run,
presses Stop after a second, and reports how long the run took to end.

    python benchmarks/bench_lab_panel.py                          # 2000 steps, live every 50
    python benchmarks/bench_lab_panel.py --every 25 --max-share 1  # every 25 steps, no budget
    python benchmarks/bench_lab_panel.py --book                    # the book's batch 512, z 256

The target: 2,000 ring steps with the live view in under 10 s on a 2-core CPU, plotting under a
quarter of the time. `--baseline` also times the same run without any live view.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from gan_toy import TrainConfig, Trainer
from gan_toy.panels import LAB_CONFIG, TrainPanel


def panel_run(config: TrainConfig, every: int, max_share: float | None) -> dict:
    panel = TrainPanel(config, live_every=every, max_share=max_share)
    wall, cpu = time.perf_counter(), time.process_time()
    panel.train_button.click()
    panel.join()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if panel.error:
        raise SystemExit(f"the run failed: {panel.error}")
    view = panel.view
    return {
        "wall": wall,
        "cpu": cpu,
        "plot": view.plot_seconds,
        "redraws": view.redraws,
        "full": view.full_redraws,
        "skipped": view.skipped,
        "steps": panel.trainer.step,
    }


def stop_latency(config: TrainConfig, every: int, after: float = 1.0) -> float:
    """Seconds from pressing Stop to the end of the run (its final redraw included)."""
    panel = TrainPanel(config.replace(steps=1_000_000), live_every=every)
    panel.train_button.click()
    time.sleep(after)
    pressed = time.perf_counter()
    panel.stop_button.click()
    panel.join()
    return time.perf_counter() - pressed


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--every", type=int, default=50, help="live view every N steps")
    parser.add_argument("--max-share", type=float, default=0.2, help="plotting budget (1: none)")
    parser.add_argument("--rounds", type=int, default=3, help="runs; the median is reported")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (labs: <= 2)")
    parser.add_argument("--book", action="store_true", help="the book's batch 512 and z 256")
    parser.add_argument("--baseline", action="store_true", help="also time it without a view")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    config = LAB_CONFIG.replace(steps=args.steps)
    if args.book:
        config = config.replace(batch_size=512, z_dim=256)
    share = None if args.max_share >= 1 else args.max_share
    print(
        f"{args.steps} steps on the {config.data} (batch {config.batch_size}, z {config.z_dim}), "
        f"live view every {args.every} steps, plotting budget {share}, "
        f"{args.threads} torch threads"
    )
    panel_run(config.replace(steps=50), args.every, share)  # warm-up (imports, first figure)
    runs = []
    for i in range(args.rounds):
        r = panel_run(config, args.every, share)
        runs.append(r)
        print(
            f"  run {i + 1}: {r['wall']:.2f} s wall ({r['cpu']:.2f} s CPU), plotting "
            f"{r['plot']:.2f} s = {100 * r['plot'] / r['wall']:.0f}%, {r['redraws']} redraws "
            f"({r['full']} full, {r['skipped']} skipped), {r['steps'] / r['wall']:.0f} steps/s"
        )
    wall = statistics.median(r["wall"] for r in runs)
    share_plot = statistics.median(r["plot"] / r["wall"] for r in runs)
    print(
        f"median: {wall:.2f} s for {args.steps} steps with the live view, "
        f"{100 * share_plot:.0f}% of it plotting (target: < 10 s, < 25%)"
    )
    if args.baseline:
        trainer = Trainer(config)
        start = time.perf_counter()
        trainer.fit()
        print(f"without a live view: {time.perf_counter() - start:.2f} s")
    print(f"Stop pressed after 1 s: the run ended {stop_latency(config, args.every):.2f} s later")


if __name__ == "__main__":
    main()
