"""The declaration process at the port's inspection stations, on a hand-built plan.

Stations open round the clock with one bay each, so every time below is worked out by hand:
drayage to a station, the queue, the work, the drayage back folded into the duty wait, and the
milestones recorded for each visit (joint columns keep the first start and the last end).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import simpy

import sim.model.clearance as clearance_module
from sim.domain import Direction, Station
from sim.domain.calendar import WorkingCalendar
from sim.domain.stations import station_types
from sim.model.clearance import Clearance
from sim.model.inspection import StaffedStation
from sim.model.record import consignment_columns

SCAN, PHYSICAL, QUARANTINE, FUMIGATION = (Station.SCAN.code, Station.PHYSICAL.code, Station.QUARANTINE.code,
                                          Station.FUMIGATION.code)
DRAYAGE = {SCAN: 0.5, PHYSICAL: 1.0, QUARANTINE: 0.25, FUMIGATION: 0.0}
IMPORT, EXPORT = Direction.IMPORT.code, Direction.EXPORT.code


class Plan:
    """What Clearance reads of a ClearancePlan."""

    def __init__(self, checked_out, closed_form, duty, visits):
        self.checked_out = np.array(checked_out, dtype=float)
        self.closed_form = np.array(closed_form, dtype=bool)
        self.duty = np.array(duty, dtype=float)
        self._visits = visits

    def visits(self, i):
        return self._visits[i]


class PortSide:
    """Imports reach the yard at `in_yard`; removal after release is recorded."""

    def __init__(self, env, rec):
        self.env, self.rec, self.removed = env, rec, []

    def wait_in_yard(self, i):
        if self.rec.in_yard[i] > self.env.now:
            yield self.env.timeout(self.rec.in_yard[i] - self.env.now)

    def remove_import(self, i, released):
        self.removed.append((i, released))
        yield self.env.timeout(0)


def run(block: int | None = None, monkeypatch=None):
    if block is not None:
        monkeypatch.setattr(clearance_module, "DISPATCH_BLOCK", block)
    env = simpy.Environment()
    rec = consignment_columns(7)
    rec.direction[:] = [EXPORT, EXPORT, IMPORT, EXPORT, EXPORT, EXPORT, EXPORT]
    rec.in_yard[2] = 3.0
    plan = Plan(
        checked_out=[1.0, 2.0, 0.5, math.nan, 0.2, 12.0, 2.0],
        closed_form=[False, False, False, False, True, False, False],
        duty=[0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
        visits={0: [(SCAN, 2.0, True)], 1: [(SCAN, 1.0, True)],
                2: [(PHYSICAL, 1.0, True), (QUARANTINE, 2.0, False), (FUMIGATION, 0.5, False)],
                5: [(SCAN, 1.0, True)], 6: [(PHYSICAL, 0.5, True)]},
    )
    always = WorkingCalendar(range(7), 0.0, 24.0)
    stations = {st.code: StaffedStation(env, st.key, 1, always) for st in station_types()}
    port_side = PortSide(env, rec)
    c = Clearance(env, rec, plan, stations, DRAYAGE, port_side)
    env.process(c.dispatch(10.0))
    env.run()
    return rec, port_side


@pytest.mark.parametrize("block", [None, 1, 2, 4])
def test_every_declaration_due_is_served_once_in_order_of_readiness(block, monkeypatch):
    """Dispatched in blocks of any size: 0 and 1 share the scanner in the order their papers were
    done (0 at 1, 1 at 2); 6 (ready at 2) has the physical bay after 2 is gone; 3 (papers not
    done), 4 (no station visit: closed form) and 5 (ready after the end, 10) are never started."""
    rec, port_side = run(block, monkeypatch)
    # 0: papers done at 1, drayage 0.5, scanned 1.5-3.5, drayage back 0.5 -> released at 4
    # 1: at the scanner at 2.5, waits for 0 until 3.5, scanned to 4.5, released at 5
    assert rec.inspection_ordered[[0, 1]].tolist() == [1.0, 2.0]
    assert rec.inspection_queued[[0, 1]].tolist() == [1.5, 2.5]
    assert rec.inspection_start[[0, 1]].tolist() == [1.5, 3.5]
    assert rec.inspection_end[[0, 1]].tolist() == [3.5, 4.5]
    assert rec.released[[0, 1]].tolist() == [4.0, 5.0]
    # 6: ready at 2, at the physical bay at 3, inspected 3-3.5 (before import 2 arrives at 4), out at 4.5
    assert rec.inspection_start[6] == 3.0 and rec.released[6] == 4.5
    for i in (3, 4, 5):
        assert math.isnan(rec.inspection_ordered[i]) and math.isnan(rec.released[i])
    assert np.isnan(rec.duty_paid[[0, 1, 3, 4, 5, 6]]).all()


def test_an_import_waits_for_the_yard_then_visits_each_station_in_turn(monkeypatch):
    """Import 2: inspection ordered at 0.5, its box in the yard at 3; drayage 1 to the physical
    bay (4-5); back 1 plus 0.25 to quarantine (6.25-8.25); back 0.25 to fumigation (8.5-9); no
    drayage back from fumigation, 1 h of duty: duty paid and released at 10, then removed."""
    rec, port_side = run(None, monkeypatch)
    assert rec.inspection_ordered[2] == 0.5
    assert (rec.inspection_queued[2], rec.inspection_start[2], rec.inspection_end[2]) == (4.0, 4.0, 5.0)
    # each separate station has its own columns: at the station, started, done
    assert (rec.quarantine_queued[2], rec.quarantine_start[2], rec.quarantine_end[2]) == (6.25, 6.25, 8.25)
    assert (rec.fumigation_queued[2], rec.fumigation_start[2], rec.fumigation_end[2]) == (8.5, 8.5, 9.0)
    assert rec.duty_paid[2] == 10.0 and rec.released[2] == 10.0
    assert port_side.removed == [(2, 10.0)]


def test_declarations_ready_at_the_same_instant_are_served_in_consignment_order():
    """Thirty declarations whose papers are done at 1 h (two in three) or 2 h queue at the one
    scanner by readiness, ties in consignment order (the same on every run and platform): the
    twenty ready at 1 h first, then the ten ready at 2 h, each taking 1 h from 1.5 h on."""
    n = 30
    ready = [2.0 if k % 3 == 0 else 1.0 for k in range(n)]
    env = simpy.Environment()
    rec = consignment_columns(n)
    rec.direction[:] = EXPORT
    plan = Plan(checked_out=ready, closed_form=[False] * n, duty=[0.0] * n,
                visits={i: [(SCAN, 1.0, True)] for i in range(n)})
    always = WorkingCalendar(range(7), 0.0, 24.0)
    stations = {st.code: StaffedStation(env, st.key, 1, always) for st in station_types()}
    c = Clearance(env, rec, plan, stations, DRAYAGE, PortSide(env, rec))
    env.process(c.dispatch(10.0))
    env.run()
    served = [k for k in range(n) if ready[k] == 1.0] + [k for k in range(n) if ready[k] == 2.0]
    assert [rec.inspection_start[k] for k in served] == [1.5 + j for j in range(n)]
