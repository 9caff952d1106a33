"""The traffic a replication sees, drawn before the simulation starts.

Why up front: vessel calls, consignments and every per-consignment random
variate depend only on demand config, seed and replication, never on the
regime. Drawing them here, in batches, makes common random numbers exact
(both regimes get the very same arrays) and keeps random draws out of the
event loop.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.config import DemandConfig, PortConfig
from sim.domain import CargoClass, Direction, Trade
from sim.domain.units import HOURS_PER_WEEK
from sim.model.streams import stream

IRREGULAR = "irregular"


@dataclass
class Calls:
    """One entry per vessel call, ordered by service then scheduled time."""

    service: np.ndarray        # index into service_names
    terminal: np.ndarray       # index into terminal_names
    scheduled: np.ndarray      # hours
    arrival: np.ndarray        # hours (scheduled + lateness)
    import_boxes: np.ndarray
    export_boxes: np.ndarray
    service_names: list
    terminal_names: list
    handling: np.ndarray | None = None
    """Per call, a unit-mean factor on its time per move (crane productivity varies from call to
    call); None: every call works at the terminal's mean rate."""
    state: np.ndarray | None = None
    """Per call, NEW, AT_ANCHOR, AT_BERTH or LANDED (`sim.model.warmstart`); None: all new (a run from
    an empty port)."""
    berthed_at: np.ndarray | None = None
    """A warm start's calls already at berth (or landed): when they berthed; NaN for the others."""

    def __len__(self) -> int:
        return len(self.scheduled)

    def next_call_of_service(self) -> np.ndarray:
        """Index of the same service's next call, -1 for the last one."""
        nxt = np.arange(1, len(self) + 1)
        last = np.append(self.service[1:] != self.service[:-1], True)
        nxt[last] = -1
        return nxt


@dataclass
class Consignments:
    """One entry per declaration (or domestic shipment, or transshipment); arrays share one index."""

    call: np.ndarray           # the call that discharges (import) or is booked to load (export) it
    direction: np.ndarray
    trade: np.ndarray
    cargo_class: np.ndarray
    boxes: np.ndarray
    teu: np.ndarray
    value_cny: np.ndarray
    destination: np.ndarray    # import destination / export origin (index into destination_names)
    connect_service: np.ndarray  # transshipment: connecting service index, -1 for rail land-bridge / none
    discharge_rank: np.ndarray  # boxes discharged before this consignment's last box, on its call
    gate_in_lead: np.ndarray   # export: hours from gate-in to scheduled arrival
    # Standard variates (regime-free): uniforms in [0, 1) (float32: only compared with shares, half
    # the memory of a full year's variates) and unit-mean exponentials.
    u_pre_arrival: np.ndarray
    u_channel: np.ndarray
    u_scan: np.ndarray
    e_acceptance: np.ndarray
    e_doc_check: np.ndarray
    u_query: np.ndarray
    e_query: np.ndarray
    e_inspection: np.ndarray
    e_duty: np.ndarray
    u_mode: np.ndarray
    u_transit: np.ndarray
    e_transit: np.ndarray
    u_quarantine: np.ndarray
    u_joint: np.ndarray
    e_quarantine: np.ndarray
    u_fumigation: np.ndarray
    e_fumigation: np.ndarray
    u_aquatic: np.ndarray
    e_certificate: np.ndarray
    e_inland_preparation: np.ndarray
    u_inland_check: np.ndarray
    e_inland_doc_check: np.ndarray
    u_inland_inspection: np.ndarray
    e_inland_inspection: np.ndarray
    # Traders' variates (float32: standard normals for lognormal durations, uniforms for choices).
    u_original: np.ndarray
    z_courier: np.ndarray
    z_delivery_order: np.ndarray
    z_application: np.ndarray
    u_licence: np.ndarray
    z_licence: np.ndarray
    z_broker: np.ndarray
    u_storage: np.ndarray
    z_terminal_release: np.ndarray
    z_truck_booking: np.ndarray
    # The transit procedure's: the wait for a bonded carrier, export transit.
    e_bonded_wait: np.ndarray
    u_export_transit: np.ndarray
    e_export_transit: np.ndarray
    destination_names: list
    # The later national reforms' (2017-2019), from a stream of their own: post-release audit,
    # two-step declaration, ship-side pickup or loading on arrival. None in hand-built
    # consignments: `plan` takes them only when the regime uses the rule.
    u_audit: np.ndarray = None
    e_audit: np.ndarray = None
    u_two_step: np.ndarray = None
    u_direct: np.ndarray = None

    def __len__(self) -> int:
        return len(self.call)

    def take(self, name: str) -> np.ndarray:
        """A variate for `plan`, handed over once: the column is dropped here so its memory goes as
        soon as plan has used it (the variates are 70 % of the arrays drawn)."""
        column = getattr(self, name)
        if column is None:
            raise RuntimeError(f"variate {name} was already taken: draw the consignments again")
        setattr(self, name, None)
        return column

    def drop_variates(self) -> None:
        """Free what only `plan` reads (the random variates and the export gate-in leads) once it
        has turned them into routes and durations (a third of a full-year replication's memory)."""
        for name in self.__dataclass_fields__:
            if name.startswith(("u_", "e_", "z_")) or name == "gate_in_lead":
                setattr(self, name, None)


def _call_sizes(rng, mean: float, cv: float, n: int) -> np.ndarray:
    if mean <= 0 or n == 0:
        return np.zeros(n, dtype=np.int64)
    if cv <= 0:
        return np.full(n, int(round(mean)), dtype=np.int64)
    shape = 1.0 / cv**2
    return np.rint(rng.gamma(shape, mean / shape, n)).astype(np.int64)


def schedule_deviation(rng, demand: DemandConfig, n: int) -> np.ndarray:
    """Arrival minus scheduled time of n liner calls: Erlang(k) with mean lateness_hours_mean +
    early_hours_max, shifted by early_hours_max, so calls come up to early_hours_max early as well
    as late (the Dalian fits are Erlang) and neighbouring calls bunch. One gamma draw per call."""
    k, early = demand.lateness_erlang_k, demand.early_hours_max
    spread = demand.lateness_hours_mean + early
    return rng.gamma(k, spread / k, n) - early if spread > 0 else np.full(n, float(demand.lateness_hours_mean))


def generate_calls(demand: DemandConfig, port: PortConfig, until: float, seed: int, replication: int,
                   start: float = 0.0, block: int | None = None) -> Calls:
    """Liner calls on a weekly schedule (early or late by a shifted Erlang deviation) plus Erlang irregular arrivals,
    scheduled in [start, until); `block` keys the random stream (see `stream`)."""
    rng = stream(seed, replication, "vessels", block)
    terminal_names = list(port.terminals)
    service_names = list(demand.services) + [IRREGULAR]
    parts = []
    for s_idx, name in enumerate(demand.services):
        svc = demand.services[name]
        spacing = HOURS_PER_WEEK / svc.calls_per_week
        first = svc.first_call_hour + max(0, math.ceil((start - svc.first_call_hour) / spacing)) * spacing
        scheduled = np.arange(first, until, spacing)
        n = len(scheduled)
        late = schedule_deviation(rng, demand, n)
        parts.append((
            np.full(n, s_idx), np.full(n, terminal_names.index(svc.terminal)), scheduled, scheduled + late,
            _call_sizes(rng, svc.import_boxes_per_call * demand.scale, demand.call_size_cv, n),
            _call_sizes(rng, svc.export_boxes_per_call * demand.scale, demand.call_size_cv, n),
        ))
    irr = demand.irregular
    if irr.calls_per_week > 0:
        mean_gap = HOURS_PER_WEEK / irr.calls_per_week
        n_max = int((until - start) / mean_gap * 1.5) + 50
        times = start + np.cumsum(rng.gamma(irr.erlang_k, mean_gap / irr.erlang_k, n_max))
        times = times[times < until]
        n = len(times)
        berths = np.array([port.terminals[t].berths for t in terminal_names], dtype=float)
        terminal = rng.choice(len(terminal_names), size=n, p=berths / berths.sum())
        parts.append((
            np.full(n, len(service_names) - 1), terminal, times, times.copy(),
            _call_sizes(rng, irr.import_boxes_per_call * demand.scale, demand.call_size_cv, n),
            _call_sizes(rng, irr.export_boxes_per_call * demand.scale, demand.call_size_cv, n),
        ))
    cols = [np.concatenate([p[i] for p in parts]) if parts else np.zeros(0) for i in range(6)]
    return Calls(
        service=cols[0].astype(np.int64), terminal=cols[1].astype(np.int64),
        scheduled=cols[2].astype(float), arrival=cols[3].astype(float),
        import_boxes=cols[4].astype(np.int64), export_boxes=cols[5].astype(np.int64),
        service_names=service_names, terminal_names=terminal_names,
        handling=handling_factors(port, len(cols[0]), seed, replication, block),
    )


def handling_factors(port: PortConfig, n: int, seed: int, replication: int, block: int | None = None) -> np.ndarray:
    """Unit-mean Erlang(k) factors on each call's time per move, k = port.handling_erlang_k (the
    Dalian fits of handling times are Erlang); all ones for k = 0. Their own stream, one draw per
    call in call order, so they shift no other variate."""
    k = port.handling_erlang_k
    if k <= 0:
        return np.ones(n)
    return stream(seed, replication, "berths", block).gamma(k, 1.0 / k, n)


def _split_into_consignments(rng, box_counts: np.ndarray, mean_boxes: float):
    """Split each call's boxes into consignments of geometric size (mean `mean_boxes`).

    Returns (call index per consignment, boxes per consignment, boxes discharged
    before the consignment's last box, counting within its call).
    """
    total = int(box_counts.sum())
    if total == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z
    sizes = rng.geometric(1.0 / mean_boxes, size=total) if mean_boxes > 1 else np.ones(total, dtype=np.int64)
    # Lay consignments end to end within each call: a consignment is cut where its call ends.
    call_of_box = np.repeat(np.arange(len(box_counts)), box_counts)
    box_start_of_call = np.concatenate(([0], np.cumsum(box_counts)[:-1]))
    ends = np.cumsum(sizes)
    ends = ends[ends < total]
    cut = np.concatenate((ends, np.cumsum(box_counts)[:-1]))
    cut.sort(kind="stable")  # two sorted runs: a linear merge
    cut = cut[np.concatenate(([True], cut[1:] != cut[:-1]))]  # as np.union1d, without its hash
    cut = cut[(cut > 0) & (cut < total)]
    starts = np.concatenate(([0], cut))
    stops = np.concatenate((cut, [total]))
    call = call_of_box[starts]
    boxes = stops - starts
    rank = stops - box_start_of_call[call]  # position of the last box in its call's sequence
    return call, boxes.astype(np.int64), rank.astype(np.int64)


def generate_consignments(demand: DemandConfig, port: PortConfig, calls: Calls, seed: int, replication: int,
                          block: int | None = None) -> Consignments:
    rng = stream(seed, replication, "cargo", block)
    destination_names = list(port.destinations)
    pieces = []
    for direction, counts in ((Direction.IMPORT, calls.import_boxes), (Direction.EXPORT, calls.export_boxes)):
        call, boxes, rank = _split_into_consignments(rng, counts, demand.boxes_per_consignment_mean)
        pieces.append((np.full(len(call), direction.code), call, boxes, rank))
    # int32 per-consignment columns (codes, counts, indices): half the memory of int64, and
    # what the milestone record stores anyway.
    direction = np.concatenate([p[0] for p in pieces]).astype(np.int32)
    call = np.concatenate([p[1] for p in pieces]).astype(np.int32)
    boxes = np.concatenate([p[2] for p in pieces]).astype(np.int32)
    rank = np.concatenate([p[3] for p in pieces]).astype(np.int32)
    n = len(call)

    trade = np.where(rng.random(n) < demand.domestic_share, Trade.DOMESTIC.code, Trade.FOREIGN.code)
    cargo_class = np.empty(n, dtype=np.int32)
    u_class = rng.random(n)
    for d in (Direction.IMPORT, Direction.EXPORT):
        shares = demand.class_shares[d.value]
        cum = np.cumsum([shares.get(c.value, 0.0) for c in CargoClass])
        sel = direction == d.code
        cargo_class[sel] = np.minimum(np.searchsorted(cum, u_class[sel], side="right"), len(cum) - 1)
    teu = boxes + rng.binomial(boxes, demand.forty_foot_share)
    value_per_teu = np.array([demand.value_cny_per_teu[c.value] for c in CargoClass])
    value = teu * value_per_teu[cargo_class] * rng.gamma(4.0, 0.25, n)  # cv 0.5 around the class mean
    dest_p = np.array([demand.destination_shares.get(d, 0.0) for d in destination_names])
    destination = rng.choice(len(destination_names), size=n, p=dest_p / dest_p.sum())
    lead = rng.gamma(3.0, demand.export_gate_in_lead_hours_mean / 3.0, n)

    # Transshipment: a share of each service's discharged consignments connects onwards.
    # Drawn from its own stream so adding routes never shifts the cargo above.
    tx = stream(seed, replication, "transshipment", block)
    connect = np.full(n, -1, dtype=np.int32)
    service_names = calls.service_names
    transship_share = np.zeros(len(service_names))
    for s_idx, name in enumerate(service_names[:-1]):
        transship_share[s_idx] = demand.services[name].transship_share
    is_tx = (direction == Direction.IMPORT.code) & (tx.random(n) < transship_share[calls.service[call]])
    u_target = tx.random(n)
    for s_idx, name in enumerate(service_names[:-1]):
        targets = demand.services[name].transship_to
        sel = is_tx & (calls.service[call] == s_idx)
        if not sel.any() or not targets:
            continue
        keys = list(targets)
        cum = np.cumsum([targets[k] for k in keys])
        pick = np.minimum(np.searchsorted(cum / cum[-1], u_target[sel], side="right"), len(keys) - 1)
        is_service = np.array([k in demand.services for k in keys])
        index = np.array([service_names.index(k) if k in demand.services else destination_names.index(k) for k in keys])
        connect[np.flatnonzero(sel)] = np.where(is_service[pick], index[pick], -1)
        land_bridge = ~is_service[pick]
        destination[np.flatnonzero(sel)[land_bridge]] = index[pick][land_bridge]
    direction[is_tx] = Direction.TRANSSHIPMENT.code
    trade[is_tx] = Trade.FOREIGN.code

    customs, inspection, removal = (stream(seed, replication, c, block) for c in ("customs", "inspection", "removal"))
    hinter, quarantine, inland = (stream(seed, replication, c, block) for c in ("hinterland", "quarantine", "inland"))
    bonded, export_transit = (stream(seed, replication, c, block) for c in ("bonded_carriers", "export_transit"))
    later = stream(seed, replication, "later_reforms", block)
    return Consignments(
        call=call, direction=direction, trade=trade.astype(np.int32), cargo_class=cargo_class,
        boxes=boxes, teu=teu.astype(float), value_cny=value, destination=destination.astype(np.int32),
        connect_service=connect, discharge_rank=rank, gate_in_lead=lead,
        u_pre_arrival=customs.random(n, dtype=np.float32), u_channel=customs.random(n, dtype=np.float32),
        e_acceptance=customs.exponential(1.0, n),
        e_doc_check=customs.exponential(1.0, n),
        u_query=customs.random(n, dtype=np.float32), e_query=customs.exponential(1.0, n),
        u_scan=inspection.random(n, dtype=np.float32), e_inspection=inspection.exponential(1.0, n),
        e_duty=removal.exponential(1.0, n),
        u_mode=hinter.random(n, dtype=np.float32), u_transit=hinter.random(n, dtype=np.float32), e_transit=hinter.exponential(1.0, n),
        u_quarantine=quarantine.random(n, dtype=np.float32), u_joint=quarantine.random(n, dtype=np.float32), e_quarantine=quarantine.exponential(1.0, n),
        u_fumigation=quarantine.random(n, dtype=np.float32), e_fumigation=quarantine.exponential(1.0, n),
        u_aquatic=quarantine.random(n, dtype=np.float32), e_certificate=quarantine.exponential(1.0, n),
        e_inland_preparation=inland.exponential(1.0, n), u_inland_check=inland.random(n, dtype=np.float32),
        e_inland_doc_check=inland.exponential(1.0, n), u_inland_inspection=inland.random(n, dtype=np.float32),
        e_inland_inspection=inland.exponential(1.0, n),
        **_traders_variates(stream(seed, replication, "traders", block), n),
        e_bonded_wait=bonded.exponential(1.0, n),
        u_export_transit=export_transit.random(n, dtype=np.float32), e_export_transit=export_transit.exponential(1.0, n),
        destination_names=destination_names,
        u_audit=later.random(n, dtype=np.float32), e_audit=later.standard_exponential(n, dtype=np.float32),
        u_two_step=later.random(n, dtype=np.float32), u_direct=later.random(n, dtype=np.float32),
    )



def _traders_variates(rng, n: int) -> dict:
    """What importers, brokers and consignees do (`sim.model.traders`), from a stream of their own."""
    out = {}
    for name in TRADERS_VARIATES:
        draw = rng.random if name.startswith("u_") else rng.standard_normal
        out[name] = draw(n, dtype=np.float32)
    return out


TRADERS_VARIATES = ("u_original", "z_courier", "z_delivery_order", "z_application", "u_licence", "z_licence",
                    "z_broker", "u_storage", "z_terminal_release", "z_truck_booking")


def generate_weeks(demand: DemandConfig, port: PortConfig, first_week: int, last_week: int, seed: int,
                   replication: int) -> tuple[Calls, Consignments, np.ndarray]:
    """The traffic of weeks [first_week, last_week), each drawn from its own streams, with times
    relative to the start of `first_week`. Returns (calls, consignments, week of each consignment).

    Why weeks: a long summary-only run is simulated in overlapping segments; a week's traffic
    is the same in every segment that contains it, so two segments can be checked to agree."""
    weeks = range(first_week, last_week)
    parts = []
    for w in weeks:
        calls = generate_calls(demand, port, (w + 1) * HOURS_PER_WEEK, seed, replication,
                               start=w * HOURS_PER_WEEK, block=w)
        parts.append((calls, generate_consignments(demand, port, calls, seed, replication, block=w)))
    offset = first_week * HOURS_PER_WEEK
    call_fields = ("service", "terminal", "scheduled", "arrival", "import_boxes", "export_boxes", "handling")
    merged = {f: np.concatenate([getattr(c, f) for c, _ in parts]) for f in call_fields}
    # Calls are kept ordered by service, then time (Calls.next_call_of_service relies on it).
    order = np.lexsort((merged["scheduled"], merged["service"]))
    new_index = np.empty(len(order), dtype=np.int64)
    new_index[order] = np.arange(len(order))
    calls = Calls(**{f: merged[f][order] for f in call_fields},
                  service_names=parts[0][0].service_names, terminal_names=parts[0][0].terminal_names)
    calls.scheduled = calls.scheduled - offset
    calls.arrival = calls.arrival - offset
    first_call = np.cumsum([0] + [len(c) for c, _ in parts[:-1]])
    fields = [f for f in Consignments.__dataclass_fields__ if f != "destination_names"]
    cons = Consignments(**{f: np.concatenate([getattr(k, f) for _, k in parts]) for f in fields},
                        destination_names=parts[0][1].destination_names)
    cons.call = new_index[cons.call + np.repeat(first_call, [len(k) for _, k in parts])].astype(np.int32)
    week = np.repeat(np.array(list(weeks), dtype=np.int32), [len(k) for _, k in parts])
    return calls, cons, week
