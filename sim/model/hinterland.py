"""The land side: out-gate lanes, block trains with capacity, inland customs offices.

Import boxes leave the port by truck (queueing FIFO at the out-gate lanes) or on the next
block train to their destination that has room; trains queue for the port's rail
loading tracks. Boxes under the transit procedure are declared again and cleared at
the inland customs office when the regime says so.

Why the out-gate and the inland offices need no events: both are FIFO queues whose
arrivals are known once the boxes leave the yard, and nothing in the port waits for
what happens after a box leaves. The out-gate lanes are served in arrival order as the
run goes (`gate_line`); the inland offices are computed after the run (`clear_inland`).
"""
from __future__ import annotations

import heapq

import numpy as np
import simpy

from sim.config import Config, RegimeConfig
from sim.domain.calendar import WorkingCalendar
from sim.model.queues import fifo_servers_on_calendar, weekly_times

GATE_RECORD_BLOCK = 65_536  # trucks served from the out-gate line between two writes of their exits
INLAND_STEPS = ("inland_check_start", "inland_check_end", "inland_inspection_start", "inland_inspection_end")
"""The record's columns of the inland offices' two steps, written (and allocated) by `clear_inland`."""


class RailCorridor:
    """Port -> destination block trains on a weekly timetable, each with a TEU capacity.

    Boxes join a waiting line when ready; at each train's cut-off the train takes waiting
    boxes first come, first served, until the next one does not fit.
    """

    def __init__(self, env, name: str, dest, tracks: simpy.Resource, boxes_per_hour: float, on_departure):
        self.env = env
        self.name = name
        self.timetable = dest.rail_departures
        self.capacity = dest.rail_capacity_teu
        self.cutoff = dest.rail_cutoff_hours
        self.rail_hours = dest.rail_hours
        self.tracks = tracks
        self.boxes_per_hour = boxes_per_hour
        self.on_departure = on_departure  # callback(consignment, departure, arrival)
        self.waiting: list = []           # heap of (ready, consignment, teu, boxes)

    def add(self, i: int, ready: float, teu: float, boxes: int) -> None:
        """Box i joins the line when ready. A consignment larger than a whole train never boards
        and must not block the line (`plan` sends such imports by road; a land-bridge one stays)."""
        if teu <= self.capacity:
            heapq.heappush(self.waiting, (ready, i, teu, boxes))

    def run(self, until: float):
        env = self.env
        for departure in weekly_times(self.timetable, env.now + self.cutoff, until + self.cutoff).tolist():
            closing = departure - self.cutoff
            if closing > env.now:  # a train still loading past this cut-off makes this one late
                yield env.timeout(closing - env.now)
            load, boxes, aboard = 0.0, 0, []
            while self.waiting and self.waiting[0][0] <= closing and load + self.waiting[0][2] <= self.capacity:
                _, i, teu, n = heapq.heappop(self.waiting)
                load += teu
                boxes += n
                aboard.append(i)
            if not aboard:
                continue
            with self.tracks.request() as req:
                yield req
                yield env.timeout(boxes / self.boxes_per_hour)
            if departure > env.now:
                yield env.timeout(departure - env.now)
            for i in aboard:
                self.on_departure(i, env.now, env.now + self.rail_hours)


class Hinterland:
    def __init__(self, env, cfg: Config, regime: RegimeConfig, rec, plan, cons):
        self.env = env
        self.rec = rec
        self.plan = plan
        self.cons = cons
        self.names = list(cfg.port.destinations)
        dests = [cfg.port.destinations[n] for n in self.names]
        self.truck_hours = [d.truck_hours for d in dests]
        self.local_delivery = [d.local_delivery_hours for d in dests]
        self.gate_free = [0.0] * cfg.port.gate.out_lanes  # when each out-gate lane is next free
        self.gate_line: list = []  # heap of (arrival at the out-gate, consignment, lane hours) not yet served
        self.pending: list = []    # (consignment, ready) of single trucks not yet in the line
        self.gate_hours = cfg.port.gate.hours_per_truck
        # Trucks of the line already through the gate, recorded in blocks (nothing reads their
        # exit during the run): consignments and gate exit times.
        self.gate_served: list = []
        self.gate_served_out: list = []
        self.road_hours = np.array(self.truck_hours)
        self.delivery_hours = np.array(self.local_delivery)
        tracks = simpy.Resource(env, capacity=cfg.port.rail_terminal.loading_tracks)
        rate = cfg.port.rail_terminal.boxes_per_hour_per_track
        self.corridors = {k: RailCorridor(env, n, d, tracks, rate, self._departed)
                          for k, (n, d) in enumerate(zip(self.names, dests)) if d.rail_departures}
        self.transit = regime.transit
        self.inland_calendar = WorkingCalendar.from_config(regime.transit.inland_calendar)

    def start(self, until: float) -> None:
        for corridor in self.corridors.values():
            self.env.process(corridor.run(until))

    def by_rail(self, i: int, ready: float) -> None:
        self.corridors[self.cons.destination[i]].add(i, ready, self.cons.teu[i], self.cons.boxes[i])

    def by_truck(self, i: int, ready: float) -> None:
        """The truck reaches the out-gate when its consignee sends it (`traders.Consignees`, ready >= now).

        The out-gate is FIFO, so a truck's exit is known once every earlier truck has been
        served. Trucks wait in `gate_line` without an event and are served, in arrival order,
        when a vessel's boxes join the line (every truck there before now is in it) or when
        the run ends. Single trucks wait in `pending` until then, so their consignees'
        decisions are computed as one array (a truck never arrives before it is ready)."""
        self.pending.append((i, ready))

    def trucks_to_gate(self, idx: np.ndarray, ready: np.ndarray) -> None:
        """`by_truck` for many trucks at once."""
        now = self.env.now
        self.serve_gate_line(now)  # every truck there before now is in the line: keep it short
        self._join_line(idx, ready)

    def _join_line(self, idx: np.ndarray, ready: np.ndarray) -> None:
        arrival = self.plan.consignees.at_gate(idx, ready, self.rec.in_yard[idx])
        lane_hours = self.cons.boxes[idx] * self.gate_hours
        push, line = heapq.heappush, self.gate_line
        # keyed on the time the truck arrives; the lane hours ride along
        for item in zip(arrival.tolist(), idx.tolist(), lane_hours.tolist()):
            push(line, item)

    def serve_gate_line(self, until: float) -> None:
        """Serve the waiting trucks that arrived before `until` (all arrivals after now are
        still to come, so these are exactly the trucks ahead of any arrival at `until`).

        Nothing reads a truck's exit during the run, so exits are only recorded (in blocks,
        `record_gate_line`)."""
        if self.pending:  # they arrive no earlier than they were ready, so before `until` at the earliest
            idx, ready = (np.array(x) for x in zip(*self.pending))
            self.pending.clear()
            self._join_line(idx.astype(np.int64), ready.astype(float))
        line, free = self.gate_line, self.gate_free
        served, served_out = self.gate_served, self.gate_served_out
        pop, replace = heapq.heappop, heapq.heapreplace
        while line and line[0][0] < until:
            arrival, i, lane_hours = pop(line)
            first = free[0]
            out = (arrival if arrival > first else first) + lane_hours
            replace(free, out)
            served.append(i)
            served_out.append(out)
        if len(served) >= GATE_RECORD_BLOCK:
            self.record_gate_line()

    def record_gate_line(self) -> None:
        """Write the exits of the trucks served from the line: out-gate, inland arrival, delivery."""
        if not self.gate_served:
            return
        idx = np.array(self.gate_served, dtype=np.int64)
        out = np.array(self.gate_served_out, dtype=float)
        self.gate_served.clear()
        self.gate_served_out.clear()
        dest = self.cons.destination[idx]
        rec = self.rec
        rec.out[idx] = out
        arrival = out + self.road_hours[dest]
        rec.inland_arrival[idx] = arrival
        direct = ~self.plan.second_declaration[idx]  # the others are delivered by `clear_inland`
        rec.delivered[idx[direct]] = arrival[direct] + self.delivery_hours[dest[direct]]

    def _departed(self, i: int, departure: float, arrival: float) -> None:
        """A box on a train: at its destination at `arrival`; delivered then unless declared again."""
        rec = self.rec
        rec.out[i] = departure
        rec.inland_arrival[i] = arrival
        if not self.plan.second_declaration[i]:
            rec.delivered[i] = arrival + self.local_delivery[self.cons.destination[i]]

    def clear_inland(self) -> None:
        """After the run: the second declarations at each inland customs office.

        Lodged after the preparation; then the officers' document check and the inspection
        bays, two FIFO pools on the inland calendar (`fifo_servers_on_calendar`, the queue of
        `StaffedStation`) in tandem; released when the last step due is done."""
        plan, rec, dest = self.plan, self.rec, self.cons.destination
        rec.allocate_deferred(INLAND_STEPS)
        arrived = np.flatnonzero(plan.second_declaration & ~np.isnan(rec.inland_arrival))
        for k in np.unique(dest[arrived]).tolist():
            idx = arrived[dest[arrived] == k]
            lodged = rec.inland_arrival[idx] + plan.inland_preparation[idx]
            ready = lodged.copy()
            for work, servers, (start, end) in (
                    (plan.inland_doc_check_work[idx], self.transit.inland_officers,
                     (rec.inland_check_start, rec.inland_check_end)),
                    (plan.inland_inspection_work[idx], self.transit.inland_inspection_bays,
                     (rec.inland_inspection_start, rec.inland_inspection_end))):
                due = ~np.isnan(work)
                begun, ready[due] = fifo_servers_on_calendar(ready[due], work[due], servers, self.inland_calendar)
                start[idx[due]], end[idx[due]] = begun, ready[due]
            rec.inland_lodged[idx] = lodged
            rec.inland_released[idx] = ready
            rec.delivered[idx] = ready + self.local_delivery[k]
