"""Closed-form queues with simultaneous arrivals: jobs arriving at the same instant are served in
the order they are listed, the same on every run and platform (a stable order)."""
from __future__ import annotations

import numpy as np

from sim.domain.calendar import WorkingCalendar
from sim.model.queues import fifo_servers_on_calendar

ALWAYS = WorkingCalendar(range(7), 0.0, 24.0)


def test_simultaneous_arrivals_at_the_officers_are_served_in_list_order():
    """Thirty declarations accepted at 1 h (two in three) or 2 h, one officer, work k/10 h for the
    k-th: the ones accepted at 1 h go first in list order, then the others, back to back."""
    n = 30
    arrival = np.array([2.0 if k % 3 == 0 else 1.0 for k in range(n)])
    work = np.arange(1, n + 1) / 10.0
    start, end = fifo_servers_on_calendar(arrival, work, 1, ALWAYS)
    order = [k for k in range(n) if arrival[k] == 1.0] + [k for k in range(n) if arrival[k] == 2.0]
    t = 1.0
    for k in order:
        assert start[k] == t
        t += work[k]
        assert end[k] == t
