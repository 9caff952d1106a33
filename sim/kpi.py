"""KPIs and TRS stages as pure functions of one replication's tables.

Cohorts: imports whose vessel arrived, and exports that gated in, inside the
observed window [warm-up, horizon). Durations of cohort members still open when
the run ended are censored and summarised with Kaplan-Meier (see sim.stats).
Nothing here simulates: any KPI can be recomputed from stored Parquet files.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config import CostsConfig
from sim.costs import COMPONENTS, cost_per_teu, trade_declared
from sim.model.cargo import CargoClass, Direction, Mode, Trade
from sim.stats import summarize_durations

RELEASE_WITHIN_HOURS = 24.0
HOURS_PER_YEAR = 8760.0
IMPORT_STAGES = ("unloading", "preparing", "clearance", "removal")


@dataclass(frozen=True)
class Window:
    warmup_hours: float
    horizon_hours: float
    end_hours: float
    """When the run stopped: anything not done by then is censored at this time."""

    def contains(self, t: np.ndarray) -> np.ndarray:
        return (t >= self.warmup_hours) & (t < self.horizon_hours)


def import_cohort(table: pd.DataFrame, window: Window) -> pd.DataFrame:
    is_import = table["direction"].to_numpy() == Direction.IMPORT.code
    return table[is_import & window.contains(table["vessel_arrival"].to_numpy())]


def export_cohort(table: pd.DataFrame, window: Window) -> pd.DataFrame:
    is_export = table["direction"].to_numpy() == Direction.EXPORT.code
    return table[is_export & window.contains(table["gate_in"].to_numpy())]


def foreign(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["trade"].to_numpy() == Trade.FOREIGN.code]


def duration(table: pd.DataFrame, start: str, end: str, window: Window):
    """(durations, observed): open items are censored at the end of the run."""
    s = table[start].to_numpy()
    e = table[end].to_numpy()
    observed = ~np.isnan(e)
    return np.where(observed, e, window.end_hours) - s, observed


def import_stages(table: pd.DataFrame) -> pd.DataFrame:
    """China's four import stages per consignment; they add up to `out - vessel_arrival`.

    Boundaries: arrival -> box in yard -> declaration lodged (or the yard time if it was
    lodged earlier) -> customs release (or that boundary if released earlier) -> out.
    """
    arrival = table["vessel_arrival"].to_numpy()
    yard = table["in_yard"].to_numpy()
    b2 = np.fmax(yard, table["lodged"].to_numpy())
    b3 = np.fmax(b2, table["released"].to_numpy())
    out = table["out"].to_numpy()
    return pd.DataFrame({
        "unloading": yard - arrival,
        "preparing": b2 - yard,
        "clearance": b3 - b2,
        "removal": out - b3,
    }, index=table.index)


def replication_kpis(table: pd.DataFrame, calls: pd.DataFrame, window: Window, berths: int,
                     rates: CostsConfig) -> dict:
    """Every KPI of one replication, as floats keyed by the names fixed in DESIGN.md."""
    k: dict[str, float] = {}
    imports = import_cohort(table, window)
    exports = export_cohort(table, window)
    f_imp, f_exp = foreign(imports), foreign(exports)

    for name, part in (("import", f_imp), ("export", f_exp)):
        d, obs = duration(part, "lodged", "released", window)
        s = summarize_durations(d, obs, RELEASE_WITHIN_HOURS)
        k[f"{name}_release_within_24h_share"] = s["within"]
        k[f"{name}_clearance_hours_mean"] = s["mean"]
        k[f"{name}_clearance_hours_p90"] = s["p90"]
        k[f"{name}_declarations"] = float(len(part))

    d, obs = duration(f_imp, "vessel_arrival", "out", window)
    k["import_release_hours_mean"] = summarize_durations(d, obs)["mean"]
    d, obs = duration(f_imp, "in_yard", "out", window)
    k["import_yard_dwell_hours_mean"] = summarize_durations(d, obs)["mean"]
    done = f_imp[f_imp["out"].notna().to_numpy()]
    stages = import_stages(done)
    for stage in IMPORT_STAGES:
        k[f"import_stage_hours_{stage}"] = float(stages[stage].mean()) if len(done) else np.nan

    inland = f_imp[f_imp["inland"].to_numpy() == 1]
    d, obs = duration(inland, "vessel_arrival", "delivered", window)
    k["inland_door_hours_mean"] = summarize_durations(d, obs)["mean"]
    for mode in (Mode.TRUCK, Mode.RAIL):
        part = inland[inland["mode"].to_numpy() == mode.code]
        d, obs = duration(part, "vessel_arrival", "delivered", window)
        k[f"inland_door_hours_{mode.value}_mean"] = summarize_durations(d, obs)["mean"]
    k["transit_share"] = float(inland["transit"].mean()) if len(inland) else np.nan
    k["declarations_per_import_mean"] = float(f_imp["declarations"].mean()) if len(f_imp) else np.nan

    costs = cost_per_teu(trade_declared(pd.concat([f_imp, f_exp])), rates)
    k["logistics_cost_cny_per_teu_mean"] = costs["mean"]
    for name in COMPONENTS:
        k[f"logistics_cost_cny_per_teu_{name}"] = costs[name]

    tx = transshipment_cohort(table, window)
    k["transshipment_teu"] = float(tx["teu"].sum())
    k["transshipment_cost_cny_per_teu_mean"] = cost_per_teu(tx, rates)["mean"]
    by_vessel = tx[tx["mode"].to_numpy() == Mode.VESSEL.code]
    d, obs = duration(by_vessel, "vessel_arrival", "out", window)
    k["transshipment_connection_hours_mean"] = summarize_durations(d, obs)["mean"]
    reefers = pd.concat([imports, exports, tx])
    reefers = reefers[reefers["cargo_class"].to_numpy() == CargoClass.REEFER.code]
    start = np.where(reefers["direction"].to_numpy() == Direction.EXPORT.code,
                     reefers["gate_in"].to_numpy(), reefers["in_yard"].to_numpy())
    plugged = reefers["plugged"].to_numpy()
    waited = ~np.isnan(start) & ~np.isnan(plugged)
    k["reefer_plug_wait_hours_mean"] = float(np.mean(plugged[waited] - start[waited])) if waited.any() else np.nan

    k.update(volume_kpis(imports, exports, tx, calls, window))
    k.update(vessel_kpis(calls, window, berths))
    cohort = pd.concat([f_imp, f_exp])
    k["cohort_open_share"] = float(cohort["out"].isna().mean()) if len(cohort) else np.nan
    return k


def transshipment_cohort(table: pd.DataFrame, window: Window) -> pd.DataFrame:
    is_tx = table["direction"].to_numpy() == Direction.TRANSSHIPMENT.code
    return table[is_tx & window.contains(table["vessel_arrival"].to_numpy())]


def volume_kpis(imports: pd.DataFrame, exports: pd.DataFrame, tx: pd.DataFrame, calls: pd.DataFrame,
                window: Window) -> dict:
    in_window = window.contains(calls["departed"].to_numpy())
    teu = float((calls["import_teu"].to_numpy()[in_window] + calls["loaded_teu"].to_numpy()[in_window]).sum())
    years = (window.horizon_hours - window.warmup_hours) / HOURS_PER_YEAR
    both = pd.concat([imports, exports, tx])
    imp_teu = imports["teu"].to_numpy()
    rail = imports["mode"].to_numpy() == Mode.RAIL.code
    return {
        "throughput_teu": teu,
        "throughput_teu_per_year": teu / years,
        "rail_share": float(imp_teu[rail].sum() / imp_teu.sum()) if imp_teu.sum() else np.nan,
        "reefer_teu": float(both["teu"].to_numpy()[both["cargo_class"].to_numpy() == CargoClass.REEFER.code].sum()),
        "rolled_export_share": float((exports["rolled_calls"].to_numpy() > 0).mean()) if len(exports) else np.nan,
    }


def vessel_kpis(calls: pd.DataFrame, window: Window, berths: int) -> dict:
    arrived = calls[window.contains(calls["arrival"].to_numpy())]
    d, obs = duration(arrived, "arrival", "berthed", window)
    start = np.maximum(calls["berthed"].to_numpy(), window.warmup_hours)
    stop = np.minimum(np.nan_to_num(calls["departed"].to_numpy(), nan=window.end_hours), window.horizon_hours)
    busy = np.nansum(np.clip(stop - start, 0.0, None))
    return {
        "vessel_wait_hours_mean": summarize_durations(d, obs)["mean"],
        "berth_utilization": float(busy / (berths * (window.horizon_hours - window.warmup_hours))),
    }
