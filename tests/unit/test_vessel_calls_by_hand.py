"""Vessel calls at one berth, worked out by hand: berth queue, discharge, export loading and
rolling to the next call, transshipment onto the connecting service, and the call record.

One berth, one crane at one box an hour, 1 h of berth setup (half before discharge, half after
loading), export cut-off 6 h before the scheduled time. Calls, by service then schedule:
0 (service A, scheduled 40, arrives 42), 1 (A, 100 / 100.5), 2 (B, 42 / 43), 3 (B, 200 / 200).
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import simpy

from sim.domain import Direction, Mode, Trade
from sim.domain.calendar import WorkingCalendar
from sim.model.demand import Calls
from sim.model.record import call_columns, consignment_columns
from sim.model.vessels import PortSide
from tests.conftest import SMALL, make_config

IMP, EXP, TX = Direction.IMPORT.code, Direction.EXPORT.code, Direction.TRANSSHIPMENT.code
FOR, DOM = Trade.FOREIGN.code, Trade.DOMESTIC.code
NAN = math.nan


class Hinterland:
    def __init__(self):
        self.leaving = []

    def trucks_to_gate(self, idx, ready):
        self.leaving += list(zip(idx.tolist(), ready.tolist()))

    def by_truck(self, i, ready):
        self.leaving.append((i, ready))

    def by_rail(self, i, ready):
        self.leaving.append((i, ready))


@pytest.fixture(scope="module")
def run():
    cfg = make_config(*SMALL, "port.terminals.dct.berths=1", "port.terminals.dct.cranes_per_berth=1",
                      "port.terminals.dct.crane_moves_per_hour=1.0", "port.terminals.dct.berth_setup_hours=1.0",
                      "port.terminals.dct.berth_hours_per_move=0.0", "port.crane_steps_moves=[]",
                      "run.allow_overload=true",  # the demand's calls at 1 box an hour would overload it; unused here
                      "port.export_cutoff_hours=6.0")
    calls = Calls(service=np.array([0, 0, 1, 1]), terminal=np.array([0, 0, 0, 0]),
                  scheduled=np.array([40.0, 100.0, 42.0, 200.0]), arrival=np.array([42.0, 100.5, 43.0, 200.0]),
                  import_boxes=np.array([4, 0, 0, 0]), export_boxes=np.array([3, 0, 0, 0]),
                  service_names=["A", "B"], terminal_names=["dct"])
    # c0 foreign import cleared before discharge (2 boxes), c1 domestic import, c2 export released
    # in time, c3 export never released, c4 transshipment to service B
    cons = SimpleNamespace(
        direction=np.array([IMP, IMP, EXP, EXP, TX]), call=np.array([0, 0, 0, 0, 0]),
        trade=np.array([FOR, DOM, FOR, FOR, FOR]), boxes=np.array([2, 1, 2, 1, 1]),
        teu=np.array([4.0, 1.0, 2.0, 2.0, 1.0]), discharge_rank=np.array([2, 0, 0, 0, 3]),
        connect_service=np.array([-1, -1, -1, -1, 1]))
    plan = SimpleNamespace(closed_form=np.array([True, False, False, False, False]),
                           released=np.array([1.0, NAN, NAN, NAN, NAN]), transit=np.zeros(5, dtype=bool),
                           transit_formalities=np.zeros(5), mode=np.full(5, Mode.TRUCK.code),
                           certificate_hours=np.array([0.0, 0.0, 0.0, 0.0, 0.25]))
    env = simpy.Environment()
    rec, crec = consignment_columns(5), call_columns(4)
    rec.direction[:] = cons.direction
    rec.released[2] = 1.0
    rec.rolled_calls[:] = 0
    hinterland = Hinterland()
    side = PortSide(env, cfg.port, calls, cons, rec, crec, plan, hinterland, WorkingCalendar(range(7), 0.0, 24.0),
                    transship_hours=0.5)
    env.process(side.dispatch(300.0))
    env.run()
    return rec, crec, hinterland


def test_the_call_record(run):
    """Call 0: berthed on arrival (42), discharge 42.5-46.5 (4 boxes), loads export c2 (2 boxes) to
    48.5, sails at 49. Call 2 arrived at 43 and waits for the berth: 49, sails at 50 (nothing to
    move). Call 1: 100.5 to 101.5. Call 3: loads the transshipped box, 200 to 202."""
    rec, crec, _ = run
    assert crec.arrival.tolist() == [42.0, 100.5, 43.0, 200.0]
    assert crec.berthed.tolist() == [42.0, 100.5, 49.0, 200.0]
    assert crec.discharge_end.tolist() == [46.5, 101.0, 49.5, 200.5]
    assert crec.departed.tolist() == [49.0, 101.5, 50.0, 202.0]
    assert crec.loaded_boxes.tolist() == [2, 0, 0, 1]
    assert crec.loaded_teu.tolist() == [2.0, 0.0, 0.0, 1.0]
    assert crec.import_teu.tolist() == [6.0, 0.0, 0.0, 0.0]


def test_discharge_and_removal_from_the_yard(run):
    """Boxes reach the yard in discharge order (c1 first box at 42.5, c0's last at 44.5, c4 at
    45.5); the domestic box and the import cleared before discharge leave at once (ready when in
    the yard)."""
    rec, _, hinterland = run
    assert rec.vessel_arrival[[0, 1, 4]].tolist() == [42.0] * 3
    assert rec.berthed[[0, 1, 4]].tolist() == [42.0] * 3
    assert rec.in_yard[[0, 1, 4]].tolist() == [44.5, 42.5, 45.5]
    assert sorted(hinterland.leaving) == [(0, 44.5), (1, 42.5)]


def test_exports_load_if_released_by_the_cut_off_else_roll(run):
    """c2 (released at 1, cut-off 34) is loaded at 48.5 and sails at 49 on call 0. c3 is never
    released: rolled to call 1, rolled again, and there is no later call of its service."""
    rec, _, _ = run
    assert rec.loaded[2] == 48.5 and rec.out[2] == 49.0 and rec.call_id[2] == 0
    assert rec.rolled_calls[[2, 3]].tolist() == [0, 2]
    assert rec.call_id[3] == -1 and np.isnan(rec.loaded[3])


def test_transshipment_waits_for_formalities_then_takes_the_first_reachable_call(run):
    """c4 in the yard at 45.5, 0.5 h of transit formalities and 0.25 h of certificates: released
    at 46.25, after call 2's cut-off (36), so it goes on call 3 (cut-off 194): loaded at 201.5,
    sails at 202."""
    rec, _, _ = run
    assert rec.released[4] == pytest.approx(46.25)
    assert rec.connect_call_id[4] == 3
    assert rec.loaded[4] == pytest.approx(201.5) and rec.out[4] == pytest.approx(202.0)
