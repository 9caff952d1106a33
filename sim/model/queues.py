"""Closed-form queues for flows that nothing downstream feeds back into.

Why: export boxes reach the in-gate and inland trains to the port, and declarations
reach the officers' document check, on times known before the run, and nothing in the
port changes those times, so their queues are computed once, exactly, instead of
simulated event by event.
"""
from __future__ import annotations

import heapq
import math
from collections import deque

import numpy as np

from sim.domain.units import HOURS_PER_WEEK


def fifo_servers(arrival: np.ndarray, service: np.ndarray, servers: int) -> np.ndarray:
    """Start times at a FIFO queue with `servers` identical servers (Kiefer-Wolfowitz recursion).

    Jobs are served in arrival order; a job starts at its arrival or when the earliest
    server frees, whichever is later.
    """
    order = np.argsort(arrival, kind="stable")
    begins = []
    free = [-math.inf] * servers
    replace, record = heapq.heapreplace, begins.append
    for t, s in zip(arrival[order].tolist(), service[order].tolist()):
        first = free[0]
        begin = t if t > first else first
        record(begin)
        replace(free, begin + s)
    start = np.empty(len(arrival))
    start[order] = begins
    return start


def fifo_servers_on_calendar(arrival: np.ndarray, work: np.ndarray, servers: int, calendar):
    """(start, end) of each job at a FIFO pool of `servers` that only work in `calendar` hours.

    The same queue as `sim.model.inspection.StaffedStation`: a job takes the earliest free
    server at its arrival or when one frees; the server holds it until its work is done on
    the calendar; `start` is when the work begins (the next opening)."""
    order = np.argsort(arrival, kind="stable")
    start = np.empty(len(arrival))
    end = np.empty(len(arrival))
    free = [-math.inf] * servers
    next_open, finish = calendar.next_open, calendar.finish
    for i, t, w in zip(order.tolist(), arrival[order].tolist(), work[order].tolist()):
        begin = max(t, heapq.heappop(free))
        start[i] = next_open(begin)
        end[i] = finish(begin, w)
        heapq.heappush(free, end[i])
    return start, end


def fifo_servers_until_leaving(arrival: np.ndarray, leave: np.ndarray, servers: int) -> np.ndarray:
    """When each job gets one of `servers` (NaN if never) at a FIFO queue where a job holds its
    server until it leaves, and a job still waiting when it leaves gives up its place.

    Equal times: a job leaving at t frees its server (or gives up) before anyone arriving at t
    asks, and a server freed at t goes at t to the first job still waiting."""
    start = np.full(len(arrival), np.nan)
    order = np.argsort(arrival, kind="stable")
    leaving = leave.tolist()
    holders: list = []            # heap of leave times of the jobs holding a server
    waiting: deque = deque()      # jobs in arrival order, without a server yet
    free = servers

    def free_until(t: float) -> None:
        nonlocal free
        while holders and holders[0] <= t:
            freed = heapq.heappop(holders)
            free += 1
            while waiting and free:
                j = waiting.popleft()
                if leaving[j] <= freed:
                    continue  # it left before (or as) this server came free
                start[j] = freed
                heapq.heappush(holders, leaving[j])
                free -= 1

    for i, t in zip(order.tolist(), arrival[order].tolist()):
        free_until(t)
        if free:
            start[i] = t
            heapq.heappush(holders, leaving[i])
            free -= 1
        else:
            waiting.append(i)
    free_until(math.inf)
    return start


def weekly_times(timetable, start: float, until: float) -> np.ndarray:
    """Every occurrence in [start, until) of a weekly timetable (hours of the week)."""
    if not len(timetable):
        return np.zeros(0)
    first_week = math.floor(start / HOURS_PER_WEEK)
    weeks = np.arange(first_week, math.ceil(until / HOURS_PER_WEEK) + 1)
    times = (weeks[:, None] * HOURS_PER_WEEK + np.sort(np.asarray(timetable, dtype=float))[None, :]).ravel()
    return times[(times >= start) & (times < until)]


def allocate_trains(ready: np.ndarray, teu: np.ndarray, departures: np.ndarray, capacity: float,
                    cutoff: float) -> np.ndarray:
    """Departure time of each box on a first-come-first-served train service.

    A box may board a train leaving at least `cutoff` after it is ready; trains take
    boxes in ready order until the next one does not fit, and leave the rest for the
    next train. NaN where no listed train takes the box (also for a consignment larger
    than a whole train, which `plan` never sends by rail).
    """
    out = np.full(len(ready), np.nan)
    order = np.argsort(ready, kind="stable")
    order = order[teu[order] <= capacity]  # a consignment larger than a train never boards (nor blocks)
    pos, n = 0, len(order)
    for d in np.sort(departures).tolist():
        load = 0.0
        while pos < n and ready[order[pos]] <= d - cutoff and load + teu[order[pos]] <= capacity:
            out[order[pos]] = d
            load += teu[order[pos]]
            pos += 1
        if pos == n:
            break
    return out
