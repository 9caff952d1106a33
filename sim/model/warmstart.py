"""A run that starts from an observed port state (`run.initial_state`) instead of an empty port.

The snapshot's items become traffic like any other: its vessels are calls (at anchor: queued for
a berth in arrival order; at berth: holding one, with their remaining moves), the cargo they still
have to discharge is drawn as any call's, and each box in the yard is a consignment on a call that
has already left ("landed"). `Pins` carry what the snapshot says each box has done; `plan` keeps
those steps and routes only what is left. New traffic is what the same seed draws week by week
(`generate_weeks`) for calls arriving from the snapshot on, so a restart of a run drawn by weeks
sees the very same new ships and cargo (common random numbers).

What a snapshot cannot carry: how far into a step an item is. A step under way at the snapshot
(the trader's preparation of a declaration, acceptance, an inspection, the consignee's pickup)
takes its whole drawn duration from the snapshot on: exact in distribution for the exponential
steps (officers' work, inspections: memoryless), longer than the truth for the traders' lognormal
steps. Who is being served and who queues at a station is taken to be arrival order. Nor manifests or
crane rates: the cargo a vessel still discharges is drawn as any call's (a declaration the draw lodges
ahead of arrival and before the snapshot counts as lodged before it), and a vessel at berth works at a
freshly drawn rate. The snapshot's boxes are the last consignments, in the file's order.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np

from sim.config import Config
from sim.config.snapshot import AT_INSPECTION, AWAITING, RELEASED, STATIONS, Snapshot
from sim.domain import CargoClass, Channel, Direction, Station, Trade
from sim.domain.units import HOURS_PER_WEEK
from sim.model.demand import IRREGULAR, Calls, Consignments, generate_consignments, generate_weeks, handling_factors

SNAPSHOT_BLOCK = 1_000_000
"""The random-stream block of the snapshot's own draws (the cargo its vessels still discharge, the
variates of its boxes); no week of a run reaches it, so they shift no new traffic."""

NEW, AT_ANCHOR, AT_BERTH, LANDED = 0, 1, 2, 3
"""Call states (`Calls.state`): drawn after the snapshot; a snapshot vessel at anchor or at berth; the
call that brought a box already in the yard (it left before the snapshot, nothing of it is simulated)."""


@dataclass
class Pins:
    """Per consignment, what the snapshot fixes (NaN / -1 where the run decides): read by `plan`."""

    start: float
    status: np.ndarray     # snapshot status code, -1 for new traffic
    entered: np.ndarray    # imports: in the yard; exports: through the in-gate
    lodged: np.ndarray
    released: np.ndarray
    channel: np.ndarray
    station: np.ndarray    # at_inspection: where (a `sim.config.snapshot.STATIONS` name), else ""
    mode: np.ndarray

    @property
    def snapshot(self) -> np.ndarray:
        return self.status >= 0

    def rows(self, *codes) -> np.ndarray:
        return np.isin(self.status, codes)


def warm_traffic(cfg: Config, snap: Snapshot, seed: int, replication: int, end: float):
    """(calls, consignments, pins) of a run from `snap` to `end` (model hours)."""
    t0 = snap.start_hours
    new_calls, new_cons = _new_traffic(cfg, t0, end, seed, replication)
    v_calls = _vessel_calls(cfg, snap, seed, replication)
    v_cons = _vessel_cargo(cfg, v_calls, seed, replication)
    yard_calls, y_cons = _yard(cfg, snap, seed, replication)
    calls = _concat_calls([new_calls, v_calls, yard_calls])
    offsets = np.cumsum([0, len(new_calls), len(v_calls)])
    v_cons.call = (v_cons.call + offsets[1]).astype(np.int32)
    is_import = snap.direction == Direction.IMPORT.code
    # Yard imports: their own landed call each; exports: their vessel's call, or their service's next one.
    call = np.empty(len(snap), dtype=np.int64)
    call[is_import] = offsets[2] + np.arange(int(is_import.sum()))
    for k in np.flatnonzero(~is_import).tolist():
        call[k] = (offsets[1] + snap.export_vessel[k] if snap.export_vessel[k] >= 0
                   else _next_call(cfg, new_calls, snap.export_service[k], t0))
    y_cons.call = call.astype(np.int32)
    cons = _concat_cons([new_cons, v_cons, y_cons])
    calls, cons = _sorted(calls, cons)
    n_new, n_vessel = len(new_cons), len(v_cons)
    pins = _pins(snap, n_new + n_vessel, t0, len(cons))
    return calls, cons, pins


# ------------------------------------------------------------------ new traffic
def _new_traffic(cfg: Config, t0: float, end: float, seed: int, replication: int):
    """Calls arriving in [t0, end) as a run drawn week by week draws them, with the exports booked
    on them that have not yet set off for the port (aimed to gate in from t0 on): the others are
    in the yard, the snapshot's."""
    first = max(0, math.floor(t0 / HOURS_PER_WEEK) - 1)  # a week earlier: calls scheduled before t0, late
    last = math.ceil(end / HOURS_PER_WEEK) + 1  # a week more: each service's next call after the run
    calls, cons, _ = generate_weeks(cfg.demand, cfg.port, first, last, seed, replication)
    offset = first * HOURS_PER_WEEK
    calls.scheduled = calls.scheduled + offset
    calls.arrival = calls.arrival + offset
    in_run = (calls.arrival >= t0) & (calls.arrival < end)
    # Each service's first call after the run stays as a place to book the snapshot's exports on (it
    # never arrives in the run; none of its cargo is kept).
    after = np.flatnonzero(calls.arrival >= end)
    _, first_after = np.unique(calls.service[after], return_index=True)
    keep_call = in_run.copy()
    keep_call[after[first_after]] = True
    aim = calls.scheduled[cons.call] - cons.gate_in_lead
    keep = in_run[cons.call] & ((cons.direction != Direction.EXPORT.code) | (aim >= t0))
    return _take_calls(calls, keep_call), _take_cons(cons, keep, keep_call)


def _next_call(cfg: Config, calls: Calls, service: str, t0: float) -> int:
    """The first new call of `service` whose export cut-off is still ahead (else its last)."""
    idx = np.flatnonzero(calls.service == calls.service_names.index(service))
    open_ = idx[calls.scheduled[idx] - cfg.port.export_cutoff_hours >= t0]
    return int(open_[np.argmin(calls.scheduled[open_])] if len(open_) else idx[np.argmax(calls.scheduled[idx])])


# ------------------------------------------------------------------ the snapshot's items
def _vessel_calls(cfg: Config, snap: Snapshot, seed: int, replication: int) -> Calls:
    n = len(snap.vessel_id)
    names = list(cfg.demand.services) + [IRREGULAR]
    at_berth = snap.vessel_status == 1
    since = snap.start_hours - np.asarray(snap.vessel_hours, dtype=float)
    calls = Calls(service=np.array([names.index(s) for s in snap.vessel_service], dtype=np.int64),
                  terminal=np.asarray(snap.terminal, dtype=np.int64), scheduled=since.copy(), arrival=since.copy(),
                  import_boxes=np.asarray(snap.discharge_moves, dtype=np.int64),
                  export_boxes=np.asarray(snap.load_moves, dtype=np.int64),
                  service_names=names, terminal_names=list(cfg.port.terminals),
                  handling=handling_factors(cfg.port, n, seed, replication, SNAPSHOT_BLOCK))
    calls.state = np.where(at_berth, AT_BERTH, AT_ANCHOR).astype(np.int8)
    calls.berthed_at = np.where(at_berth, since, np.nan)
    return calls


def _vessel_cargo(cfg: Config, calls: Calls, seed: int, replication: int) -> Consignments:
    """What the snapshot's vessels still discharge, drawn as any call's cargo (the snapshot lists moves,
    not manifests); what they load are the snapshot's exports booked on them."""
    discharge_only = replace(calls, export_boxes=np.zeros(len(calls), dtype=np.int64))
    return generate_consignments(cfg.demand, cfg.port, discharge_only, seed, replication, block=SNAPSHOT_BLOCK)


def _yard(cfg: Config, snap: Snapshot, seed: int, replication: int):
    """(landed calls of the yard's imports, one consignment per box row with its own variates)."""
    n = len(snap)
    names = list(cfg.demand.services) + [IRREGULAR]
    one = Calls(service=np.array([len(names) - 1]), terminal=np.zeros(1, dtype=np.int64), scheduled=np.zeros(1),
                arrival=np.zeros(1), import_boxes=np.array([n]), export_boxes=np.zeros(1, dtype=np.int64),
                service_names=names, terminal_names=list(cfg.port.terminals), handling=np.ones(1))
    single = replace(cfg.demand, boxes_per_consignment_mean=1.0)  # one consignment per row: only their variates are kept
    cons = generate_consignments(single, cfg.port, one, seed, replication, block=SNAPSHOT_BLOCK + 1)
    value_per_teu = np.array([cfg.demand.value_cny_per_teu[c.value] for c in CargoClass])
    cons.direction = snap.direction.astype(np.int32)
    cons.trade = np.where(snap.trade == 0, Trade.FOREIGN.code, Trade.DOMESTIC.code).astype(np.int32)
    cons.cargo_class = snap.cargo_class.astype(np.int32)
    cons.boxes = snap.boxes.astype(np.int32)
    cons.teu = snap.teu.astype(float)
    cons.value_cny = np.where(np.isnan(snap.value_cny), snap.teu * value_per_teu[snap.cargo_class], snap.value_cny)
    cons.destination = snap.destination.astype(np.int32)
    cons.connect_service = np.full(n, -1, dtype=np.int32)
    cons.discharge_rank = np.zeros(n, dtype=np.int32)
    cons.gate_in_lead = np.zeros(n)
    imports = snap.direction == Direction.IMPORT.code
    m = int(imports.sum())
    entered = snap.start_hours - snap.hours_in_port[imports]
    landed = Calls(service=np.full(m, len(names) - 1, dtype=np.int64), terminal=np.zeros(m, dtype=np.int64),
                   scheduled=entered.copy(), arrival=entered.copy(), import_boxes=np.zeros(m, dtype=np.int64),
                   export_boxes=np.zeros(m, dtype=np.int64), service_names=names,
                   terminal_names=list(cfg.port.terminals), handling=np.ones(m))
    landed.state = np.full(m, LANDED, dtype=np.int8)
    landed.berthed_at = entered.copy()
    return landed, cons


def _pins(snap: Snapshot, first: int, t0: float, n: int) -> Pins:
    rows = slice(first, first + len(snap))
    status = np.full(n, -1, dtype=np.int8)
    status[rows] = snap.status
    entered, lodged, released = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    entered[rows] = t0 - snap.hours_in_port
    declared = (snap.status != AWAITING) & (snap.trade == 0)
    lodged[rows] = np.where(declared, t0 - snap.lodged_hours_ago, np.nan)
    released[rows] = np.where(np.isin(snap.status, RELEASED), t0 - snap.hours_in_status, np.nan)
    channel, mode = np.full(n, -1, dtype=np.int8), np.full(n, -1, dtype=np.int8)
    channel[rows] = snap.channel
    mode[rows] = snap.mode
    station = np.full(n, "", dtype=f"<U{max(map(len, STATIONS))}")
    station[rows] = snap.station
    return Pins(start=t0, status=status, entered=entered, lodged=lodged, released=released, channel=channel,
                station=station, mode=mode)


# ------------------------------------------------------------------ arrays
def _take_calls(calls: Calls, keep: np.ndarray) -> Calls:
    out = replace(calls, **{f: getattr(calls, f)[keep] for f in _CALL_ARRAYS})
    out.state = np.full(int(keep.sum()), NEW, dtype=np.int8)
    out.berthed_at = np.full(int(keep.sum()), np.nan)
    return out


def _take_cons(cons: Consignments, keep: np.ndarray, kept_calls: np.ndarray) -> Consignments:
    new_index = np.cumsum(kept_calls) - 1
    out = replace(cons, **{f.name: getattr(cons, f.name)[keep] for f in fields(cons)
                           if isinstance(getattr(cons, f.name), np.ndarray)})
    out.call = new_index[out.call].astype(np.int32)
    return out


_CALL_ARRAYS = ("service", "terminal", "scheduled", "arrival", "import_boxes", "export_boxes", "handling")


def _concat_calls(parts: list[Calls]) -> Calls:
    out = replace(parts[0], **{f: np.concatenate([getattr(p, f) for p in parts]) for f in _CALL_ARRAYS})
    out.state = np.concatenate([p.state for p in parts])
    out.berthed_at = np.concatenate([p.berthed_at for p in parts])
    return out


def _concat_cons(parts: list[Consignments]) -> Consignments:
    arrays = [f.name for f in fields(parts[0]) if isinstance(getattr(parts[0], f.name), np.ndarray)]
    return replace(parts[0], **{name: np.concatenate([getattr(p, name) for p in parts]).astype(getattr(parts[0], name).dtype)
                                for name in arrays})


def _sorted(calls: Calls, cons: Consignments):
    """Calls ordered by service, then scheduled time (`Calls.next_call_of_service` relies on it)."""
    order = np.lexsort((calls.scheduled, calls.service))
    new_index = np.empty(len(order), dtype=np.int64)
    new_index[order] = np.arange(len(order))
    out = replace(calls, **{f: getattr(calls, f)[order] for f in _CALL_ARRAYS})
    out.state, out.berthed_at = calls.state[order], calls.berthed_at[order]
    cons.call = new_index[cons.call].astype(np.int32)
    return out, cons




# ------------------------------------------------------------------ the rules `plan` applies
def pin_lodged(pins: Pins, lodged: np.ndarray, entered: np.ndarray, declared: np.ndarray) -> np.ndarray:
    """Lodging times: the snapshot's where it says a box was lodged; a box still awaiting its declaration
    takes the trader's whole drawn preparation (from entering the port to lodging, at least 0) from the
    snapshot on."""
    out = lodged.copy()
    waiting = pins.rows(AWAITING) & declared
    out[waiting] = pins.start + np.maximum(lodged[waiting] - entered[waiting], 0.0)
    done = pins.snapshot & ~pins.rows(AWAITING) & declared
    out[done] = pins.lodged[done]
    return out


CUSTOMS_VISITS = (Station.SCAN.value, Station.PHYSICAL.value, "joint")


def pin_channel(pins: Pins, channel: np.ndarray) -> np.ndarray:
    """The snapshot's channel where it gives one; red for a box at a customs (or the joint) inspection; not
    red for one at CIQ's alone (that visit is its only one)."""
    out = np.where((pins.channel >= 0) & (channel >= 0), pins.channel, channel)
    at = pins.rows(AT_INSPECTION)
    customs = at & np.isin(pins.station, CUSTOMS_VISITS)
    out[customs] = Channel.RED.code
    others = at & ~customs
    out[others] = np.minimum(out[others], Channel.YELLOW.code)
    return out.astype(channel.dtype)


def pin_station(pins: Pins, red: np.ndarray, station: np.ndarray):
    """(red, station): the customs station a box is at; no customs visit for a released box."""
    station = station.copy()
    at = pins.rows(AT_INSPECTION)
    names = pins.station
    for name in (Station.SCAN.value, Station.PHYSICAL.value):
        station[at & (names == name)] = Station(name).code
    done = pins.rows(*RELEASED)
    station[done] = Station.NONE.code
    return red & ~done, station
