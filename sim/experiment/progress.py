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


EXIT_BROKEN_PIPE = 141
"""128 + SIGPIPE: how a command whose reader went away (`| head`) conventionally exits."""
STDOUT_CLOSED = {"closed": False}
"""Set once a reader of stdout went away (`python -m sim ... | head`): the command then exits quietly."""


def say(*parts, **kwargs) -> None:
    """print() to stdout for the person watching, which never decides a run's fate: if the reader
    has gone (a closed pipe), the rest of the output goes to /dev/null and the work carries on."""
    kwargs.pop("flush", None)
    if STDOUT_CLOSED["closed"]:
        return
    try:
        print(*parts, **kwargs, flush=True)
    except BrokenPipeError:
        stdout_gone()


def stdout_gone() -> None:
    """Point stdout at /dev/null (so the interpreter's last flush cannot fail again) and remember it."""
    import os

    STDOUT_CLOSED["closed"] = True
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
