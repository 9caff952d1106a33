"""Resource cost (sim.outputs.resources) worked by hand."""
from __future__ import annotations

import pytest

from sim.config.schema import CalendarConfig
from sim.outputs.resources import resource_costs, shift_hours
from tests.conftest import make_config

ROUND_THE_CLOCK = CalendarConfig([0, 1, 2, 3, 4, 5, 6], 0.0, 24.0)


@pytest.fixture(scope="module")
def after():
    return make_config("regime=after_reform")


def test_shift_hours_of_a_week_round_the_clock(after):
    # office Mon-Fri 08:30-17:00; evening 06:00-08:30 and 17:00-22:00; the rest night/weekend
    hours = shift_hours(ROUND_THE_CLOCK.days, 0.0, 24.0, after.costs.resources)
    assert hours == pytest.approx({"office": 5 * 8.5, "evening": 5 * (2.5 + 5.0), "night_weekend": 5 * 8 + 2 * 24})


def test_shift_hours_of_extended_hours(after):
    # Mon-Sat 08:00-20:00: weekdays 8.5 office + 0.5 + 3 evening; Saturday 12 weekend hours
    hours = shift_hours([0, 1, 2, 3, 4, 5], 8.0, 20.0, after.costs.resources)
    assert hours == pytest.approx({"office": 42.5, "evening": 17.5, "night_weekend": 12.0})


def test_costs_by_hand(after):
    r = after.costs.resources
    assert (r.officer_cny_per_hour, r.evening_factor, r.night_weekend_factor, r.weeks_per_year) == (45, 1.5, 2.0, 52)
    after.regime.officers = 10
    after.regime.officer_calendar = ROUND_THE_CLOCK
    costs = resource_costs(after.port, after.regime, after.costs)
    # 10 officers x (42.5 + 1.5 x 37.5 + 2 x 88) weighted hours x 45 CNY x 52 weeks
    assert costs["officers"] == pytest.approx(10 * 274.75 * 45 * 52)
    # after the reform inspection is open 7 days 08:00-20:00 = 84 h a week; 6 scanner lanes
    assert after.port.inspection_stations["scan"].bays == 6
    assert costs["scan"] == pytest.approx(6 * (4_000_000 + 84 * 300 * 52))
    assert costs["inland_officers"] == costs["inland_bays"] == 0.0  # no second declaration inland
    assert costs["total"] == pytest.approx(sum(v for k, v in costs.items() if k != "total"))


def test_more_officers_or_longer_hours_cost_more(after):
    base = resource_costs(after.port, after.regime, after.costs)["total"]
    after.regime.officers += 1
    assert resource_costs(after.port, after.regime, after.costs)["total"] > base


def test_inland_offices_count_before_the_reform():
    before = make_config("regime=before_reform")
    costs = resource_costs(before.port, before.regime, before.costs)
    offices = sum(d.inland for d in before.port.destinations.values())
    t = before.regime.transit
    assert before.regime.transit.second_declaration and offices > 0
    # office hours only (Mon-Fri 08:30-17:00): 42.5 h a week at the plain rate
    assert costs["inland_officers"] == pytest.approx(offices * t.inland_officers * 42.5 * 40 * 52)
