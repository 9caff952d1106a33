"""Logistics cost per consignment: a pure function of the milestone table and the rates.

Because it needs no simulation, a cost what-if (other rates, other free days) is
re-computed from stored `consignments.parquet` in milliseconds. Every component is
a column, so a planner can see where a before/after difference comes from.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sim.config import CostsConfig
from sim.domain import CargoClass, Direction, Mode, Trade
from sim.domain.stations import JOINT, customs_types, separate_types
from sim.domain.units import HOURS_PER_DAY, HOURS_PER_YEAR
from sim.outputs.frame import Frame

COMPONENTS = (
    "handling", "storage", "reefer_power", "demurrage", "detention", "inspection", "brokerage",
    "transit_formalities", "certificates", "hinterland", "inventory", "spoilage",
    "bonded_carrier", "inland_site", "inland_inspection", "guarantee",
)
RETURN_EMPTY_DAYS = 1.0
"""Unloading at the consignee before the empty box heads back (estimated)."""


def _col(table, name: str) -> np.ndarray:
    return np.asarray(table[name])


def _col_or(table, name: str, missing: float) -> np.ndarray:
    """A column added later (`origin_ready`, `inland_inspection`): runs stored before it read as `missing`."""
    try:
        return _col(table, name)
    except KeyError:
        return np.full(len(_col(table, "teu")), missing)


def consignment_costs(table, rates: CostsConfig) -> pd.DataFrame:
    """CNY per consignment, one column per component plus `total` (NaN until the consignment is done:
    delivered for imports, gone from the port for exports and transshipment)."""
    teu, boxes, value = _col(table, "teu"), _col(table, "boxes"), _col(table, "value_cny")
    direction = _col(table, "direction")
    is_import = direction == Direction.IMPORT.code
    is_tx = direction == Direction.TRANSSHIPMENT.code
    is_export = direction == Direction.EXPORT.code
    cls = _col(table, "cargo_class")
    in_yard, gate_in, out = _col(table, "in_yard"), _col(table, "gate_in"), _col(table, "out")
    loaded, plugged = _col(table, "loaded"), _col(table, "plugged")
    delivered, inland_arrival = _col(table, "delivered"), _col(table, "inland_arrival")
    arrival = _col(table, "vessel_arrival")

    start = np.where(is_export, gate_in, in_yard)              # box enters the yard
    left = np.where(is_import, out, np.where(np.isnan(loaded), out, loaded))  # box leaves the yard
    yard_days = (left - start) / HOURS_PER_DAY
    done_at = np.where(is_import, delivered, out)
    # When the cargo's clock starts: vessel arrival, or for an export when the box is ready to leave
    # the exporter (before the inland declaration of export transit; gate-in where not recorded).
    origin_ready = _col_or(table, "origin_ready", np.nan)
    export_start = np.where(np.isnan(origin_ready), gate_in, origin_ready)
    begin = np.where(is_export, export_start, arrival)
    hours = done_at - begin

    reefer = cls == CargoClass.REEFER.code
    plugged_hours = np.where(reefer & ~np.isnan(plugged), left - plugged, 0.0)
    unplugged_hours = np.where(reefer, np.where(np.isnan(plugged), left, plugged) - start, 0.0)

    outside_days = np.where(is_import, (delivered - out + inland_arrival - out) / HOURS_PER_DAY + RETURN_EMPTY_DAYS, 0.0)

    fee = rates.inspection_cny_per_box
    station = _col(table, "station")
    inspection = np.zeros(len(station))
    for st in customs_types():
        inspection = np.where(station == st.code, fee[st.fee_key], inspection)
    joint = _col(table, JOINT.flag) == 1
    for st in separate_types():
        visit_fee = np.where(_col(table, st.visits) == 1, fee[st.fee_key], 0.0)
        if st.station is JOINT.joins:  # the joint "3 + 1" visit replaces the customs one and this one
            inspection = np.where(joint, JOINT.fee(inspection, visit_fee), inspection + visit_fee)
        else:
            inspection = inspection + visit_fee

    mode = _col(table, "mode")
    km = _col(table, "distance_km")
    rail = mode == Mode.RAIL.code
    truck = mode == Mode.TRUCK.code
    transit = _col(table, "transit") == 1
    truck_rate = rates.truck_fixed_cny_per_teu + rates.truck_cny_per_teu_km * km
    rail_rate = rates.rail_fixed_cny_per_teu + rates.rail_cny_per_teu_km * km
    per_teu_transport = np.where(rail, rail_rate, np.where(truck, truck_rate, 0.0))
    # A transit box by road must ride a customs-registered bonded truck, at a premium.
    bonded = np.where(truck & transit, truck_rate * rates.bonded_truck_surcharge_share, 0.0)

    # Before integration a transit import is declared again inland: it waits at the inland customs
    # supervised site until released, and duty and VAT stay guaranteed from port release till then.
    inland_released = _col(table, "inland_released")
    second = is_import & transit & (_col(table, "declarations") >= 2)
    site_days = np.where(second, (inland_released - inland_arrival) / HOURS_PER_DAY, 0.0)
    guarantee_years = np.where(second, (inland_released - _col(table, "released")) / HOURS_PER_YEAR, 0.0)
    inspected_inland = _col_or(table, "inland_inspection", 0) == 1

    spoil = np.array([rates.spoilage_rates()[c.value] for c in CargoClass])[cls]
    perish_days = (done_at - np.where(is_export, export_start, in_yard)) / HOURS_PER_DAY

    out_df = pd.DataFrame({
        "handling": teu * rates.handling_cny_per_teu * np.where(is_tx, 2.0, 1.0),
        "storage": np.maximum(0.0, yard_days - rates.storage_free_days) * rates.storage_cny_per_teu_day * teu,
        "reefer_power": (plugged_hours * rates.reefer_power_cny_per_teu_hour
                         + unplugged_hours * rates.unplugged_reefer_cny_per_teu_hour) * teu,
        "demurrage": np.maximum(0.0, yard_days - rates.demurrage_free_days) * rates.demurrage_cny_per_teu_day * teu,
        "detention": np.maximum(0.0, outside_days - rates.detention_free_days) * rates.detention_cny_per_teu_day * teu,
        "inspection": inspection * boxes,
        "brokerage": _col(table, "declarations") * rates.brokerage_cny_per_declaration,
        "transit_formalities": (_col(table, "transit_formalities") == 1) * rates.transit_formalities_cny_per_declaration,
        "certificates": (_col(table, "certificate") == 1) * rates.certificate_cny,
        "hinterland": per_teu_transport * teu,
        "inventory": value * rates.inventory_rate_per_year * hours / HOURS_PER_YEAR,
        "spoilage": value * spoil * perish_days,
        "bonded_carrier": bonded * teu,
        "inland_site": np.where(second, site_days * rates.inland_site_storage_cny_per_teu_day * teu
                                + rates.inland_site_cny_per_box * boxes, 0.0),
        "inland_inspection": inspected_inland * rates.inland_inspection_cny_per_box * boxes,
        "guarantee": value * rates.transit_guarantee_share_of_value * rates.transit_guarantee_rate_per_year
        * guarantee_years,
    }, index=getattr(table, "index", None)).astype(float)
    unfinished = np.isnan(done_at)
    out_df.loc[unfinished, :] = np.nan
    out_df["total"] = out_df[list(COMPONENTS)].sum(axis=1, skipna=False)
    return out_df


def cost_per_teu(table, rates: CostsConfig, chunk_rows: int = 250_000) -> dict:
    """Ratio estimator over finished consignments: sum of cost / sum of TEU, in total and per component.

    Summed over blocks of rows: the per-consignment cost table has ~30 temporaries per row,
    which for a full-year table would cost more memory than the milestone table itself."""
    totals = dict.fromkeys(("mean",) + COMPONENTS, 0.0)
    teu = 0.0
    for part in Frame.of(table).chunks(chunk_rows):
        costs = consignment_costs(part, rates)
        done = costs["total"].notna().to_numpy()
        teu += float(_col(part, "teu")[done].sum())
        totals["mean"] += float(costs["total"].to_numpy()[done].sum())
        for name in COMPONENTS:
            totals[name] += float(costs[name].to_numpy()[done].sum())
    if teu == 0:
        return {name: np.nan for name in totals}
    return {name: value / teu for name, value in totals.items()}


def trade_declared(table):
    """The consignments the logistics-cost KPI covers: foreign-trade imports and exports."""
    table = Frame.of(table)
    keep = (table["trade"] == Trade.FOREIGN.code) & (table["direction"] != Direction.TRANSSHIPMENT.code)
    return table.select(keep)
