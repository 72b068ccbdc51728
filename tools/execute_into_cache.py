"""Execute notebooks in parallel into a Jupyter Book execution cache, before the book build.

    python tools/execute_into_cache.py CACHE_DIR NOTEBOOK [NOTEBOOK ...] [--timeout S]

jupyter-book 1.x (myst-nb, execution mode "cache") executes the chapters one after another
while it reads them, and looks each one up first in `<path-output>/_build/.jupyter_cache`.
This script fills that cache beforehand, one notebook per core, so the build that follows finds
every chapter executed. The cache keys on the notebooks' code and kernel, exactly as the build
does, so a notebook changed afterwards is simply executed again by the build.

While it runs it says which notebook started and finished, with its time, and every few minutes
which are still running and about how long each has left. The estimates are the times the
notebooks took in this folder's last build (kept in `<cache>-times.json` beside the cache) or,
before there is one, the times `--expected FILE` gives (the book's `book/chapter_times.json`,
measured on the 2-core machine). The longest notebooks by those times (or, with neither, by the cell
limits they set) start first, so no core waits at the end for a long chapter that started late.

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

HEARTBEAT = 300  # seconds between "still running" reports


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
    parser.add_argument(
        "--heartbeat", type=float, default=HEARTBEAT, help="seconds between progress reports"
    )
    parser.add_argument(
        "--expected", type=Path, help="JSON of expected seconds per notebook, for a first build"
    )
    args = parser.parse_args(argv)

    missing = [str(nb) for nb in args.notebooks if not nb.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    try:
        reference = expected_seconds(args.expected)
    except ValueError as error:
        parser.error(str(error))
    cache = get_cache(args.cache)
    times_file = args.cache.parent / f"{args.cache.name}-times.json"
    last = json.loads(times_file.read_text()) if times_file.is_file() else {}
    expected = {**reference, **last}  # this folder's own record wins
    uris = {str(nb.resolve()): nb for nb in args.notebooks}
    for uri in uris:
        cache.add_nb_to_project(uri)
    records = [r for r in cache.list_unexecuted() if r.uri in uris]
    if not records:
        say(f"all {len(uris)} notebook(s) are already in the cache")
        return 0
    # Longest first, by the expected times and, without them, by the cell limits the notebooks
    # set themselves (a chapter with long cells says so), so no core waits at the end.
    records.sort(
        key=lambda r: (
            -expected.get(uris[r.uri].name, 0),
            -cell_timeout(uris[r.uri], args.timeout),
        )
    )
    jobs = [
        ProcessData(r.pk, r.uri, cache, cell_timeout(uris[r.uri], args.timeout), False)
        for r in records
    ]
    start = time.perf_counter()
    workers = min(len(jobs), args.jobs or multiprocessing.cpu_count())
    names = [uris[r.uri].name for r in records]
    plan = ""
    if all(name in expected for name in names):
        plan_min = planned_minutes([expected[n] for n in names], workers)
        plan = f", expected to take about {plan_min:.0f} min"
    say(f"executing {len(jobs)} notebook(s), {workers} at a time{plan}")
    started = {}
    for r in records[:workers]:
        started[r.uri] = time.perf_counter()
        say(f"  {uris[r.uri].name} started{estimate(expected, uris[r.uri].name)}")
    failed = []
    queued = [r.uri for r in records[workers:]]
    with multiprocessing.Pool(workers) as pool:
        results = pool.imap_unordered(execute, jobs)
        for _ in jobs:
            while True:
                try:
                    status, uri, seconds = results.next(timeout=args.heartbeat)
                    break
                except multiprocessing.TimeoutError:
                    say(f"  after {minutes(time.perf_counter() - start)}, still running:")
                    for u, since in sorted(started.items(), key=lambda item: item[1]):
                        name = uris[u].name
                        say(f"    {name}{progress(expected, name, time.perf_counter() - since)}")
            name = uris[uri].name
            del started[uri]
            if status == 0:
                last[name] = seconds
                say(f"  {name} done in {minutes(seconds)}")
            else:
                failed.append(name)
                say(f"  {name} FAILED after {minutes(seconds)} (the build will show why)")
            if queued:
                nxt = queued.pop(0)
                started[nxt] = time.perf_counter()
                say(f"  {uris[nxt].name} started{estimate(expected, uris[nxt].name)}")
    times_file.write_text(json.dumps(last, indent=1, sort_keys=True) + "\n")
    say(
        f"executed {len(jobs) - len(failed)} of {len(jobs)} notebook(s) in "
        f"{minutes(time.perf_counter() - start)}"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 0  # the build decides: it re-executes what failed and reports it as an error


def expected_seconds(path: Path | None) -> dict[str, float]:
    """The `seconds` mapping of an --expected file (notebook file name -> seconds), or {}.

    Raises ValueError, naming the file, when it cannot be read or has no such mapping.
    """
    if path is None:
        return {}
    try:
        seconds = json.loads(path.read_text())["seconds"]
        return {str(name): float(value) for name, value in seconds.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(
            f"--expected {path}: want a JSON object with a 'seconds' mapping of notebook file "
            f"names to seconds ({type(error).__name__}: {error})"
        ) from None


def planned_minutes(seconds: list[float], workers: int) -> float:
    """Wall minutes of running these jobs longest first, each on the first free worker."""
    free = [0.0] * workers
    for s in sorted(seconds, reverse=True):
        free[free.index(min(free))] += s
    return max(free) / 60


def estimate(expected: dict, name: str) -> str:
    return f" (expected: about {minutes(expected[name])})" if name in expected else ""


def progress(expected: dict, name: str, elapsed: float) -> str:
    """`elapsed` in words, with the time left by the estimate when there is one."""
    text = f" for {minutes(elapsed)}"
    if name not in expected:
        return text
    left = expected[name] - elapsed
    if left > 0:
        return f"{text}, about {minutes(left)} left of {minutes(expected[name])}"
    return f"{text}, past its expected {minutes(expected[name])}"


if __name__ == "__main__":
    sys.exit(main())
