"""Wall and CPU time of each chapter's execution, one chapter at a time, at full size or fast.

    python -m benchmarks.bench_chapters                      # every chapter, full size
    python -m benchmarks.bench_chapters --fast book/03_mode_collapse.ipynb
    python -m benchmarks.bench_chapters --json times.json    # also write the figures

Each chapter runs as `jupyter nbconvert --execute` in a child process, with the environment
the book build gives it (GAN_TOY_STATIC=1, one OpenMP thread per process), writing the executed
copy to a temporary folder: nothing in the repository or in the book's cache changes. CPU time
is user + system time of the child and everything it waited for (the kernel and the worker
processes a chapter starts), so `cpu / wall` says how many cores a chapter kept busy. The sum
of the CPU times over the machine's cores is a lower bound on `make book`'s execution wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_chapter(notebook: Path, fast: bool, out_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "GAN_TOY_FAST"}
    env.update(GAN_TOY_STATIC="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    if fast:
        env["GAN_TOY_FAST"] = "1"
    command = [
        sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
        "--ExecutePreprocessor.timeout=-1", "--output-dir", str(out_dir), str(notebook),
    ]  # fmt: skip
    cpu, wall = children_cpu(), time.perf_counter()
    done = subprocess.run(command, env=env, cwd=notebook.parent, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - wall, children_cpu() - cpu
    failure = None if done.returncode == 0 else done.stderr.strip().splitlines()[-1:]
    return {"chapter": notebook.stem, "wall_s": wall, "cpu_s": cpu, "failed": failure}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every chapter")
    parser.add_argument("--fast", action="store_true", help="fast mode (GAN_TOY_FAST=1)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
    missing = [str(nb) for nb in notebooks if not nb.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")

    results = []
    print(f"{'chapter':32} {'wall':>9} {'CPU':>9} {'cores':>6}")
    with tempfile.TemporaryDirectory() as out_dir:
        for notebook in notebooks:
            r = time_chapter(notebook.resolve(), args.fast, Path(out_dir))
            results.append(r)
            status = f"  FAILED: {r['failed']}" if r["failed"] else ""
            print(
                f"{r['chapter']:32} {r['wall_s'] / 60:7.1f} m {r['cpu_s'] / 60:7.1f} m "
                f"{r['cpu_s'] / max(r['wall_s'], 1e-9):6.2f}{status}",
                flush=True,
            )
    total_wall = sum(r["wall_s"] for r in results)
    total_cpu = sum(r["cpu_s"] for r in results)
    cores = os.cpu_count() or 1
    print(f"{'total, one after another':32} {total_wall / 60:7.1f} m {total_cpu / 60:7.1f} m")
    bound = total_cpu / cores / 60
    print(f"lower bound on the wall time with {cores} cores in parallel: {bound:.1f} min")
    if args.json:
        args.json.write_text(
            json.dumps({"fast": args.fast, "cores": cores, "chapters": results}, indent=1)
        )
    return 1 if any(r["failed"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
