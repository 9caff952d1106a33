"""Ask the C allocator to give large freed arrays back to the operating system at once.

Why: glibc raises its mmap threshold after large frees, after which big numpy arrays come
from its heap and stay resident when freed; pyarrow's own allocator cannot reuse that
memory, so the Parquet writing after a full-year run would sit on top of it. A fixed
threshold keeps every large array in a mapping of its own, returned when freed.
"""
from __future__ import annotations

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
LARGE_BYTES = 1 << 20


def return_freed_arrays() -> bool:
    """Process-wide and idempotent; False (and no change) where the C library is not glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, LARGE_BYTES))
    except (OSError, AttributeError):
        return False
