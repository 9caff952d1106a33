"""Closed-form queues with simultaneous arrivals: jobs arriving at the same instant are served in
the order they are listed, the same on every run and platform (a stable order)."""
from __future__ import annotations

import numpy as np

from sim.domain.calendar import WorkingCalendar
from sim.model.queues import fifo_servers_on_calendar, fifo_servers_until_leaving

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


def test_simultaneous_arrivals_at_the_plugs_get_them_in_list_order():
    """Thirty reefers in the yard at 1 h (two in three) or 2 h, one plug, each holding it until it
    leaves: the ones at 1 h are plugged first in list order, then the others; each gets the plug
    when the one before it leaves (the i-th in that order leaves at 10 + i h, so none gives up)."""
    n = 30
    arrival = np.array([2.0 if k % 3 == 0 else 1.0 for k in range(n)])
    order = [k for k in range(n) if arrival[k] == 1.0] + [k for k in range(n) if arrival[k] == 2.0]
    leave = np.empty(n)
    leave[order] = 10.0 + np.arange(n)
    start = fifo_servers_until_leaving(arrival, leave, 1)
    assert start[order[0]] == 1.0
    for i in range(1, n):
        assert start[order[i]] == 10.0 + i - 1


def test_a_box_arriving_as_the_plug_frees_and_leaving_at_once_gets_it():
    """One plug held until 5 h; a box arriving at 5 h and leaving at 5 h: the leaving box frees the
    plug before the arriving one asks, so it is plugged at 5 h (a zero-length stay), not left
    without a plug; a third box arriving at 5 h gets the plug at 5 h too."""
    start = fifo_servers_until_leaving(np.array([0.0, 5.0, 5.0]), np.array([5.0, 5.0, 9.0]), 1)
    assert start.tolist() == [0.0, 5.0, 5.0]
