"""Progress bars (tqdm) for long runs, silent in logs, CI and pipes.

Why a helper: every bar in the project follows one rule, shown only when stderr is a
terminal (or when forced), so redirected output and test logs stay clean.
"""
from __future__ import annotations

import sys

from tqdm import tqdm


def wanted(enabled: bool | None = None) -> bool:
    """True if a bar should be drawn: `enabled` if given, else whether stderr is a terminal."""
    if enabled is not None:
        return enabled
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # closed or replaced stream
        return False


def bar(total: int, desc: str, enabled: bool | None = None, unit: str = "rep", **kwargs) -> tqdm:
    """A tqdm bar on stderr that removes itself when done; a no-op object when not wanted."""
    return tqdm(total=total, desc=desc, unit=unit, leave=False,
                disable=not wanted(enabled), file=sys.stderr, dynamic_ncols=True, **kwargs)
