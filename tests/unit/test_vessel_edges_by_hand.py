"""Vessel calls at their edges, worked out by hand: two berths, ties in arrival times and
bookings, a box released exactly at the cut-off, a transshipment between its connecting call's
cut-off and schedule, a service with no call, and imports
with no transit formalities leaving outside office hours.

Terminal dct: one crane at one box an hour per call, 1 h of berth setup (half before discharge,
half after loading), export cut-off 6 h before the scheduled time.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import simpy

from sim.domain import Direction, Mode, Trade
from sim.domain.calendar import WorkingCalendar
from sim.model.demand import Calls
from sim.model.record import call_columns, consignment_columns
from sim.model.vessels import PortSide
from tests.conftest import SMALL, make_config

IMP, EXP, TX = Direction.IMPORT.code, Direction.EXPORT.code, Direction.TRANSSHIPMENT.code
ALWAYS = WorkingCalendar(range(7), 0.0, 24.0)
OFFICE = WorkingCalendar(range(5), 8.0, 17.0)  # Monday to Friday, 8 to 17 (t = 0 is Monday 0:00)


class Hinterland:
    def __init__(self):
        self.leaving = {}

    def trucks_to_gate(self, idx, ready):
        self.leaving.update(zip(idx.tolist(), ready.tolist()))

    def by_truck(self, i, ready):
        self.leaving[i] = ready

    def by_rail(self, i, ready):
        self.leaving[i] = ready


def simulate(calls, cons, plan=None, released=None, berths=1, until=1000.0, transship_hours=0.0,
             calendar=ALWAYS, n_services=2):
    """Run the port side on hand-made calls and consignments; returns (rec, call rec, hinterland)."""
    cfg = make_config(*SMALL, f"port.terminals.dct.berths={berths}", "port.terminals.dct.cranes_per_berth=1",
                      "port.terminals.dct.crane_moves_per_hour=1.0", "port.terminals.dct.berth_setup_hours=1.0",
                      "port.terminals.dct.berth_hours_per_move=0.0", "port.crane_steps_moves=[]",
                      "run.allow_overload=true",  # the demand's calls at 1 box an hour would overload it; unused here
                      "port.export_cutoff_hours=6.0")
    m = len(calls["scheduled"])
    calls = Calls(service=np.asarray(calls.get("service", np.zeros(m, int))), terminal=np.zeros(m, int),
                  scheduled=np.asarray(calls["scheduled"], float), arrival=np.asarray(calls["arrival"], float),
                  import_boxes=np.asarray(calls.get("import_boxes", np.zeros(m, int))),
                  export_boxes=np.zeros(m, int), service_names=[f"s{k}" for k in range(n_services)],
                  terminal_names=["dct"])
    n = len(cons["direction"])
    cons = SimpleNamespace(direction=np.asarray(cons["direction"], int), call=np.asarray(cons["call"], int),
                           trade=np.full(n, Trade.FOREIGN.code), boxes=np.ones(n, int), teu=np.ones(n),
                           discharge_rank=np.asarray(cons.get("rank", np.zeros(n))),
                           connect_service=np.asarray(cons.get("service", np.full(n, -1))))
    base = {"closed_form": np.zeros(n, bool), "released": np.full(n, math.nan), "transit": np.zeros(n, bool),
            "transit_formalities": np.zeros(n), "mode": np.full(n, Mode.TRUCK.code), "certificate_hours": np.zeros(n),
            "bonded_wait": np.zeros(n)}
    plan = SimpleNamespace(**{**base, **(plan or {})})
    env = simpy.Environment()
    rec, crec = consignment_columns(n), call_columns(m)
    rec.direction[:] = cons.direction
    rec.rolled_calls[:] = 0
    if released is not None:
        rec.released[:] = released
    hinterland = Hinterland()
    side = PortSide(env, cfg.port, calls, cons, rec, crec, plan, hinterland, calendar, transship_hours)
    env.process(side.dispatch(until))
    env.run()
    return rec, crec, hinterland


def test_two_berths_serve_two_vessels_at_once():
    """Empty calls take 1 h at the berth (setup). Two berths: vessels arriving at 10 and 10.5 both
    berth on arrival; one berth: the second waits until the first sails at 11."""
    _, crec, _ = simulate({"scheduled": [10.0, 10.5], "arrival": [10.0, 10.5]},
                          {"direction": [], "call": []}, berths=2)
    assert crec.berthed.tolist() == [10.0, 10.5]
    _, crec, _ = simulate({"scheduled": [10.0, 10.5], "arrival": [10.0, 10.5]},
                          {"direction": [], "call": []}, berths=1)
    assert crec.berthed.tolist() == [10.0, 11.0]


def test_vessels_arriving_together_berth_in_list_order():
    """Thirty empty calls arriving at 10 h (two in three) or 20 h at one berth, 1 h each: those at
    10 berth in list order back to back from 10, then those at 20 in list order."""
    n = 30
    arrival = [20.0 if k % 3 == 0 else 10.0 for k in range(n)]
    _, crec, _ = simulate({"scheduled": arrival, "arrival": arrival}, {"direction": [], "call": []})
    order = [k for k in range(n) if arrival[k] == 10.0] + [k for k in range(n) if arrival[k] == 20.0]
    assert [crec.berthed[k] for k in order] == [10.0 + i for i in range(n)]


def test_exports_of_a_call_are_loaded_in_list_order():
    """Thirty one-box exports, released, booked on call 0 (two in three) or call 1: each call loads
    its own in list order, one an hour after its discharge ends (call 0 at 10.5, call 1 at 100.5)."""
    n = 30
    call = [1 if k % 3 == 0 else 0 for k in range(n)]
    rec, _, _ = simulate({"scheduled": [10.0, 100.0], "arrival": [10.0, 100.0]},
                         {"direction": [EXP] * n, "call": call}, released=np.zeros(n))
    for j, start in ((0, 10.5), (1, 100.5)):
        mine = [k for k in range(n) if call[k] == j]
        assert [rec.loaded[k] for k in mine] == [start + 1.0 + i for i in range(len(mine))]


def test_an_export_released_exactly_at_the_cut_off_is_loaded():
    """Call 0 scheduled at 40: cut-off 34. Released at 34: loaded at 40; at 34.5: rolled to call 1."""
    rec, _, _ = simulate({"scheduled": [40.0, 100.0], "arrival": [40.0, 100.0]},
                         {"direction": [EXP, EXP], "call": [0, 0]}, released=[34.0, 34.5])
    assert rec.rolled_calls.tolist() == [0, 1]
    assert rec.call_id.tolist() == [0, 1]


def test_transshipment_ready_after_the_cut_off_books_the_call_after():
    """A box discharged by call 0 (arrives 40: in the yard at 40.5) for service 1, whose calls are
    scheduled at 44 (cut-off 38) and 200: ready at 40.5, past the first cut-off, so it is booked on
    the call at 200, not rolled."""
    rec, _, _ = simulate({"scheduled": [40.0, 44.0, 200.0], "arrival": [40.0, 44.0, 200.0],
                          "service": [0, 1, 1], "import_boxes": [1, 0, 0]},
                         {"direction": [TX], "call": [0], "service": [1]})
    assert rec.released.tolist() == [40.5]
    assert rec.connect_call_id.tolist() == [2]
    assert rec.rolled_calls.tolist() == [0]


def test_transshipment_for_a_service_without_calls_is_not_booked():
    """Service 2 has no call within the schedule: the box stays unbooked (no connecting call)."""
    rec, _, _ = simulate({"scheduled": [40.0, 44.0], "arrival": [40.0, 44.0], "service": [0, 1],
                          "import_boxes": [1, 0]},
                         {"direction": [TX], "call": [0], "service": [2]}, n_services=3)
    assert rec.released.tolist() == [40.5]
    assert rec.connect_call_id[0] < 0 or math.isnan(rec.connect_call_id[0])
    assert rec.rolled_calls.tolist() == [0]  # not booked on a call, so never rolled either


def test_transshipment_without_formalities_does_not_wait_for_office_hours():
    """No transit supervision hours: a box in the yard at 20.5 on Monday is ready at once, though
    the officers' office is closed (with 0.5 h it would be ready at Tuesday 8:30 = 32.5)."""
    calls = {"scheduled": [20.0, 100.0], "arrival": [20.0, 100.0], "service": [0, 1], "import_boxes": [1, 0]}
    cons = {"direction": [TX], "call": [0], "service": [1]}
    rec, _, _ = simulate(calls, cons, calendar=OFFICE, transship_hours=0.0)
    assert rec.released.tolist() == [20.5]
    rec, _, _ = simulate(calls, cons, calendar=OFFICE, transship_hours=0.5)
    assert rec.released.tolist() == [32.5]


def test_imports_without_formalities_leave_outside_office_hours():
    """Imports cleared in closed form before the vessel (arrives 20 on Monday, in the yard at 20.5):
    0 under transit by rail with no formalities (a supervision centre) leaves at 20.5 though the
    office is closed; 1 under transit with 0.5 h of formalities waits for the office: 32.5;
    2 not under transit leaves at 20.5."""
    rec, _, hinterland = simulate(
        {"scheduled": [20.0], "arrival": [20.0], "import_boxes": [3]}, {"direction": [IMP] * 3, "call": [0] * 3},
        plan={"closed_form": np.ones(3, bool), "released": np.full(3, 1.0), "transit": np.array([True, True, False]),
              "transit_formalities": np.array([0.0, 0.5, 0.0]),
              "mode": np.array([Mode.RAIL.code, Mode.TRUCK.code, Mode.TRUCK.code])},
        calendar=OFFICE)
    assert hinterland.leaving == {0: 20.5, 1: 32.5, 2: 20.5}
    assert rec.transit_ready[:2].tolist() == [20.5, 32.5]


def test_a_transit_truck_waits_for_a_bonded_carrier_after_its_formalities():
    """As above, with a bonded-carrier wait: 1 (transit by truck, formalities done at 32.5) waits 7 h
    more for a bonded truck and leaves at 39.5; its transit is ready at 32.5. The plan gives no wait to
    0 (by rail) or 2 (not under transit)."""
    rec, _, hinterland = simulate(
        {"scheduled": [20.0], "arrival": [20.0], "import_boxes": [3]}, {"direction": [IMP] * 3, "call": [0] * 3},
        plan={"closed_form": np.ones(3, bool), "released": np.full(3, 1.0), "transit": np.array([True, True, False]),
              "transit_formalities": np.array([0.0, 0.5, 0.0]), "bonded_wait": np.array([0.0, 7.0, 0.0]),
              "mode": np.array([Mode.RAIL.code, Mode.TRUCK.code, Mode.TRUCK.code])},
        calendar=OFFICE)
    assert hinterland.leaving == {0: 20.5, 1: 39.5, 2: 20.5}
    assert rec.transit_ready[:2].tolist() == [20.5, 32.5]


def test_calls_arriving_at_the_end_are_not_dispatched():
    """dispatch(until) sends the calls arriving before `until`: one arriving exactly at it is not."""
    _, crec, _ = simulate({"scheduled": [10.0, 50.0], "arrival": [10.0, 50.0]}, {"direction": [], "call": []},
                          until=50.0)
    assert crec.arrival[0] == 10.0 and math.isnan(crec.arrival[1])
