"""How the CPU allocator treats the trainers' short-lived large tensors."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys


@functools.cache
def retain_freed_memory() -> bool:
    """Have glibc's malloc keep freed memory for reuse rather than hand it back to the OS.

    A training step allocates and frees tensors of 0.5-30 MB: a batched step's (K, n, 128)
    activations and gradients, the graph of a second-order unrolled step. glibc serves blocks
    that large with mmap, or trims them off its heap once freed, so the next step page-faults
    them in afresh: on the 2-core CPU that was a sixth of the CPU time of a K = 16 batched
    step, a quarter at K = 64 and an eighth of an unrolled (k = 5) step. With mmap off and a
    high trim threshold the next step reuses the same pages. This holds for the whole process
    from then on (its memory stays at its peak); Linux with glibc only, False elsewhere.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False
    m_trim_threshold, m_mmap_max = -1, -4  # glibc's <malloc.h>
    return bool(mallopt(m_trim_threshold, 1 << 30)) and bool(mallopt(m_mmap_max, 0))
