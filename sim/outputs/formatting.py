"""The one number formatter for people: the printed KPI table, the figures and the report,
the baseline diff and the calibration report all write numbers through `format_number`.

It lives in sim.outputs (no plotting, no store) so every layer that prints can use it. The
callers differ only in how many digits they show, hence parameters instead of copies.
"""
from __future__ import annotations

import math

SHARE = "share"
"""The unit of a proportion in [0, 1]: shown in percent (a difference of two: percentage points)."""


def format_number(x, unit: str = "", *, decimals: int = 2, whole_from: float = 1e4,
                  significant: int | None = None, signed: bool = False) -> str:
    """`x` as text; missing or non-finite values read "n/a".

    A share reads in percent with one decimal. Otherwise |x| >= `whole_from` gets no decimals,
    and below that either `significant` digits or, when that is None, one decimal from 100 up
    and `decimals` below (thousands are grouped throughout). `signed` always shows the sign."""
    if x is None or not math.isfinite(x):
        return "n/a"
    sign = "+" if signed else ""
    if unit == SHARE:
        return f"{x:{sign}.1%}"
    if abs(x) >= whole_from:
        return f"{x:{sign},.0f}"
    if significant is not None:
        return f"{x:{sign}.{significant}g}"
    if abs(x) >= 100:
        return f"{x:{sign},.1f}"
    return f"{x:{sign}.{decimals}f}"


def format_interval(low, high, unit: str = "", difference: bool = False, **digits) -> str:
    """A 95 % CI as "[low, high]"; a difference of shares reads in percentage points."""
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return "n/a"
    if unit == SHARE and difference:
        return f"[{format_number(100 * low, decimals=1, signed=True)}, " \
               f"{format_number(100 * high, decimals=1, signed=True)}] pp"
    return f"[{format_number(low, unit, **digits)}, {format_number(high, unit, **digits)}]"


def format_points(x) -> str:
    """A difference of two shares in percentage points, e.g. "+1.2 pp"."""
    text = format_number(None if x is None else 100 * x, decimals=1, signed=True)
    return text if text == "n/a" else f"{text} pp"
