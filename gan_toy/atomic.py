"""Atomic file writes: the one way gan_toy writes a file that a user must not lose.

A file is written to a temporary file in the same folder, flushed to disk, then renamed over the
target. A crash, Ctrl-C or full disk mid-write leaves the previous file intact, never a
half-written one, and the temporary file is removed on every failure. Checkpoints, the
classifier cache and the command line's JSON all write through here.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any


def atomic_write(path: str | os.PathLike, write: Callable[[IO[bytes]], None]) -> Path:
    """Call `write(file)` on a temporary file beside `path`, then move it over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def atomic_save(obj: Any, path: str | os.PathLike) -> Path:
    """torch.save `obj` to `path` atomically."""
    import torch  # torch is heavy; the JSON writer below must not need it

    return atomic_write(path, lambda f: torch.save(obj, f))


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    """`obj` as indented JSON at `path`, atomically. NaN and ±Inf become null (JSON has none)."""
    data = (json.dumps(_finite(obj), indent=2, default=str, allow_nan=False) + "\n").encode()

    def write(f: IO[bytes]) -> None:
        f.write(data)

    return atomic_write(path, write)


def _finite(obj: Any) -> Any:
    """A copy of `obj` with non-finite floats replaced by None, containers walked."""
    if isinstance(obj, float):
        return obj if obj == obj and obj not in (float("inf"), float("-inf")) else None
    if isinstance(obj, dict):
        return {key: _finite(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(value) for value in obj]
    return obj
