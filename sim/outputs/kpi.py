"""KPIs and TRS stages as pure functions of one replication's tables.

Cohorts: imports whose vessel arrived, and exports that gated in, inside the
observed window [warm-up, horizon). Durations of cohort members still open when
the run ended are censored and summarised with Kaplan-Meier (see sim.outputs.stats).
Nothing here simulates: any KPI can be recomputed from stored Parquet files.
Tables may be pandas DataFrames, Arrow tables or `sim.outputs.frame.Frame`s; cohorts are Frame
selections, so only the columns a KPI reads are ever copied. Which KPIs exist, their units and
the order they print in are declared in `sim.outputs.kpis` (the registry), which also runs
the families below (`replication_kpis`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config import CostsConfig
from sim.domain import SNAPSHOT_FLAG, CargoClass, Channel, Direction, Mode, Trade
from sim.domain.units import HOURS_PER_YEAR
from sim.outputs.costs import COMPONENTS, cost_per_teu, trade_declared
from sim.outputs.frame import Frame
from sim.outputs.stats import summarize_durations

RELEASE_WITHIN_HOURS = 24.0
IMPORT_STAGES = ("unloading", "preparing", "clearance", "removal")
EXPORT_STAGES = ("preparing", "clearance", "after_release", "departure")


@dataclass(frozen=True)
class Window:
    warmup_hours: float
    horizon_hours: float
    end_hours: float
    """When the run stopped: anything not done by then is censored at this time."""
    start_hours: float = 0.0
    """When the run started: 0, or the moment of its snapshot (`run.initial_state`)."""

    def contains(self, t: np.ndarray) -> np.ndarray:
        return (t >= self.warmup_hours) & (t < self.horizon_hours)


def _mean(x: np.ndarray) -> float:
    return float(np.mean(x)) if len(x) else np.nan


def import_cohort(table, window: Window) -> Frame:
    table = Frame.of(table)
    return table.select((table["direction"] == Direction.IMPORT.code) & window.contains(table["vessel_arrival"]))


def export_cohort(table, window: Window) -> Frame:
    table = Frame.of(table)
    return table.select((table["direction"] == Direction.EXPORT.code) & window.contains(table["gate_in"]))


def transshipment_cohort(table, window: Window) -> Frame:
    table = Frame.of(table)
    return table.select((table["direction"] == Direction.TRANSSHIPMENT.code) & window.contains(table["vessel_arrival"]))


def foreign(table) -> Frame:
    table = Frame.of(table)
    return table.select(table["trade"] == Trade.FOREIGN.code)


def duration(table, start: str, end: str, window: Window):
    """(durations, observed): open items are censored at the end of the run."""
    s = np.asarray(table[start])
    e = np.asarray(table[end])
    observed = ~np.isnan(e)
    return np.where(observed, e, window.end_hours) - s, observed


def import_stages(table) -> pd.DataFrame:
    """China's four import stages per consignment; they add up to `out - vessel_arrival`.

    Boundaries: arrival -> box in yard -> declaration lodged (or the yard time if it was
    lodged earlier) -> customs release (or that boundary if released earlier) -> out.
    """
    arrival = np.asarray(table["vessel_arrival"])
    yard = np.asarray(table["in_yard"])
    b2 = np.fmax(yard, np.asarray(table["lodged"]))
    b3 = np.fmax(b2, np.asarray(table["released"]))
    out = np.asarray(table["out"])
    return pd.DataFrame({
        "unloading": yard - arrival,
        "preparing": b2 - yard,
        "clearance": b3 - b2,
        "removal": out - b3,
    }, index=getattr(table, "index", None))


def export_stages(table) -> pd.DataFrame:
    """Four export stages per consignment, adding up to `out - gate_in` (the box's time in port).

    Boundaries, like `import_stages`: gate-in -> declaration lodged (or gate-in if lodged
    earlier) -> customs release -> loaded onto the vessel -> vessel departure (`out`).
    """
    gate_in = np.asarray(table["gate_in"])
    b1 = np.fmax(gate_in, np.asarray(table["lodged"]))
    b2 = np.fmax(b1, np.asarray(table["released"]))
    b3 = np.fmax(b2, np.asarray(table["loaded"]))
    out = np.asarray(table["out"])
    return pd.DataFrame({
        "preparing": b1 - gate_in,
        "clearance": b2 - b1,
        "after_release": b3 - b2,
        "departure": out - b3,
    }, index=getattr(table, "index", None))


def cohort_open_share(table, window: Window) -> float:
    """Share of the foreign import and export cohort still in port when the run stopped."""
    imports, exports = import_cohort(table, window), export_cohort(table, window)
    return _mean(np.isnan(Frame.concat(foreign(imports), foreign(exports))["out"]))


ARRIVAL_COLUMN = {"import": "vessel_arrival", "export": "gate_in"}
"""Where the national "overall clearance time" starts, per direction: the vessel's arrival for an
import, the box's arrival at the port (gate-in) for an export; it ends at customs release."""


def clearance_kpis(table: Frame, window: Window, rates=None) -> dict:
    """Lodged to released (the 24-h share, mean, p90), arrival to released (the span of the national
    overall clearance time) and accepted to released, per direction."""
    k = {}
    for name, part in (("import", foreign(import_cohort(table, window))),
                       ("export", foreign(export_cohort(table, window)))):
        d, obs = duration(part, "lodged", "released", window)
        s = summarize_durations(d, obs, RELEASE_WITHIN_HOURS)
        k[f"{name}_release_within_24h_share"] = s["within"]
        k[f"{name}_clearance_hours_mean"] = s["mean"]
        k[f"{name}_clearance_hours_p90"] = s["p90"]
        k[f"{name}_declarations"] = float(len(part))
        d, obs = duration(part, ARRIVAL_COLUMN[name], "released", window)
        # released before the box arrived (pre-arrival declaration): released on arrival, 0 h
        k[f"{name}_arrival_to_release_hours_mean"] = summarize_durations(np.maximum(d, 0.0), obs)["mean"]
        d, obs = duration(part, "accepted", "released", window)
        k[f"{name}_processing_hours_mean"] = summarize_durations(d, obs)["mean"]  # accepted -> released, waits too
        k[f"{name}_customs_work_hours_mean"] = _customs_work_mean(part)  # officers' own time (T3)
    return k


def _customs_work_mean(declarations: Frame) -> float:
    """Mean officers' working time per declaration (planned, so known for open ones too); NaN
    for a table stored before the column existed."""
    if "customs_work_hours" not in declarations:
        return np.nan
    work = np.asarray(declarations["customs_work_hours"])
    return _mean(work[~np.isnan(work)])


def import_kpis(table: Frame, window: Window, rates=None) -> dict:
    """Foreign imports: time to leave the port, yard dwell, TRS stages, inland door time, transit."""
    k = {}
    f_imp = foreign(import_cohort(table, window))
    d, obs = duration(f_imp, "vessel_arrival", "out", window)
    k["import_release_hours_mean"] = summarize_durations(d, obs)["mean"]
    d, obs = duration(f_imp, "in_yard", "out", window)
    k["import_yard_dwell_hours_mean"] = summarize_durations(d, obs)["mean"]
    stages = import_stages(f_imp.select(~np.isnan(f_imp["out"])))
    for stage in IMPORT_STAGES:
        k[f"import_stage_hours_{stage}"] = _mean(stages[stage].to_numpy())
    # Each stage's share of the release time, as China reports it (T10): stage mean over the sum
    # of the stage means (the release time of the same boxes, those out of the port).
    total = float(sum(k[f"import_stage_hours_{stage}"] for stage in IMPORT_STAGES))
    for stage in IMPORT_STAGES:
        k[f"import_stage_share_{stage}"] = k[f"import_stage_hours_{stage}"] / total if total > 0 else np.nan

    inland = f_imp.select(f_imp["inland"] == 1)
    d, obs = duration(inland, "vessel_arrival", "delivered", window)
    k["inland_door_hours_mean"] = summarize_durations(d, obs)["mean"]
    for mode in (Mode.TRUCK, Mode.RAIL):
        d, obs = duration(inland.select(inland["mode"] == mode.code), "vessel_arrival", "delivered", window)
        k[f"inland_door_hours_{mode.value}_mean"] = summarize_durations(d, obs)["mean"]
    k["transit_share"] = _mean(inland["transit"])
    k["declarations_per_import_mean"] = _mean(f_imp["declarations"])
    return k


def cost_kpis(table: Frame, window: Window, rates: CostsConfig) -> dict:
    """Logistics cost per TEU of declared foreign trade, in total and per component, and of its
    inland part alone (imports to and exports from inland cities: what the regional integration
    was for, T2)."""
    cohort = trade_declared(Frame.concat(foreign(import_cohort(table, window)), foreign(export_cohort(table, window))))
    costs = cost_per_teu(cohort, rates)
    k = {"logistics_cost_cny_per_teu_mean": costs["mean"]}
    for name in COMPONENTS:
        k[f"logistics_cost_cny_per_teu_{name}"] = costs[name]
    cohort = Frame.of(cohort)
    k["inland_logistics_cost_cny_per_teu_mean"] = cost_per_teu(cohort.select(cohort["inland"] == 1), rates)["mean"]
    return k


def transshipment_kpis(table: Frame, window: Window, rates: CostsConfig) -> dict:
    tx = transshipment_cohort(table, window)
    d, obs = duration(tx.select(tx["mode"] == Mode.VESSEL.code), "vessel_arrival", "out", window)
    return {
        "transshipment_teu": float(tx["teu"].sum()),
        "transshipment_cost_cny_per_teu_mean": cost_per_teu(tx, rates)["mean"],
        "transshipment_connection_hours_mean": summarize_durations(d, obs)["mean"],
    }


def reefer_kpis(table: Frame, window: Window, rates=None) -> dict:
    """Mean wait for a reefer plug, from reaching the yard to being plugged in."""
    reefers = Frame.concat(import_cohort(table, window), export_cohort(table, window),
                           transshipment_cohort(table, window))
    reefers = reefers.select(reefers["cargo_class"] == CargoClass.REEFER.code)
    start = np.where(reefers["direction"] == Direction.EXPORT.code, reefers["gate_in"], reefers["in_yard"])
    plugged = reefers["plugged"]
    waited = ~np.isnan(start) & ~np.isnan(plugged)
    return {"reefer_plug_wait_hours_mean": _mean(plugged[waited] - start[waited])}


def _checked(table: Frame) -> np.ndarray:
    """Declarations the officers check: the yellow and red channels."""
    return np.isin(table["channel"], (Channel.YELLOW.code, Channel.RED.code))


QUEUES = (  # (KPI, joins the queue, work starts, who joins it: None = every row with the first milestone)
    ("officer_wait_hours_mean", "accepted", "doc_check_start", _checked),
    ("inspection_wait_hours_mean", "inspection_queued", "inspection_start", None),
    ("inland_office_hours_mean", "inland_lodged", "inland_released", None),
)


def queue_kpis(table: Frame, window: Window, rates=None) -> dict:
    """Time from joining a staffed pool's queue to the start of its work, for the pools whose
    queue a declaration or box joins on a recorded milestone: the port officers (accepted ->
    document check), the customs inspection stations (box at the station -> inspection), and the
    inland offices (second declaration lodged -> released; their checks and bays in tandem).
    Closed hours count as waiting. Open items are censored at the end of the run (Kaplan-Meier).
    Why: these move with one server more or less; the door-to-door KPIs dilute a pool's wait
    over the many boxes that never visit it."""
    cohort = foreign(Frame.concat(import_cohort(table, window), export_cohort(table, window)))
    k = {}
    for name, start, end, joins in QUEUES:
        rows = ~np.isnan(cohort[start])
        part = cohort.select(rows & joins(cohort) if joins else rows)
        d, obs = duration(part, start, end, window)
        k[name] = summarize_durations(d, obs)["mean"]  # NaN for a pool nobody joined
    return k


def volume_kpis(imports: Frame, exports: Frame, tx: Frame, calls: Frame, window: Window) -> dict:
    in_window = window.contains(calls["departed"])
    teu = float((calls["import_teu"][in_window] + calls["loaded_teu"][in_window]).sum())
    years = (window.horizon_hours - window.warmup_hours) / HOURS_PER_YEAR
    both = Frame.concat(imports, exports, tx)
    reefer = float(both["teu"][both["cargo_class"] == CargoClass.REEFER.code].sum())
    imp_teu = imports["teu"]
    rail = imports["mode"] == Mode.RAIL.code
    return {
        "throughput_teu": teu,
        "throughput_teu_per_year": teu / years,
        "rail_share": float(imp_teu[rail].sum() / imp_teu.sum()) if imp_teu.sum() else np.nan,
        "reefer_teu": reefer,
        "reefer_teu_per_year": reefer / years,
        "rolled_export_share": _mean(exports["rolled_calls"] > 0),
    }


def vessel_kpis(calls: Frame, window: Window, berths) -> dict:
    """Mean wait for a berth, and the share of berth time in use over the observed window: of all
    berths, and at the busiest terminal. `berths`: a total, or each terminal's by terminal code."""
    arrived = calls.select(window.contains(calls["arrival"]))
    d, obs = duration(arrived, "arrival", "berthed", window)
    start = np.maximum(calls["berthed"], window.warmup_hours)
    stop = np.minimum(np.nan_to_num(calls["departed"], nan=window.end_hours), window.horizon_hours)
    busy = np.clip(np.nan_to_num(stop - start), 0.0, None)
    observed = window.horizon_hours - window.warmup_hours
    per_terminal = np.atleast_1d(np.asarray(berths, dtype=float))
    if len(per_terminal) > 1:
        by_terminal = np.bincount(np.asarray(calls["terminal"], dtype=np.int64), weights=busy,
                                  minlength=len(per_terminal))
        busiest = float(np.max(by_terminal / (per_terminal * observed)))
    else:
        busiest = float(busy.sum() / (per_terminal.sum() * observed))
    return {
        "vessel_wait_hours_mean": summarize_durations(d, obs)["mean"],
        "berth_utilization": float(busy.sum() / (per_terminal.sum() * observed)),
        "busiest_terminal_berth_share": busiest,
    }


def snapshot_kpis(table, window: Window) -> dict:
    """The snapshot's items (`from_snapshot`: the boxes in the yard and the cargo its vessels still
    discharge), counted from the moment it was taken (`window.start_hours`): the other KPIs cover the
    new arrivals only (their cohorts arrive inside the window). NaN without a snapshot."""
    table = Frame.of(table)
    nan = {"snapshot_items": 0.0, "snapshot_release_hours_mean": np.nan, "snapshot_released_share": np.nan,
           "snapshot_leave_hours_mean": np.nan}
    if SNAPSHOT_FLAG not in table:
        return nan
    items = table.select(np.asarray(table[SNAPSHOT_FLAG]) == 1)
    if not len(items):
        return nan
    t0 = window.start_hours
    released = np.asarray(items["released"])
    declared = np.asarray(items["trade"]) == Trade.FOREIGN.code
    due = released[declared & ~(released < t0)]  # not released before the snapshot (NaN: not yet)
    d, obs = np.where(np.isnan(due), window.end_hours, due) - t0, ~np.isnan(due)
    by_horizon = due < window.horizon_hours
    out = np.asarray(items["out"])
    leave, left = np.where(np.isnan(out), window.end_hours, out) - t0, ~np.isnan(out)
    return {
        "snapshot_items": float(len(items)),
        "snapshot_release_hours_mean": summarize_durations(d, obs)["mean"] if len(d) else np.nan,
        "snapshot_released_share": _mean(by_horizon),
        "snapshot_leave_hours_mean": summarize_durations(leave, left)["mean"],
    }
