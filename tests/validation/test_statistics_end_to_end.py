"""Censored durations end to end: every KPI (and figure summary) that summarises a duration with
Kaplan-Meier is checked on a hand-built consignment table with known unfinished items against a
product-limit estimate computed here, independently of sim.outputs.stats, and against the naive
value ("unfinished = finished at the end of the run"), which it must not equal.

The paired confidence intervals of comparison.json are checked in tests/integration/test_cli.py
(against replications.csv of the same run).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.domain import (ATTRIBUTES_CODE, ATTRIBUTES_FLOAT, ATTRIBUTES_INT, MILESTONES, Channel, Direction, Mode,
                        Station, Trade)
from sim.domain.columns import CALL_COLUMNS_FLOAT, CALL_COLUMNS_INT
from sim.outputs import summaries
from sim.outputs.frame import Frame
from sim.outputs.kpi import Window
from sim.outputs.kpis import FAMILIES, RunTables, registered
from sim.store.rundir import Run
from tests.conftest import make_config

# ------------------------------------------------------------------ an independent product-limit estimate
# One design for every KPI: 11 durations, two of them censored (still open when the run stopped).
EVENTS = (5.0, 10.0, 15.0, 20.0, 30.0, 35.0, 45.0, 50.0, 60.0)
CENSORED = (8.0, 40.0)
DURATIONS = EVENTS + CENSORED
OBSERVED = (True,) * len(EVENTS) + (False,) * len(CENSORED)

# Worked by hand (risk sets 11, 9, 8, 7, 6, 5, 3, 2, 1 at the event times; the 8-h censoring leaves
# the risk set before t = 10, the 40-h one before t = 45):
# S = 10/11, 80/99, 70/99, 60/99, 50/99, 40/99, 80/297, 40/297, 0 after 5, 10, ..., 60 h.
HAND_MEAN = 9635 / 297         # 5 + 5*10/11 + 5*80/99 + 5*70/99 + 10*60/99 + 5*50/99 + 10*40/99 + 5*80/297 + 10*40/297
HAND_WITHIN_24 = 1 - 60 / 99   # S(24) = S(20)
HAND_P90 = 60.0                # S(50) = 0.135 > 0.1, S(60) = 0
# Naive (the two open items counted as finished when the run stopped): mean 318/11, 5 of 11 within
# 24 h (the 8-h open item counted as fast), p90 the 10th of the 11 sorted values (50 h).
NAIVE_MEAN, NAIVE_WITHIN_24, NAIVE_P90 = 318 / 11, 5 / 11, 50.0


def product_limit(durations, observed):
    """[(t, S(t) just after t)] at each distinct event time: S *= 1 - deaths / at risk."""
    d, obs = np.asarray(durations, float), np.asarray(observed, bool)
    steps, s = [], 1.0
    for t in sorted(set(d[obs])):
        at_risk = int(np.sum(d >= t))
        deaths = int(np.sum((d == t) & obs))
        s *= 1.0 - deaths / at_risk
        steps.append((t, s))
    return steps


def reference(durations, observed, limit=24.0) -> dict:
    """KM mean restricted to the largest event time, P(T <= limit), smallest t with F(t) >= 0.9."""
    steps = product_limit(durations, observed)
    mean, prev_t, prev_s = 0.0, 0.0, 1.0
    for t, s in steps:
        mean += prev_s * (t - prev_t)
        prev_t, prev_s = t, s
    within = 1.0 - next((s for t, s in reversed(steps) if t <= limit), 1.0)
    p90 = next((t for t, s in steps if 1.0 - s >= 0.9 - 1e-12), math.nan)
    return {"mean": mean, "within": within, "p90": p90}


def naive(durations, limit=24.0) -> dict:
    d = np.sort(np.asarray(durations, float))
    return {"mean": float(d.mean()), "within": float(np.mean(d <= limit)),
            "p90": float(d[math.ceil(0.9 * len(d)) - 1])}


def test_the_reference_estimate_reproduces_the_hand_computation():
    ref = reference(DURATIONS, OBSERVED)
    assert ref == pytest.approx({"mean": HAND_MEAN, "within": HAND_WITHIN_24, "p90": HAND_P90}, rel=1e-12)
    assert naive(DURATIONS) == pytest.approx({"mean": NAIVE_MEAN, "within": NAIVE_WITHIN_24, "p90": NAIVE_P90})
    # Without censoring KM is the sample mean: the reference is not a different statistic.
    assert reference(DURATIONS, [True] * len(DURATIONS))["mean"] == pytest.approx(NAIVE_MEAN)


# ------------------------------------------------------------------ hand-built tables
WINDOW = Window(warmup_hours=0.0, horizon_hours=200.0, end_hours=205.0)
"""Open items are censored at 205 h; their start is 205 - duration (197 h and 165 h), inside the window."""
STARTS = [10.0 + 15.0 * k for k in range(len(EVENTS))] + [WINDOW.end_hours - c for c in CENSORED]

CONSIGNMENT_DEFAULTS = {
    "call_id": 0, "direction": Direction.IMPORT.code, "trade": Trade.FOREIGN.code, "cargo_class": 0, "channel": 0,
    "station": 0, "mode": Mode.TRUCK.code, "destination": 0, "inland": 0, "boxes": 1, "pre_arrival": 0,
    "rolled_calls": 0, "transit": 0, "transit_formalities": 0, "declarations": 1, "quarantine": 0,
    "joint_inspection": 0, "fumigation": 0, "certificate": 0, "inland_inspection": 0, "connect_call_id": -1, "teu": 1.0,
    "value_cny": 1e5, "distance_km": 100.0,
}
INTEGERS = ATTRIBUTES_INT + ATTRIBUTES_CODE


def consignments(start: str, end: str, anchor: str, **attributes) -> pd.DataFrame:
    """One consignment per design duration: `start` at STARTS[i], `end` = start + duration (NaN if
    open), the cohort's own start milestone `anchor` an hour before `start` (or `start` itself)."""
    rows = []
    for k, (s, d, obs) in enumerate(zip(STARTS, DURATIONS, OBSERVED)):
        row = {"consignment_id": k, **CONSIGNMENT_DEFAULTS, **{m: math.nan for m in MILESTONES}, **attributes}
        row[anchor] = s - 1.0 if anchor != start else s
        row[start] = s
        row[end] = s + d if obs else math.nan
        rows.append(row)
    df = pd.DataFrame.from_records(rows, columns=list(INTEGERS + ATTRIBUTES_FLOAT + MILESTONES))
    return df.astype({c: "int64" for c in INTEGERS} | {c: "float64" for c in ATTRIBUTES_FLOAT + MILESTONES})


def calls(rows=()) -> pd.DataFrame:
    cols = {c: np.zeros(len(rows), dtype="int64") for c in CALL_COLUMNS_INT}
    cols.update({c: np.full(len(rows), math.nan) for c in CALL_COLUMNS_FLOAT})
    df = pd.DataFrame(cols)
    for k, row in enumerate(rows):
        for name, value in row.items():
            df.loc[k, name] = value
    return df


def vessel_calls() -> pd.DataFrame:
    """Vessels: arrival -> berthed is the design duration (an open one never got a berth)."""
    return calls([{"call_id": k, "arrival": s, "berthed": s + d if obs else math.nan,
                   "departed": s + d + 10.0 if obs else math.nan}
                  for k, (s, d, obs) in enumerate(zip(STARTS, DURATIONS, OBSERVED))])


IMP, EXP, TX = Direction.IMPORT.code, Direction.EXPORT.code, Direction.TRANSSHIPMENT.code
# KPI -> (statistic, start milestone, end milestone, cohort's start milestone, attributes)
KM_KPIS = {
    "export_clearance_hours_mean": ("mean", "lodged", "released", "gate_in", {"direction": EXP}),
    "export_clearance_hours_p90": ("p90", "lodged", "released", "gate_in", {"direction": EXP}),
    "export_release_within_24h_share": ("within", "lodged", "released", "gate_in", {"direction": EXP}),
    "export_processing_hours_mean": ("mean", "accepted", "released", "gate_in", {"direction": EXP}),
    "import_clearance_hours_mean": ("mean", "lodged", "released", "vessel_arrival", {}),
    "import_clearance_hours_p90": ("p90", "lodged", "released", "vessel_arrival", {}),
    "import_release_within_24h_share": ("within", "lodged", "released", "vessel_arrival", {}),
    "import_processing_hours_mean": ("mean", "accepted", "released", "vessel_arrival", {}),
    "import_arrival_to_release_hours_mean": ("mean", "vessel_arrival", "released", "vessel_arrival", {}),
    "export_arrival_to_release_hours_mean": ("mean", "gate_in", "released", "gate_in", {"direction": EXP}),
    "import_release_hours_mean": ("mean", "vessel_arrival", "out", "vessel_arrival", {}),
    "import_yard_dwell_hours_mean": ("mean", "in_yard", "out", "vessel_arrival", {}),
    "inland_door_hours_mean": ("mean", "vessel_arrival", "delivered", "vessel_arrival", {"inland": 1}),
    "inland_door_hours_truck_mean": ("mean", "vessel_arrival", "delivered", "vessel_arrival",
                                     {"inland": 1, "mode": Mode.TRUCK.code}),
    "inland_door_hours_rail_mean": ("mean", "vessel_arrival", "delivered", "vessel_arrival",
                                    {"inland": 1, "mode": Mode.RAIL.code}),
    "transshipment_connection_hours_mean": ("mean", "vessel_arrival", "out", "vessel_arrival",
                                            {"direction": TX, "mode": Mode.VESSEL.code}),
    "vessel_wait_hours_mean": ("mean", "arrival", "berthed", "arrival", None),  # the calls table
    "officer_wait_hours_mean": ("mean", "accepted", "doc_check_start", "vessel_arrival",
                                {"channel": Channel.YELLOW.code}),
    "inspection_wait_hours_mean": ("mean", "inspection_queued", "inspection_start", "vessel_arrival", {}),
    "inspection_wait_hours_scan": ("mean", "inspection_queued", "inspection_start", "vessel_arrival",
                                   {"station": Station.SCAN.code}),
    "inspection_wait_hours_physical": ("mean", "inspection_queued", "inspection_start", "vessel_arrival",
                                       {"station": Station.PHYSICAL.code}),
    "inspection_wait_hours_quarantine": ("mean", "quarantine_queued", "quarantine_start", "vessel_arrival",
                                         {"quarantine": 1}),
    "inspection_wait_hours_fumigation": ("mean", "fumigation_queued", "fumigation_start", "vessel_arrival",
                                         {"fumigation": 1}),
    "inland_office_hours_mean": ("mean", "inland_lodged", "inland_released", "vessel_arrival", {}),
}


@pytest.fixture(scope="module")
def costs():
    return make_config().costs


def family_value(name: str, table: pd.DataFrame, call_table: pd.DataFrame, costs) -> float:
    """The KPI as a replication computes it: its family (from the registry) on these tables."""
    family = next(k.source for k in registered() if k.name == name)
    return FAMILIES[family](RunTables(Frame.of(table), Frame.of(call_table), WINDOW, 1, costs))[name]


@pytest.mark.parametrize("name", KM_KPIS)
def test_km_kpi_equals_the_censored_estimate_not_the_naive_one(name, costs):
    stat, start, end, anchor, attributes = KM_KPIS[name]
    if attributes is None:
        table, call_table = consignments("lodged", "released", "gate_in"), vessel_calls()
    else:
        table, call_table = consignments(start, end, anchor, **attributes), calls()
    value = family_value(name, table, call_table, costs)
    expected = {"mean": HAND_MEAN, "within": HAND_WITHIN_24, "p90": HAND_P90}[stat]
    assert value == pytest.approx(reference(DURATIONS, OBSERVED)[stat], rel=1e-12)
    assert value == pytest.approx(expected, rel=1e-12)
    assert value != pytest.approx(naive(DURATIONS)[stat], rel=1e-3), "open items counted as finished"


SNAPSHOT_KM = {"snapshot_release_hours_mean": "released", "snapshot_leave_hours_mean": "out"}
"""A warm start's KPIs of its snapshot's items: hours from the snapshot's moment, censored at the run's end."""


@pytest.mark.parametrize("name, end", SNAPSHOT_KM.items())
def test_snapshot_kpis_are_censored_estimates_from_the_snapshots_moment(name, end, costs):
    """The events of the design, and two items still open at the end (censored 55 h after the snapshot);
    plus rows that must not count: a new arrival, and (for release) one released before the snapshot."""
    t0 = 100.0
    window = Window(warmup_hours=t0, horizon_hours=t0 + 48.0, end_hours=t0 + 55.0, start_hours=t0)
    durations, observed = EVENTS + (55.0, 55.0), (True,) * len(EVENTS) + (False, False)
    table = consignments("lodged", end, "vessel_arrival")
    table = pd.concat([table.iloc[:len(EVENTS)], table.iloc[:3]], ignore_index=True)  # 9 events + 2 open + 1 spare
    table[end] = [t0 + d if obs else math.nan for d, obs in zip(durations, observed)] + [t0 + 1.0]
    table["from_snapshot"] = [1] * len(durations) + [0]  # the last row is a new arrival
    if end == "released":
        table.loc[len(table)] = {**table.iloc[0].to_dict(), "released": t0 - 3.0, "from_snapshot": 1}
    k = FAMILIES["snapshot"](RunTables(Frame.of(table), Frame.of(calls()), window, 1, costs))
    assert k[name] == pytest.approx(reference(durations, observed)["mean"], rel=1e-12)
    assert k[name] != pytest.approx(naive(durations)["mean"], rel=1e-3), "open items counted as finished"
    assert k["snapshot_items"] == len(table) - 1


def test_every_duration_kpi_is_covered():
    """A new KPI in hours (or a 24-h share) that is a duration of a cohort must be added above."""
    not_durations = {"import_stage_hours_unloading", "import_stage_hours_preparing", "import_stage_hours_clearance",
                     "import_stage_hours_removal",  # means over finished imports (stages need `out`)
                     "import_customs_work_hours_mean", "export_customs_work_hours_mean",  # planned work, not waits
                     "reefer_plug_wait_hours_mean"}  # every reefer is plugged before it can leave
    hours = {k.name for k in registered() if k.unit == "h" or k.name.endswith("within_24h_share")}
    assert hours - not_durations == set(KM_KPIS) | set(SNAPSHOT_KM)


# ------------------------------------------------------------------ the figures' pooled summaries
def fake_run(table: pd.DataFrame) -> Run:
    """A comparison run held in memory: the table on both sides, replication 0 (Run.frame reads
    the columns it already has, so nothing is read from disk)."""
    both = pd.concat([table.assign(side="before"), table.assign(side="after")], ignore_index=True)
    both["replication"] = 0
    config = {"run": {"horizon_days": WINDOW.horizon_hours / 24, "warmup_days": 0.0,
                      "drain_days": (WINDOW.end_hours - WINDOW.horizon_hours) / 24, "replications": 1},
              "port": {"destinations": {"Shenyang": {}, "Changchun": {}}}}
    run = Run(Path("/nonexistent"), config, {"before": {}, "after": {}}, {})
    run._columns.update({c: both[c].to_numpy() if c != "side" else both[c].to_numpy(dtype=object)
                         for c in both.columns})
    assert run.window == WINDOW
    return run


@pytest.mark.parametrize("mode", [Mode.TRUCK, Mode.RAIL])
def test_inland_door_times_figure_uses_the_censored_estimate(mode):
    run = fake_run(consignments("vessel_arrival", "delivered", "vessel_arrival", inland=1, mode=mode.code,
                                destination=1))
    table = summaries.inland_door_times(run)
    assert list(table["destination"]) == ["Changchun"] * 2 and list(table["mode"]) == [mode.value] * 2
    for value in table["hours_mean"]:
        assert value == pytest.approx(HAND_MEAN, rel=1e-12)
        assert value != pytest.approx(NAIVE_MEAN, rel=1e-3)
    assert list(table["consignments"]) == [len(DURATIONS)] * 2


def test_transshipment_summary_uses_the_censored_estimate():
    run = fake_run(consignments("vessel_arrival", "out", "vessel_arrival", direction=TX, mode=Mode.VESSEL.code))
    table = summaries.transshipment_summary(run)
    assert list(table["connection"]) == ["onward vessel"] * 2
    for value in table["connection_hours_mean"]:
        assert value == pytest.approx(HAND_MEAN, rel=1e-12)
        assert value != pytest.approx(NAIVE_MEAN, rel=1e-3)
