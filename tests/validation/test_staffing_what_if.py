"""A staffing what-if in the recommended mode (full traffic, a short horizon) moves the staffing KPIs.

Why: at a reduced `demand.scale` the pools keep their full-size staff and idle, so 40 officers
looked as good as 150; the end-of-run KPIs then said "+0.000" for a cut that doubled the
officers' queue. Here one replication of the reform regime at full traffic over 14 days (4
warm-up, 5 drain), with the 76 officers on duty and with 25, each a few seconds.

Thresholds, by hand:
- Utilisation. The cut changes nothing upstream of the officers (lodging and acceptance come
  from the same random numbers), so the same declarations bring the same work; only where a
  job falls against the window's edges moves, by at most the extra queueing (hours, in a
  10-day window). Busy hours are therefore about equal and utilisation scales by 76 / 25 = 3.04;
  we allow 3 %.
- Wait. In a FIFO pool fed the same arrivals and work, fewer servers never start a job earlier
  (the Kiefer-Wolfowitz recursion is monotone in the servers), so every declaration waits at
  least as long and the mean wait rises; at the offered load 0.26 x 3.04 = 0.80 it rises a lot,
  so we ask for at least twice the wait.
"""
from __future__ import annotations

import pytest

from sim.model.port import simulate
from sim.outputs.frame import Frame
from sim.outputs.kpi import Window
from sim.outputs.kpis import replication_kpis
from sim.outputs.staffing import staffed_pools
from tests.conftest import make_config

QUICK = ("experiment=single", "run.horizon_days=14", "run.warmup_days=4", "run.drain_days=5", "run.replications=1")


def staffing(*overrides: str) -> dict:
    cfg = make_config(*QUICK, *overrides)
    rep = simulate(cfg, cfg.regime, 0)
    berths = tuple(t.berths for t in cfg.port.terminals.values())
    return replication_kpis(Frame.of(rep.consignments), rep.calls,
                            Window(rep.warmup_hours, rep.horizon_hours, rep.end_hours), berths, cfg.costs,
                            staffed_pools(cfg.port, cfg.regime))


@pytest.fixture(scope="module")
def runs():
    return staffing(), staffing("regime.officers=25")


def test_cutting_officers_raises_their_utilisation_by_the_staff_ratio(runs):
    full, cut = runs
    assert 0.15 < full["officer_utilization"] < 0.35  # the stability check's offered load is 0.26
    assert cut["officer_utilization"] / full["officer_utilization"] == pytest.approx(76 / 25, rel=0.03)


def test_cutting_officers_raises_their_wait(runs):
    full, cut = runs
    assert cut["officer_wait_hours_mean"] >= 2 * full["officer_wait_hours_mean"] > 0


def test_the_inspection_bays_are_not_the_officers(runs):
    """The cut is the officers': the bays' utilisation barely moves (their work is the same)."""
    full, cut = runs
    for station in ("scan", "physical", "fumigation"):
        name = f"inspection_utilization_{station}"
        assert cut[name] == pytest.approx(full[name], rel=0.05), name
