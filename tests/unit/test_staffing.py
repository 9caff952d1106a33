"""Staffing KPIs (sim/outputs/staffing.py) on a hand-built week, every value worked out on paper.

Observed window [24, 168): Tuesday 00:00 to the next Monday 00:00; the run stopped at 200. The
office calendar is Monday-Friday 8:30-17:00, so the window holds 4 x 8.5 = 34 open hours;
fumigation works round the clock (144 h in the window). Busy time counts only open hours, a job
is clipped to the window, and one still running when the run stopped counts until then.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.domain import ATTRIBUTES_CODE, ATTRIBUTES_FLOAT, ATTRIBUTES_INT, MILESTONES, Channel, Direction, Station, Trade
from sim.domain.stations import of
from sim.outputs.frame import Frame
from sim.outputs.kpi import Window
from sim.outputs.kpis import FAMILIES, RunTables, kpi_names
from sim.outputs.staffing import (INLAND_BAYS, INLAND_OFFICERS, OFFICERS, Pool, busy_hours, staffed_pools,
                                  staffing_kpis, station_rows)
from tests.conftest import make_config

WINDOW = Window(warmup_hours=24.0, horizon_hours=168.0, end_hours=200.0)
OFFICE = ((0, 1, 2, 3, 4), 8.5, 17.0)
ALWAYS = ((0, 1, 2, 3, 4, 5, 6), 0.0, 24.0)
POOLS = (Pool(OFFICERS, 2, *OFFICE), Pool("scan", 1, *OFFICE), Pool("physical", 2, *OFFICE),
         Pool("quarantine", 1, *OFFICE), Pool("fumigation", 2, *ALWAYS), Pool(INLAND_OFFICERS, 2, *OFFICE),
         Pool(INLAND_BAYS, 1, *OFFICE))
SCAN, PHYSICAL, NONE = Station.SCAN.code, Station.PHYSICAL.code, Station.NONE.code
YELLOW = Channel.YELLOW.code
INTEGERS = ATTRIBUTES_INT + ATTRIBUTES_CODE
DEFAULTS = {"call_id": 0, "direction": Direction.IMPORT.code, "trade": Trade.FOREIGN.code, "cargo_class": 0, "channel": 0,
            "station": NONE, "mode": 0, "destination": 0, "inland": 0, "boxes": 1, "pre_arrival": 0,
            "rolled_calls": 0, "transit": 0, "transit_formalities": 0, "declarations": 1, "quarantine": 0,
            "joint_inspection": 0, "fumigation": 0, "certificate": 0, "inland_inspection": 0,
            "connect_call_id": -1, "teu": 1.0, "value_cny": 1e5, "distance_km": 0.0, "vessel_arrival": 30.0}

ROWS = {
    # Officers (2, office hours: 68 server-hours in the window).
    "A": {"channel": YELLOW, "doc_check_start": 8.5, "doc_check_end": 10.5},     # Monday: before the window
    "B": {"channel": YELLOW, "doc_check_start": 16.0, "doc_check_end": 33.5},    # Mon 16:00 - Tue 9:30: 1 h in it
    "C": {"channel": YELLOW, "doc_check_start": 112.0, "doc_check_end": 177.5},  # Fri 16:00 - Mon 9:30: 1 h
    "D": {"channel": YELLOW, "doc_check_start": 88.0},     # Thu 16:00, running at the end: 1 + 8.5 h to Friday's close
    # Scan (1 bay, 34 h). S0's box arrived before the window: busy outside it, not in the wait cohort.
    "S0": {"vessel_arrival": 5.0, "station": SCAN, "inspection_queued": 8.0, "inspection_start": 8.5,
           "inspection_end": 9.5},
    "S1": {"station": SCAN, "inspection_queued": 32.0, "inspection_start": 32.5, "inspection_end": 34.5},
    "S2": {"station": SCAN, "inspection_queued": 33.0, "inspection_start": 34.5, "inspection_end": 36.5},
    # Physical (2 bays, 68 h): P1, and J1's joint "3 + 1" visit (no customs station, CIQ with customs) held
    # overnight Wed 16:00 - Thu 9:30 (2 open hours).
    "P1": {"station": PHYSICAL, "inspection_queued": 56.0, "inspection_start": 56.5, "inspection_end": 60.5},
    "J1": {"quarantine": 1, "joint_inspection": 1, "inspection_queued": 64.0, "inspection_start": 64.0,
           "inspection_end": 81.5},
    # Quarantine (1 bay, 34 h); Q1 is also fumigated (2 bays round the clock, 288 h), as are F1 and F2.
    "Q1": {"quarantine": 1, "quarantine_queued": 80.0, "quarantine_start": 80.5, "quarantine_end": 84.5,
           "fumigation": 1, "fumigation_queued": 85.5, "fumigation_start": 86.0, "fumigation_end": 110.0},
    "F1": {"fumigation": 1, "fumigation_queued": 100.0, "fumigation_start": 102.0, "fumigation_end": 126.0},
    "F2": {"fumigation": 1, "fumigation_queued": 150.0, "fumigation_start": 150.0},  # running at the end
    # Inland offices (officers 2 x 34 h, bays 1 x 34 h over all offices). L2's check is held overnight
    # Tue 16:30 - Wed 9:00: 0.5 + 0.5 open hours.
    "L1": {"inland_check_start": 32.5, "inland_check_end": 33.0, "inland_inspection_start": 33.0,
           "inland_inspection_end": 36.0},
    "L2": {"inland_check_start": 40.5, "inland_check_end": 57.0},
}


def table(rows: dict) -> Frame:
    records = [{"consignment_id": k, **{m: math.nan for m in MILESTONES}, **DEFAULTS, **row}
               for k, row in enumerate(rows.values())]
    df = pd.DataFrame.from_records(records, columns=list(INTEGERS + ATTRIBUTES_FLOAT + MILESTONES), index=list(rows))
    return Frame.of(df.astype({c: "int64" for c in INTEGERS} | {c: "float64" for c in ATTRIBUTES_FLOAT + MILESTONES}))


@pytest.fixture(scope="module")
def k():
    return staffing_kpis(table(ROWS), WINDOW, POOLS)


def test_officer_utilisation_counts_open_hours_in_the_window(k):
    assert k["officer_utilization"] == pytest.approx((0 + 1 + 1 + 9.5) / (2 * 34))


def test_station_utilisation_by_hand(k):
    assert k["inspection_utilization_scan"] == pytest.approx((2 + 2) / 34)
    assert k["inspection_utilization_physical"] == pytest.approx((4 + 2) / (2 * 34))  # the joint visit is physical's
    assert k["inspection_utilization_quarantine"] == pytest.approx(4 / 34)
    assert k["inspection_utilization_fumigation"] == pytest.approx((24 + 24 + 18) / (2 * 144))


def test_inland_office_utilisation_by_hand(k):
    assert k["inland_officer_utilization"] == pytest.approx((0.5 + 1.0) / (2 * 34))
    assert k["inland_bay_utilization"] == pytest.approx(3.0 / 34)


def test_station_wait_by_hand(k):
    assert k["inspection_wait_hours_scan"] == pytest.approx((0.5 + 1.5) / 2)  # S0 is not in the cohort
    assert k["inspection_wait_hours_physical"] == pytest.approx((0.5 + 0.0) / 2)
    assert k["inspection_wait_hours_quarantine"] == pytest.approx(0.5)
    assert k["inspection_wait_hours_fumigation"] == pytest.approx((0.5 + 2.0 + 0.0) / 3)


def test_the_joint_visit_is_the_physical_bays_not_a_quarantine_visit():
    rows = {st.key: set(np.array(list(ROWS))[mask]) for st, mask in station_rows(table(ROWS)).items()}
    assert rows == {"scan": {"S0", "S1", "S2"}, "physical": {"P1", "J1"}, "quarantine": {"Q1"},
                    "fumigation": {"Q1", "F1", "F2"}}


def test_busy_hours_of_a_job_held_overnight_are_its_work():
    """A job taken at 16:00 Monday with 2 h of work ends at 9:30 Tuesday: 2 busy hours, not 17.5."""
    cal = Pool("x", 1, *OFFICE).calendar
    wide = Window(0.0, 168.0, 200.0)
    assert busy_hours([16.0], [cal.finish(16.0, 2.0)], cal, wide) == pytest.approx(2.0)
    assert busy_hours([np.nan], [np.nan], cal, wide) == 0.0  # never started


def test_without_capacities_utilisation_is_unknown_not_zero():
    k = staffing_kpis(table(ROWS), WINDOW)
    assert all(math.isnan(v) for name, v in k.items() if "utilization" in name)
    assert k["inspection_wait_hours_scan"] == pytest.approx(1.0)


def test_the_family_computes_what_is_registered_and_reads_run_tables_pools():
    values = FAMILIES["staffing"](RunTables(table(ROWS), Frame({}), WINDOW, 1, None, POOLS))
    assert set(values) <= set(kpi_names()) and "officer_utilization" in values
    assert values["officer_utilization"] == pytest.approx(11.5 / 68)


def test_pools_come_from_the_regime_and_the_port():
    cfg = make_config()
    pools = {p.name: p for p in staffed_pools(cfg.port, cfg.regime)}
    assert list(pools) == [OFFICERS, "scan", "physical", "quarantine", "fumigation", INLAND_OFFICERS, INLAND_BAYS]
    officers = pools[OFFICERS]
    assert officers.servers == cfg.regime.officers == 76
    assert officers.calendar.open_per_week == 168.0  # after the reform: round the clock
    assert pools["physical"].servers == cfg.port.inspection_stations["physical"].bays
    assert pools["fumigation"].calendar.always_open
    before = {p.name: p for p in staffed_pools(cfg.port, cfg.baseline)}
    assert before[OFFICERS].servers == 300 and before[OFFICERS].calendar.open_per_week == 42.5
    assert before["quarantine"].calendar.open_per_week == 42.5
    offices = [name for name, d in cfg.port.destinations.items() if d.inland]
    assert len(offices) == 4  # Shenyang, Changchun, Harbin, Tongliao: one inland office each
    assert before[INLAND_OFFICERS].servers == 4 * cfg.baseline.transit.inland_officers
    assert before[INLAND_BAYS].servers == 4 * cfg.baseline.transit.inland_inspection_bays
    assert before[INLAND_BAYS].calendar.open_per_week == 42.5
    # 76 officers on 24/7 for the window of a default run (28 days, 7 warm-up): 76 x 21 x 24 h
    assert officers.available_hours(Window(7 * 24.0, 28 * 24.0, 35 * 24.0)) == pytest.approx(76 * 21 * 24)
    assert of(Station.FUMIGATION).queued == "fumigation_queued"


def _fake_run(columns: frozenset):
    """A stored single run holding the hand-built table (as `sim.store.rundir.Run` offers it)."""
    from types import SimpleNamespace

    frame = table(ROWS)
    data = {name: frame[name] for name in frame.names} | {"side": np.full(len(frame), "single")}
    calls = Frame({"berthed": np.zeros(0), "departed": np.zeros(0), "side": np.zeros(0, dtype=object)})
    return SimpleNamespace(
        sides=["single"], replications=1, window=WINDOW, table_columns=columns, call_frame=calls,
        config={"port": {"inspection_stations": {k: {"bays": 1} for k in ("scan", "physical", "quarantine",
                                                                          "fumigation")}, "terminals": {}}},
        frame=lambda cols: Frame({c: data[c] for c in [*cols, "side"]}), regime_config=lambda side: {"officers": 2})


def test_resource_figure_of_a_run_stored_before_fumigation_had_its_own_columns():
    """Such a run recorded fumigation in the CIQ visit's columns: no fumigation panel, and the CIQ
    panel leaves out boxes also fumigated (Q1), so it is not a mix of the two visits."""
    from sim.outputs.summaries import resource_use

    every = frozenset(table(ROWS).names)
    new = resource_use(_fake_run(every))
    old = resource_use(_fake_run(every - {"quarantine_queued", "fumigation_queued", "fumigation_start",
                                          "fumigation_end"}))
    width = 1.0  # 200 h in bins of 1 h

    def hours(panels, name):
        return float(panels[name][0]["single"].sum()) * width

    assert hours(new, "quarantine bays") == pytest.approx(4.0) and hours(new, "fumigation bays") == pytest.approx(24 + 24 + 50)
    assert "fumigation bays" not in old and hours(old, "quarantine bays") == 0.0


def test_the_busiest_inland_office_is_not_averaged_with_idle_ones():
    """Two inland offices of 2 officers each (office hours: 34 h each in the window): destination 1's
    works 0.5 h, destination 2's 1 + 2 h. Pooled: 3.5 / (4 x 34); the busiest office: 3 / (2 x 34)."""
    rows = {"L1": {**ROWS["L1"], "destination": 1}, "L2": {**ROWS["L2"], "destination": 2},
            "L3": {"destination": 2, "inland_check_start": 105.0, "inland_check_end": 107.0}}  # Fri 9-11
    pools = (Pool(INLAND_OFFICERS, 4, *OFFICE, offices=2), Pool(INLAND_BAYS, 2, *OFFICE, offices=2))
    k = staffing_kpis(table(rows), WINDOW, pools)
    assert k["inland_officer_utilization"] == pytest.approx(3.5 / (4 * 34))
    assert k["inland_officer_utilization_busiest"] == pytest.approx(3.0 / (2 * 34))
    assert k["inland_bay_utilization_busiest"] == pytest.approx(3.0 / 34)  # L1's inspection, one bay an office
    idle = staffing_kpis(table({"A": ROWS["A"]}), WINDOW, pools)
    assert idle["inland_officer_utilization_busiest"] == 0.0
