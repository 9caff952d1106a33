"""Measured utilisation of every staffed pool against the stability check's offered load.

Two independent computations of the same quantity: `sim.config.stability` derives, before
anything runs, the work a week each pool is offered (from the demand and the regime's shares and
durations) over its servers x open hours; the staffing KPIs (`sim.outputs.staffing`) count the
busy open hours the simulation recorded over the same capacity. In a stable pool all offered work
gets done, so the two agree up to (a) the stability check's own approximations, documented as
within about 10 % of the work the plan routes there, and (b) the sampling noise of one 4-week
window (a few hundred fumigations of 24 h, a few thousand inspections). Hence 15 %, relative.
A pool counted with the wrong servers or calendar, busy time counted on the wall clock instead
of the open hours, or a station's visits read from another's columns is off by far more (e.g.
the quarantine bays on the wall clock: x 168 / 42.5 before the reform).

One replication of each regime at full traffic, 28 days observed after a 21-day warm-up (the
importers' declarations take days to reach their steady flow), ~8 s each.
"""
from __future__ import annotations

import pytest

from sim.config.stability import inland_loads, station_loads
from sim.model.port import simulate
from sim.outputs.frame import Frame
from sim.outputs.kpi import Window
from sim.outputs.kpis import replication_kpis
from sim.outputs.staffing import staffed_pools
from tests.conftest import make_config

RUN = ("experiment=single", "run.horizon_days=49", "run.warmup_days=21", "run.drain_days=7", "run.replications=1")
TOLERANCE = 0.15


def _kpi_name(key: str) -> str:
    if key.endswith(".officers"):
        return "officer_utilization"
    if key.endswith(".inland_officers"):
        return "inland_officer_utilization"
    if key.endswith(".inland_inspection_bays"):
        return "inland_bay_utilization"
    return f"inspection_utilization_{key.split('.')[-2]}"  # port.inspection_stations.<station>.bays


def offered_and_measured(regime: str) -> dict[str, tuple[float, float]]:
    cfg = make_config(*RUN, f"regime={regime}")
    offered: dict[str, list[float]] = {}
    for s in station_loads(cfg, cfg.regime, "regime") + inland_loads(cfg, cfg.regime, "regime"):
        work, capacity = offered.setdefault(_kpi_name(s.key), [0.0, 0.0])
        offered[_kpi_name(s.key)] = [work + s.work_per_week, capacity + s.servers * s.open_hours]
    rep = simulate(cfg, cfg.regime, 0)
    k = replication_kpis(Frame.of(rep.consignments), rep.calls,
                         Window(rep.warmup_hours, rep.horizon_hours, rep.end_hours),
                         tuple(t.berths for t in cfg.port.terminals.values()), cfg.costs,
                         staffed_pools(cfg.port, cfg.regime))
    return {name: (work / capacity, k[name]) for name, (work, capacity) in offered.items()}


@pytest.mark.parametrize("regime", ["before_reform", "after_reform"])
def test_every_pool_does_the_work_it_is_offered(regime):
    pools = offered_and_measured(regime)
    expected = {"officer_utilization", "inspection_utilization_scan", "inspection_utilization_physical",
                "inspection_utilization_quarantine", "inspection_utilization_fumigation"}
    if regime == "before_reform":
        expected |= {"inland_officer_utilization", "inland_bay_utilization"}  # no second declaration after it
    assert set(pools) == expected
    for name, (offered, measured) in pools.items():
        assert measured == pytest.approx(offered, rel=TOLERANCE), f"{name}: offered {offered:.3f}, measured {measured:.3f}"
