"""Logistics cost per consignment: a pure function of the milestone table and the rates.

Because it needs no simulation, a cost what-if (other rates, other free days) is
re-computed from stored `consignments.parquet` in milliseconds.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sim.config import CostsConfig
from sim.model.cargo import Direction, Mode, Station, Trade

HOURS_PER_DAY = 24.0
COMPONENTS = ("handling", "storage", "inspection", "brokerage", "hinterland")


def consignment_costs(table: pd.DataFrame, rates: CostsConfig) -> pd.DataFrame:
    """CNY per consignment, one column per component plus `total` (NaN where the box has not left)."""
    teu = table["teu"].to_numpy()
    boxes = table["boxes"].to_numpy()
    is_import = table["direction"].to_numpy() == Direction.IMPORT.code
    start = np.where(is_import, table["in_yard"].to_numpy(), table["gate_in"].to_numpy())
    dwell_days = (table["out"].to_numpy() - start) / HOURS_PER_DAY

    station = table["station"].to_numpy()
    fee = np.zeros(len(table))
    fee[station == Station.SCAN.code] = rates.inspection_cny_per_box["scan"]
    fee[station == Station.PHYSICAL.code] = rates.inspection_cny_per_box["physical"]

    rail = table["mode"].to_numpy() == Mode.RAIL.code
    km = table["distance_km"].to_numpy()
    per_teu_transport = np.where(rail, rates.rail_fixed_cny_per_teu + rates.rail_cny_per_teu_km * km,
                                 rates.truck_fixed_cny_per_teu + rates.truck_cny_per_teu_km * km)
    declared = table["trade"].to_numpy() == Trade.FOREIGN.code

    out = pd.DataFrame({
        "handling": teu * rates.handling_cny_per_teu,
        "storage": np.maximum(0.0, dwell_days - rates.storage_free_days) * rates.storage_cny_per_teu_day * teu,
        "inspection": fee * boxes,
        "brokerage": np.where(declared, rates.brokerage_cny_per_declaration, 0.0),
        "hinterland": per_teu_transport * teu,
    }, index=table.index)
    out["total"] = out[list(COMPONENTS)].sum(axis=1, skipna=False)
    return out


def cost_per_teu(table: pd.DataFrame, rates: CostsConfig) -> dict:
    """Ratio estimator over consignments that have left the port: sum of cost / sum of TEU."""
    costs = consignment_costs(table, rates)
    done = costs["total"].notna().to_numpy()
    teu = table["teu"].to_numpy()[done].sum()
    if teu == 0:
        return {name: np.nan for name in ("mean",) + COMPONENTS}
    result = {"mean": float(costs["total"].to_numpy()[done].sum() / teu)}
    for name in COMPONENTS:
        result[name] = float(costs[name].to_numpy()[done].sum() / teu)
    return result
