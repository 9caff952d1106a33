"""The one number formatter for people: the printed KPI table, the figures and the report,
the baseline diff and the calibration report all write numbers through this module.

It lives in sim.outputs (no plotting, no store) so every layer that prints can use it. The
callers differ only in how many digits they show, hence parameters instead of copies.

The rules, each in one place here:
- missing or non-finite values read "n/a"; no number is ever shown in scientific notation;
- a share (a proportion in [0, 1]) reads in percent, a difference of two shares in percentage
  points; intervals of shares are clipped to [0, 1] (levels) and [-1, 1] (differences), which a
  t interval near 0 % or 100 % would otherwise leave;
- a change is shown twice, never mixed: the paired difference after - before with its interval,
  both in the KPI's unit, and the relative change with its interval, both in percent
  (`relative_change`);
- a relative change on a negligible base reads "n/a" (`negligible_base`): -100 % of 0.001 CNY
  says nothing.
"""
from __future__ import annotations

import math

SHARE = "share"
"""The unit of a proportion in [0, 1]: shown in percent (a difference of two: percentage points)."""

NEGLIGIBLE = {"h": 0.01, "CNY/TEU": 0.01, "TEU": 0.5, "TEU/yr": 0.5, SHARE: 0.0005, "": 0.001}
"""Per unit, the |value| below which a base is negligible for a relative change: what the
tables print as zero (0.01 h is 36 s; 0.01 CNY; half a box; 0.05 percentage points)."""


def _finite(x) -> bool:
    return x is not None and math.isfinite(x)


def _fixed(x: float, sign: str, digits: int) -> str:
    """`digits` significant digits in fixed notation, thousands grouped (never 1e+06)."""
    if x == 0:
        return f"{x:{sign}.{max(digits - 1, 0)}f}"
    places = digits - 1 - math.floor(math.log10(abs(x)))  # negative: round to tens, hundreds, ...
    decimals = max(places, 0)
    text = f"{round(x, places):{sign},.{decimals}f}"
    return text.rstrip("0").rstrip(".") if decimals else text  # as %g: no trailing zeros


def format_number(x, unit: str = "", *, decimals: int = 2, whole_from: float = 1e4,
                  significant: int | None = None, signed: bool = False, magnitude: float | None = None) -> str:
    """`x` as text; missing or non-finite values read "n/a".

    A share reads in percent with one decimal. Otherwise |x| >= `whole_from` gets no decimals,
    and below that either `significant` digits or, when that is None, one decimal from 100 up
    and `decimals` below (thousands are grouped throughout, no scientific notation). `signed`
    always shows the sign. `magnitude`: choose the decimals by this size instead of |x|, so the
    numbers printed together (a value and its interval) share one precision."""
    if not _finite(x):
        return "n/a"
    sign = "+" if signed else ""
    if unit == SHARE:
        return f"{x:{sign}.1%}"
    size = abs(x) if magnitude is None else magnitude
    if size >= whole_from:
        return f"{x:{sign},.0f}"
    if significant is not None:
        return _fixed(x, sign, significant)
    if size >= 100:
        return f"{x:{sign},.1f}"
    return f"{x:{sign}.{decimals}f}"


def clip_interval(low, high, unit: str = "", difference: bool = False) -> tuple:
    """A share's interval within what a share can be: [0, 1], or [-1, 1] for a difference."""
    if unit != SHARE or not (_finite(low) and _finite(high)):
        return low, high
    floor = -1.0 if difference else 0.0
    return min(max(low, floor), 1.0), min(max(high, floor), 1.0)


def format_interval(low, high, unit: str = "", difference: bool = False, **digits) -> str:
    """A 95 % CI as "[low, high]"; a share's in percent, a difference of shares' in percentage
    points, both clipped to what a share can be."""
    if not (_finite(low) and _finite(high)):
        return "n/a"
    low, high = clip_interval(low, high, unit, difference)
    if unit == SHARE and difference:
        return f"[{format_number(100 * low, decimals=1, signed=True)}, " \
               f"{format_number(100 * high, decimals=1, signed=True)}] pp"
    if difference:
        digits.setdefault("signed", True)
    digits.setdefault("magnitude", max(abs(low), abs(high)))  # both ends at one precision
    return f"[{format_number(low, unit, **digits)}, {format_number(high, unit, **digits)}]"


def format_points(x) -> str:
    """A difference of two shares in percentage points, e.g. "+1.2 pp"."""
    text = format_number(None if x is None else 100 * x, decimals=1, signed=True)
    return text if text == "n/a" else f"{text} pp"


def format_difference(x, unit: str = "", **digits) -> str:
    """after - before in the KPI's unit, signed: percentage points for a share."""
    if unit == SHARE:
        return format_points(x)
    return format_number(x, unit, signed=True, **digits)


def format_difference_interval(mean, low, high, unit: str = "", **digits) -> str:
    """after - before and its 95 % CI in one unit: "-21.44 [-27.05, -15.84]", "+6.6 [+5.7, +7.5] pp"."""
    if not _finite(mean):
        return "n/a"
    interval = format_interval(low, high, unit, difference=True, **digits)
    if unit == SHARE:
        number = format_number(100 * mean, decimals=1, signed=True)
        return f"{number} {interval}" if interval != "n/a" else f"{number} pp"
    size = max(abs(v) for v in (mean, low, high) if _finite(v))  # the value and its CI at one precision
    interval = format_interval(low, high, unit, difference=True, magnitude=size, **digits)
    return f"{format_number(mean, unit, signed=True, magnitude=size, **digits)} {interval}".removesuffix(" n/a")


def format_factor(x) -> str:
    """A swept setting's value: as short as it is exact (0.35, 76, 1,000,000), no exponent."""
    if isinstance(x, str) or not _finite(float(x)):
        return str(x)
    x = float(x)
    if x == int(x):
        return f"{int(x):,}"
    return f"{x:,.6f}".rstrip("0").rstrip(".")


def negligible_base(base, unit: str = "", ci_low=None, ci_high=None) -> bool:
    """A relative change on this base would mislead: the base is missing or zero, below what the
    tables print for its unit (NEGLIGIBLE), or its 95 % CI covers zero (it cannot be told from
    nothing). The one definition; the tables then print "n/a"."""
    if not _finite(base) or abs(base) < NEGLIGIBLE.get(unit, NEGLIGIBLE[""]):
        return True
    return _finite(ci_low) and _finite(ci_high) and ci_low <= 0 <= ci_high


def relative_change(before: dict, diff: dict, unit: str = "") -> tuple[float, float, float]:
    """(after - before) / |before| with its interval, the paired difference's CI over |before|
    (the stored comparison's `rel_change` convention, the targets' too; it treats the before
    mean as known). `before` and `diff` are {mean, ci_low, ci_high} entries (comparison.json).
    Every KPI is a non-negative quantity, so the interval stops at -100 %. NaNs when the base is
    negligible."""
    base = before.get("mean")
    if negligible_base(base, unit, before.get("ci_low"), before.get("ci_high")):
        return math.nan, math.nan, math.nan
    scale = abs(base)
    rel, low, high = (diff.get(k) / scale if _finite(diff.get(k)) else math.nan for k in ("mean", "ci_low", "ci_high"))
    return rel, max(low, -1.0) if _finite(low) else low, high


def format_relative_interval(low, high) -> str:
    """The interval of a relative change, in percent and never clipped to [0, 1]: "[-46.6%, -27.3%]"."""
    if not (_finite(low) and _finite(high)):
        return "n/a"
    return f"[{format_number(low, SHARE, signed=True)}, {format_number(high, SHARE, signed=True)}]"


def format_relative(rel, low=math.nan, high=math.nan) -> str:
    """A relative change with its interval, all in percent: "-36.9% [-46.6%, -27.3%]"."""
    if not _finite(rel):
        return "n/a"
    interval = format_relative_interval(low, high)
    return format_number(rel, SHARE, signed=True) + ("" if interval == "n/a" else f" {interval}")
