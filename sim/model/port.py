"""Build one replication's world from config, run it, return its tables.

`simulate(cfg, regime, replication)` is the whole core API: a plain typed
config in, Arrow tables out. Experiments, tests, notebooks and launchers all
call it; none of it knows about Hydra.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import simpy

from sim.config import Config, RegimeConfig
from sim.model.calendar import WorkingCalendar
from sim.model.cargo import CALL_TIMES, MILESTONES, Direction, Station, Trade
from sim.model.clearance import Clearance, plan
from sim.model.demand import generate_calls, generate_consignments
from sim.model.hinterland import Hinterland
from sim.model.inspection import StaffedStation
from sim.model.vessels import PortSide
from sim.record import call_columns, consignment_columns

HOURS_PER_DAY = 24.0
HOURS_PER_WEEK = 168.0


@dataclass
class Replication:
    """The output of one run: consignment and call tables plus the window they cover."""

    consignments: pa.Table
    calls: pa.Table
    warmup_hours: float
    horizon_hours: float
    end_hours: float


def simulate(cfg: Config, regime: RegimeConfig, replication: int) -> Replication:
    warmup = cfg.run.warmup_days * HOURS_PER_DAY
    horizon = cfg.run.horizon_days * HOURS_PER_DAY
    end = horizon + cfg.run.drain_days * HOURS_PER_DAY
    # One extra week of schedule so exports that miss a cut-off near the end have a next call.
    calls = generate_calls(cfg.demand, cfg.port, end + HOURS_PER_WEEK, cfg.run.seed, replication)
    cons = generate_consignments(cfg.demand, cfg.port, calls, cfg.run.seed, replication)
    clearance_plan = plan(regime, cons, calls)

    rec = consignment_columns(len(cons))
    rec.consignment_id[:] = np.arange(len(cons))
    rec.call_id[:] = cons.call
    for name in ("direction", "trade", "cargo_class", "boxes", "destination", "mode"):
        getattr(rec, name)[:] = getattr(cons, name)
    destinations = [cfg.port.destinations[d] for d in cons.destination_names]
    rec.inland[:] = np.array([d.inland for d in destinations], dtype=np.int64)[cons.destination]
    rec.distance_km[:] = np.array([d.distance_km for d in destinations])[cons.destination]
    rec.teu[:] = cons.teu
    rec.value_cny[:] = cons.value_cny
    rec.channel[:] = clearance_plan.channel
    rec.station[:] = clearance_plan.station
    rec.pre_arrival[:] = clearance_plan.pre_arrival
    rec.rolled_calls[:] = 0
    rec.gate_in[:] = clearance_plan.gate_in
    # Exports that need no customs step in this run are released on gate-in.
    no_customs = ((cons.trade == Trade.DOMESTIC.code) & (cons.direction == Direction.EXPORT.code)) | clearance_plan.pre_run
    rec.released[no_customs] = clearance_plan.gate_in[no_customs]

    crec = call_columns(len(calls))
    crec.call_id[:] = np.arange(len(calls))
    crec.service[:] = calls.service
    crec.terminal[:] = calls.terminal
    crec.scheduled[:] = calls.scheduled
    crec.import_boxes[:] = calls.import_boxes
    crec.export_boxes[:] = calls.export_boxes

    env = simpy.Environment()
    port_side = PortSide(env, cfg.port, calls, cons, rec, crec, Hinterland(cfg.port),
                         clearance_plan.pickup, cfg.port.export_cutoff_hours)
    inspection_calendar = WorkingCalendar.from_config(regime.inspection_calendar)
    stations = {
        code: StaffedStation(env, name, cfg.port.inspection_stations[name].bays, inspection_calendar)
        for code, name in ((Station.SCAN.code, "scan"), (Station.PHYSICAL.code, "physical"))
    }
    drayage = {code: cfg.port.inspection_stations[s.name].drayage_hours for code, s in stations.items()}
    officers = StaffedStation(env, "officers", regime.officers, WorkingCalendar.from_config(regime.officer_calendar))
    clearance = Clearance(env, rec, clearance_plan, officers, stations, drayage, port_side)

    env.process(port_side.dispatch(end))
    env.process(clearance.dispatch(end))
    env.run(until=end)

    # Milestones computed ahead (yard, load, gate-out times) count only if they fell inside the run.
    for name in MILESTONES:
        col = getattr(rec, name)
        col[col > end] = np.nan
    for name in CALL_TIMES:
        col = getattr(crec, name)
        col[col > end] = np.nan
    return Replication(
        consignments=rec.to_arrow(replication=replication),
        calls=crec.to_arrow(replication=replication),
        warmup_hours=warmup, horizon_hours=horizon, end_hours=end,
    )
