"""Removal from the port: truck pickup after release, or the next scheduled train.

Closed-form on purpose: in this first version nothing on the road or rail side
competes for capacity, so a leg is arithmetic, not a process. (Train capacity,
gate lanes and inland customs belong to the intermodal issue.)
"""
from __future__ import annotations

import bisect
import math

import numpy as np

from sim.config import PortConfig
from sim.model.cargo import Mode

HOURS_PER_WEEK = 168.0


class Hinterland:
    def __init__(self, port: PortConfig):
        self.names = list(port.destinations)
        dests = [port.destinations[n] for n in self.names]
        self.timetables = [sorted(d.rail_departures) for d in dests]
        self.rail_cutoff = [d.rail_cutoff_hours for d in dests]
        self.rail_hours = [d.rail_hours for d in dests]
        self.truck_hours = [d.truck_hours for d in dests]
        self.inland = np.array([d.inland for d in dests])

    def next_train(self, destination: int, ready: float) -> float:
        """Departure of the first train leaving at least the loading cut-off after `ready`."""
        t = ready + self.rail_cutoff[destination]
        table = self.timetables[destination]
        week = math.floor(t / HOURS_PER_WEEK)
        i = bisect.bisect_left(table, t - week * HOURS_PER_WEEK)
        if i == len(table):
            week, i = week + 1, 0
        return week * HOURS_PER_WEEK + table[i]

    def remove(self, destination: int, mode: int, ready: float, pickup_hours: float):
        """(time the box leaves the port, arrival at its destination) for an import box ready at `ready`."""
        if mode == Mode.RAIL.code:
            out = self.next_train(destination, ready)
            return out, out + self.rail_hours[destination]
        out = ready + pickup_hours
        return out, out + self.truck_hours[destination]
