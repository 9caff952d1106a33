"""The declaration lifecycle at the port: lodge, accept, risk channel, document check,
inspections (customs, CIQ quarantine, joint, fumigation), duty, release.

`plan()` (in sim.model.plan) turns the regime and the regime-free variates into
per-consignment routes and durations before the run. The SimPy process here only
queues at staffed stations and waits; delays that need no resource are folded into
one timeout.
"""
from __future__ import annotations

import numpy as np

from sim.model.cargo import Channel, Direction

DISPATCH_BLOCK = 65_536


class Clearance:
    """SimPy processes for foreign-trade declarations, one per consignment, started when lodged."""

    def __init__(self, env, rec, plan, officers, stations, drayage, port_side):
        self.env = env
        self.rec = rec
        self.plan = plan
        self.officers = officers
        self.stations = stations          # station code -> StaffedStation
        self.drayage = drayage            # station code -> one-way drayage hours
        self.port_side = port_side        # knows when import boxes reach the yard; removes them
        self.import_code = Direction.IMPORT.code
        self.green = Channel.GREEN.code
        # Acceptance needs no resource, so each process starts when its declaration is accepted
        # (lodging times are in the record already). NaN: no declaration, or settled in closed form.
        accepted = np.where(plan.closed_form, np.nan, plan.lodged + plan.acceptance)
        order = np.argsort(accepted, kind="stable")
        self.order = order[~np.isnan(accepted[order])]
        self.accepted = accepted[self.order]

    def dispatch(self, until: float):
        """Start each declaration's process when it is accepted (one live process per open declaration)."""
        env = self.env
        due = self.accepted < until
        process = env.process
        declaration = self.declaration
        order, accepted = self.order[due], self.accepted[due]
        for start in range(0, len(order), DISPATCH_BLOCK):  # Python numbers for one block at a time
            block = slice(start, start + DISPATCH_BLOCK)
            for i, t in zip(order[block].tolist(), accepted[block].tolist()):
                if t > env.now:
                    yield env.timeout(t - env.now)
                process(declaration(i))

    def declaration(self, i: int):
        """A declaration that queues somewhere: a document check, an inspection, or both.
        (Green declarations with no inspection are settled in closed form by `plan`.)
        Delays between two resources are folded into one timeout."""
        env, rec, plan = self.env, self.rec, self.plan
        is_import = rec.direction[i] == self.import_code
        rec.accepted[i] = env.now
        if plan.channel[i] != self.green:
            started = []
            yield from self.officers.serve(plan.doc_check_work[i], started)
            rec.doc_check_start[i] = started[0]
            rec.doc_check_end[i] = env.now
            if plan.query[i] > 0:  # the declarant answers a query for supplementary documents
                yield env.timeout(plan.query[i])
        delay = plan.duty[i]
        if plan.inspection_visits[i] > 0:
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
        for code, work, customs in plan.visits(i):
            dray = self.drayage[code]
            if back + dray > 0:
                yield env.timeout(back + dray)
            started = []
            queued = env.now
            yield from self.stations[code].serve(work, started)
            if customs:  # the customs inspection, or the joint one that serves customs and CIQ
                rec.inspection_queued[i] = queued
                rec.inspection_start[i] = started[0]
                rec.inspection_end[i] = env.now
            else:        # a separate CIQ visit or fumigation
                if np.isnan(rec.quarantine_start[i]):
                    rec.quarantine_start[i] = started[0]
                rec.quarantine_end[i] = env.now
            back = dray
        return back
