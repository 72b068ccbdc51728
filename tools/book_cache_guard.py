"""Empty a book build's execution cache when the code the chapters run has changed.

    python tools/book_cache_guard.py CACHE_DIR [--keep]

jupyter-book 1.x caches each executed chapter under a key made of the notebook's code cells
only. A chapter whose cells did not change is therefore served from the cache even after
gan_toy (or a pinned package) changed under it, and the book would show results the code no
longer produces. This script keeps a fingerprint of everything the chapters import from this
repository (gan_toy's files) and of requirements.txt beside the cache; when the fingerprint
differs from the one the cache was filled with, it deletes the cache so that the build
executes every chapter again. `--keep` reports the change but keeps the cache (for a quick
rebuild after a change you know the chapters do not depend on).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FINGERPRINTED = ("gan_toy", "requirements.txt")


def code_fingerprint(root: Path = REPO) -> str:
    """SHA-256 over the relative paths and contents of gan_toy's files and requirements.txt."""
    digest = hashlib.sha256()
    for name in FINGERPRINTED:
        top = root / name
        files = [top] if top.is_file() else sorted(top.rglob("*"))
        for path in files:
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def fingerprint_file(cache: Path) -> Path:
    # Beside the cache, not in it: deleting the cache must not delete the record.
    return cache.parent / (cache.name + ".code-fingerprint")


def guard(cache: Path, keep: bool = False, root: Path = REPO) -> str:
    """Delete `cache` if the code changed since it was filled; return what was done, in words."""
    current = code_fingerprint(root)
    record = fingerprint_file(cache)
    recorded = record.read_text().strip() if record.is_file() else None
    if recorded == current:
        return f"{cache}: gan_toy unchanged since the chapters were cached"
    if not cache.exists():
        action = f"{cache}: no cache yet"
    elif keep:
        # Keep the old record too, so the next run without --keep still sees the change.
        return f"{cache}: gan_toy changed since the chapters were cached; kept (--keep)"
    else:
        shutil.rmtree(cache)
        why = "no record of the code it was made with" if recorded is None else "gan_toy changed"
        action = f"{cache}: {why}; deleted, so every chapter executes again"
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(current + "\n")
    return action


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache", type=Path, help="the build's .jupyter_cache folder")
    parser.add_argument("--keep", action="store_true", help="report a change, keep the cache")
    args = parser.parse_args(argv)
    print(guard(args.cache, keep=args.keep), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
