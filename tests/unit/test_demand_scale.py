"""`demand.scale` is demand growth with the port's capacities fixed: a run below 1 is warned
(one line, not an error) that its staffing and capacity what-ifs are diluted."""
from __future__ import annotations

from sim.config.stability import scale_warnings
from tests.conftest import make_config


def test_full_traffic_and_growth_are_not_warned():
    assert scale_warnings(make_config()) == []
    assert scale_warnings(make_config("demand.scale=1.2")) == []


def test_a_shrunk_demand_gets_one_line_saying_what_to_do_instead():
    lines = scale_warnings(make_config("demand.scale=0.25"))
    assert len(lines) == 1 and "\n" not in lines[0]
    assert lines[0].startswith("demand.scale=0.25 shrinks the traffic only")
    assert "capacities" in lines[0] and "run.horizon_days" in lines[0]

