"""Logistics cost per TEU does not depend on how the table is split for memory.

`cost_per_teu` sums costs over blocks of rows so a full-year table never needs its whole
per-consignment cost table at once; the ratio of sums must be the same for any block size.
"""
from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from sim.config import CostsConfig
from sim.config.schema import ClassSharesConfig
from sim.domain import ATTRIBUTES_CODE, ATTRIBUTES_FLOAT, ATTRIBUTES_INT, MILESTONES, Direction, Mode, Station, Trade
from sim.outputs.costs import COMPONENTS, consignment_costs, cost_per_teu

RATES = CostsConfig(
    name="test", handling_cny_per_teu=800.0, storage_free_days=1.0, storage_cny_per_teu_day=30.0,
    inspection_cny_per_box={"scan": 300.0, "physical": 1200.0, "quarantine": 800.0, "fumigation": 1500.0},
    brokerage_cny_per_declaration=250.0, truck_cny_per_teu_km=3.5, truck_fixed_cny_per_teu=300.0,
    rail_cny_per_teu_km=2.2, rail_fixed_cny_per_teu=450.0,
)
INTEGERS = ATTRIBUTES_INT + ATTRIBUTES_CODE
DEFAULTS = {
    "call_id": 0, "direction": Direction.IMPORT.code, "trade": Trade.FOREIGN.code, "cargo_class": 0,
    "channel": 0, "station": Station.NONE.code, "mode": Mode.TRUCK.code, "destination": 0, "inland": 1,
    "boxes": 1, "pre_arrival": 0, "rolled_calls": 0, "transit": 0, "transit_formalities": 0,
    "declarations": 1, "quarantine": 0, "joint_inspection": 0, "fumigation": 0, "certificate": 0,
    "inland_inspection": 0,
    "connect_call_id": -1, "teu": 1.0, "value_cny": 1e5, "distance_km": 100.0,
}


def table(*rows: dict) -> pd.DataFrame:
    records = [{"consignment_id": k, **DEFAULTS, **{m: math.nan for m in MILESTONES}, **row}
               for k, row in enumerate(rows)]
    df = pd.DataFrame.from_records(records, columns=list(INTEGERS + ATTRIBUTES_FLOAT + MILESTONES))
    return df.astype({c: "int64" for c in INTEGERS} | {c: "float64" for c in ATTRIBUTES_FLOAT + MILESTONES})


def imported(arrival: float, dwell_days: float, teu: float, **kw) -> dict:
    out = arrival + 2.0 + 24.0 * dwell_days
    return {"vessel_arrival": arrival, "in_yard": arrival + 2.0, "lodged": arrival + 3.0, "released": out - 1.0,
            "out": out, "inland_arrival": out + 5.0, "delivered": out + 6.0, "teu": teu, **kw}


# Five finished imports (different sizes, dwell, modes, inspections) and one still open.
ROWS = (
    imported(0.0, 0.5, 1.0),
    imported(5.0, 3.0, 2.0, mode=Mode.RAIL.code, distance_km=400.0),
    imported(9.0, 6.0, 2.0, station=Station.PHYSICAL.code, boxes=2),
    {**imported(12.0, 2.0, 1.0), "delivered": math.nan, "inland_arrival": math.nan},
    {**imported(20.0, 1.5, 1.0, declarations=2, transit=1), "inland_lodged": 63.5, "inland_released": 64.5},
    imported(30.0, 4.0, 2.0, value_cny=5e5),
)


@pytest.mark.parametrize("chunk_rows", [1, 2, 4])
def test_cost_per_teu_is_the_same_for_any_block_size(chunk_rows):
    t = table(*ROWS)
    whole = cost_per_teu(t, RATES)
    assert cost_per_teu(t, RATES, chunk_rows=chunk_rows) == pytest.approx(whole, rel=1e-12)


def test_cost_per_teu_in_blocks_weighs_every_block_by_its_teu():
    """Handling is 800 CNY per TEU whatever the split; storage (beyond 1 free day, 30 CNY per TEU
    and day) over the 8 finished TEU: (2 x 2 + 5 x 2 + 1 x 0.5 + 3 x 2) x 30 / 8 = 76.875."""
    t = table(*ROWS)
    for chunk_rows in (1, 3, 250_000):
        c = cost_per_teu(t, RATES, chunk_rows=chunk_rows)
        assert c["handling"] == pytest.approx(800.0)
        assert c["storage"] == pytest.approx((2 * 2 + 5 * 2 + 0.5 * 1 + 3 * 2) * 30.0 / 8.0)
        assert c["mean"] == pytest.approx(sum(c[name] for name in COMPONENTS))


# ------------------------------------------------------------------ components by hand
FULL = CostsConfig(
    name="full", handling_cny_per_teu=800.0, storage_free_days=100.0, storage_cny_per_teu_day=0.0,
    inspection_cny_per_box={"scan": 300.0, "physical": 1200.0, "quarantine": 800.0, "fumigation": 1500.0},
    brokerage_cny_per_declaration=0.0, truck_cny_per_teu_km=3.5, truck_fixed_cny_per_teu=300.0,
    rail_cny_per_teu_km=2.2, rail_fixed_cny_per_teu=450.0, bonded_truck_surcharge_share=0.3,
    reefer_power_cny_per_teu_hour=10.0, unplugged_reefer_cny_per_teu_hour=25.0,
    detention_free_days=2.0, detention_cny_per_teu_day=100.0,
)
REEFER = 1  # CargoClass.REEFER.code
IMPORT, EXPORT, TX = Direction.IMPORT.code, Direction.EXPORT.code, Direction.TRANSSHIPMENT.code


def test_reefer_power_plugged_and_waiting_for_a_plug():
    """Import reefer: in the yard at 10, plugged at 14, out at 34: 20 h plugged (10 CNY/h) and 4 h
    waiting unplugged (25 CNY/h) = 300. Export reefer gated in at 10, never plugged, loaded at 30
    (it leaves the yard when loaded, not when the vessel sails at 31): 20 h unplugged = 500.
    A general box pays no power."""
    t = table(
        {"cargo_class": REEFER, "vessel_arrival": 8.0, "in_yard": 10.0, "plugged": 14.0, "out": 34.0,
         "inland_arrival": 35.0, "delivered": 36.0, "value_cny": 0.0},
        {"direction": EXPORT, "mode": Mode.VESSEL.code, "cargo_class": REEFER, "gate_in": 10.0, "loaded": 30.0,
         "out": 31.0, "value_cny": 0.0},
        {"vessel_arrival": 8.0, "in_yard": 10.0, "plugged": 14.0, "out": 34.0, "inland_arrival": 35.0,
         "delivered": 36.0, "value_cny": 0.0},
    )
    c = consignment_costs(t, FULL)
    assert c["reefer_power"].tolist() == pytest.approx([300.0, 500.0, 0.0])


def test_detention_counts_the_days_outside_the_port_and_back():
    """Out of the port at 30, at the consignee's city at 78, delivered at 102: the box is away for
    the 72 h to delivery, a return trip as long as the trip out (48 h) and a day to unload and
    return: 6 days, 2 of them free: 4 x 100 CNY."""
    t = table({"vessel_arrival": 0.0, "in_yard": 2.0, "out": 30.0, "inland_arrival": 78.0, "delivered": 102.0,
               "value_cny": 0.0})
    assert consignment_costs(t, FULL)["detention"].tolist() == pytest.approx([400.0])


def test_handling_transport_and_inspection_fees():
    """A transshipped box is handled twice and pays no hinterland transport. A truck under transit
    pays the 30 % bonded surcharge, shown apart: 0.3 x (300 + 3.5 x 100). The joint 3 + 1 visit is charged as
    the dearer of physical (1200) and CIQ (800); the two made separately cost 2000."""
    t = table(
        {"direction": TX, "mode": Mode.VESSEL.code, "vessel_arrival": 0.0, "in_yard": 1.0, "loaded": 20.0,
         "out": 21.0, "value_cny": 0.0, "declarations": 0},
        {**imported(0.0, 1.0, 1.0), "transit": 1, "value_cny": 0.0},
        {**imported(0.0, 1.0, 1.0), "station": Station.PHYSICAL.code, "quarantine": 1, "joint_inspection": 1,
         "value_cny": 0.0},
        {**imported(0.0, 1.0, 1.0), "station": Station.PHYSICAL.code, "quarantine": 1, "value_cny": 0.0},
    )
    c = consignment_costs(t, FULL)
    assert c["handling"].tolist() == pytest.approx([1600.0, 800.0, 800.0, 800.0])
    assert c["hinterland"].tolist() == pytest.approx([0.0, 650.0, 650.0, 650.0])
    assert c["bonded_carrier"].tolist() == pytest.approx([0.0, 650.0 * 0.3, 0.0, 0.0])
    assert c["inspection"].tolist() == pytest.approx([0.0, 0.0, 1200.0, 2000.0])


# ------------------------------------------------------------------ per-TEU rates on a 2-TEU box
PER_TEU = CostsConfig(
    name="per_teu", handling_cny_per_teu=800.0, storage_free_days=100.0, storage_cny_per_teu_day=0.0,
    inspection_cny_per_box={"scan": 300.0, "physical": 1200.0, "quarantine": 800.0, "fumigation": 1500.0},
    brokerage_cny_per_declaration=0.0, truck_cny_per_teu_km=3.5, truck_fixed_cny_per_teu=300.0,
    rail_cny_per_teu_km=2.2, rail_fixed_cny_per_teu=450.0,
    reefer_power_cny_per_teu_hour=10.0, unplugged_reefer_cny_per_teu_hour=25.0,
    demurrage_free_days=1.0, demurrage_cny_per_teu_day=50.0,
    detention_free_days=2.0, detention_cny_per_teu_day=100.0,
    inventory_rate_per_year=0.1, certificate_cny=200.0,
)


def test_time_costs_of_a_two_teu_reefer_by_hand():
    """A 2-TEU reefer import worth 876 000 CNY: arrives at 0, in the yard at 2, plugged at 6, out at
    74 (3 days in the yard), at the consignee's at 98, delivered at 122, with a certificate.
      reefer power: (68 h plugged x 10 + 4 h unplugged x 25) x 2 TEU = 1560
      demurrage:    (3 - 1 free) days x 50 x 2 TEU = 200
      detention:    (48 h + 24 h) / 24 + 1 day back = 4 days, 2 free: 2 x 100 x 2 TEU = 400
      inventory:    876 000 x 0.1 a year x 122 h (arrival to delivery) / 8760 h = 1220
      certificate:  200 (one per consignment, not per TEU).
    A 1-TEU general box 12 h in the yard (out at 14), delivered 12 h later and back a day later
    (outside 0.5 + 0.25 + 1 = 1.75 days) stays within both free times and pays none of these but
    inventory (100 000 x 0.1 x 24 h / 8760), and no certificate."""
    t = table(
        {"cargo_class": REEFER, "teu": 2.0, "value_cny": 876_000.0, "certificate": 1, "vessel_arrival": 0.0,
         "in_yard": 2.0, "plugged": 6.0, "out": 74.0, "inland_arrival": 98.0, "delivered": 122.0},
        {"teu": 1.0, "value_cny": 100_000.0, "vessel_arrival": 0.0, "in_yard": 2.0, "out": 14.0,
         "inland_arrival": 20.0, "delivered": 24.0},
    )
    c = consignment_costs(t, PER_TEU)
    assert c["reefer_power"].tolist() == pytest.approx([1560.0, 0.0])
    assert c["demurrage"].tolist() == pytest.approx([200.0, 0.0])
    assert c["detention"].tolist() == pytest.approx([400.0, 0.0])
    assert c["inventory"].tolist() == pytest.approx([1220.0, 100_000.0 * 0.1 * 24.0 / 8760.0])
    assert c["certificates"].tolist() == pytest.approx([200.0, 0.0])


def test_exports_pay_no_detention_even_with_no_free_day():
    """Detention is the consignee's time with the box outside the port; an export (gated in at 0,
    loaded at 30, gone at 31) has none, even when no day is free."""
    rates = dataclasses.replace(PER_TEU, detention_free_days=0.0)
    t = table({"direction": EXPORT, "mode": Mode.VESSEL.code, "gate_in": 0.0, "loaded": 30.0, "out": 31.0,
               "value_cny": 0.0})
    assert consignment_costs(t, rates)["detention"].tolist() == [0.0]


def test_spoilage_is_value_times_daily_share_times_days_at_the_port():
    """Spoilage of a reefer import: 100 000 CNY x 0.001 a day x (delivered at 50 - in the yard at 2)
    / 24 = 2 days -> 200 CNY."""
    rates = dataclasses.replace(PER_TEU, spoilage_share_per_day=ClassSharesConfig(reefer=0.001))
    t = table({"cargo_class": REEFER, "value_cny": 100_000.0, "vessel_arrival": 0.0, "in_yard": 2.0, "out": 26.0,
               "inland_arrival": 40.0, "delivered": 50.0})
    assert consignment_costs(t, rates)["spoilage"].tolist() == pytest.approx([200.0])


def test_costs_keep_the_row_labels_of_the_table():
    """The cost table is aligned with the consignment table it is given (a slice keeps its labels),
    so costs can be joined back onto the consignments; an open consignment's row is all NaN."""
    t = table(imported(0.0, 1.0, 1.0), {**imported(0.0, 1.0, 1.0), "delivered": math.nan},
              imported(0.0, 2.0, 2.0)).iloc[1:]
    t.index = [17, 42]
    c = consignment_costs(t, PER_TEU)
    assert c.index.tolist() == [17, 42]
    assert c.loc[17].isna().all()
    assert c.loc[42, "handling"] == pytest.approx(1600.0)


# ------------------------------------------------------------------ the transit procedure before integration
TRANSIT = dataclasses.replace(
    PER_TEU, demurrage_cny_per_teu_day=0.0, detention_cny_per_teu_day=0.0, inventory_rate_per_year=0.0,
    bonded_truck_surcharge_share=0.3, inland_site_storage_cny_per_teu_day=50.0, inland_site_cny_per_box=300.0,
    inland_inspection_cny_per_box=1200.0, transit_guarantee_share_of_value=0.23, transit_guarantee_rate_per_year=0.1)


def transit_import(**kw) -> dict:
    """Released at the port at 20 (transit start), out at 30, at the inland site at 36, lodged again at 48,
    released there at 84 (2 days at the site), delivered at 90."""
    return {"vessel_arrival": 0.0, "in_yard": 2.0, "lodged": 5.0, "released": 20.0, "out": 30.0,
            "inland_arrival": 36.0, "inland_lodged": 48.0, "inland_released": 84.0, "delivered": 90.0,
            "transit": 1, "declarations": 2, "transit_formalities": 1, "value_cny": 876_000.0, **kw}


def test_inland_site_inspection_and_guarantee_of_a_second_declaration():
    """A 2-TEU, 2-box transit import declared again inland:
      supervised site: 2 days x 50 x 2 TEU + 300 x 2 boxes = 800
      inland inspection: 1200 x 2 boxes = 2400 (only when inspected there)
      guarantee: 876 000 x 0.23 x 0.1 a year x (84 - 20) h / 8760 h = 147.2
    A transit import without a second declaration (after integration: one declaration, duty paid at the
    port) pays none of the three; nor does a plain import."""
    t = table(transit_import(teu=2.0, boxes=2, inland_inspection=1),
              {**transit_import(teu=2.0, boxes=2), "declarations": 1, "inland_lodged": math.nan,
               "inland_released": math.nan, "delivered": 40.0},
              {**imported(0.0, 1.0, 2.0), "boxes": 2})
    c = consignment_costs(t, TRANSIT)
    assert c["inland_site"].tolist() == pytest.approx([800.0, 0.0, 0.0])
    assert c["inland_inspection"].tolist() == pytest.approx([2400.0, 0.0, 0.0])
    assert c["guarantee"].tolist() == pytest.approx([876_000.0 * 0.23 * 0.1 * 64.0 / 8760.0, 0.0, 0.0])


def test_bonded_carrier_surcharge_by_road_only():
    """The 30 % premium of a bonded truck over the truck rate (300 + 3.5 x 100 = 650 per TEU), for a
    2-TEU transit import and a 1-TEU transit export by road; none for a transit box by rail or an
    ordinary truck. The plain transport stays in `hinterland`."""
    t = table(transit_import(teu=2.0),
              {"direction": EXPORT, "transit": 1, "declarations": 2, "origin_ready": 0.0, "gate_in": 10.0,
               "loaded": 30.0, "out": 31.0, "value_cny": 0.0},
              transit_import(mode=Mode.RAIL.code), imported(0.0, 1.0, 1.0))
    c = consignment_costs(t, TRANSIT)
    assert c["bonded_carrier"].tolist() == pytest.approx([2 * 650.0 * 0.3, 650.0 * 0.3, 0.0, 0.0])
    assert c["hinterland"].tolist() == pytest.approx([2 * 650.0, 650.0, 450.0 + 2.2 * 100.0, 650.0])


def test_an_exports_clock_starts_when_it_is_ready_at_its_origin():
    """Export transit holds a box at its inland origin: ready at 0, gated in at 48, gone at 96. Its
    inventory (100 000 x 0.1 a year) and spoilage (reefer, 0.01 a day) count the 96 h from origin;
    without `origin_ready` (an old table) they count from gate-in (48 h)."""
    rates = dataclasses.replace(PER_TEU, spoilage_share_per_day=ClassSharesConfig(reefer=0.01),
                                reefer_power_cny_per_teu_hour=0.0, unplugged_reefer_cny_per_teu_hour=0.0)
    t = table({"direction": EXPORT, "cargo_class": REEFER, "origin_ready": 0.0, "gate_in": 48.0, "loaded": 90.0,
               "out": 96.0},
              {"direction": EXPORT, "cargo_class": REEFER, "gate_in": 48.0, "loaded": 90.0, "out": 96.0})
    c = consignment_costs(t, rates)
    assert c["inventory"].tolist() == pytest.approx([1e5 * 0.1 * 96.0 / 8760.0, 1e5 * 0.1 * 48.0 / 8760.0])
    assert c["spoilage"].tolist() == pytest.approx([1e5 * 0.01 * 4.0, 1e5 * 0.01 * 2.0])
    old = consignment_costs(t.drop(columns=["origin_ready", "inland_inspection"]), rates)
    assert old["inventory"].tolist() == pytest.approx([1e5 * 0.1 * 48.0 / 8760.0] * 2)
    assert old["inland_inspection"].tolist() == [0.0, 0.0]


def test_reefer_spoilage_is_the_mix_weighted_rate_of_its_products():
    """Frozen 75 % (no loss), chilled 10 % (2.5 %/day), fruit 15 % (3 %/day): 0.0025 + 0.0045 = 0.007 a
    day for reefer cargo; general cargo keeps its own rate. A reefer import worth 100 000 CNY 2 days from
    the yard to delivery loses 1 400 CNY."""
    from sim.config.schema import ReeferProductConfig
    rates = dataclasses.replace(PER_TEU, spoilage_share_per_day=ClassSharesConfig(general=0.001), reefer_products={
        "frozen": ReeferProductConfig(0.75, 0.0), "chilled": ReeferProductConfig(0.10, 0.025),
        "fruit": ReeferProductConfig(0.15, 0.03)})
    assert rates.spoilage_rates() == pytest.approx({"general": 0.001, "reefer": 0.007, "wood": 0.0})
    t = table({"cargo_class": REEFER, "value_cny": 100_000.0, "vessel_arrival": 0.0, "in_yard": 2.0, "out": 26.0,
               "inland_arrival": 40.0, "delivered": 50.0})
    assert consignment_costs(t, rates)["spoilage"].tolist() == pytest.approx([1400.0])
