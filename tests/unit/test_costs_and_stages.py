"""Logistics costs per consignment and China's four import stages, both pure functions of
the milestone table.

Costs and stage times are reported as KPIs and recomputed from stored Parquet files, so
they are checked on hand-built tables (one rule at a time) and on one small real run.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import CostsConfig
from sim.config.schema import ClassSharesConfig
from sim.outputs.costs import COMPONENTS, consignment_costs, cost_per_teu
from sim.outputs.kpi import EXPORT_STAGES, IMPORT_STAGES, export_stages, import_stages
from sim.domain import (ATTRIBUTES_CODE, ATTRIBUTES_FLOAT, ATTRIBUTES_INT, MILESTONES, CargoClass, Direction,
                        Mode, Station, Trade)
from sim.outputs.kpi import Window, import_kpis
from tests.conftest import make_config

# Distinct round numbers so a component computed from the wrong rate shows up.
RATES = CostsConfig(
    name="test", handling_cny_per_teu=800.0, storage_free_days=3.0, storage_cny_per_teu_day=30.0,
    inspection_cny_per_box={"scan": 300.0, "physical": 1200.0, "quarantine": 800.0, "fumigation": 1500.0},
    brokerage_cny_per_declaration=250.0,
    truck_cny_per_teu_km=3.5, truck_fixed_cny_per_teu=300.0,
    rail_cny_per_teu_km=2.2, rail_fixed_cny_per_teu=450.0,
)
IMPORT, EXPORT = Direction.IMPORT.code, Direction.EXPORT.code
FOREIGN, DOMESTIC = Trade.FOREIGN.code, Trade.DOMESTIC.code

DEFAULTS = {
    "call_id": 0, "direction": IMPORT, "trade": FOREIGN, "cargo_class": 0, "channel": 0,
    "station": Station.NONE.code, "mode": Mode.TRUCK.code, "destination": 0, "inland": 1,
    "boxes": 1, "pre_arrival": 0, "rolled_calls": 0, "transit": 0, "transit_formalities": 0,
    "declarations": 1, "quarantine": 0, "joint_inspection": 0, "fumigation": 0, "certificate": 0, "inland_inspection": 0,
    "connect_call_id": -1, "teu": 1.0, "value_cny": 1e5, "distance_km": 100.0,
}


INTEGERS = ATTRIBUTES_INT + ATTRIBUTES_CODE


def table(*rows: dict) -> pd.DataFrame:
    """A consignment table with every column of sim.domain; unset milestones are NaN."""
    records = []
    for k, row in enumerate(rows):
        unknown = set(row) - set(INTEGERS) - set(ATTRIBUTES_FLOAT) - set(MILESTONES)
        assert not unknown, unknown
        rec = {"consignment_id": k, **DEFAULTS, **{m: math.nan for m in MILESTONES}, **row}
        records.append(rec)
    df = pd.DataFrame.from_records(records, columns=list(INTEGERS + ATTRIBUTES_FLOAT + MILESTONES))
    return df.astype({c: "int64" for c in INTEGERS} | {c: "float64" for c in ATTRIBUTES_FLOAT + MILESTONES})


def finished_import(**kw) -> dict:
    """A foreign import that arrived at 0, was in the yard at 2, left at 30 and was delivered
    2 hours after leaving, unless overridden (an import is done when delivered)."""
    row = {"vessel_arrival": 0.0, "in_yard": 2.0, "lodged": 5.0, "released": 20.0, "out": 30.0, **kw}
    row.setdefault("inland_arrival", row["out"] + 1.0)
    row.setdefault("delivered", row["out"] + 2.0)
    return row


def finished_export(**kw) -> dict:
    return {"direction": EXPORT, "mode": Mode.VESSEL.code, "gate_in": 10.0, "lodged": 12.0,
            "released": 15.0, "loaded": 40.0, "out": 42.0, **kw}


# ------------------------------------------------------------------ costs: rules one at a time
def test_components_of_one_import_by_hand():
    """2 boxes / 4 TEU, physical inspection, rail 400 km, 5 days in the yard (2 chargeable)."""
    t = table(finished_import(boxes=2, teu=4.0, station=Station.PHYSICAL.code, mode=Mode.RAIL.code,
                              distance_km=400.0, in_yard=10.0, out=10.0 + 5 * 24.0))
    c = consignment_costs(t, RATES).iloc[0]
    assert c["handling"] == pytest.approx(4 * 800.0)
    assert c["storage"] == pytest.approx((5 - 3) * 30.0 * 4)
    assert c["inspection"] == pytest.approx(2 * 1200.0)
    assert c["brokerage"] == pytest.approx(250.0)
    assert c["hinterland"] == pytest.approx(4 * (450.0 + 2.2 * 400.0))
    assert c["total"] == pytest.approx(3200.0 + 240.0 + 2400.0 + 250.0 + 5320.0)


# Every rate distinct from every other and non-zero, so a rate applied to another component's
# quantity changes that component's value.
ALL_RATES = CostsConfig(
    name="all", handling_cny_per_teu=800.0, storage_free_days=3.0, storage_cny_per_teu_day=30.0,
    inspection_cny_per_box={"scan": 300.0, "physical": 1200.0, "quarantine": 800.0, "fumigation": 1500.0},
    brokerage_cny_per_declaration=250.0, truck_cny_per_teu_km=3.5, truck_fixed_cny_per_teu=300.0,
    rail_cny_per_teu_km=2.2, rail_fixed_cny_per_teu=450.0, bonded_truck_surcharge_share=0.2,
    transit_formalities_cny_per_declaration=170.0, reefer_power_cny_per_teu_hour=7.0,
    unplugged_reefer_cny_per_teu_hour=11.0, demurrage_free_days=5.0, demurrage_cny_per_teu_day=90.0,
    detention_free_days=2.0, detention_cny_per_teu_day=60.0, inventory_rate_per_year=0.08,
    spoilage_share_per_day=ClassSharesConfig(general=0.001, reefer=0.01, wood=0.002), certificate_cny=130.0,
    inland_site_storage_cny_per_teu_day=40.0, inland_site_cny_per_box=210.0, inland_inspection_cny_per_box=900.0,
    transit_guarantee_share_of_value=0.25, transit_guarantee_rate_per_year=0.12,
)


def test_every_component_and_the_total_of_a_hand_built_case():
    """Rates x quantities worked out by hand, for a reefer import that pays every component and a
    general-cargo export, then the total and the per-TEU figure from those hand numbers (not from
    the function's own columns)."""
    imp = finished_import(
        teu=2.0, boxes=1, value_cny=200_000.0, cargo_class=CargoClass.REEFER.code, station=Station.PHYSICAL.code,
        quarantine=1, mode=Mode.TRUCK.code, distance_km=300.0, transit=1, transit_formalities=1, declarations=2,
        certificate=1, vessel_arrival=0.0, in_yard=4.0, plugged=10.0, lodged=6.0, released=50.0,
        out=4.0 + 8 * 24.0, inland_arrival=196.0 + 36.0, inland_lodged=240.0, inland_released=280.0,
        inland_inspection=1, delivered=280.0 + 12.0)
    exp = finished_export(teu=1.0, boxes=1, value_cny=50_000.0, station=Station.SCAN.code, gate_in=24.0,
                          lodged=30.0, released=40.0, loaded=24.0 + 6 * 24.0, out=24.0 + 7 * 24.0)
    # Import: 8 days in the yard (4 h -> 196 h), 2 TEU; at the inland site 232 -> 280 h (2 days, the
    # second declaration inspected there), delivered at 292: 96 h out and 36 h back, plus a day: 6.5 days.
    imp_hand = {
        "handling": 2 * 800.0,
        "storage": (8 - 3) * 30.0 * 2,
        "reefer_power": (196 - 10) * 7.0 * 2 + (10 - 4) * 11.0 * 2,   # plugged 186 h, 6 h waiting for a plug
        "demurrage": (8 - 5) * 90.0 * 2,
        "detention": (6.5 - 2) * 60.0 * 2,
        "inspection": 1200.0 + 800.0,                                # physical, then CIQ quarantine
        "brokerage": 2 * 250.0,                                      # two declarations (transit)
        "transit_formalities": 170.0,
        "certificates": 130.0,
        "hinterland": 2 * (300.0 + 3.5 * 300.0),
        "inventory": 200_000.0 * 0.08 * 292.0 / 8760.0,              # arrival 0 -> delivered 292 h
        "spoilage": 200_000.0 * 0.01 * (292.0 - 4.0) / 24.0,         # yard 4 h -> delivered 292 h
        "bonded_carrier": 2 * (300.0 + 3.5 * 300.0) * 0.2,           # truck under seal
        "inland_site": 2 * 40.0 * 2 + 210.0,                         # 2 TEU x 2 days, one box
        "inland_inspection": 900.0,
        "guarantee": 200_000.0 * 0.25 * 0.12 * (280.0 - 50.0) / 8760.0,   # port release 50 -> inland release 280
    }
    # Export: gate-in 24 h, loaded 6 days later, gone a day after that; 1 TEU, scanned.
    exp_hand = {
        "handling": 800.0, "storage": (6 - 3) * 30.0, "reefer_power": 0.0, "demurrage": (6 - 5) * 90.0,
        "detention": 0.0, "inspection": 300.0, "brokerage": 250.0, "transit_formalities": 0.0, "certificates": 0.0,
        "hinterland": 0.0, "inventory": 50_000.0 * 0.08 * (7 * 24.0) / 8760.0,
        "spoilage": 50_000.0 * 0.001 * 7.0,
        "bonded_carrier": 0.0, "inland_site": 0.0, "inland_inspection": 0.0, "guarantee": 0.0,
    }
    assert set(imp_hand) == set(exp_hand) == set(COMPONENTS)
    c = consignment_costs(table(imp, exp), ALL_RATES)
    for row, hand in ((0, imp_hand), (1, exp_hand)):
        for name in COMPONENTS:
            assert c[name].iloc[row] == pytest.approx(hand[name], rel=1e-12, abs=1e-9), (row, name)
        assert c["total"].iloc[row] == pytest.approx(sum(hand.values()), rel=1e-12)
    # 1600 + 300 + 2736 + 540 + 540 + 2000 + 500 + 170 + 130 + 2700 + 24000 + 540 + 370 + 900 = 37026,
    # plus inventory and the guarantee
    assert c["total"].iloc[0] == pytest.approx(
        37_026.0 + 200_000.0 * 0.08 * 292.0 / 8760.0 + 200_000.0 * 0.25 * 0.12 * 230.0 / 8760.0, rel=1e-12)
    per_teu = cost_per_teu(table(imp, exp), ALL_RATES)
    assert per_teu["mean"] == pytest.approx((sum(imp_hand.values()) + sum(exp_hand.values())) / 3.0, rel=1e-12)
    assert per_teu["storage"] == pytest.approx((300.0 + 90.0) / 3.0, rel=1e-12)


@settings(deadline=None, max_examples=100)
@given(st.lists(st.fixed_dictionaries({
    "direction": st.sampled_from([IMPORT, EXPORT]),
    "trade": st.sampled_from([FOREIGN, DOMESTIC]),
    "station": st.sampled_from([s.code for s in Station]),
    "mode": st.sampled_from([m.code for m in Mode]),
    "boxes": st.integers(1, 5),
    "teu": st.sampled_from([1.0, 2.0, 3.0, 4.5]),
    "distance_km": st.floats(0.0, 1500.0),
    "in_yard": st.floats(0.0, 500.0),
    "gate_in": st.floats(0.0, 500.0),
    "dwell": st.one_of(st.none(), st.floats(0.0, 800.0)),
}), min_size=1, max_size=12))
def test_components_add_up_to_total(rows):
    """`total` is exactly the sum of the components, and NaN only where the consignment is not done."""
    for r in rows:
        dwell = r.pop("dwell")
        start = r["in_yard"] if r["direction"] == IMPORT else r["gate_in"]
        r["out"] = math.nan if dwell is None else start + dwell
        if r["direction"] == IMPORT:
            r["vessel_arrival"] = r["in_yard"]
            r["delivered"] = r["inland_arrival"] = r["out"] + 3.0
        r["declarations"] = int(r["trade"] == FOREIGN)
    t = table(*rows)
    c = consignment_costs(t, RATES)
    assert list(c.columns) == list(COMPONENTS) + ["total"]
    assert c.index.equals(t.index)
    done = t["out"].notna().to_numpy()
    np.testing.assert_array_equal(c["total"].notna().to_numpy(), done)
    np.testing.assert_allclose(c.loc[done, "total"], c.loc[done, list(COMPONENTS)].sum(axis=1), rtol=1e-12)
    assert (c.loc[done, list(COMPONENTS)] >= 0).all().all()
    # The components that depend on no clock, from rates x quantities computed here.
    expected = independent_components(t, RATES)
    for name, values in expected.items():
        np.testing.assert_allclose(c.loc[done, name], values[done], rtol=1e-12, err_msg=name)


def independent_components(t: pd.DataFrame, rates: CostsConfig) -> dict[str, np.ndarray]:
    """Handling, brokerage, inspection (customs station only) and hinterland per consignment,
    written from the cost rules in docs/reference/reading-the-numbers.md, row by row."""
    fees = {Station.SCAN.code: "scan", Station.PHYSICAL.code: "physical"}
    out = {name: [] for name in ("handling", "brokerage", "inspection", "hinterland")}
    for r in t.itertuples():
        out["handling"].append(r.teu * rates.handling_cny_per_teu)
        out["brokerage"].append(r.declarations * rates.brokerage_cny_per_declaration)
        out["inspection"].append(r.boxes * rates.inspection_cny_per_box[fees[r.station]] if r.station in fees else 0.0)
        if r.mode == Mode.RAIL.code:
            per_teu = rates.rail_fixed_cny_per_teu + rates.rail_cny_per_teu_km * r.distance_km
        elif r.mode == Mode.TRUCK.code:
            per_teu = (rates.truck_fixed_cny_per_teu + rates.truck_cny_per_teu_km * r.distance_km) * \
                (1 + rates.bonded_truck_surcharge_share * (r.transit == 1))
        else:
            per_teu = 0.0
        out["hinterland"].append(r.teu * per_teu)
    return {k: np.asarray(v) for k, v in out.items()}


@pytest.mark.parametrize("dwell_days, chargeable_days", [
    (0.0, 0.0), (1.0, 0.0), (2.99, 0.0), (3.0, 0.0), (3.5, 0.5), (4.0, 1.0), (10.0, 7.0), (33.0, 30.0),
])
def test_storage_free_days_then_linear(dwell_days, chargeable_days):
    """Yard time up to the free days costs nothing; after that it is rate x TEU x extra days."""
    t = table(finished_import(teu=2.0, in_yard=7.0, out=7.0 + 24.0 * dwell_days))
    storage = consignment_costs(t, RATES)["storage"].iloc[0]
    assert storage == pytest.approx(chargeable_days * 30.0 * 2.0, abs=1e-9)


def test_storage_clock_starts_in_yard_for_imports_and_at_gate_in_for_exports():
    """Imports pay from discharge (in_yard) to gate-out; exports from gate-in to loading."""
    t = table(finished_import(vessel_arrival=0.0, in_yard=48.0, out=48.0 + 24 * 4.0),
              finished_export(gate_in=100.0, loaded=100.0 + 24 * 5.0, out=102.0 + 24 * 5.0))
    storage = consignment_costs(t, RATES)["storage"].to_numpy()
    np.testing.assert_allclose(storage, [1 * 30.0, 2 * 30.0])


def test_inspection_fee_only_for_inspected_boxes():
    """None: 0; scan: 300 per box; physical: 1200 per box."""
    t = table(finished_import(station=Station.NONE.code, boxes=3),
              finished_import(station=Station.SCAN.code, boxes=3),
              finished_import(station=Station.PHYSICAL.code, boxes=3),
              finished_export(station=Station.SCAN.code, boxes=1))
    fee = consignment_costs(t, RATES)["inspection"].to_numpy()
    np.testing.assert_allclose(fee, [0.0, 900.0, 3600.0, 300.0])


def test_brokerage_only_for_foreign_trade():
    """Domestic (coastal) boxes are never declared, so no broker; one fee per declaration."""
    t = table(finished_import(trade=FOREIGN, boxes=4, teu=8.0),
              finished_import(trade=DOMESTIC, lodged=math.nan, released=math.nan, declarations=0),
              finished_export(trade=FOREIGN), finished_export(trade=DOMESTIC, declarations=0))
    np.testing.assert_allclose(consignment_costs(t, RATES)["brokerage"], [250.0, 0.0, 250.0, 0.0])


def test_hinterland_rail_versus_truck():
    """Rail and truck use their own fixed and per-km rates, per TEU."""
    t = table(finished_import(mode=Mode.TRUCK.code, distance_km=400.0, teu=2.0),
              finished_import(mode=Mode.RAIL.code, distance_km=400.0, teu=2.0),
              finished_import(mode=Mode.TRUCK.code, distance_km=0.0, teu=1.0))
    np.testing.assert_allclose(consignment_costs(t, RATES)["hinterland"],
                               [2 * (300 + 3.5 * 400), 2 * (450 + 2.2 * 400), 300.0])


def test_cost_per_teu_is_ratio_of_sums_over_finished():
    """Sum of cost / sum of TEU over boxes that left; an open box (NaN out) counts in neither."""
    t = table(finished_import(teu=1.0, boxes=1),
              finished_import(teu=4.0, boxes=2, station=Station.SCAN.code, out=2.0 + 24 * 6),
              finished_export(teu=2.0),
              finished_import(teu=100.0, out=math.nan, delivered=math.nan, station=Station.PHYSICAL.code))
    c = consignment_costs(t, RATES)
    assert math.isnan(c["total"].iloc[3])
    done = c.iloc[:3]
    result = cost_per_teu(t, RATES)
    assert result["mean"] == pytest.approx(done["total"].sum() / 7.0)
    for name in COMPONENTS:
        assert result[name] == pytest.approx(done[name].sum() / 7.0)
    # Not the mean of per-consignment cost per TEU (which would weight small boxes up).
    assert result["mean"] != pytest.approx((done["total"] / t["teu"].iloc[:3]).mean())
    assert sum(result[n] for n in COMPONENTS) == pytest.approx(result["mean"])


def test_cost_per_teu_without_finished_consignments_is_nan():
    """Nothing left the port: every figure is NaN rather than 0 or a division error."""
    t = table(finished_import(out=math.nan, delivered=math.nan), finished_export(out=math.nan))
    result = cost_per_teu(t, RATES)
    assert set(result) == {"mean", *COMPONENTS}
    assert all(math.isnan(v) for v in result.values())
    assert all(math.isnan(v) for v in cost_per_teu(table(), RATES).values())


def test_costs_are_a_pure_function_of_the_table():
    """Changing only the rates (a cost what-if) changes only the affected component."""
    t = table(finished_import(out=2.0 + 24 * 10))
    base = consignment_costs(t, RATES)
    cheaper = CostsConfig(**{**RATES.__dict__, "storage_free_days": 7.0})
    other = consignment_costs(t, cheaper)
    assert other["storage"].iloc[0] == pytest.approx(3 * 30.0)
    assert base["storage"].iloc[0] == pytest.approx(7 * 30.0)
    for name in ("handling", "inspection", "brokerage", "hinterland"):
        assert other[name].iloc[0] == base[name].iloc[0]


# ------------------------------------------------------------------ import stages
def stages_of(**milestones) -> dict:
    return import_stages(table(finished_import(**milestones))).iloc[0].to_dict()


def test_stages_ordinary_import():
    """arrival 0 -> yard 5 -> lodged 10 -> released 20 -> out 30: 5, 5, 10, 10."""
    assert stages_of(vessel_arrival=0.0, in_yard=5.0, lodged=10.0, released=20.0, out=30.0) == \
        pytest.approx({"unloading": 5.0, "preparing": 5.0, "clearance": 10.0, "removal": 10.0})


def test_stages_lodged_before_yard_released_after():
    """Lodged while still discharging: no preparing stage; clearance runs from yard to release."""
    assert stages_of(vessel_arrival=0.0, in_yard=5.0, lodged=2.0, released=8.0, out=12.0) == \
        pytest.approx({"unloading": 5.0, "preparing": 0.0, "clearance": 3.0, "removal": 4.0})


def test_stages_pre_arrival_released_before_yard():
    """Pre-arrival declaration released before discharge: clearance adds no time at all."""
    s = stages_of(vessel_arrival=100.0, in_yard=103.0, lodged=70.0, released=90.0, out=115.0)
    assert s == pytest.approx({"unloading": 3.0, "preparing": 0.0, "clearance": 0.0, "removal": 12.0})


def test_stages_domestic_import_has_no_customs_stages():
    """Never declared (lodged/released NaN): all time after discharge is removal."""
    s = stages_of(trade=DOMESTIC, vessel_arrival=0.0, in_yard=4.0, lodged=math.nan,
                  released=math.nan, out=9.0)
    assert s == pytest.approx({"unloading": 4.0, "preparing": 0.0, "clearance": 0.0, "removal": 5.0})


@st.composite
def import_milestones(draw):
    """Ordered milestone times of one finished import, in any relative order customs allows:
    lodging before arrival (pre-arrival), release before or after the box reaches the yard."""
    arrival = draw(st.floats(0.0, 2000.0))
    in_yard = arrival + draw(st.floats(0.0, 60.0))
    lodged = max(0.0, arrival + draw(st.floats(-96.0, 96.0)))
    released = lodged + draw(st.floats(0.0, 200.0))
    out = max(in_yard, released) + draw(st.floats(0.0, 200.0))
    return finished_import(vessel_arrival=arrival, in_yard=in_yard, lodged=lodged,
                           released=released, out=out)


def import_stages_by_definition(t: pd.DataFrame) -> pd.DataFrame:
    """Each import stage from its own milestones, row by row (not by telescoping boundaries):
    unloading, arrival -> in yard; preparing, the time in the yard before the declaration is
    lodged; clearance, lodged (or in yard, if lodged earlier) -> released, zero if released
    before; removal, from the later of in yard and released to out."""
    rows = []
    for r in t.itertuples():
        lodged = r.in_yard if math.isnan(r.lodged) else r.lodged
        released = lodged if math.isnan(r.released) else r.released
        rows.append({"unloading": r.in_yard - r.vessel_arrival,
                     "preparing": max(0.0, lodged - r.in_yard),
                     "clearance": max(0.0, released - max(r.in_yard, lodged)),
                     "removal": r.out - max(r.in_yard, released)})
    return pd.DataFrame(rows, columns=list(IMPORT_STAGES), index=t.index)


def export_stages_by_definition(t: pd.DataFrame) -> pd.DataFrame:
    """Each export stage from its own milestones: preparing, gate-in -> lodged (zero if lodged
    before gate-in); clearance, the later of both -> released; after release, -> loaded; departure,
    from the last of those to the vessel's departure."""
    rows = []
    for r in t.itertuples():
        rows.append({"preparing": max(0.0, r.lodged - r.gate_in),
                     "clearance": max(0.0, r.released - max(r.gate_in, r.lodged)),
                     "after_release": max(0.0, r.loaded - max(r.gate_in, r.released)),
                     "departure": r.out - max(r.gate_in, r.released, r.loaded)})
    return pd.DataFrame(rows, columns=list(EXPORT_STAGES), index=t.index)


@settings(deadline=None, max_examples=100)
@given(st.lists(import_milestones(), min_size=1, max_size=20))
def test_each_stage_matches_its_milestone_definition(rows):
    """Every stage equals its own definition (a wrong boundary would still let the stages add up
    to out - arrival, so the sum alone proves nothing), is >= 0, and together they make the
    release time."""
    t = table(*rows)
    s = import_stages(t)
    assert list(s.columns) == list(IMPORT_STAGES)
    assert s.index.equals(t.index)
    pd.testing.assert_frame_equal(s, import_stages_by_definition(t), rtol=1e-12, atol=1e-9)
    assert (s.to_numpy() >= 0).all()
    np.testing.assert_allclose(s.sum(axis=1), t["out"] - t["vessel_arrival"], rtol=1e-12, atol=1e-9)


def test_export_stages_by_hand():
    """gate-in 10, lodged 12, released 15, loaded 40, out 42: 2, 3, 25, 2; lodged before gate-in
    (8) and released at gate-in (10): no preparing and no clearance stage."""
    t = table(finished_export(), finished_export(lodged=8.0, released=10.0))
    s = export_stages(t)
    assert s.iloc[0].to_dict() == pytest.approx({"preparing": 2.0, "clearance": 3.0, "after_release": 25.0,
                                                 "departure": 2.0})
    assert s.iloc[1].to_dict() == pytest.approx({"preparing": 0.0, "clearance": 0.0, "after_release": 30.0,
                                                 "departure": 2.0})
    pd.testing.assert_frame_equal(s, export_stages_by_definition(t))


# ------------------------------------------------------------------ one small real run
@pytest.fixture(scope="module")
def real_table():
    from sim.model.port import simulate

    cfg = make_config("demand.scale=0.05", "run.horizon_days=8", "run.warmup_days=2",
                      "run.drain_days=3", "experiment=single")
    rep = simulate(cfg, cfg.regime, 0)
    return rep.consignments.to_pandas(), cfg


def test_real_run_stage_identity(real_table):
    """On simulated foreign imports that left, stages are >= 0 and add up to out - arrival,
    including the pre-arrival and released-before-yard cases the model produces."""
    df, _ = real_table
    imp = df[(df["direction"] == IMPORT) & (df["trade"] == FOREIGN) & df["out"].notna()]
    assert len(imp) > 50
    assert (imp["lodged"] < imp["vessel_arrival"]).any()   # pre-arrival declarations occur
    assert (imp["released"] < imp["in_yard"]).any()        # releases before discharge occur
    s = import_stages(imp)
    pd.testing.assert_frame_equal(s, import_stages_by_definition(imp), rtol=1e-12, atol=1e-9)
    assert (s.to_numpy() >= -1e-9).all()
    np.testing.assert_allclose(s.sum(axis=1), imp["out"] - imp["vessel_arrival"], rtol=1e-12, atol=1e-9)


def test_real_run_stage_kpis_are_the_means_of_the_stage_definitions(real_table):
    """import_stage_hours_*: the mean of each stage's definition over the finished foreign imports
    whose vessel arrived in the observed window."""
    df, cfg = real_table
    window = Window(cfg.run.warmup_days * 24.0, cfg.run.horizon_days * 24.0,
                    (cfg.run.horizon_days + cfg.run.drain_days) * 24.0)
    k = import_kpis(df, window)
    imp = df[(df["direction"] == IMPORT) & (df["trade"] == FOREIGN) & df["out"].notna()
             & (df["vessel_arrival"] >= window.warmup_hours) & (df["vessel_arrival"] < window.horizon_hours)]
    assert len(imp) > 50
    means = import_stages_by_definition(imp).mean()
    for stage in IMPORT_STAGES:
        assert k[f"import_stage_hours_{stage}"] == pytest.approx(means[stage], rel=1e-9), stage


def test_real_run_export_stage_identity(real_table):
    """Simulated foreign exports that left (declared in the run): the milestones are ordered
    gate-in <= lodged <= accepted <= released <= loaded <= out, and China's four export stages
    are >= 0 and add up to out - gate-in."""
    df, _ = real_table
    exp = df[(df["direction"] == EXPORT) & (df["trade"] == FOREIGN) & df["out"].notna() & df["lodged"].notna()]
    assert len(exp) > 50
    chain = ["gate_in", "lodged", "accepted", "released", "loaded", "out"]
    for a, b in zip(chain, chain[1:]):
        assert (exp[b] >= exp[a] - 1e-9).all(), f"{b} before {a}"
    s = export_stages(exp)
    assert list(s.columns) == list(EXPORT_STAGES)
    pd.testing.assert_frame_equal(s, export_stages_by_definition(exp), rtol=1e-12, atol=1e-9)
    assert (s.to_numpy() >= -1e-9).all()
    np.testing.assert_allclose(s.sum(axis=1), exp["out"] - exp["gate_in"], rtol=1e-12, atol=1e-9)


def test_real_run_cost_additivity(real_table):
    """On the simulated table, costs add up, are NaN exactly for open boxes, and the per-TEU
    figure is the ratio of sums over finished consignments."""
    df, cfg = real_table
    imp = df[(df["direction"] == IMPORT) & (df["trade"] == FOREIGN)]
    c = consignment_costs(imp, cfg.costs)
    done = imp["delivered"].notna().to_numpy()
    assert done.any()
    np.testing.assert_array_equal(c["total"].notna().to_numpy(), done)
    np.testing.assert_allclose(c.loc[done, "total"], c.loc[done, list(COMPONENTS)].sum(axis=1), rtol=1e-12)
    assert (c.loc[done, list(COMPONENTS)] >= 0).all().all()
    # Rates x quantities, computed here, for the boxes without a CIQ visit (their fee rule is in the hand case).
    plain = ((imp["quarantine"] == 0) & (imp["fumigation"] == 0)).to_numpy()
    assert (done & plain).sum() > 50
    for name, values in independent_components(imp[plain], cfg.costs).items():
        np.testing.assert_allclose(c.loc[done & plain, name], values[done[plain]], rtol=1e-12, err_msg=name)
    inspected = ((imp["station"].to_numpy() != Station.NONE.code) | (imp["quarantine"].to_numpy() == 1)
                 | (imp["fumigation"].to_numpy() == 1))
    assert (c.loc[done, "inspection"].to_numpy()[~inspected[done]] == 0).all()
    assert (c.loc[done, "inspection"].to_numpy()[inspected[done]] > 0).all()
    result = cost_per_teu(imp, cfg.costs)
    assert result["mean"] == pytest.approx(c.loc[done, "total"].sum() / imp.loc[done, "teu"].sum())
