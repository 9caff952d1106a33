"""Vessel calls at berths: arrival, berth queue, crane discharge, export loading, departure.

A call's discharge and loading sequences are arithmetic (its cranes, set by the call's
size, work at a fixed rate and nothing else competes for them during the call), so one berth request
and one timeout serve a whole call, and each box's yard or load time is
computed rather than simulated box by box.
"""
from __future__ import annotations

import numpy as np
import simpy

from sim.config import PortConfig
from sim.domain import Direction, Mode, Trade
from sim.domain.berths import cranes_for, hours_per_move
from sim.model.demand import Calls, Consignments
from sim.model.hinterland import Hinterland
from sim.model.warmstart import AT_BERTH, LANDED, NEW


class Terminal:
    """A terminal's berths (a resource) and the rule for a call's cranes and non-working time."""

    def __init__(self, env, cfg, crane_steps):
        self.berths = simpy.Resource(env, capacity=cfg.berths)
        self.cfg = cfg
        self.crane_steps = crane_steps
        self.setup = cfg.berth_setup_hours

    def cranes(self, moves):
        return cranes_for(moves, self.cfg.cranes_per_berth, self.crane_steps)

    def rate(self, cranes) -> float:
        """Moves per hour at the berth while the call works: the cranes' gross rate, slowed by the
        non-working time per move (`sim.domain.berths`)."""
        return float(1.0 / hours_per_move(cranes, self.cfg.crane_moves_per_hour, self.cfg.berth_hours_per_move))


class PortSide:
    """Berths and yard: discharges, transships, removes imports and loads released exports."""

    def __init__(self, env, port: PortConfig, calls: Calls, cons: Consignments, rec, call_rec,
                 plan, hinterland: Hinterland, officer_calendar, transship_hours: float):
        self.env = env
        self.calls = calls
        self.cons = cons
        self.rec = rec
        self.call_rec = call_rec
        self.plan = plan
        self.hinterland = hinterland
        self.officer_calendar = officer_calendar
        self.transship_hours = transship_hours  # transit supervision formalities (officer hours)
        self.cutoff = port.export_cutoff_hours
        self.terminals = [Terminal(env, port.terminals[name], list(port.crane_steps_moves))
                          for name in calls.terminal_names]
        # Cranes by the call's planned moves (known before it berths), one rule for every call.
        self.cranes = np.zeros(len(calls), dtype=np.int64)
        for t, term in enumerate(self.terminals):
            at = calls.terminal == t
            self.cranes[at] = term.cranes(calls.import_boxes[at] + calls.export_boxes[at])
        call_rec.cranes[:] = self.cranes
        self.handling = np.ones(len(calls)) if calls.handling is None else calls.handling
        self.next_call = calls.next_call_of_service()
        self.berthed = [env.event() for _ in range(len(calls))]
        self.state = calls.state if calls.state is not None else np.zeros(len(calls), dtype=np.int8)
        self.start = env.now
        for j in np.flatnonzero(self.state == LANDED).tolist():  # discharged before the snapshot
            self.berthed[j].succeed()
        self.tx_code = Direction.TRANSSHIPMENT.code

        arriving = np.flatnonzero(cons.direction != Direction.EXPORT.code)  # discharged here
        exports = np.flatnonzero(cons.direction == Direction.EXPORT.code)
        self.discharged_by_call = _group(arriving, cons.call[arriving], len(calls))
        # Exports booked on each call (arrays), and boxes added later (transshipment, rolled), by call.
        self.booked_on_call = _group(exports, cons.call[exports], len(calls))
        self.added_to_call: dict[int, list] = {}
        # Each service's calls by cut-off time, to book transshipment on the first reachable call.
        self.service_cutoffs = {}
        for s in np.unique(calls.service).tolist():
            idx = np.flatnonzero(calls.service == s)
            idx = idx[np.argsort(calls.scheduled[idx], kind="stable")]
            self.service_cutoffs[s] = (calls.scheduled[idx] - self.cutoff, idx)

    # ------------------------------------------------------------------ vessels
    def dispatch(self, until: float):
        env = self.env
        order = np.argsort(self.calls.arrival, kind="stable")
        order = order[self.calls.arrival[order] < until]
        landed = self.state[order] == LANDED
        if landed.any():  # a snapshot's yard: its boxes are there when the run starts
            imp = np.concatenate([self.discharged_by_call[j] for j in order[landed].tolist()])
            self._after_discharge(imp)
        order = order[~landed]
        order = order[np.argsort(self.state[order] != AT_BERTH, kind="stable")]  # who holds a berth first
        for j in order.tolist():
            t = self.calls.arrival[j]
            if t > env.now:
                yield env.timeout(t - env.now)
            env.process(self.call(j))

    def call(self, j: int):
        env, calls, rec, cons, crec = self.env, self.calls, self.rec, self.cons, self.call_rec
        term = self.terminals[calls.terminal[j]]
        arrived = calls.arrival[j] if self.state[j] != NEW else env.now  # a snapshot's: before the run
        crec.arrival[j] = arrived
        imp = self.discharged_by_call[j]
        rec.vessel_arrival[imp] = arrived
        with term.berths.request() as req:
            yield req
            at_berth = self.state[j] == AT_BERTH  # set up and working when the run starts
            berthed = calls.berthed_at[j] if at_berth else env.now
            crec.berthed[j] = berthed
            start = env.now if at_berth else env.now + term.setup / 2
            rate = term.rate(self.cranes[j]) / self.handling[j]
            rec.berthed[imp] = berthed
            rec.in_yard[imp] = start + cons.discharge_rank[imp] / rate
            discharge_end = start + calls.import_boxes[j] / rate
            crec.discharge_end[j] = discharge_end
            self.berthed[j].succeed()
            self._after_discharge(imp)

            loaded = self._load_exports(j, discharge_end, rate)
            n_loaded = int(cons.boxes[loaded].sum()) if len(loaded) else 0
            moves = n_loaded if self.state[j] == NEW else max(n_loaded, int(calls.export_boxes[j]))  # a snapshot's: all it still loads
            departed = discharge_end + moves / rate + term.setup / 2
            rec.out[loaded] = departed
            crec.loaded_boxes[j] = n_loaded
            crec.loaded_teu[j] = float(cons.teu[loaded].sum()) if len(loaded) else 0.0
            crec.import_teu[j] = float(cons.teu[imp].sum()) if len(imp) else 0.0
            yield env.timeout(departed - env.now)
            crec.departed[j] = env.now

    def _after_discharge(self, imp: np.ndarray) -> None:
        """Per discharged consignment: onward booking for transshipment (one by one in discharge
        order, the order they are loaded in), removal for domestic boxes and for declarations
        already settled in closed form. Other declared imports wait for their customs process
        (reefer plugs are allocated after the run, `sim.model.yard`)."""
        transship = self.cons.direction[imp] == self.tx_code
        for i in imp[transship].tolist():
            self._transship(i)
        self._remove_many(imp[~transship])

    def _remove_many(self, imp: np.ndarray) -> None:
        """Domestic boxes and declarations cleared in closed form leave the yard: those under the
        transit procedure one by one (`_after_release`), the others as arrays."""
        cons, rec, plan = self.cons, self.rec, self.plan
        domestic = cons.trade[imp] == Trade.DOMESTIC.code
        cleared = ~domestic & plan.closed_form[imp]
        dom, done = imp[domestic], imp[cleared]
        ready = np.maximum(np.maximum(plan.released[done], rec.in_yard[done]), self.start)  # a snapshot's: from its moment
        transit = plan.transit[done] | (plan.transit_formalities[done] > 0)
        for i, t in zip(done[transit].tolist(), ready[transit].tolist()):
            self._after_release(i, t)
        leaving = np.concatenate((dom, done[~transit]))
        ready = np.concatenate((np.maximum(rec.in_yard[dom], self.start), ready[~transit]))
        by_rail = plan.mode[leaving] == Mode.RAIL.code
        for i, t in zip(leaving[by_rail].tolist(), ready[by_rail].tolist()):
            self.hinterland.by_rail(i, t)
        self.hinterland.trucks_to_gate(leaving[~by_rail], ready[~by_rail])

    def _transship(self, i: int) -> None:
        """Under transit supervision: formalities on the officer calendar, certificates for aquatic
        entrepot cargo, then the first reachable call of the connecting service (or a train)."""
        rec, plan = self.rec, self.plan
        ready = rec.in_yard[i]
        if self.transship_hours > 0:
            ready = self.officer_calendar.finish(ready, self.transship_hours)
        ready += plan.certificate_hours[i]
        rec.released[i] = ready
        service = self.cons.connect_service[i]
        if service < 0:
            self.hinterland.by_rail(i, ready)
            return
        cutoffs, idx = self.service_cutoffs.get(service, (np.zeros(0), np.zeros(0, dtype=np.int64)))
        k = np.searchsorted(cutoffs, ready)
        if k < len(idx):
            self.added_to_call.setdefault(int(idx[k]), []).append(i)
            rec.connect_call_id[i] = idx[k]

    def _load_exports(self, j: int, loading_start: float, rate: float) -> np.ndarray:
        """Load booked boxes released by the cut-off; roll the rest to the service's next call."""
        rec, cons = self.rec, self.cons
        booked = self.booked_on_call[j]
        added = self.added_to_call.pop(j, None)
        if added:
            booked = np.concatenate((booked, np.asarray(added, dtype=booked.dtype)))
        if not len(booked):
            return booked
        cut = self.calls.scheduled[j] - self.cutoff
        ready = rec.released[booked] <= cut  # NaN (not yet released) compares False
        loaded, missed = booked[ready], booked[~ready]
        if len(missed):
            rec.rolled_calls[missed] += 1
            nxt = self.next_call[j]
            if nxt >= 0:
                self.added_to_call.setdefault(int(nxt), []).extend(missed.tolist())
            self._set_loading_call(missed, nxt)  # -1: no later call within the generated schedule
        if len(loaded):
            rec.loaded[loaded] = loading_start + np.cumsum(cons.boxes[loaded]) / rate
            self._set_loading_call(loaded, j)
        return loaded

    def _set_loading_call(self, which: np.ndarray, j: int) -> None:
        tx = self.cons.direction[which] == self.tx_code
        self.rec.call_id[which[~tx]] = j
        self.rec.connect_call_id[which[tx]] = j

    # ------------------------------------------------------------------ yard side
    def wait_in_yard(self, i: int):
        """Process step: until import consignment i's last box is in the yard."""
        j = self.cons.call[i]
        if not self.berthed[j].triggered:
            yield self.berthed[j]
        wait = self.rec.in_yard[i] - self.env.now
        if wait > 0:
            yield self.env.timeout(wait)

    def remove_import(self, i: int, released: float):
        """Process step after customs release: once the box is in the yard, remove it."""
        j = self.cons.call[i]
        if not self.berthed[j].triggered:
            yield self.berthed[j]
        self._after_release(i, max(released, self.rec.in_yard[i]))

    def _after_release(self, i: int, ready: float) -> None:
        """Transit formalities if due (officer working hours), then, by road, the wait for a bonded
        carrier (a limited pool of customs-registered trucks), then truck or train."""
        work = self.plan.transit_formalities[i]
        if work > 0:
            ready = self.officer_calendar.finish(ready, work)
        if self.plan.transit[i]:
            self.rec.transit_ready[i] = ready
        self._remove_from_yard(i, ready + self.plan.bonded_wait[i])

    def _remove_from_yard(self, i: int, ready: float) -> None:
        if self.plan.mode[i] == Mode.RAIL.code:
            self.hinterland.by_rail(i, ready)
        else:
            self.hinterland.by_truck(i, ready)

def _group(index: np.ndarray, key: np.ndarray, n_groups: int) -> list:
    """Split `index` into n_groups arrays by `key` (keeps index order within a group).

    int32 indices and no sorted copy of the key: a full year groups ~4 M consignments."""
    bounds = np.concatenate(([0], np.cumsum(np.bincount(key, minlength=n_groups))))
    idx = index.astype(np.int32)[np.argsort(key, kind="stable")]
    return [idx[bounds[k]:bounds[k + 1]] for k in range(n_groups)]
