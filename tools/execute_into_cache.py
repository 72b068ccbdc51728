"""Execute notebooks in parallel into a Jupyter Book execution cache, before the book build.

    python tools/execute_into_cache.py CACHE_DIR NOTEBOOK [NOTEBOOK ...] [--timeout S]

jupyter-book 1.x (myst-nb, execution mode "cache") executes the chapters one after another
while it reads them, and looks each one up first in `<path-output>/_build/.jupyter_cache`.
This script fills that cache beforehand with jupyter-cache's parallel executor (one process per
core), so the build that follows finds every chapter executed: on two cores, about half the
time. The cache keys on the notebooks' code and kernel, exactly as the build does, so a
notebook changed afterwards is simply executed again by the build.

Run it with the environment the build would have (GAN_TOY_FAST=1 for the fast-mode book) and
with OMP_NUM_THREADS=1: several kernels each spinning two OpenMP threads on two cores run
several times slower than one thread each. A notebook that fails here is reported and left out
of the cache; the build then executes it itself and reports the error in full.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from jupyter_cache import get_cache
from jupyter_cache.executors import load_executor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache", type=Path, help="the build's .jupyter_cache folder")
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)

    missing = [str(nb) for nb in args.notebooks if not nb.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    cache = get_cache(args.cache)
    for nb in args.notebooks:
        cache.add_nb_to_project(str(nb.resolve()))
    start = time.perf_counter()
    executor = load_executor("local-parallel", cache=cache)
    result = executor.run_and_cache(
        filter_uris=[str(nb.resolve()) for nb in args.notebooks], timeout=args.timeout
    )
    failed = result.excepted + result.errored
    print(
        f"executed {len(result.succeeded)} notebook(s) into {args.cache} in "
        f"{time.perf_counter() - start:.0f} s"
        + (f"; failed (the build will show why): {', '.join(failed)}" if failed else ""),
        file=sys.stderr,
    )
    return 0  # the build decides: it re-executes what failed and reports it as an error


if __name__ == "__main__":
    sys.exit(main())
