"""Kaplan-Meier mean by hand where the comment in sim/outputs/stats.py makes a promise.

Durations can be negative only through user error (a milestone stamped before the one it is
measured from); km_mean then measures the area under S from the first time, not from 0, so a
negative duration never makes a mean negative.
"""
from __future__ import annotations

import math

import pytest

from sim.outputs.stats import kaplan_meier, km_mean, summarize_durations


def test_km_mean_with_a_negative_duration_starts_at_the_first_time():
    """Durations -2 and 4, both observed: S = 1 before -2, 1/2 on [-2, 4), 0 after. The area from
    the first time is 1/2 x 6 = 3 (from 0 it would be -2 + 3 = 1)."""
    times, surv = kaplan_meier([-2.0, 4.0], [True, True])
    assert times.tolist() == [-2.0, 4.0]
    assert km_mean(times, surv) == pytest.approx(3.0)


def test_km_mean_with_three_durations_the_first_negative():
    """Durations -1, 2, 5 observed: S = 2/3 on [-1, 2), 1/3 on [2, 5): 2/3 x 3 + 1/3 x 3 = 3."""
    assert km_mean(*kaplan_meier([2.0, -1.0, 5.0], [True, True, True])) == pytest.approx(3.0)


def test_km_mean_from_zero_when_the_first_duration_is_zero():
    """Durations 0, 2, 4 observed: the first width is 0 either way; 2/3 x 2 + 1/3 x 2 = 2 = the mean."""
    assert km_mean(*kaplan_meier([0.0, 2.0, 4.0], [True, True, True])) == pytest.approx(2.0)


def test_an_interval_not_begun_is_left_out_not_counted_as_the_slowest():
    """Durations 2 and 4 observed, and a NaN (an import not yet declared when the run stopped:
    no clearance time at all). Left out: S = 1/2 on [2, 4), 0 after; mean 1 x 2 + 1/2 x 2 = 3,
    p90 = 4. Kept at risk it would give S = 2/3, 1/3, a mean of 10/3 and no p90."""
    times, surv = kaplan_meier([2.0, math.nan, 4.0], [True, False, True])
    assert times.tolist() == [2.0, 4.0] and surv.tolist() == pytest.approx([0.5, 0.0])
    s = summarize_durations([2.0, math.nan, 4.0], [True, False, True], within_hours=3.0)
    assert s["mean"] == pytest.approx(3.0) and s["p90"] == pytest.approx(4.0)
    assert s["within"] == pytest.approx(0.5)
