"""Vessel calls at berths: arrival, berth queue, crane discharge, export loading, departure.

A call's discharge and loading sequences are arithmetic (cranes work at a fixed
rate and nothing else competes for them during the call), so one berth request
and one timeout serve a whole call, and each box's yard or load time is
computed rather than simulated box by box.
"""
from __future__ import annotations

import numpy as np
import simpy

from sim.config import PortConfig
from sim.model.cargo import Direction, Trade
from sim.model.demand import Calls, Consignments
from sim.model.hinterland import Hinterland


class Terminal:
    def __init__(self, env, cfg):
        self.berths = simpy.Resource(env, capacity=cfg.berths)
        self.crane_rate = cfg.cranes_per_berth * cfg.crane_moves_per_hour  # boxes per hour per call
        self.setup = cfg.berth_setup_hours


class PortSide:
    """Berths and yard: knows when import boxes reach the yard and loads released exports."""

    def __init__(self, env, port: PortConfig, calls: Calls, cons: Consignments, rec, call_rec,
                 hinterland: Hinterland, pickup: np.ndarray, export_cutoff_hours: float):
        self.env = env
        self.calls = calls
        self.cons = cons
        self.rec = rec
        self.call_rec = call_rec
        self.hinterland = hinterland
        self.pickup = pickup
        self.cutoff = export_cutoff_hours
        self.terminals = [Terminal(env, port.terminals[name]) for name in calls.terminal_names]
        self.next_call = calls.next_call_of_service()
        self.berthed = [env.event() for _ in range(len(calls))]

        imports = np.flatnonzero(cons.direction == Direction.IMPORT.code)
        exports = np.flatnonzero(cons.direction == Direction.EXPORT.code)
        self.imports_of_call = _group(imports, cons.call[imports], len(calls))
        self.exports_of_call = [list(g) for g in _group(exports, cons.call[exports], len(calls))]

    # ------------------------------------------------------------------ vessels
    def dispatch(self, until: float):
        env = self.env
        order = np.argsort(self.calls.arrival, kind="stable")
        order = order[self.calls.arrival[order] < until]
        for j in order.tolist():
            t = self.calls.arrival[j]
            if t > env.now:
                yield env.timeout(t - env.now)
            env.process(self.call(j))

    def call(self, j: int):
        env, calls, rec, cons, crec = self.env, self.calls, self.rec, self.cons, self.call_rec
        term = self.terminals[calls.terminal[j]]
        crec.arrival[j] = env.now
        imp = self.imports_of_call[j]
        rec.vessel_arrival[imp] = env.now
        with term.berths.request() as req:
            yield req
            crec.berthed[j] = env.now
            start = env.now + term.setup / 2
            rate = term.crane_rate
            rec.berthed[imp] = env.now
            rec.in_yard[imp] = start + cons.discharge_rank[imp] / rate
            discharge_end = start + calls.import_boxes[j] / rate
            crec.discharge_end[j] = discharge_end
            self.berthed[j].succeed()
            self._remove_domestic(imp)

            loaded = self._load_exports(j, discharge_end, rate)
            n_loaded = int(cons.boxes[loaded].sum()) if len(loaded) else 0
            departed = discharge_end + n_loaded / rate + term.setup / 2
            rec.out[loaded] = departed
            crec.loaded_boxes[j] = n_loaded
            crec.loaded_teu[j] = float(cons.teu[loaded].sum()) if len(loaded) else 0.0
            crec.import_teu[j] = float(cons.teu[imp].sum()) if len(imp) else 0.0
            yield env.timeout(departed - env.now)
            crec.departed[j] = env.now

    def _load_exports(self, j: int, loading_start: float, rate: float) -> np.ndarray:
        """Load booked exports released by the cut-off; roll the rest to the service's next call."""
        rec, cons = self.rec, self.cons
        booked = self.exports_of_call[j]
        if not booked:
            return np.zeros(0, dtype=np.int64)
        booked = np.asarray(booked)
        cut = self.calls.scheduled[j] - self.cutoff
        ready = rec.released[booked] <= cut  # NaN (not yet released) compares False
        loaded, missed = booked[ready], booked[~ready]
        if len(missed):
            rec.rolled_calls[missed] += 1
            nxt = self.next_call[j]
            if nxt >= 0:
                self.exports_of_call[nxt].extend(missed.tolist())
            rec.call_id[missed] = nxt  # -1: no later call within the generated schedule
        if len(loaded):
            rec.loaded[loaded] = loading_start + np.cumsum(cons.boxes[loaded]) / rate
            rec.call_id[loaded] = j
        return loaded

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
        """Process step after release: schedule gate-out or train departure (no waiting needed)."""
        j = self.cons.call[i]
        if not self.berthed[j].triggered:
            yield self.berthed[j]
        self._remove(i, max(released, self.rec.in_yard[i]))

    def _remove(self, i: int, ready: float) -> None:
        out, arrive = self.hinterland.remove(self.cons.destination[i], self.cons.mode[i], ready, self.pickup[i])
        self.rec.out[i] = out
        self.rec.inland_arrival[i] = arrive

    def _remove_domestic(self, imp: np.ndarray) -> None:
        for i in imp[self.cons.trade[imp] == Trade.DOMESTIC.code].tolist():
            self._remove(i, self.rec.in_yard[i])


def _group(index: np.ndarray, key: np.ndarray, n_groups: int) -> list:
    """Split `index` into n_groups arrays by `key` (keeps index order within a group)."""
    order = np.argsort(key, kind="stable")
    bounds = np.searchsorted(key[order], np.arange(n_groups + 1))
    idx = index[order]
    return [idx[bounds[k]:bounds[k + 1]] for k in range(n_groups)]
