"""Officers on duty from a weekly pool of staff hours, by hand, for short openings."""
from __future__ import annotations

from sim.domain.calendar import on_duty


def test_an_office_open_half_an_hour_a_week_spreads_the_pool_over_that_half_hour():
    """Monday 8:00-8:30 only: 10 staff hours a week are 20 officers on duty in that half hour;
    an office never open has none."""
    assert on_duty(10.0, [0], 8.0, 8.5) == 20
    assert on_duty(10.0, [0], 8.0, 8.0) == 0


def test_rounding_to_the_nearest_officer_halves_up():
    """45 open hours a week (Monday to Friday 8-17): 67.5 h -> 1.5 -> 2 officers; 67 h -> 1."""
    assert on_duty(67.5, range(5), 8.0, 17.0) == 2
    assert on_duty(67.0, range(5), 8.0, 17.0) == 1
