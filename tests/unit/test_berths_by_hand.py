"""Berths worked out by hand: cranes by call size, time at berth with its non-working parts, the
per-call handling factor, the shifted Erlang schedule deviation, the offered berth load and the
busiest terminal's utilisation.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import simpy

from sim.config import ConfigError
from sim.config.stability import berth_loads, check_stability, design_warnings, terminal_teu_per_year
from sim.domain import Direction, Mode, Trade
from sim.domain.berths import berth_hours, cranes_for, hours_per_move
from sim.domain.calendar import WorkingCalendar
from sim.model.demand import Calls, generate_calls, handling_factors, schedule_deviation
from sim.model.record import call_columns, consignment_columns
from sim.model.vessels import PortSide
from sim.outputs.frame import Frame
from sim.outputs.kpi import Window, vessel_kpis
from tests.conftest import SMALL, make_config

STEPS = [500, 1500, 2500]


# ------------------------------------------------------------------ the rule
def test_cranes_one_plus_one_per_step_reached_capped_by_the_berth():
    moves = [0, 499, 500, 1499, 1500, 2499, 2500, 9000]
    assert cranes_for(moves, 4, STEPS).tolist() == [1, 1, 2, 2, 3, 3, 4, 4]
    assert cranes_for(moves, 2, STEPS).tolist() == [1, 1, 2, 2, 2, 2, 2, 2]
    assert cranes_for([10, 5000], 4, []).tolist() == [4, 4]  # no steps: every call gets the berth's cranes


def test_time_at_berth_is_moves_over_the_ship_rate_plus_non_working_time():
    """dct: 27 moves/h a crane, 3 h fixed, 0.001 h a move. 1000 moves: 2 cranes, 54 moves/h:
    3 + 1000 / 54 + 1 = 22.5185 h. 4000 moves (mainline, 4 cranes, 108/h): 3 + 37.037 + 4 h."""
    t = SimpleNamespace(cranes_per_berth=4, crane_moves_per_hour=27.0, berth_setup_hours=3.0,
                        berth_hours_per_move=0.001)
    assert float(berth_hours(1000, t, STEPS)) == pytest.approx(3 + 1000 / 54 + 1)
    assert float(berth_hours(4000, t, STEPS)) == pytest.approx(3 + 4000 / 108 + 4)
    assert float(hours_per_move(2, 27.0, 0.001)) == pytest.approx(1 / 54 + 0.001)


# ------------------------------------------------------------------ the rule in the model
class Hinterland:
    def trucks_to_gate(self, idx, ready):
        pass

    def by_truck(self, i, ready):
        pass

    def by_rail(self, i, ready):
        pass


def test_a_call_works_with_its_cranes_and_handling_factor():
    """One berth; a crane moves 1 box/h; steps at 2 and 4 moves, 3 cranes a berth; 2 h fixed (1 before
    discharge, 1 after loading) and 0.5 h a move. Call 0: 4 boxes, 3 cranes, factor 1.2: (1/3 + 0.5)
    x 1.2 = 1 h a move: berths at 10, discharges 11-15, sails 16. Call 1: 1 box, 1 crane, factor 1:
    1.5 h a move; arrived 10.5, berths at 16, discharges 17-18.5, sails 19.5."""
    cfg = make_config(*SMALL, "port.terminals.dct.berths=1", "port.terminals.dct.cranes_per_berth=3",
                      "port.terminals.dct.crane_moves_per_hour=1.0", "port.terminals.dct.berth_setup_hours=2.0",
                      "port.terminals.dct.berth_hours_per_move=0.5", "port.crane_steps_moves=[2,4]",
                      "run.allow_overload=true")  # the demand's calls would overload so slow a berth; unused here
    calls = Calls(service=np.array([0, 1]), terminal=np.array([0, 0]), scheduled=np.array([10.0, 10.5]),
                  arrival=np.array([10.0, 10.5]), import_boxes=np.array([4, 1]), export_boxes=np.array([0, 0]),
                  service_names=["A", "B"], terminal_names=["dct"], handling=np.array([1.2, 1.0]))
    n = 2
    cons = SimpleNamespace(direction=np.full(n, Direction.IMPORT.code), call=np.array([0, 1]),
                           trade=np.full(n, Trade.DOMESTIC.code), boxes=np.array([4, 1]), teu=np.array([4.0, 1.0]),
                           discharge_rank=np.array([4, 1]), connect_service=np.full(n, -1))
    plan = SimpleNamespace(closed_form=np.zeros(n, bool), released=np.full(n, math.nan), transit=np.zeros(n, bool),
                           transit_formalities=np.zeros(n), mode=np.full(n, Mode.TRUCK.code),
                           certificate_hours=np.zeros(n))
    env = simpy.Environment()
    rec, crec = consignment_columns(n), call_columns(2)
    rec.direction[:] = cons.direction
    rec.rolled_calls[:] = 0
    side = PortSide(env, cfg.port, calls, cons, rec, crec, plan, Hinterland(), WorkingCalendar(range(7), 0.0, 24.0),
                    transship_hours=0.0)
    env.process(side.dispatch(100.0))
    env.run()
    assert crec.cranes.tolist() == [3, 1]
    assert crec.berthed.tolist() == pytest.approx([10.0, 16.0])
    assert crec.discharge_end.tolist() == pytest.approx([15.0, 18.5])
    assert crec.departed.tolist() == pytest.approx([16.0, 19.5])
    assert rec.in_yard.tolist() == pytest.approx([15.0, 18.5])


# ------------------------------------------------------------------ random inputs
def test_schedule_deviation_is_a_shifted_erlang():
    """mean 2 h, up to 4 h early, k = 3: Erlang(3) with mean 6 minus 4; sd 6 / sqrt(3) = 3.464 h, cv of
    the Erlang 1 / sqrt(3) = 0.577; early (Erlang below 4, scale 2): 1 - e^-2 (1 + 2 + 2) = 0.3233."""
    demand = SimpleNamespace(lateness_hours_mean=2.0, lateness_erlang_k=3, early_hours_max=4.0)
    dev = schedule_deviation(np.random.default_rng(7), demand, 400_000)
    assert dev.mean() == pytest.approx(2.0, abs=0.02)
    assert dev.std() == pytest.approx(6 / math.sqrt(3), rel=0.01)
    assert (dev + 4).std() / (dev + 4).mean() == pytest.approx(1 / math.sqrt(3), rel=0.01)
    assert dev.min() >= -4.0
    assert (dev < 0).mean() == pytest.approx(1 - 5 * math.exp(-2), abs=0.003)
    late_only = SimpleNamespace(lateness_hours_mean=0.0, lateness_erlang_k=3, early_hours_max=0.0)
    assert schedule_deviation(np.random.default_rng(7), late_only, 5).tolist() == [0.0] * 5


def test_handling_factors_have_mean_one_and_cv_one_over_root_k():
    port = SimpleNamespace(handling_erlang_k=4)
    f = handling_factors(port, 200_000, seed=1, replication=0)
    assert f.mean() == pytest.approx(1.0, abs=0.01)
    assert f.std() == pytest.approx(0.5, rel=0.02)
    assert handling_factors(SimpleNamespace(handling_erlang_k=0), 3, 1, 0).tolist() == [1.0, 1.0, 1.0]


def test_calls_bunch_but_stay_within_the_dalian_inter_arrival_cv():
    """The bundled schedule with its deviation and the irregular calls: the inter-arrival cv of the
    calls at each terminal with many calls stays inside the 0.3-0.7 of the Dalian fits, give or take
    0.05 of sampling over 8 weeks."""
    cfg = make_config()
    calls = generate_calls(cfg.demand, cfg.port, 8 * 168.0, cfg.run.seed, 0)
    for t, name in enumerate(calls.terminal_names):
        if name == "berths_17_18":
            continue  # four weekly mainline calls and a few irregular ones: too few to say
        gaps = np.diff(np.sort(calls.arrival[calls.terminal == t]))
        assert 0.3 <= gaps.std() / gaps.mean() <= 0.75, name


# ------------------------------------------------------------------ offered load and capacity
def test_offered_berth_load_by_hand():
    """Berths 17/18 (2 berths, 4 cranes a berth): transpacific and mediterranean calls of 3600 moves
    (4 cranes: 3 + 3600 / 108 + 3.6 h), two europe calls of 4000 (3 + 4000 / 108 + 4 h), and 2/19 of
    the 10 irregular calls of 430 moves (1 crane: 3 + 430 / 27 + 0.43 h), over 2 x 168 h."""
    cfg = make_config()
    hours = 2 * (3 + 3600 / 108 + 3.6) + 2 * (3 + 4000 / 108 + 4) + 10 * 2 / 19 * (3 + 430 / 27 + 0.43)
    load = {s.key: s.load for s in berth_loads(cfg)}
    assert load["port.terminals.berths_17_18.berths"] == pytest.approx(hours / 336)
    assert all(0.5 <= v <= 0.75 for v in load.values())


def test_a_terminal_offered_more_than_its_berths_is_refused():
    cfg = make_config("port.terminals.berths_17_18.berths=1", "run.allow_overload=true")
    with pytest.raises(ConfigError, match="port.terminals.berths_17_18.berths"):
        check_stability(SimpleNamespace(**{**vars(cfg), "run": SimpleNamespace(allow_overload=False)}))


def test_terminals_stay_near_their_design_capacity():
    """Each terminal's offered TEU a year is within 10 % of its design capacity (9.3 M carried on
    9.0 M of design: ~4 % over on average), and halving one's design gets a warning."""
    cfg = make_config()
    for name, teu in terminal_teu_per_year(cfg).items():
        assert teu == pytest.approx(cfg.port.terminals[name].design_teu_per_year, rel=0.10), name
    assert design_warnings(cfg) == []
    half = make_config("port.terminals.dct.design_teu_per_year=900000")
    assert [w.split(":")[0] for w in design_warnings(half)] == ["port.terminals.dct"]


@pytest.mark.parametrize("override, key", [
    ("demand.early_hours_max=-1", "demand.early_hours_max"),
    ("demand.lateness_hours_mean=-5", "demand.lateness_hours_mean"),  # earlier than early_hours_max (4)
    ("port.crane_steps_moves=[0,100]", "port.crane_steps_moves[0]"),
    ("port.handling_erlang_k=-1", "port.handling_erlang_k"),
    ("port.terminals.dct.berth_hours_per_move=-0.1", "port.terminals.dct.berth_hours_per_move"),
])
def test_bad_berth_input_is_refused(override, key):
    with pytest.raises(ConfigError) as e:
        make_config(override)
    assert e.value.key == key


# ------------------------------------------------------------------ KPI
def test_busiest_terminal_berth_share():
    """Window 0-100 h. Terminal 0 (1 berth): one call busy 20-70 (50 h): 0.5. Terminal 1 (2 berths):
    calls busy 0-30 and 90-100 (40 h): 0.2. All berths: 90 / 300."""
    calls = pd.DataFrame({"arrival": [20.0, 0.0, 85.0], "berthed": [20.0, 0.0, 90.0],
                          "departed": [70.0, 30.0, 100.0], "terminal": [0, 1, 1]})
    window = Window(warmup_hours=0.0, horizon_hours=100.0, end_hours=120.0)
    k = vessel_kpis(Frame.of(calls), window, (1, 2))
    assert k["busiest_terminal_berth_share"] == pytest.approx(0.5)
    assert k["berth_utilization"] == pytest.approx(90 / 300)
    assert k["vessel_wait_hours_mean"] == pytest.approx(5 / 3)
