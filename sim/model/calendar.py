"""Weekly working hours, so staffed steps only progress while the office is open.

Why arithmetic instead of a shift process: a job that needs `w` working hours
finishes at a time computed directly from the weekly windows, which costs one
SimPy timeout instead of an event per shift change.
"""
from __future__ import annotations

import bisect
import math

HOURS_PER_WEEK = 168.0


class WorkingCalendar:
    """Open windows repeating every week; time 0 is Monday 00:00."""

    def __init__(self, days, open_hour: float, close_hour: float):
        windows = sorted((24.0 * d + open_hour, 24.0 * d + close_hour) for d in set(days))
        merged: list[list[float]] = []
        for start, end in windows:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        # A window that wraps (e.g. Sunday 00-24 then Monday 00-...) is fine: both stay separate
        # and `finish` walks across them.
        self.starts = [w[0] for w in merged]
        self.ends = [w[1] for w in merged]
        self.open_per_week = sum(e - s for s, e in merged)
        self.always_open = self.open_per_week >= HOURS_PER_WEEK

    @classmethod
    def from_config(cls, cal) -> "WorkingCalendar":
        return cls(cal.days, cal.open_hour, cal.close_hour)

    def next_open(self, t: float) -> float:
        """Earliest time >= t at which the calendar is open."""
        if self.always_open:
            return t
        week = math.floor(t / HOURS_PER_WEEK)
        offset = t - week * HOURS_PER_WEEK
        i = bisect.bisect_right(self.ends, offset)
        if i == len(self.ends):
            return (week + 1) * HOURS_PER_WEEK + self.starts[0]
        return week * HOURS_PER_WEEK + max(offset, self.starts[i])

    def finish(self, t: float, work: float) -> float:
        """Time at which `work` working hours started at t are done (waits for opening)."""
        if self.always_open:
            return t + work
        full_weeks = math.floor(work / self.open_per_week) if work > 0 else 0
        # Keep a remainder > 0 when work is an exact multiple, so the end lands inside a window.
        if full_weeks and work - full_weeks * self.open_per_week <= 0:
            full_weeks -= 1
        remaining = work - full_weeks * self.open_per_week
        t = self.next_open(t) + full_weeks * HOURS_PER_WEEK
        while True:
            t = self.next_open(t)
            week = math.floor(t / HOURS_PER_WEEK)
            offset = t - week * HOURS_PER_WEEK
            i = bisect.bisect_right(self.ends, offset)
            end = week * HOURS_PER_WEEK + self.ends[i]
            if t + remaining <= end:
                return t + remaining
            remaining -= end - t
            t = end

    def open_hours_between(self, a: float, b: float) -> float:
        """Working hours in [a, b]; used by utilisation KPIs and tests."""
        if b <= a:
            return 0.0
        total = 0.0
        week = math.floor(a / HOURS_PER_WEEK)
        while week * HOURS_PER_WEEK < b:
            base = week * HOURS_PER_WEEK
            for s, e in zip(self.starts, self.ends):
                lo, hi = max(a, base + s), min(b, base + e)
                if hi > lo:
                    total += hi - lo
            week += 1
        return total
