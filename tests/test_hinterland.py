"""Hinterland removal: the next train after release (weekly timetable, loading cut-off) or a
truck pickup, and the arrival at the inland destination.

Removal is the last of China's four import stages and drives the inland door-to-door KPI;
an off-by-one-week or a missed earlier train would bias both, so `next_train` is checked
against a brute-force search of the timetable.
"""
from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import DestinationConfig, PortConfig
from sim.model.cargo import Mode
from sim.model.hinterland import HOURS_PER_WEEK, Hinterland

SHENYANG = DestinationConfig(distance_km=400, truck_hours=6.0, rail_hours=12.0,
                             rail_departures=[20, 44, 68, 92, 116], rail_cutoff_hours=4.0)
CITY = DestinationConfig(distance_km=30, truck_hours=1.0, inland=False)


def hinterland(*dests: DestinationConfig) -> Hinterland:
    port = PortConfig(name="test", terminals={}, inspection_stations={},
                      destinations={f"d{k}": d for k, d in enumerate(dests)})
    return Hinterland(port)


def brute_force_next_train(table, earliest: float) -> float:
    """Smallest departure (any week) that is >= earliest, by listing the surrounding weeks.

    Exact rational arithmetic: a departure at hour 167.99999999999997 of week 6 is before
    1176.0 even though the float sum 6 * 168 + 167.99999999999997 rounds to 1176.0.
    """
    week = math.floor(earliest / HOURS_PER_WEEK)
    candidates = [Fraction(w * 168) + Fraction(h) for w in range(week - 1, week + 3) for h in table]
    return float(min(c for c in candidates if c >= Fraction(earliest)))


timetables = st.lists(st.floats(0.0, HOURS_PER_WEEK, exclude_max=True, allow_nan=False),
                      min_size=1, max_size=8)
grid_timetables = st.lists(st.integers(0, 167).map(float), min_size=1, max_size=8)


@settings(deadline=None, max_examples=300)
@given(table=st.one_of(timetables, grid_timetables),
       cutoff=st.one_of(st.floats(0.0, 48.0, allow_nan=False), st.integers(0, 48).map(float)),
       ready=st.one_of(st.floats(0.0, 30 * HOURS_PER_WEEK, allow_nan=False),
                       st.integers(0, 5000).map(float)))
def test_next_train_is_the_first_qualifying_departure(table, cutoff, ready):
    """The box takes the first train leaving at least the cut-off after it is ready: never an
    earlier one (would break the cut-off), never a later one (would add a needless wait)."""
    h = hinterland(DestinationConfig(distance_km=100, truck_hours=2.0, rail_hours=5.0,
                                     rail_departures=table, rail_cutoff_hours=cutoff))
    dep = h.next_train(0, ready)
    earliest = ready + cutoff
    assert dep >= earliest
    assert dep - earliest <= HOURS_PER_WEEK  # at most a week's wait (== only by rounding)
    # A timetable departure: some week's copy of a listed hour of the week.
    week = math.floor(dep / HOURS_PER_WEEK)
    assert any(math.isclose(dep, w * HOURS_PER_WEEK + x, abs_tol=1e-9)
               for w in (week - 1, week, week + 1) for x in table)
    # No earlier qualifying departure exists.
    assert dep == pytest.approx(brute_force_next_train(table, earliest), abs=1e-9)


@pytest.mark.parametrize("ready, expected", [
    (0.0, 20.0),            # Monday 00:00 -> Monday 20:00 train
    (16.0, 20.0),           # exactly at the cut-off still makes the train
    (16.01, 44.0),          # just too late -> Tuesday 20:00
    (40.0, 44.0),
    (112.0, 116.0),         # Friday 16:00 -> Friday 20:00, the last train of the week
    (113.0, 168.0 + 20.0),  # wraps to next Monday 20:00
    (150.0, 168.0 + 20.0),  # weekend -> Monday
    (166.0, 168.0 + 20.0),  # cut-off crosses the week boundary
    (3 * 168.0 + 60.0, 3 * 168.0 + 68.0),  # week 3, Wednesday
])
def test_next_train_shenyang_examples(ready, expected):
    """Shenyang shuttle Mon-Fri 20:00 with a 4 h cut-off, including the weekend wrap."""
    assert hinterland(SHENYANG).next_train(0, ready) == pytest.approx(expected)


def test_next_train_unsorted_timetable_and_single_weekly_train():
    """Timetables are sorted on load; a single weekly train wraps a full week."""
    h = hinterland(DestinationConfig(distance_km=1, truck_hours=1, rail_hours=1,
                                     rail_departures=[112.0, 40.0], rail_cutoff_hours=0.0),
                   DestinationConfig(distance_km=1, truck_hours=1, rail_hours=1,
                                     rail_departures=[10.0], rail_cutoff_hours=2.0))
    assert h.next_train(0, 0.0) == 40.0
    assert h.next_train(0, 41.0) == 112.0
    assert h.next_train(1, 8.0) == 10.0
    assert h.next_train(1, 8.5) == 168.0 + 10.0
    assert h.next_train(1, 168.0 + 8.5) == 2 * 168.0 + 10.0


@settings(deadline=None, max_examples=200)
@given(ready=st.floats(0.0, 20 * HOURS_PER_WEEK, allow_nan=False),
       pickup=st.floats(0.0, 100.0, allow_nan=False))
def test_remove_truck_and_rail(ready, pickup):
    """Truck: out = ready + pickup, arrival = out + truck hours. Rail: out = next train
    (pickup delay ignored), arrival = departure + rail hours."""
    h = hinterland(CITY, SHENYANG)
    out, arrive = h.remove(0, Mode.TRUCK.code, ready, pickup)
    assert out == ready + pickup
    assert arrive == out + CITY.truck_hours
    out, arrive = h.remove(1, Mode.TRUCK.code, ready, pickup)
    assert (out, arrive) == (ready + pickup, ready + pickup + SHENYANG.truck_hours)
    out, arrive = h.remove(1, Mode.RAIL.code, ready, pickup)
    assert out == h.next_train(1, ready)
    assert arrive == out + SHENYANG.rail_hours
    assert out >= ready + SHENYANG.rail_cutoff_hours


def test_remove_examples_and_destination_attributes():
    """Friday-evening rail box waits for Monday's train; destinations keep config order."""
    h = hinterland(CITY, SHENYANG)
    assert h.remove(1, Mode.RAIL.code, 113.0, 5.0) == (188.0, 200.0)
    assert h.remove(1, Mode.TRUCK.code, 113.0, 5.0) == (118.0, 124.0)
    assert h.remove(0, Mode.TRUCK.code, 10.0, 0.0) == (10.0, 11.0)
    assert h.names == ["d0", "d1"]
    assert h.inland.tolist() == [False, True]


def test_bundled_dalian_timetables(small_config):
    """Every rail destination in the bundled config yields departures from its own timetable."""
    h = Hinterland(small_config.port)
    for k, name in enumerate(h.names):
        dest = small_config.port.destinations[name]
        if not dest.rail_departures:
            continue
        for ready in (0.0, 50.5, 167.9, 400.0):
            dep = h.next_train(k, ready)
            assert dep == pytest.approx(brute_force_next_train(dest.rail_departures,
                                                               ready + dest.rail_cutoff_hours))
