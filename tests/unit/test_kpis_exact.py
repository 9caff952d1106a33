"""KPIs of hand-built tables, worked out by hand: the open share of the cohort, berth
utilisation and vessel waiting, export stages lined up with their rows, and the registry's
answers for names it does not know.

Each table is small enough to check on paper, with values chosen so that a KPI computed over
the wrong rows, the wrong interval or the wrong denominator gives another number.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.domain import ATTRIBUTES_CODE, ATTRIBUTES_FLOAT, ATTRIBUTES_INT, MILESTONES, Direction, Station, Trade
from sim.outputs import kpis
from sim.outputs.frame import Frame
from sim.outputs.kpi import (EXPORT_STAGES, Window, clearance_kpis, cohort_open_share, export_cohort, export_stages, import_cohort,
                             reefer_kpis, transshipment_cohort, vessel_kpis, volume_kpis)

IMPORT, EXPORT = Direction.IMPORT.code, Direction.EXPORT.code
FOREIGN, DOMESTIC = Trade.FOREIGN.code, Trade.DOMESTIC.code
INTEGERS = ATTRIBUTES_INT + ATTRIBUTES_CODE
DEFAULTS = {
    "call_id": 0, "direction": IMPORT, "trade": FOREIGN, "cargo_class": 0, "channel": 0,
    "station": Station.NONE.code, "mode": 0, "destination": 0, "inland": 1, "boxes": 1,
    "pre_arrival": 0, "rolled_calls": 0, "transit": 0, "transit_formalities": 0, "declarations": 1,
    "quarantine": 0, "joint_inspection": 0, "fumigation": 0, "certificate": 0, "inland_inspection": 0, "connect_call_id": -1,
    "teu": 1.0, "value_cny": 1e5, "distance_km": 100.0,
}
# Observed window [10, 110); the run stopped at 150.
WINDOW = Window(warmup_hours=10.0, horizon_hours=110.0, end_hours=150.0)


def table(*rows: dict, index=None) -> pd.DataFrame:
    """A consignment table with every column; unset milestones are NaN."""
    records = [{"consignment_id": k, **DEFAULTS, **{m: math.nan for m in MILESTONES}, **row}
               for k, row in enumerate(rows)]
    df = pd.DataFrame.from_records(records, columns=list(INTEGERS + ATTRIBUTES_FLOAT + MILESTONES), index=index)
    return df.astype({c: "int64" for c in INTEGERS} | {c: "float64" for c in ATTRIBUTES_FLOAT + MILESTONES})


# ------------------------------------------------------------------ cohort open share
def test_cohort_open_share_counts_open_imports_and_exports_of_the_cohort_only():
    """Cohort: 2 foreign imports (1 open) and 2 foreign exports (1 open) -> 2 of 4 open. An
    open domestic import and an open import that arrived before the window are not in it."""
    t = table(
        {"vessel_arrival": 20.0, "out": math.nan},                                # open import
        {"vessel_arrival": 30.0, "out": 60.0},                                    # done import
        {"vessel_arrival": 40.0, "out": 70.0},                                    # done import
        {"direction": EXPORT, "gate_in": 50.0, "out": math.nan},                  # open export
        {"direction": EXPORT, "gate_in": 15.0, "out": 80.0},                      # done export
        {"vessel_arrival": 20.0, "trade": DOMESTIC, "out": math.nan},             # not declared
        {"vessel_arrival": 5.0, "out": math.nan},                                 # before the window
        {"direction": EXPORT, "gate_in": 120.0, "out": math.nan},                 # after the window
    )
    assert cohort_open_share(Frame.of(t), WINDOW) == pytest.approx(2 / 5)
    # Only open imports: the share follows the imports; only open exports: the exports.
    imports_only = t.assign(out=np.where(t["direction"] == EXPORT, 99.0, t["out"]))
    assert cohort_open_share(Frame.of(imports_only), WINDOW) == pytest.approx(1 / 5)
    exports_only = t.assign(out=np.where(t["direction"] == IMPORT, 99.0, t["out"]))
    assert cohort_open_share(Frame.of(exports_only), WINDOW) == pytest.approx(1 / 5)


# ------------------------------------------------------------------ vessels and berths
def calls(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["arrival", "berthed", "departed"], dtype=float)


def test_berth_utilisation_counts_berth_time_inside_the_window_only():
    """Two berths over the 100-hour window; berth hours inside [10, 110):
    A berthed 5-30 -> 20 (its time before the window is not counted), B 26-50 -> 24,
    C berthed at 104 and still alongside when the run stopped -> 6 (to the horizon), D never
    berthed -> 0, E berthed 121-130, after the horizon -> 0. 50 / (2 x 100) = 0.25."""
    c = calls((0.0, 5.0, 30.0), (20.0, 26.0, 50.0), (100.0, 104.0, math.nan), (105.0, math.nan, math.nan),
              (120.0, 121.0, 130.0))
    k = vessel_kpis(Frame.of(c), WINDOW, berths=2)
    assert k["berth_utilization"] == pytest.approx(0.25)
    # one berth: the same hours are twice the share
    assert vessel_kpis(Frame.of(c), WINDOW, berths=1)["berth_utilization"] == pytest.approx(0.5)


def test_vessel_wait_covers_calls_arriving_in_the_window_with_the_unberthed_censored():
    """Arrivals in the window: B waited 6 h, C 4 h, D not berthed by the end (at least 45 h,
    censored). Kaplan-Meier, restricted to the last observed wait: 1 x 4 + 2/3 x 2 = 16/3.
    A (arrived before the window, waited 5 h) and E (after it) are not in the cohort."""
    c = calls((0.0, 5.0, 30.0), (20.0, 26.0, 50.0), (100.0, 104.0, math.nan), (105.0, math.nan, math.nan),
              (120.0, 121.0, 130.0))
    assert vessel_kpis(Frame.of(c), WINDOW, berths=2)["vessel_wait_hours_mean"] == pytest.approx(16 / 3)


# ------------------------------------------------------------------ export stages
def test_export_stages_line_up_with_the_rows_they_came_from():
    """A filtered table keeps its row labels, and so do its stages: joining them back gives each
    consignment its own stages (gate-in 10, lodged 12, released 15, loaded 40, out 42 ->
    2, 3, 25, 2; the second: lodged before gate-in -> 0, 5, 10, 1)."""
    t = table({"direction": EXPORT, "gate_in": 10.0, "lodged": 12.0, "released": 15.0, "loaded": 40.0, "out": 42.0},
              {"direction": EXPORT, "gate_in": 20.0, "lodged": 18.0, "released": 25.0, "loaded": 35.0, "out": 36.0},
              index=[7, 3])
    stages = export_stages(t)
    assert list(stages.index) == [7, 3]
    joined = t.join(stages)
    assert joined.loc[7, list(EXPORT_STAGES)].tolist() == [2.0, 3.0, 25.0, 2.0]
    assert joined.loc[3, list(EXPORT_STAGES)].tolist() == [0.0, 5.0, 10.0, 1.0]


# ------------------------------------------------------------------ the registry's answers
def test_the_unit_of_an_unknown_kpi_is_empty():
    """A KPI name from a run made by another version has no unit, not an error."""
    assert kpis.unit_of("a_kpi_from_an_older_version") == ""
    assert kpis.unit_of("export_clearance_hours_mean") == "h"


def test_registration_errors_name_what_is_wrong():
    with pytest.raises(kpis.KpiRegistryError) as err:
        kpis.register(kpis.Kpi("x_share", "share", "X", "nope"))
    assert ", ".join(kpis.FAMILIES) in str(err.value) and "queues, staffing, volumes" in str(err.value)
    with pytest.raises(kpis.KpiRegistryError, match="cannot place 'x_share' after unknown KPI 'no_such_kpi'"):
        kpis.register(kpis.Kpi("x_share", "share", "X", lambda t: 0.0), after="no_such_kpi")
    assert "x_share" not in kpis.kpi_names()


def test_export_stages_of_a_frame_selection_as_the_summaries_pass_it():
    t = table({"direction": EXPORT, "gate_in": 10.0, "lodged": 12.0, "released": 15.0, "loaded": 40.0, "out": 42.0})
    stages = export_stages(Frame.of(t))
    assert stages.iloc[0].tolist() == [2.0, 3.0, 25.0, 2.0]


# ------------------------------------------------------------------ the window and empty cohorts
def test_the_window_is_half_open_warmup_in_horizon_out():
    """[warm-up, horizon): an import arriving exactly at the end of the warm-up is in the cohort,
    one arriving exactly at the horizon is not."""
    assert WINDOW.contains(np.array([9.999, 10.0, 109.999, 110.0])).tolist() == [False, True, True, False]
    t = table({"vessel_arrival": 10.0, "out": math.nan}, {"vessel_arrival": 110.0, "out": 120.0},
              {"direction": EXPORT, "gate_in": 110.0, "out": math.nan}, {"direction": EXPORT, "gate_in": 50.0, "out": 90.0})
    assert cohort_open_share(Frame.of(t), WINDOW) == pytest.approx(1 / 2)


def test_a_kpi_of_an_empty_cohort_is_nan_without_a_warning():
    """No reefers, no exports in the window: NaN, not a 'mean of empty slice' warning (which the
    test configuration turns into an error)."""
    t = table({"vessel_arrival": 20.0, "in_yard": 22.0, "out": 40.0})
    f = Frame.of(t)
    assert math.isnan(reefer_kpis(f, WINDOW)["reefer_plug_wait_hours_mean"])
    k = volume_kpis(import_cohort(f, WINDOW), export_cohort(f, WINDOW), transshipment_cohort(f, WINDOW),
                    Frame.of(pd.DataFrame({"departed": [50.0], "import_teu": [1.0], "loaded_teu": [0.0]})), WINDOW)
    assert math.isnan(k["rolled_export_share"])
    assert k["throughput_teu"] == 1.0


# ------------------------------------------------------------------ registry and families disagree
def _one_import():
    return (table({"vessel_arrival": 20.0, "in_yard": 22.0, "lodged": 23.0, "accepted": 23.5, "released": 30.0,
                   "out": 40.0, "delivered": 45.0, "inland_arrival": 44.0}),
            calls((15.0, 18.0, 30.0)), WINDOW, 2, None)


@pytest.fixture
def saved_registry():
    saved = dict(kpis._KPIS)
    yield kpis._KPIS
    kpis._KPIS.clear()
    kpis._KPIS.update(saved)


def test_a_registered_kpi_its_family_does_not_compute_is_named(saved_registry):
    kpis.register(kpis.Kpi("phantom_share", "share", "Phantom", "clearance"))
    with pytest.raises(kpis.KpiRegistryError,
                       match=r"family 'clearance' computes nothing not registered to it "
                             r"and misses \['phantom_share'\] registered to it"):
        kpis.replication_kpis(*_one_import())


def test_a_computed_kpi_missing_from_the_registry_is_named(saved_registry):
    del saved_registry["export_declarations"]
    with pytest.raises(kpis.KpiRegistryError,
                       match=r"family 'clearance' computes \['export_declarations'\] not registered to it "
                             r"and misses nothing registered to it"):
        kpis.replication_kpis(*_one_import())


# ------------------------------------------------------------------ clearance of declarations not yet lodged
def test_an_import_not_declared_when_the_run_stopped_has_no_clearance_time():
    """Imports in the window: lodged 20 -> released 30 (10 h), lodged 40 -> released 70 (30 h),
    lodged 50 and still open at 150 (at least 100 h, censored), and one not lodged by the end
    (an importer may take 14 days): it has not begun clearance and is not in the curve.
    KM over 10, 30, 100+: S = 2/3 on [10, 30), 1/3 after; mean 10 + 2/3 x 20 = 70/3;
    within 24 h 1/3; p90 hidden by the censored one. Counted as the slowest of all, the
    not-declared import would make the mean 10 + 3/4 x 20 = 25 and the 24-h share 1/4."""
    t = table({"vessel_arrival": 15.0, "lodged": 20.0, "released": 30.0},
              {"vessel_arrival": 15.0, "lodged": 40.0, "released": 70.0},
              {"vessel_arrival": 15.0, "lodged": 50.0},
              {"vessel_arrival": 100.0})
    k = clearance_kpis(Frame.of(t), WINDOW)
    assert k["import_clearance_hours_mean"] == pytest.approx(70 / 3)
    assert k["import_release_within_24h_share"] == pytest.approx(1 / 3)
    assert math.isnan(k["import_clearance_hours_p90"])
    assert k["import_declarations"] == 4  # the cohort still counts it
