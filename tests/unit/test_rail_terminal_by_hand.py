"""The port's rail terminal by hand: trains to two destinations closing at the same time share
the configured loading tracks, and a consignment exactly a train's size boards it.

Shenyang and Changchun trains leave at 10 h (cut-off 4 h before: closing at 6); 40 boxes an hour
per track; a 200-box consignment takes 5 h to load, so its train leaves late, when loaded.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import simpy

from sim.model.hinterland import Hinterland
from sim.model.record import consignment_columns
from tests.conftest import SMALL, make_config


def run(tracks: int, boxes, teu, destination):
    cfg = make_config(*SMALL, f"port.rail_terminal.loading_tracks={tracks}",
                      "port.rail_terminal.boxes_per_hour_per_track=40",
                      "port.destinations.shenyang.rail_departures=[10]",
                      "port.destinations.changchun.rail_departures=[10]")
    names = list(cfg.port.destinations)
    n = len(boxes)
    env = simpy.Environment()
    rec = consignment_columns(n)
    plan = SimpleNamespace(pickup=np.zeros(n), second_declaration=np.zeros(n, bool))
    cons = SimpleNamespace(destination=np.array([names.index(d) for d in destination]), boxes=np.array(boxes),
                           teu=np.array(teu, float))
    h = Hinterland(env, cfg, cfg.regime, rec, plan, cons)
    for i in range(n):
        h.by_rail(i, 0.0)
    h.start(20.0)
    env.run(until=30.0)
    return rec


def test_two_loading_tracks_load_two_trains_at_once():
    """Two tracks: both trains load 6-11 and leave at 11. One track: Changchun's waits for it,
    loads 11-16 and leaves at 16."""
    rec = run(2, boxes=[200, 200], teu=[10.0, 10.0], destination=["shenyang", "changchun"])
    assert rec.out.tolist() == [11.0, 11.0]
    rec = run(1, boxes=[200, 200], teu=[10.0, 10.0], destination=["shenyang", "changchun"])
    assert sorted(rec.out.tolist()) == [11.0, 16.0]


def test_a_consignment_of_exactly_a_trains_capacity_boards_it():
    """Shenyang's trains carry 120 TEU: 120 TEU (40 boxes, loaded 6-7) leaves at 10; 121 TEU never
    boards (it would block the line)."""
    rec = run(2, boxes=[40, 40], teu=[120.0, 121.0], destination=["shenyang", "shenyang"])
    assert rec.out[0] == 10.0
    assert math.isnan(rec.out[1])
