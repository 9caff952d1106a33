"""Staffed stations: inspection bays at the port that work to a weekly calendar.

A document check and an inspection are the same queueing step (a pool of servers,
FIFO, working hours); only their data differ. Where the arrivals are known before the
run (the port officers) or nothing waits on the result (the inland offices), the same
queue is computed in closed form (`sim.model.queues.fifo_servers_on_calendar`). The
port's bays stay SimPy resources: their arrivals depend on discharge, and release,
loading and so the berths wait on them.
"""
from __future__ import annotations

import simpy

from sim.domain.calendar import WorkingCalendar


class StaffedStation:
    """`capacity` servers that only work during `calendar` hours.

    A server that takes a job at closing time holds it overnight: work resumes at
    the next opening, so a job's finish time is computed on the calendar.
    """

    def __init__(self, env: simpy.Environment, name: str, capacity: int, calendar: WorkingCalendar):
        self.env = env
        self.name = name
        self.capacity = capacity
        self.calendar = calendar
        self.servers = simpy.Resource(env, capacity=capacity)

    def serve(self, work_hours: float, started: list):
        """Process step: queue, then `work_hours` of working time. Appends the start time to `started`."""
        env = self.env
        with self.servers.request() as req:
            yield req
            now = env.now
            started.append(self.calendar.next_open(now))
            yield env.timeout(self.calendar.finish(now, work_hours) - now)
