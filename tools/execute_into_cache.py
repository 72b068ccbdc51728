"""Execute notebooks in parallel into a Jupyter Book execution cache, before the book build.

    python tools/execute_into_cache.py CACHE_DIR NOTEBOOK [NOTEBOOK ...] [--timeout S]

jupyter-book 1.x (myst-nb, execution mode "cache") executes the chapters one after another
while it reads them, and looks each one up first in `<path-output>/_build/.jupyter_cache`.
This script fills that cache beforehand, one notebook per core, so the build that follows finds
every chapter executed. The cache keys on the notebooks' code and kernel, exactly as the build
does, so a notebook changed afterwards is simply executed again by the build.

While it runs it says which notebook started and finished, with its time, and every few minutes
which are still running, against the time they took last time (kept in `times.json` beside the
cache). The longest notebooks, by that record (or, before there is one, by the cell limits they
set), start first, so no core waits at the end for a long chapter that started late.

A cell may run for `--timeout` seconds, unless its notebook sets its own limit in its metadata
(`"mystnb": {"execution_timeout": S}`, which the build itself also reads): a chapter whose
experiment is one long cell says so there, and nowhere else.

Run it with the environment the build would have (GAN_TOY_FAST=1 for the fast-mode book) and
with OMP_NUM_THREADS=1: several kernels each spinning two OpenMP threads on two cores run
several times slower than one thread each. A notebook that fails here is reported and left out
of the cache; the build then executes it itself and reports the error in full.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from pathlib import Path

from jupyter_cache import get_cache
from jupyter_cache.executors.basic import ExecutionWorkerLocalMProc, ProcessData

HEARTBEAT = 300  # seconds between "still running" lines


def cell_timeout(notebook: Path, default: int) -> int:
    """The notebook's own per-cell limit (metadata mystnb.execution_timeout), or `default`."""
    metadata = json.loads(notebook.read_text()).get("metadata", {})
    return int(metadata.get("mystnb", {}).get("execution_timeout", default))


def execute(data: ProcessData) -> tuple[int, str, float]:
    """(0 ok / 1 the notebook raised / 2 could not run, its uri, seconds) for one notebook."""
    start = time.perf_counter()
    status, uri = ExecutionWorkerLocalMProc()(data)
    return status, uri, time.perf_counter() - start


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache", type=Path, help="the build's .jupyter_cache folder")
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (default)")
    parser.add_argument("--jobs", type=int, default=None, help="notebooks at once (cores)")
    args = parser.parse_args(argv)

    missing = [str(nb) for nb in args.notebooks if not nb.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    cache = get_cache(args.cache)
    times_file = args.cache.parent / f"{args.cache.name}-times.json"
    last = json.loads(times_file.read_text()) if times_file.is_file() else {}
    uris = {str(nb.resolve()): nb for nb in args.notebooks}
    for uri in uris:
        cache.add_nb_to_project(uri)
    records = [r for r in cache.list_unexecuted() if r.uri in uris]
    if not records:
        say(f"all {len(uris)} notebook(s) are already in the cache")
        return 0
    # Longest first: by the last build's times, and without one by the cell limits the
    # notebooks set themselves (a chapter with long cells says so), so no core waits at the end.
    records.sort(
        key=lambda r: (-last.get(uris[r.uri].name, 0), -cell_timeout(uris[r.uri], args.timeout))
    )
    jobs = [
        ProcessData(r.pk, r.uri, cache, cell_timeout(uris[r.uri], args.timeout), False)
        for r in records
    ]
    start = time.perf_counter()
    workers = min(len(jobs), args.jobs or multiprocessing.cpu_count())
    say(f"executing {len(jobs)} notebook(s), {workers} at a time")
    for r in records[:workers]:
        say(f"  {uris[r.uri].name} started{estimate(last, uris[r.uri].name)}")
    failed, running = [], {r.uri for r in records[:workers]}
    queued = [r.uri for r in records[workers:]]
    with multiprocessing.Pool(workers) as pool:
        results = pool.imap_unordered(execute, jobs)
        for _ in jobs:
            while True:
                try:
                    status, uri, seconds = results.next(timeout=HEARTBEAT)
                    break
                except multiprocessing.TimeoutError:
                    names = ", ".join(uris[u].name for u in sorted(running))
                    say(f"  still running after {minutes(time.perf_counter() - start)}: {names}")
            name = uris[uri].name
            running.discard(uri)
            if status == 0:
                last[name] = seconds
                say(f"  {name} done in {minutes(seconds)}")
            else:
                failed.append(name)
                say(f"  {name} FAILED after {minutes(seconds)} (the build will show why)")
            if queued:
                nxt = queued.pop(0)
                running.add(nxt)
                say(f"  {uris[nxt].name} started{estimate(last, uris[nxt].name)}")
    times_file.write_text(json.dumps(last, indent=1, sort_keys=True) + "\n")
    say(
        f"executed {len(jobs) - len(failed)} of {len(jobs)} notebook(s) in "
        f"{minutes(time.perf_counter() - start)}"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 0  # the build decides: it re-executes what failed and reports it as an error


def estimate(last: dict, name: str) -> str:
    return f" (last time: {minutes(last[name])})" if name in last else ""


if __name__ == "__main__":
    sys.exit(main())
