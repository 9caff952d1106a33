"""The declaration lifecycle at the port: lodge, accept, risk channel, document check,
inspections (customs, CIQ quarantine, joint, fumigation), duty, release.

`plan()` (in sim.model.plan) turns the regime and the regime-free variates into
per-consignment routes and durations before the run. The SimPy process here only
queues at inspection stations and waits; delays that need no resource are folded into
one timeout, and the officers' document check is a closed-form queue in `plan`.
"""
from __future__ import annotations

import numpy as np

from sim.domain import Direction
from sim.domain.stations import station_types

DISPATCH_BLOCK = 65_536


class Clearance:
    """SimPy processes for declarations with a station visit, one per declaration, started when
    customs has finished with its papers (the officers' queue is closed form, in `plan`)."""

    def __init__(self, env, rec, plan, stations, drayage, port_side):
        self.env = env
        self.rec = rec
        self.plan = plan
        self.stations = stations          # station code -> StaffedStation
        self.drayage = drayage            # station code -> one-way drayage hours
        self.port_side = port_side        # knows when import boxes reach the yard; removes them
        self.columns = {}                 # filled when the run starts (`dispatch`): see `_visit_columns`
        self.import_code = Direction.IMPORT.code
        self.at_station = getattr(plan, "at_station", None)  # a warm start's boxes at a station (a plan's field)
        # The declarations that visit a station (not closed form, papers done), by start time;
        # selected before sorting, so no full-length temporary (a full year has ~4 M rows).
        idx = np.flatnonzero(~plan.closed_form)
        idx = idx[~np.isnan(plan.checked_out[idx])]
        self.order = idx[np.argsort(plan.checked_out[idx], kind="stable")]
        self.ready = plan.checked_out[self.order]

    def dispatch(self, until: float):
        """Start each declaration's process when its papers are done (one live process per declaration)."""
        env, rec = self.env, self.rec
        # station code -> the record's (queued or None, start, end) columns of a visit there; read
        # now, not at set-up, since the record allocates them once the set-up is done
        self.columns = {st.code: (getattr(rec, st.queued) if st.queued else None, getattr(rec, st.start),
                                  getattr(rec, st.end)) for st in station_types()}
        due = self.ready < until
        process = env.process
        declaration = self.declaration
        order, ready = self.order[due], self.ready[due]
        for start in range(0, len(order), DISPATCH_BLOCK):  # Python numbers for one block at a time
            block = slice(start, start + DISPATCH_BLOCK)
            for i, t in zip(order[block].tolist(), ready[block].tolist()):
                if t > env.now:
                    yield env.timeout(t - env.now)
                process(declaration(i))

    def declaration(self, i: int):
        """Station visits, then duty and release (the drayage back is folded into the duty wait)."""
        env, rec, plan = self.env, self.rec, self.plan
        is_import = rec.direction[i] == self.import_code
        delay = plan.duty[i]
        delay += yield from self.inspect(i, is_import)
        if delay > 0:
            yield env.timeout(delay)
        if is_import:
            rec.duty_paid[i] = env.now
        rec.released[i] = env.now
        if is_import:
            yield from self.port_side.remove_import(i, env.now)

    def inspect(self, i: int, is_import: bool):
        """Customs inspection (or the joint one), then a separate CIQ visit and fumigation if due.
        Returns the drayage back from the last station, for the caller to fold into its next delay."""
        env, rec, plan = self.env, self.rec, self.plan
        rec.inspection_ordered[i] = env.now
        if is_import:
            yield from self.port_side.wait_in_yard(i)
        back = 0.0
        there = self.at_station is not None and self.at_station[i]  # a snapshot's box already at its station
        for k, (code, work, _customs) in enumerate(plan.visits(i)):
            dray = 0.0 if there and k == 0 else self.drayage[code]
            if back + dray > 0:
                yield env.timeout(back + dray)
            started = []
            queued = env.now
            yield from self.stations[code].serve(work, started)
            queued_at, start, end = self.columns[code]
            if queued_at is not None:
                queued_at[i] = queued
            if np.isnan(start[i]):     # several visits in the same columns: the first start, the last end
                start[i] = started[0]
            end[i] = env.now
            back = dray
        return back
