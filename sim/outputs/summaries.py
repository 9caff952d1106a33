"""Tidy summaries of a stored run, shared by the figures, the notebooks and the report.

Each function reads only the columns it needs from a `sim.store.rundir.Run` and returns a
small pandas table, so a notebook can show the numbers behind any figure and the
figures stay drawing code. Nothing here simulates.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.domain import CargoClass, Channel, Direction, Mode
from sim.domain.sides import PAIRED, Side
from sim.domain.stations import JOINT, station_types
from sim.domain.units import HOURS_PER_WEEK
from sim.outputs.costs import COMPONENTS
from sim.outputs.frame import Frame
from sim.outputs.kpi import (EXPORT_STAGES, IMPORT_STAGES, duration, export_cohort, export_stages, foreign,
                             import_cohort, import_stages, transshipment_cohort)
from sim.outputs.staffing import station_rows
from sim.outputs.stats import kaplan_meier, km_mean

NICE_BIN_HOURS = (1, 2, 3, 4, 6, 8, 12, 24, 48, 72, 168)


FIGURE_COLUMNS = (
    "direction", "trade", "cargo_class", "channel", "station", "mode", "destination", "inland", "teu", "boxes",
    "vessel_arrival", "in_yard", "gate_in", "plugged", "lodged", "accepted", "doc_check_start", "doc_check_end",
    "inspection_queued", "inspection_start", "inspection_end", "quarantine_start", "quarantine_end", "released",
    "loaded", "out", "delivered",
)
"""Every consignment column the run figures read: `Run.frame(FIGURE_COLUMNS)` reads them in one go."""


def by_side(run, frame: Frame) -> dict[str, Frame]:
    """The rows of each side of the run, in the run's side order."""
    side = frame["side"]
    return {s: frame.select(side == s) for s in run.sides}


def _nan(x) -> float:
    return math.nan if x is None else float(x)


# ---------------------------------------------------------------- KPIs
def kpi_table(run, names=None) -> pd.DataFrame:
    """One row per KPI: before/after means with 95 % CIs, relative change and the paired
    difference's CI (compare runs), or the mean and CI (single runs)."""
    names = list(names) if names is not None else list(run.kpis[run.sides[0]])
    rows = []
    for name in names:
        if run.comparison is not None:
            c = run.comparison.get(name)
            if not isinstance(c, dict):
                continue
            row = {"kpi": name}
            for side in PAIRED:
                for stat in ("mean", "ci_low", "ci_high"):
                    row[f"{side}_{stat}"] = _nan(c[side].get(stat))
            for stat in ("mean", "ci_low", "ci_high"):
                row[f"diff_{stat}"] = _nan(c.get("diff", {}).get(stat))
            row["change"] = _nan(c.get("rel_change"))
            row["n"] = c[Side.AFTER].get("n")
        else:
            k = run.kpis[Side.SINGLE].get(name)
            if not isinstance(k, dict):
                continue
            row = {"kpi": name, **{stat: _nan(k.get(stat)) for stat in ("mean", "ci_low", "ci_high")}, "n": k.get("n")}
        rows.append(row)
    return pd.DataFrame(rows).set_index("kpi") if rows else pd.DataFrame()


def cost_components(run) -> pd.DataFrame:
    """Logistics cost per TEU by component and side (the `logistics_cost_cny_per_teu_<c>` KPIs)."""
    rows = []
    for side in run.sides:
        for c in COMPONENTS:
            k = run.kpis[side].get(f"logistics_cost_cny_per_teu_{c}")
            if isinstance(k, dict):
                rows.append({"side": side, "component": c, "mean": _nan(k.get("mean")),
                             "ci_low": _nan(k.get("ci_low")), "ci_high": _nan(k.get("ci_high"))})
    return pd.DataFrame(rows, columns=["side", "component", "mean", "ci_low", "ci_high"])


# ---------------------------------------------------------------- clearance and stages
CLEARANCE_COLUMNS = ("direction", "trade", "vessel_arrival", "gate_in", "lodged", "released")


def clearance_curves(run, direction: str = "export") -> dict:
    """{side: (regime name, durations, observed)} of lodgement -> release for the foreign cohort,
    pooled over replications; open declarations are censored at the end of the run."""
    frame = run.frame(CLEARANCE_COLUMNS)
    cohort = (export_cohort if direction == "export" else import_cohort)(frame, run.window)
    names = run.regime_names
    return {s: (names[s], *duration(part, "lodged", "released", run.window))
            for s, part in by_side(run, foreign(cohort)).items()}


def _replication_mean(values: pd.DataFrame, replication: np.ndarray) -> pd.Series:
    """Mean of per-replication means: the same estimator as the KPIs."""
    if len(values) == 0:
        return pd.Series(np.nan, index=values.columns)
    return values.groupby(replication).mean().mean()


def import_stage_means(run) -> pd.DataFrame:
    """Mean hours per China import stage (rows: sides), finished foreign imports of the cohort."""
    frame = foreign(import_cohort(run.frame(("direction", "trade", "vessel_arrival", "in_yard", "lodged",
                                             "released", "out")), run.window))
    frame = frame.select(~np.isnan(frame["out"]))
    rows = {s: _replication_mean(import_stages(part), part["replication"]) for s, part in by_side(run, frame).items()}
    return pd.DataFrame(rows).T.reindex(columns=list(IMPORT_STAGES))


def export_stage_means(run) -> pd.DataFrame:
    """Mean hours per export stage (rows: sides), finished foreign exports of the cohort."""
    frame = foreign(export_cohort(run.frame(("direction", "trade", "gate_in", "lodged", "released", "loaded",
                                             "out")), run.window))
    frame = frame.select(~np.isnan(frame["out"]))
    rows = {s: _replication_mean(export_stages(part), part["replication"]) for s, part in by_side(run, frame).items()}
    return pd.DataFrame(rows).T.reindex(columns=list(EXPORT_STAGES))


def daily_clearance(run) -> pd.DataFrame:
    """Mean clearance hours of the foreign declarations lodged each day of the whole run
    (columns: direction x side). Only released ones count, so the last days read low."""
    frame = foreign(run.frame(("direction", "trade", "lodged", "released")))
    frame = frame.select(~np.isnan(frame["lodged"]) & ~np.isnan(frame["released"]))
    out = {}
    for direction in (Direction.IMPORT, Direction.EXPORT):
        part = frame.select(frame["direction"] == direction.code)
        for side, rows in by_side(run, part).items():
            day = np.floor(rows["lodged"] / 24.0)
            hours = rows["released"] - rows["lodged"]
            out[(direction.value, side)] = pd.Series(hours).groupby(day).mean()
    table = pd.DataFrame(out)
    table.index.name = "day"
    return table


# ---------------------------------------------------------------- occupancy over time
def bin_edges(run, target_bins: int = 300) -> np.ndarray:
    """Time bins over the whole run, a 'nice' width in hours."""
    end = run.window.end_hours
    width = next((w for w in NICE_BIN_HOURS if end / w <= target_bins), NICE_BIN_HOURS[-1])
    return np.arange(0.0, end + width, float(width))


def _integral(points: np.ndarray, t: np.ndarray) -> np.ndarray:
    """sum_i max(0, t - points_i) for each t (points sorted)."""
    csum = np.concatenate(([0.0], np.cumsum(points)))
    k = np.searchsorted(points, t, side="right")
    return k * t - csum[k]


def mean_in_system(starts, ends, edges: np.ndarray, end_hours: float) -> np.ndarray:
    """Time-average number of intervals [start, end) open in each bin, exactly.

    Intervals with no start are left out; a missing end means still open when the run
    stopped (censored at `end_hours`).
    """
    starts = np.asarray(starts, dtype=float)
    ends = np.asarray(ends, dtype=float)
    keep = ~np.isnan(starts)
    s = starts[keep]
    e = np.fmax(np.where(np.isnan(ends[keep]), end_hours, ends[keep]), s)
    area = _integral(np.sort(s), edges) - _integral(np.sort(e), edges)
    return np.diff(area) / np.diff(edges)


def _timeline(run, frame: Frame, start, end, edges) -> pd.DataFrame:
    """Mean over replications of the number in [start, end) per bin; one column per side."""
    window = run.window
    cols = {}
    for side, part in by_side(run, frame).items():
        s = part[start] if isinstance(start, str) else start(part)
        e = part[end] if isinstance(end, str) else end(part)
        cols[side] = mean_in_system(s, e, edges, window.end_hours) / max(run.replications, 1)
    table = pd.DataFrame(cols, index=pd.Index((edges[:-1] + edges[1:]) / 2.0, name="hour"))
    return table


def _side_capacity(run, getter) -> dict:
    return {side: getter(run.regime_config(side)) for side in run.sides}


def _resource_columns(types) -> tuple[str, ...]:
    """The columns `resource_use` reads: officers, and the station types' visits."""
    cols = ["doc_check_start", "doc_check_end", "station", JOINT.flag]
    for st in types:
        cols += [c for c in (st.visits, st.start, st.end) if c]
    return tuple(dict.fromkeys(cols))


def _stored_stations(run) -> tuple[list, list]:
    """(station types whose visit columns the stored table has, those it lacks). A run stored
    before fumigation had columns of its own recorded it in the CIQ visit's columns."""
    stored = getattr(run, "table_columns", None)
    types = station_types()
    if stored is None:
        return list(types), []
    return [st for st in types if {st.start, st.end} <= stored], [st for st in types if not {st.start, st.end} <= stored]


def resource_use(run) -> dict[str, tuple[pd.DataFrame, dict]]:
    """Busy servers over time: {resource: (timeline, capacity per side)}.

    A server is busy from the recorded start to the end of a job (officers and bays hold a
    job overnight when their shift ends). The joint "3 + 1" visit takes its bay (physical).
    A run stored before each separate station had columns of its own has no fumigation panel,
    and its CIQ panel leaves out the boxes also fumigated (their record mixes the two visits).
    """
    edges = bin_edges(run)
    port = run.config.get("port", {})
    bays = {name: int(s.get("bays", 0)) for name, s in port.get("inspection_stations", {}).items()}
    berths = sum(int(t.get("berths", 0)) for t in port.get("terminals", {}).values())
    types, absent = _stored_stations(run)
    frame = run.frame(_resource_columns(types) + tuple(st.visits for st in absent if st.visits))
    out = {
        "berths": (_timeline(run, run.call_frame, "berthed", "departed", edges), dict.fromkeys(run.sides, berths)),
        "document-check officers": (_timeline(run, frame, "doc_check_start", "doc_check_end", edges),
                                    _side_capacity(run, lambda r: int(r.get("officers", 0)))),
    }
    mixed = np.logical_or.reduce([frame[st.visits] == 1 for st in absent if st.visits] or [np.zeros(len(frame), bool)])
    for st, rows in station_rows(frame, types).items():
        if not st.customs:
            rows = rows & ~mixed
        name = f"{st.key} inspection bays" if st.customs else f"{st.key} bays"
        out[name] = (_timeline(run, frame.select(rows), st.start, st.end, edges),
                     dict.fromkeys(run.sides, bays.get(st.key, 0)))
    return out


def _yard_arrival(part: Frame) -> np.ndarray:
    return np.where(part["direction"] == Direction.EXPORT.code, part["gate_in"], part["in_yard"])


def _yard_departure(part: Frame) -> np.ndarray:
    """When the box leaves the yard: gate-out or train for imports, loading otherwise (as sim.outputs.costs)."""
    loaded, out = part["loaded"], part["out"]
    return np.where(part["direction"] == Direction.IMPORT.code, out, np.where(np.isnan(loaded), out, loaded))


def _plug_wait_end(part: Frame) -> np.ndarray:
    """A reefer waits for a plug until it gets one or leaves the yard without one."""
    return np.where(np.isnan(part["plugged"]), _yard_departure(part), part["plugged"])


QUEUE_COLUMNS = ("direction", "channel", "accepted", "doc_check_start", "inspection_queued", "inspection_start",
                 "cargo_class", "gate_in", "in_yard", "plugged", "loaded", "out")


def queue_lengths(run) -> dict[str, pd.DataFrame]:
    """Number waiting over time (mean over replications): {queue: timeline}."""
    edges = bin_edges(run)
    frame = run.frame(QUEUE_COLUMNS)
    checked = frame.select(np.isin(frame["channel"], (Channel.YELLOW.code, Channel.RED.code)))
    inspected = frame.select(~np.isnan(frame["inspection_queued"]))
    reefers = frame.select(frame["cargo_class"] == CargoClass.REEFER.code)
    reefers = reefers.select(_yard_arrival(reefers) >= 0)  # exports gated in before the start never ask for a plug
    return {
        "vessels waiting for a berth": _timeline(run, run.call_frame, "arrival", "berthed", edges),
        "declarations waiting for an officer": _timeline(run, checked, "accepted", "doc_check_start", edges),
        "boxes waiting for inspection": _timeline(run, inspected, "inspection_queued", "inspection_start", edges),
        "reefers waiting for a plug": _timeline(run, reefers, _yard_arrival, _plug_wait_end, edges),
    }


def reefer_plug_use(run) -> tuple[pd.DataFrame, int]:
    """Plugs in use over time (mean over replications) and the number of plugs."""
    frame = run.frame(("direction", "cargo_class", "plugged", "loaded", "out"))
    reefers = frame.select(frame["cargo_class"] == CargoClass.REEFER.code)
    plugs = int(run.config.get("port", {}).get("reefer_plugs", 0))
    return _timeline(run, reefers, "plugged", _yard_departure, bin_edges(run)), plugs


# ---------------------------------------------------------------- intermodal
def train_loads(run) -> pd.DataFrame:
    """TEU and boxes per departing train (rail imports and land-bridge transshipment), by
    side, replication, destination and departure hour; `capacity_teu` from the port config."""
    frame = run.frame(("direction", "mode", "destination", "teu", "boxes", "out"))
    rail = frame.select((frame["mode"] == Mode.RAIL.code) & (frame["direction"] != Direction.EXPORT.code)
                        & ~np.isnan(frame["out"]))
    names = run.names("destination")
    table = pd.DataFrame({
        "side": rail["side"], "replication": rail["replication"],
        "destination": np.asarray(names, dtype=object)[rail["destination"]] if len(rail) else [],
        "departure": rail["out"], "teu": rail["teu"], "boxes": rail["boxes"],
    })
    loads = table.groupby(["side", "replication", "destination", "departure"], observed=True, sort=True)[
        ["teu", "boxes"]].sum().reset_index()
    dests = run.config.get("port", {}).get("destinations", {})
    loads["capacity_teu"] = loads["destination"].map(lambda d: float(dests.get(d, {}).get("rail_capacity_teu", np.nan)))
    return loads


def _km_mean(d, obs) -> float:
    return km_mean(*kaplan_meier(d, obs)) if len(d) else math.nan


def inland_door_times(run) -> pd.DataFrame:
    """Vessel arrival -> consignee's door, hours (Kaplan-Meier mean pooled over replications),
    for inland-bound foreign imports of the cohort by side, city and mode."""
    frame = foreign(import_cohort(run.frame(("direction", "trade", "inland", "destination", "mode", "vessel_arrival",
                                             "delivered")), run.window))
    frame = frame.select(frame["inland"] == 1)
    names = run.names("destination")
    rows = []
    for side, part in by_side(run, frame).items():
        for code in np.unique(part["destination"]):
            for mode in (Mode.TRUCK, Mode.RAIL):
                sel = part.select((part["destination"] == code) & (part["mode"] == mode.code))
                if len(sel):
                    d, obs = duration(sel, "vessel_arrival", "delivered", run.window)
                    rows.append({"side": side, "destination": names[code], "mode": mode.value,
                                 "hours_mean": _km_mean(d, obs), "consignments": len(sel)})
    return pd.DataFrame(rows, columns=["side", "destination", "mode", "hours_mean", "consignments"])


def transshipment_summary(run) -> pd.DataFrame:
    """Transshipment by side and connection (onward vessel, or land-bridge train to a city):
    TEU per week of the observed window (mean over replications) and the mean connection
    time (discharge vessel arrival -> onward departure, Kaplan-Meier, pooled)."""
    frame = transshipment_cohort(run.frame(("direction", "mode", "destination", "teu", "vessel_arrival", "out")),
                                 run.window)
    window = run.window
    weeks = (window.horizon_hours - window.warmup_hours) / HOURS_PER_WEEK
    names = run.names("destination")
    connection = np.where(frame["mode"] == Mode.VESSEL.code, "onward vessel",
                          np.asarray(["rail to " + n for n in names], dtype=object)[frame["destination"]]
                          if len(frame) else [])
    rows = []
    for side in run.sides:
        at_side = frame["side"] == side
        for kind in sorted(set(connection[at_side])):
            sel = at_side & (connection == kind)
            part = frame.select(sel)
            d, obs = duration(part, "vessel_arrival", "out", window)
            rows.append({"side": side, "connection": kind,
                         "teu_per_week": float(part["teu"].sum()) / max(run.replications, 1) / weeks,
                         "connection_hours_mean": _km_mean(d, obs), "consignments": len(part)})
    return pd.DataFrame(rows, columns=["side", "connection", "teu_per_week", "connection_hours_mean", "consignments"])
