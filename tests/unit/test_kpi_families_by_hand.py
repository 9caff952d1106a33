"""Every KPI family on one hand-built replication, each value worked out on paper.

Nine consignments and three vessel calls, in the observed window [10, 110) of a run that
stopped at 150. The numbers are chosen so that a KPI computed over the wrong cohort (imports
for exports, all trades for foreign, transshipment by rail for connections), from the wrong
milestone, or with open items dropped instead of censored comes out different.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.config import CostsConfig
from sim.domain import (ATTRIBUTES_CODE, ATTRIBUTES_FLOAT, ATTRIBUTES_INT, MILESTONES, CargoClass, Direction,
                        Mode, Station, Trade)
from sim.outputs.costs import cost_per_teu
from sim.outputs.kpi import Window
from sim.outputs.kpis import replication_kpis
from sim.outputs.stats import summarize_durations

IMPORT, EXPORT, TX = Direction.IMPORT.code, Direction.EXPORT.code, Direction.TRANSSHIPMENT.code
FOREIGN, DOMESTIC = Trade.FOREIGN.code, Trade.DOMESTIC.code
TRUCK, RAIL, VESSEL = Mode.TRUCK.code, Mode.RAIL.code, Mode.VESSEL.code
GENERAL, REEFER = CargoClass.GENERAL.code, CargoClass.REEFER.code
INTEGERS = ATTRIBUTES_INT + ATTRIBUTES_CODE
DEFAULTS = {
    "call_id": 0, "direction": IMPORT, "trade": FOREIGN, "cargo_class": GENERAL, "channel": 0,
    "station": Station.NONE.code, "mode": TRUCK, "destination": 0, "inland": 1, "boxes": 1,
    "pre_arrival": 0, "rolled_calls": 0, "transit": 0, "transit_formalities": 0, "declarations": 1,
    "quarantine": 0, "joint_inspection": 0, "fumigation": 0, "certificate": 0, "inland_inspection": 0, "connect_call_id": -1,
    "teu": 1.0, "value_cny": 1e5, "distance_km": 100.0,
}
WINDOW = Window(warmup_hours=10.0, horizon_hours=110.0, end_hours=150.0)
RATES = CostsConfig(
    name="test", handling_cny_per_teu=800.0, storage_free_days=0.5, storage_cny_per_teu_day=30.0,
    inspection_cny_per_box={"scan": 300.0, "physical": 1200.0, "quarantine": 800.0, "fumigation": 1500.0},
    brokerage_cny_per_declaration=250.0, truck_cny_per_teu_km=3.5, truck_fixed_cny_per_teu=300.0,
    rail_cny_per_teu_km=2.2, rail_fixed_cny_per_teu=450.0,
)

ROWS = {
    # foreign imports: I1 by truck under transit (2 declarations), I2 by rail, pre-arrival, a reefer;
    # I3 to the port city, its clearance still open at the end; I4 arrived before the window.
    "I1": {"vessel_arrival": 20.0, "in_yard": 22.0, "lodged": 25.0, "accepted": 26.0, "released": 30.0,
           "out": 40.0, "inland_arrival": 45.0, "delivered": 50.0, "teu": 2.0, "transit": 1, "declarations": 2,
           "customs_work_hours": 0.9},
    "I2": {"vessel_arrival": 30.0, "in_yard": 31.0, "lodged": 29.0, "accepted": 30.0, "released": 33.0,
           "out": 60.0, "inland_arrival": 80.0, "delivered": 90.0, "mode": RAIL, "cargo_class": REEFER,
           "plugged": 32.0, "customs_work_hours": 1.5},
    "I3": {"vessel_arrival": 40.0, "in_yard": 42.0, "lodged": 44.0, "accepted": 45.0, "inland": 0,
           "customs_work_hours": 2.1},
    "I4": {"vessel_arrival": 5.0, "in_yard": 6.0, "lodged": 7.0, "accepted": 7.5, "released": 8.0, "out": 9.0,
           "inland_arrival": 9.5, "delivered": 10.0, "customs_work_hours": 50.0},
    # a domestic import by rail: in the volumes, not in the customs KPIs
    "D1": {"trade": DOMESTIC, "vessel_arrival": 20.0, "in_yard": 21.0, "out": 25.0, "inland_arrival": 28.0,
           "delivered": 30.0, "mode": RAIL, "teu": 4.0, "declarations": 0},
    # foreign exports: E1 a reefer rolled once, E2 released after 29 h, from the port city
    "E1": {"direction": EXPORT, "gate_in": 50.0, "lodged": 52.0, "accepted": 53.0, "released": 60.0,
           "loaded": 70.0, "out": 72.0, "cargo_class": REEFER, "plugged": 53.0, "rolled_calls": 1,
           "customs_work_hours": 0.2},
    "E2": {"direction": EXPORT, "gate_in": 60.0, "lodged": 61.0, "accepted": 61.5, "released": 90.0,
           "loaded": 95.0, "out": 96.0, "teu": 2.0, "inland": 0, "customs_work_hours": 0.4},
    # transshipment: T1 onto a vessel (a reefer), T2 onto the land bridge by rail
    "T1": {"direction": TX, "vessel_arrival": 35.0, "in_yard": 36.0, "out": 56.0, "mode": VESSEL,
           "cargo_class": REEFER, "plugged": 40.0, "declarations": 0},
    "T2": {"direction": TX, "vessel_arrival": 38.0, "in_yard": 39.0, "out": 48.0, "mode": RAIL, "declarations": 0},
}


def table(rows: dict) -> pd.DataFrame:
    records = [{"consignment_id": k, **DEFAULTS, **{m: math.nan for m in MILESTONES}, **row}
               for k, row in enumerate(rows.values())]
    df = pd.DataFrame.from_records(records, columns=list(INTEGERS + ATTRIBUTES_FLOAT + MILESTONES),
                                   index=list(rows))
    return df.astype({c: "int64" for c in INTEGERS} | {c: "float64" for c in ATTRIBUTES_FLOAT + MILESTONES})


# All three arrive in the window; C3 departs after it.
CALLS = pd.DataFrame({"arrival": [15.0, 55.0, 100.0], "berthed": [18.0, 60.0, 108.0],
                      "departed": [30.0, 100.0, 120.0], "import_teu": [3.0, 5.0, 2.0],
                      "loaded_teu": [0.0, 3.0, 1.0]})


@pytest.fixture(scope="module")
def k():
    return replication_kpis(table(ROWS), CALLS, WINDOW, 2, RATES)


def test_clearance_lodged_to_released_with_the_open_import_censored(k):
    """Imports I1 5 h, I2 4 h, I3 open (censored at 150 - 44 = 106 h): Kaplan-Meier S(4) = 2/3,
    S(5) = 1/3, so 2/3 within 24 h, mean 4 + 2/3 x 1, and no 90th percentile (hidden by the open
    one). Exports E1 8 h and E2 29 h: half within 24 h, mean 18.5, p90 29."""
    assert k["import_release_within_24h_share"] == pytest.approx(2 / 3)
    assert k["import_clearance_hours_mean"] == pytest.approx(4 + 2 / 3)
    assert math.isnan(k["import_clearance_hours_p90"])
    assert k["import_declarations"] == 3.0
    assert k["export_release_within_24h_share"] == pytest.approx(0.5)
    assert k["export_clearance_hours_mean"] == pytest.approx(18.5)
    assert k["export_clearance_hours_p90"] == pytest.approx(29.0)
    assert k["export_declarations"] == 2.0


def test_processing_accepted_to_released(k):
    """Imports 4, 3 and open (105): 3 + 2/3 x 1. Exports 7 and 28.5: 17.75."""
    assert k["import_processing_hours_mean"] == pytest.approx(3 + 2 / 3)
    assert k["export_processing_hours_mean"] == pytest.approx(17.75)


def test_customs_work_per_declaration_of_the_cohort(k):
    """Officers' own time (T3), planned, so the open I3 counts in full: (0.9 + 1.5 + 2.1) / 3.
    Not I4 (before the window, 50 h) nor the undeclared domestic and transshipment rows (NaN).
    Exports (0.2 + 0.4) / 2."""
    assert k["import_customs_work_hours_mean"] == pytest.approx(1.5)
    assert k["export_customs_work_hours_mean"] == pytest.approx(0.3)


def test_import_release_dwell_and_stages(k):
    """Arrival to out: 20, 30, open (110) -> 20 + 2/3 x 10. Yard dwell: 18, 29, open (108) ->
    18 + 2/3 x 11. Stages of the finished imports: I1 2 / 3 / 5 / 10; I2 (lodged before it was
    in the yard) 1 / 0 / 2 / 27."""
    assert k["import_release_hours_mean"] == pytest.approx(20 + 20 / 3)
    assert k["import_yard_dwell_hours_mean"] == pytest.approx(18 + 22 / 3)
    assert k["import_stage_hours_unloading"] == pytest.approx(1.5)
    assert k["import_stage_hours_preparing"] == pytest.approx(1.5)
    assert k["import_stage_hours_clearance"] == pytest.approx(3.5)
    assert k["import_stage_hours_removal"] == pytest.approx(18.5)
    # Shares (T10): each stage mean over their sum, 1.5 + 1.5 + 3.5 + 18.5 = 25 h.
    for stage, share in (("unloading", 0.06), ("preparing", 0.06), ("clearance", 0.14), ("removal", 0.74)):
        assert k[f"import_stage_share_{stage}"] == pytest.approx(share), stage


def test_inland_door_times_by_mode_transit_and_declarations(k):
    """Inland-bound: I1 by truck 30 h door to door, I2 by rail 60 h; I3 stays in the port city."""
    assert k["inland_door_hours_mean"] == pytest.approx(45.0)
    assert k["inland_door_hours_truck_mean"] == pytest.approx(30.0)
    assert k["inland_door_hours_rail_mean"] == pytest.approx(60.0)
    assert k["transit_share"] == pytest.approx(0.5)
    assert k["declarations_per_import_mean"] == pytest.approx(4 / 3)


def test_volumes(k):
    """Quay TEU of the calls that departed in the window: 3 + (5 + 3) = 11 (C3 leaves after it),
    over 100 h = 100/8760 of a year. Rail share of import TEU, all trades: (1 + 4) / (2 + 1 + 1 + 4).
    Reefer TEU: I2, E1, T1. Rolled: E1 of the two exports."""
    years = 100.0 / 8760.0
    assert k["throughput_teu"] == pytest.approx(11.0)
    assert k["throughput_teu_per_year"] == pytest.approx(11.0 / years)
    assert k["rail_share"] == pytest.approx(5 / 8)
    assert k["reefer_teu"] == pytest.approx(3.0)
    assert k["reefer_teu_per_year"] == pytest.approx(3.0 / years)
    assert k["rolled_export_share"] == pytest.approx(0.5)


def test_reefer_plug_wait_from_reaching_the_yard(k):
    """I2 in the yard at 31, plugged 32 (1 h); E1 gated in at 50, plugged 53 (3 h); T1 in the
    yard at 36, plugged 40 (4 h): 8/3."""
    assert k["reefer_plug_wait_hours_mean"] == pytest.approx(8 / 3)


def test_transshipment(k):
    """Both in the cohort (2 TEU); the connection time covers the vessel-to-vessel box only
    (T1: 56 - 35 = 21 h), not the land bridge."""
    assert k["transshipment_teu"] == pytest.approx(2.0)
    assert k["transshipment_connection_hours_mean"] == pytest.approx(21.0)
    t = table(ROWS)
    assert k["transshipment_cost_cny_per_teu_mean"] == pytest.approx(cost_per_teu(t.loc[["T1", "T2"]], RATES)["mean"])


def test_logistics_cost_covers_foreign_imports_and_exports_of_the_cohort(k):
    """Ratio of sums over the finished foreign imports and exports of the cohort (I1, I2, E1, E2):
    not I3 (open), I4 (before the window), D1 (domestic) or the transshipment."""
    t = table(ROWS)
    expected = cost_per_teu(t.loc[["I1", "I2", "E1", "E2"]], RATES)
    assert k["logistics_cost_cny_per_teu_mean"] == pytest.approx(expected["mean"])
    assert k["logistics_cost_cny_per_teu_storage"] == pytest.approx(expected["storage"])
    # The exports weigh in: the imports alone give another figure.
    assert expected["mean"] != pytest.approx(cost_per_teu(t.loc[["I1", "I2"]], RATES)["mean"])


def test_inland_logistics_cost_covers_inland_imports_and_exports_only(k):
    """T2's KPI: the same ratio over the finished foreign rows to or from an inland city: I1, I2
    and E1; not E2 (from the port city), which the whole-port figure includes."""
    t = table(ROWS)
    expected = cost_per_teu(t.loc[["I1", "I2", "E1"]], RATES)["mean"]
    assert k["inland_logistics_cost_cny_per_teu_mean"] == pytest.approx(expected)
    assert expected != pytest.approx(k["logistics_cost_cny_per_teu_mean"])


def test_vessels_and_open_share(k):
    """All three calls arrived in the window and waited 3, 5 and 8 h. Berth hours in the window 12 + 40 + 2
    over 2 berths x 100 h. Open: I3 of the five foreign imports and exports."""
    assert k["vessel_wait_hours_mean"] == pytest.approx(16 / 3)
    assert k["berth_utilization"] == pytest.approx(54 / 200)
    assert k["cohort_open_share"] == pytest.approx(1 / 5)


def test_the_default_share_is_within_24_hours():
    """summarize_durations' share is the WCO Time Release Study's: released within 24 hours."""
    s = summarize_durations(np.array([23.0, 24.0, 25.0, 30.0]), np.ones(4, dtype=bool))
    assert s["within"] == pytest.approx(0.5)
