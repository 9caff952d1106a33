"""The declaration lifecycle: lodge, accept, risk channel, document check, inspection, duty, release.

`plan()` turns the regime (data) and the regime-free variates into per-consignment
durations and routes, vectorised, before the run. The SimPy process then only
queues at staffed stations and waits; delays that need no resource are folded
into one timeout.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import RegimeConfig
from sim.model.cargo import CargoClass, Channel, Direction, Station, Trade
from sim.model.demand import Calls, Consignments


@dataclass
class ClearancePlan:
    """What the regime implies for each consignment (NaN / -1 where not applicable)."""

    lodged: np.ndarray
    pre_arrival: np.ndarray
    acceptance: np.ndarray
    channel: np.ndarray
    doc_check_work: np.ndarray
    query: np.ndarray
    station: np.ndarray
    inspection_work: np.ndarray
    duty: np.ndarray
    pickup: np.ndarray
    gate_in: np.ndarray
    pre_run: np.ndarray
    """Exports that gated in before t=0: treated as cleared on gate-in, never queued."""


def channel_thresholds(regime: RegimeConfig) -> np.ndarray:
    """Cumulative channel shares, shape (direction, cargo class, channel)."""
    cum = np.zeros((len(Direction), len(CargoClass), len(Channel)))
    for d in Direction:
        for c in CargoClass:
            shares = getattr(regime.channels[d.value], c.value)
            cum[d.code, c.code] = np.cumsum([getattr(shares, ch.value) for ch in Channel])
    cum[..., -1] = 1.0  # guard against rounding so every uniform maps to a channel
    return cum


def plan(regime: RegimeConfig, cons: Consignments, calls: Calls) -> ClearancePlan:
    n = len(cons)
    is_import = cons.direction == Direction.IMPORT.code
    is_export = ~is_import
    foreign = cons.trade == Trade.FOREIGN.code

    arrival = calls.arrival[cons.call]
    gate_in = np.full(n, np.nan)
    gate_in[is_export] = calls.scheduled[cons.call[is_export]] - cons.gate_in_lead[is_export]
    # Exports that gated in before the run started were cleared before it too (the port is not
    # empty at t=0 for them); sending them all to customs at t=0 would be a burst, not a start.
    pre_run = is_export & (gate_in < 0)

    pre_arrival = is_import & foreign & (cons.u_pre_arrival < regime.pre_arrival_share)
    lodged = np.full(n, np.nan)
    prep_import = regime.preparation_hours_mean[Direction.IMPORT.value]
    prep_export = regime.preparation_hours_mean[Direction.EXPORT.value]
    lodged[is_import] = arrival[is_import] + cons.e_preparation[is_import] * prep_import
    lodged[pre_arrival] = arrival[pre_arrival] - cons.e_preparation[pre_arrival] * regime.pre_arrival_lead_hours_mean
    lodged[is_export] = gate_in[is_export] + cons.e_preparation[is_export] * prep_export
    lodged = np.maximum(lodged, 0.0)  # pre-arrival imports lodged before t=0: warm-up absorbs them
    lodged[~foreign | pre_run] = np.nan

    cum = channel_thresholds(regime)[cons.direction, cons.cargo_class]
    channel = (cons.u_channel[:, None] >= cum).sum(axis=1)
    channel = np.where(foreign & ~pre_run, channel, -1)

    doc_mean = np.where(is_import, regime.doc_check_hours_mean[Direction.IMPORT.value],
                        regime.doc_check_hours_mean[Direction.EXPORT.value])
    doc_work = np.where(channel >= Channel.YELLOW.code, cons.e_doc_check * doc_mean, np.nan)

    query_share = np.where(is_import, regime.query_share[Direction.IMPORT.value],
                           regime.query_share[Direction.EXPORT.value])
    queried = (channel >= Channel.YELLOW.code) & (cons.u_query < query_share)
    query = np.where(queried, cons.e_query * regime.query_response_hours_mean, 0.0)

    red = channel == Channel.RED.code
    station = np.where(cons.u_scan < regime.red_scan_share, Station.SCAN.code, Station.PHYSICAL.code)
    station = np.where(red, station, Station.NONE.code)
    insp_mean = np.array([np.nan, regime.inspection_hours_mean["scan"], regime.inspection_hours_mean["physical"]])
    inspection_work = np.where(red, cons.e_inspection * insp_mean[station], np.nan)

    duty = np.where(is_import & foreign, cons.e_duty * regime.duty_hours_mean, 0.0)
    pickup = cons.e_pickup * regime.truck_pickup_hours_mean
    return ClearancePlan(
        lodged=lodged, pre_arrival=pre_arrival.astype(np.int64), acceptance=cons.e_acceptance * regime.acceptance_hours_mean,
        channel=channel.astype(np.int64), doc_check_work=doc_work, query=query, station=station.astype(np.int64),
        inspection_work=inspection_work, duty=duty, pickup=pickup, gate_in=gate_in, pre_run=pre_run,
    )


class Clearance:
    """SimPy processes for foreign-trade declarations, one per consignment, started when lodged."""

    def __init__(self, env, rec, plan: ClearancePlan, officers, stations, drayage, port_side):
        self.env = env
        self.rec = rec
        self.plan = plan
        self.officers = officers
        self.stations = stations          # station code -> StaffedStation
        self.drayage = drayage            # station code -> one-way drayage hours
        self.port_side = port_side        # knows when import boxes reach the yard; removes them

    def dispatch(self, until: float):
        """Start each declaration's process at its lodging time (one live process per open declaration)."""
        env = self.env
        lodged = self.plan.lodged
        order = np.argsort(lodged, kind="stable")
        order = order[lodged[order] < until]  # NaN (domestic) sorts last and is dropped here
        process = env.process
        declaration = self.declaration
        for i in order.tolist():
            t = lodged[i]
            if t > env.now:
                yield env.timeout(t - env.now)
            process(declaration(i))

    def declaration(self, i: int):
        env, rec, plan = self.env, self.rec, self.plan
        is_import = rec.direction[i] == Direction.IMPORT.code
        rec.lodged[i] = env.now
        channel = plan.channel[i]
        if channel == Channel.GREEN.code:
            rec.accepted[i] = env.now + plan.acceptance[i]
            yield env.timeout(plan.acceptance[i] + plan.duty[i])
        else:
            yield env.timeout(plan.acceptance[i])
            rec.accepted[i] = env.now
            started = []
            yield from self.officers.serve(plan.doc_check_work[i], started)
            rec.doc_check_start[i] = started[0]
            rec.doc_check_end[i] = env.now
            if plan.query[i] > 0:  # the declarant answers a query for supplementary documents
                yield env.timeout(plan.query[i])
            if channel == Channel.RED.code:
                yield from self.inspect(i, is_import)
            yield env.timeout(plan.duty[i])
        if is_import:
            rec.duty_paid[i] = env.now
        rec.released[i] = env.now
        if is_import:
            yield from self.port_side.remove_import(i, env.now)

    def inspect(self, i: int, is_import: bool):
        env, rec = self.env, self.rec
        rec.inspection_ordered[i] = env.now
        if is_import:
            yield from self.port_side.wait_in_yard(i)
        code = self.plan.station[i]
        station = self.stations[code]
        dray = self.drayage[code]
        yield env.timeout(dray)
        rec.inspection_queued[i] = env.now
        started = []
        yield from station.serve(self.plan.inspection_work[i], started)
        rec.inspection_start[i] = started[0]
        rec.inspection_end[i] = env.now
        yield env.timeout(dray)
