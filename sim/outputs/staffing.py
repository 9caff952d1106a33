"""Staffing KPIs: how busy each staffed pool was and how long its queue waited.

Why: the door-to-door KPIs dilute a pool's wait over the many boxes that never visit it, so a
staffing what-if (50 officers instead of 76) shows "+0.000" there while the officers' queue
doubles. Per pool: utilisation, busy server-hours over available server-hours in the observed
window, and (per inspection station) the mean wait from reaching the station to the start of
its work.

Busy time is read from each job's start and end columns (the officers' document check, each
station's visit) and counted only in the pool's open hours: a server that takes a job near
closing holds it overnight (`sim.model.inspection.StaffedStation`) but works on it only while
open, so the open hours of [start, end] are exactly the job's work. Jobs are clipped to the
observed window; one still running when the run stopped counts until then. Available =
servers x the pool's open hours in the window. The servers and calendars are not in the
consignment table, so the experiment layer passes them in as `Pool`s built from the config
(`staffed_pools`), carried in `RunTables.pools`.

The inland customs offices (one per inland destination, each with the regime's
`transit.inland_officers` and `transit.inland_inspection_bays` on its `transit.inland_calendar`)
are two pools summed over the offices: their utilisation is the busy hours of all offices over
the available hours of all offices. Their wait is `inland_office_hours_mean` (lodging to release).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from sim.domain.calendar import WorkingCalendar
from sim.domain.stations import JOINT, STATION_TYPES, StationType, calendar_of, of
from sim.outputs.frame import Frame
from sim.outputs.kpi import Window, duration, export_cohort, foreign, import_cohort
from sim.outputs.stats import summarize_durations

OFFICERS = "officers"
INLAND_OFFICERS = "inland_officers"
INLAND_BAYS = "inland_bays"
STATIONS: tuple[StationType, ...] = STATION_TYPES
"""The stations with staffing KPIs: the registry as the KPIs were registered (a station type a
test adds for its duration gets none, so the registry of KPIs and the family still agree)."""


@dataclass(frozen=True)
class Pool:
    """A staffed pool's capacity: `servers` working on a weekly calendar (days, open, close)."""
    name: str
    servers: int
    days: tuple[int, ...]
    open_hour: float
    close_hour: float
    offices: int = 1
    """Equal offices the servers are split among (the inland offices: one per inland destination)."""

    @property
    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(self.days, self.open_hour, self.close_hour)

    def available_hours(self, window: Window) -> float:
        """Server-hours open in the observed window."""
        clock = self.calendar.clock_many(np.array([window.warmup_hours, window.horizon_hours]))
        return self.servers * float(clock[1] - clock[0])


def _field(config, name: str):
    return config[name] if isinstance(config, Mapping) else getattr(config, name)


def _pool(name: str, servers, calendar, offices: int = 1) -> Pool:
    return Pool(name, int(servers), tuple(int(d) for d in _field(calendar, "days")),
                float(_field(calendar, "open_hour")), float(_field(calendar, "close_hour")), offices)


def staffed_pools(port, regime) -> tuple[Pool, ...]:
    """The pools a regime staffs at the port: its document-check officers on its officer
    calendar, and each inspection station's bays on the station's calendar under this regime."""
    stations = _field(port, "inspection_stations")
    pools = [_pool(OFFICERS, _field(regime, "officers"), _field(regime, "officer_calendar"))]
    pools += [_pool(st.key, _field(stations[st.key], "bays"), calendar_of(st, regime)) for st in STATIONS]
    offices = sum(1 for d in _field(port, "destinations").values() if _field(d, "inland"))
    transit = _field(regime, "transit")
    calendar = _field(transit, "inland_calendar")
    pools += [_pool(INLAND_OFFICERS, offices * _field(transit, "inland_officers"), calendar, offices),
              _pool(INLAND_BAYS, offices * _field(transit, "inland_inspection_bays"), calendar, offices)]
    return tuple(pools)


def station_rows(table: Frame, types=None) -> dict[StationType, np.ndarray]:
    """Station type -> the rows that visit it, customs stations first, then the others in visit
    order. A joint "3 + 1" visit is recorded as the customs visit, at the joint visit's bay; the
    CIQ visit it replaces is not made."""
    joint = (np.asarray(table[JOINT.flag]) == 1) & (np.asarray(table[of(JOINT.joins).visits]) == 1)
    customs = np.where(joint, JOINT.bay.code, np.asarray(table["station"]))
    types = STATIONS if types is None else types
    rows = {}
    for st in sorted(types, key=lambda st: not st.customs):  # stable: registry order within each kind
        if st.customs:
            rows[st] = customs == st.code
        else:
            mine = np.asarray(table[st.visits]) == 1
            rows[st] = mine & ~joint if st.station is JOINT.joins else mine
    return rows


def busy_hours(start, end, calendar: WorkingCalendar, window: Window) -> float:
    """Open hours worked in the observed window by jobs running from `start` to `end` (NaN end:
    still running when the run stopped; NaN start: never started)."""
    start = np.asarray(start, dtype=float)
    end = np.asarray(end, dtype=float)
    started = ~np.isnan(start)
    lo = np.clip(start[started], window.warmup_hours, window.horizon_hours)
    hi = np.clip(np.where(np.isnan(end[started]), window.end_hours, end[started]), window.warmup_hours,
                 window.horizon_hours)
    return float(np.sum(calendar.clock_many(hi) - calendar.clock_many(lo)))


def utilisation(pool: Pool | None, start, end, window: Window) -> float:
    """Busy over available server-hours in the window; NaN without the pool's capacity."""
    if pool is None:
        return np.nan
    available = pool.available_hours(window)
    return busy_hours(start, end, pool.calendar, window) / available if available > 0 else np.nan


def staffing_kpis(table: Frame, window: Window, pools=()) -> dict:
    """Officer utilisation; per inspection station its utilisation and its mean wait (box at the
    station to the start of its inspection; closed hours count as waiting; open items censored,
    Kaplan-Meier) over the foreign import and export cohort, as `queue_kpis`; the inland offices'
    officers' and bays' utilisation."""
    by_name = {p.name: p for p in pools}
    k = {"officer_utilization": utilisation(by_name.get(OFFICERS), table["doc_check_start"], table["doc_check_end"],
                                            window)}
    rows = station_rows(table)
    cohort = foreign(Frame.concat(import_cohort(table, window), export_cohort(table, window)))
    cohort_rows = station_rows(cohort)
    for st in STATIONS:
        visits = table.select(rows[st])
        k[f"inspection_utilization_{st.key}"] = utilisation(by_name.get(st.key), visits[st.start], visits[st.end],
                                                             window)
        if st.queued is None:  # a station that does not record when a box reaches it
            k[f"inspection_wait_hours_{st.key}"] = np.nan
            continue
        part = cohort.select(cohort_rows[st] & ~np.isnan(cohort[st.queued]))
        d, obs = duration(part, st.queued, st.start, window)
        k[f"inspection_wait_hours_{st.key}"] = summarize_durations(d, obs)["mean"]  # NaN: nobody came
    for name, pool, start, end in (("inland_officer_utilization", INLAND_OFFICERS, "inland_check_start",
                                    "inland_check_end"),
                                   ("inland_bay_utilization", INLAND_BAYS, "inland_inspection_start",
                                    "inland_inspection_end")):
        k[name] = utilisation(by_name.get(pool), table[start], table[end], window)
        k[f"{name}_busiest"] = busiest_office(by_name.get(pool), table, start, end, window)
    return k


def busiest_office(pool: Pool | None, table: Frame, start: str, end: str, window: Window) -> float:
    """The highest utilisation of one inland office (its share of the pool: servers / offices), over the
    destinations whose boxes it clears: the pooled figure averages a busy office with idle ones."""
    if pool is None or pool.offices < 1:
        return np.nan
    one = replace(pool, servers=pool.servers // pool.offices, offices=1)
    destination = np.asarray(table["destination"])
    cleared = ~np.isnan(np.asarray(table[start], dtype=float))
    codes = np.unique(destination[cleared])
    if not len(codes):
        return 0.0  # every office idle
    return max(utilisation(one, np.asarray(table[start])[destination == d], np.asarray(table[end])[destination == d],
                           window) for d in codes.tolist())

