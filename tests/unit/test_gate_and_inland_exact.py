"""The import side of the hinterland in closed form, on hand-built inputs: the out-gate line
(FIFO over the lanes, exits recorded in blocks) and the second declaration at the inland offices
before the reform (lodged after preparation, the officers' check on office hours, delivery)."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import simpy

from sim.model.hinterland import Hinterland
from sim.model.record import consignment_columns
from tests.conftest import SMALL, make_config

NAN = math.nan


@pytest.fixture(scope="module")
def config():
    # one out-gate lane of 0.5 h per box; delivery from the Changchun office takes longer
    return make_config(*SMALL, "port.gate.out_lanes=1", "port.gate.hours_per_truck=0.5",
                       "port.destinations.changchun.local_delivery_hours=3.0")


def hinterland(cfg, regime, destination, boxes, pickup, second, preparation=None, doc=None, inspection=None):
    n = len(destination)
    nan = np.full(n, np.nan)
    env = simpy.Environment()
    rec = consignment_columns(n)
    delay = np.array(pickup, dtype=float)  # the consignee's decision is tested in test_traders_by_hand
    plan = SimpleNamespace(
        consignees=SimpleNamespace(at_gate=lambda idx, ready, in_yard: ready + delay[idx]), second_declaration=np.array(second, dtype=bool),
        inland_preparation=np.array(preparation if preparation is not None else np.zeros(n), dtype=float),
        inland_doc_check_work=np.array(doc if doc is not None else nan, dtype=float),
        inland_inspection_work=np.array(inspection if inspection is not None else nan, dtype=float))
    cons = SimpleNamespace(destination=np.array(destination), boxes=np.array(boxes), teu=np.ones(n))
    return env, rec, Hinterland(env, cfg, regime, rec, plan, cons)


def test_the_out_gate_serves_trucks_first_come_first_served_on_its_lanes(config):
    """One lane, 0.5 h per box. Truck 0 (1 box) ready at 0, pickup 0.2: at the gate at 0.2, out
    0.7. Truck 1 (2 boxes) at 0.4: waits for the lane, out 0.7 + 1.0. Truck 2 at 3.0, lane free:
    out 3.5. Truck 3 arrives at 9 after the line is served up to 5: still waiting."""
    names = list(config.port.destinations)
    shenyang, dalian = names.index("shenyang"), names.index("dalian")
    env, rec, h = hinterland(config, config.regime, destination=[shenyang, dalian, shenyang, dalian],
                             boxes=[1, 2, 1, 1], pickup=[0.2, 0.4, 1.0, 9.0], second=[False] * 4)
    for i, ready in enumerate([0.0, 0.0, 2.0, 0.0]):
        h.by_truck(i, ready)
    h.serve_gate_line(5.0)
    h.record_gate_line()
    road = [config.port.destinations[n].truck_hours for n in names]
    local = [config.port.destinations[n].local_delivery_hours for n in names]
    assert rec.out.tolist()[:3] == pytest.approx([0.7, 1.7, 3.5])
    assert math.isnan(rec.out[3])
    dest = [shenyang, dalian, shenyang]
    assert rec.inland_arrival[:3].tolist() == pytest.approx([o + road[d] for o, d in zip([0.7, 1.7, 3.5], dest)])
    assert rec.delivered[:3].tolist() == pytest.approx(
        [o + road[d] + local[d] for o, d in zip([0.7, 1.7, 3.5], dest)])
    h.serve_gate_line(math.inf)
    h.record_gate_line()
    assert rec.out[3] == pytest.approx(9.5)


def test_two_lanes_serve_two_trucks_at_once(config):
    cfg = make_config(*SMALL, "port.gate.out_lanes=2", "port.gate.hours_per_truck=0.5")
    env, rec, h = hinterland(cfg, cfg.regime, destination=[1, 1, 1], boxes=[2, 2, 1], pickup=[0.0, 0.1, 0.2],
                             second=[False] * 3)
    for i in range(3):
        h.by_truck(i, 1.0)
    h.serve_gate_line(math.inf)
    h.record_gate_line()
    # 0 on lane A 1.0-2.0, 1 on lane B 1.1-2.1, 2 waits for lane A: 2.0-2.5
    assert rec.out.tolist() == pytest.approx([2.0, 2.1, 2.5])


def test_a_box_declared_again_inland_is_delivered_by_the_inland_office_not_the_gate(config):
    """Before the reform: box 1 is declared again at its inland office, so leaving the gate does
    not deliver it; clear_inland does, after preparation and the officers' check on office hours."""
    regime = config.baseline  # inland offices Monday to Friday 8:30-17:00
    names = list(config.port.destinations)
    shenyang, changchun = names.index("shenyang"), names.index("changchun")
    env, rec, h = hinterland(config, regime, destination=[shenyang, shenyang, changchun], boxes=[1, 1, 1],
                             pickup=[0.0, 0.0, 0.0], second=[False, True, True],
                             preparation=[0.0, 1.0, 2.0], doc=[NAN, 0.5, 0.25])
    for i in range(3):
        h.by_truck(i, 0.0)
    h.serve_gate_line(math.inf)
    h.record_gate_line()
    road = {k: config.port.destinations[names[k]].truck_hours for k in (shenyang, changchun)}
    local = {k: config.port.destinations[names[k]].local_delivery_hours for k in (shenyang, changchun)}
    out = [0.5, 1.0, 1.5]
    assert rec.out.tolist() == pytest.approx(out)
    assert rec.delivered[0] == pytest.approx(out[0] + road[shenyang] + local[shenyang])
    assert np.isnan(rec.delivered[[1, 2]]).all()
    # Inland: box 1 in Shenyang at 1 + 6 = 7 (Monday 07:00), lodged at 8; the office opens at 8.5,
    # checked 8.5-9.0. Box 2 in Changchun at 1.5 + 10 = 11.5, lodged 13.5, checked to 13.75.
    arrival = [out[1] + road[shenyang], out[2] + road[changchun]]
    assert rec.inland_arrival[[1, 2]].tolist() == pytest.approx(arrival)
    h.clear_inland()
    assert rec.inland_lodged[[1, 2]].tolist() == pytest.approx([arrival[0] + 1.0, arrival[1] + 2.0])
    assert rec.inland_released[[1, 2]].tolist() == pytest.approx([9.0, 13.75])
    assert rec.inland_check_start[[1, 2]].tolist() == pytest.approx([8.5, 13.5])  # the officers' own columns
    assert rec.inland_check_end[[1, 2]].tolist() == pytest.approx([9.0, 13.75])
    assert np.isnan(rec.inland_inspection_start[[0, 1, 2]]).all() and np.isnan(rec.inland_check_start[0])
    assert rec.delivered[[1, 2]].tolist() == pytest.approx([9.0 + local[shenyang], 13.75 + local[changchun]])
