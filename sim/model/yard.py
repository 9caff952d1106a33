"""Reefer plugs in the yard: a limited resource each reefer box holds until it leaves.

A reefer box asks for a plug when it reaches the yard (discharge or gate-in); without
one it waits unplugged, which the cost model charges. The box holds the plug until it
leaves the port (gate-out, train departure or loading onto a vessel).

Why after the run, in closed form: a plug changes nothing else in the run (an unplugged
box still leaves when it would have), so the plug queue only observes yard arrivals and
departures. Once they are known it is computed exactly, instead of a process per reefer.
"""
from __future__ import annotations

import numpy as np

from sim.domain import CargoClass, Direction
from sim.model.queues import fifo_servers_until_leaving


def plug_reefers(rec, plugs: int, end: float) -> None:
    """Fill `rec.plugged` for the reefers that reached the yard in [0, end): the time each got a
    plug, NaN for those that left (or the run ended) before one came free. A plug is per box: a
    consignment of k boxes queues as k boxes, and `plugged` is when its last box got one (NaN if
    one never did), so the cost of waiting unplugged errs on the high side for split consignments.

    Reaching the yard: discharge (`in_yard`) or, for exports, gate-in (boxes gated in before
    the run start with no queue for plugs). Leaving: loading onto a vessel, else gate-out or
    the train (`out`); still in the yard at the end of the run means holding the plug to the end."""
    reefer = np.flatnonzero(rec.cargo_class == CargoClass.REEFER.code)
    export = rec.direction[reefer] == Direction.EXPORT.code
    arrival = np.where(export, rec.gate_in[reefer], rec.in_yard[reefer])
    asking = (arrival >= 0) & (arrival < end)  # NaN compares False
    reefer, arrival = reefer[asking], arrival[asking]
    leave = np.where(np.isnan(rec.loaded[reefer]), rec.out[reefer], rec.loaded[reefer])
    leave[~(leave <= end)] = np.inf  # NaN or after the end: not left within the run
    if not len(reefer):
        return
    boxes = np.maximum(rec.boxes[reefer].astype(np.int64), 1)
    per_box = fifo_servers_until_leaving(np.repeat(arrival, boxes), np.repeat(leave, boxes), plugs)
    first_box = np.cumsum(boxes) - boxes
    rec.plugged[reefer] = np.maximum.reduceat(per_box, first_box)  # NaN if any box got none
