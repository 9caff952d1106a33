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
from sim.config.snapshot import read_snapshot
from sim.domain import CALL_TIMES, MILESTONES, SNAPSHOT_BOX, SNAPSHOT_FLAG, Direction, Trade
from sim.domain.calendar import WorkingCalendar
from sim.domain.stations import JOINT, calendar_of, separate_types, station_types
from sim.domain.units import HOURS_PER_DAY
from sim.model.clearance import Clearance
from sim.model.demand import generate_calls, generate_consignments
from sim.model.hinterland import INLAND_STEPS, Hinterland
from sim.model.inspection import StaffedStation
from sim.model.memory import return_freed_arrays
from sim.model.plan import plan
from sim.model.record import call_columns, consignment_columns
from sim.model.vessels import PortSide
from sim.model.warmstart import warm_traffic
from sim.model.yard import plug_reefers


@dataclass
class Replication:
    """The output of one run: consignment and call tables plus the window they cover."""

    consignments: pa.Table
    calls: pa.Table
    warmup_hours: float
    horizon_hours: float
    end_hours: float
    start_hours: float = 0.0
    """When the run started: 0, or the moment its snapshot was taken (`run.initial_state`)."""


def simulate(cfg: Config, regime: RegimeConfig, replication: int, traffic=None) -> Replication:
    """`traffic`: (calls, consignments) drawn by the caller (a segment of a summary-only run);
    by default they are drawn here for [0, end of run), or, from a snapshot (`run.initial_state`),
    for [its moment, its moment + end of run) with the snapshot's items. Its variates are consumed
    either way."""
    return_freed_arrays()
    snapshot = read_snapshot(cfg) if traffic is None else None
    start = snapshot.start_hours if snapshot is not None else 0.0
    warmup = start + cfg.run.warmup_days * HOURS_PER_DAY
    horizon = start + cfg.run.horizon_days * HOURS_PER_DAY
    end = horizon + cfg.run.drain_days * HOURS_PER_DAY
    # Calls scheduled before the end of the run; exports that miss the last call of a service
    # stay in the port (call_id -1), which only happens after the horizon.
    pins = None
    if snapshot is not None:
        calls, cons, pins = warm_traffic(cfg, snapshot, cfg.run.seed, replication, end)
        traffic = calls, cons
    if traffic is None:
        calls = generate_calls(cfg.demand, cfg.port, end, cfg.run.seed, replication)
        traffic = calls, generate_consignments(cfg.demand, cfg.port, calls, cfg.run.seed, replication)
    calls, cons = traffic
    p = plan(cfg, regime, cons, calls, pins)
    cons.drop_variates()
    rec = _consignment_record(cfg, cons, p)
    flags = _record_snapshot(rec, calls, cons, pins) if pins is not None else {}
    crec = _call_record(calls)

    env = simpy.Environment(initial_time=start)
    hinterland = Hinterland(env, cfg, regime, rec, p, cons)
    officer_calendar = WorkingCalendar.from_config(regime.officer_calendar)
    port_side = PortSide(env, cfg.port, calls, cons, rec, crec, p, hinterland, officer_calendar,
                         regime.transshipment_formalities_hours)
    types = station_types()
    stations = {st.code: StaffedStation(env, st.key, cfg.port.inspection_stations[st.key].bays,
                                        WorkingCalendar.from_config(calendar_of(st, regime)))
                for st in types}
    drayage = {st.code: cfg.port.inspection_stations[st.key].drayage_hours for st in types}
    clearance = Clearance(env, rec, p, stations, drayage, port_side)

    env.process(port_side.dispatch(end))
    env.process(clearance.dispatch(end))
    hinterland.start(end)
    p.drop_setup_only()
    rec.allocate_deferred(_visit_columns())  # after the set-up arrays are gone: they set the run's peak memory
    env.run(until=end)
    hinterland.serve_gate_line(end)
    hinterland.record_gate_line()
    p.drop_all_but_after_run()
    hinterland.clear_inland()
    plug_reefers(rec, cfg.port.reefer_plugs, end)

    # Milestones computed ahead (yard, load, gate-out times) count only if they fell inside the run.
    for name in MILESTONES:
        col = getattr(rec, name)
        col[col > end] = np.nan
    rec.doc_check_start[np.isnan(rec.doc_check_end)] = np.nan  # a step is recorded once it is done
    for name in CALL_TIMES:
        col = getattr(crec, name)
        col[col > end] = np.nan
    table = rec.to_arrow(replication=replication)
    for name, column in flags.items():
        table = table.append_column(name, pa.array(column))
    return Replication(
        consignments=table,
        calls=crec.to_arrow(replication=replication),
        warmup_hours=warmup, horizon_hours=horizon, end_hours=end, start_hours=start,
    )


def _consignment_record(cfg: Config, cons, p):
    """The record, pre-filled with attributes and every milestone known before the run.

    Columns that nothing writes during the run (or that only fill in the rows `plan` left
    empty) are the demand and plan arrays themselves, not copies."""
    shared = {name: getattr(cons, name) for name in ("direction", "trade", "cargo_class", "boxes", "destination",
                                                      "teu", "value_cny")}
    shared.update({name: getattr(p, name) for name in ("mode", "channel", "station", "pre_arrival", "declarations")})
    flags = [("transit", p.transit | p.export_transit), (JOINT.flag, p.joint), ("certificate", p.certificate),
             ("inland_inspection", p.inland_inspection)]
    flags += [(st.visits, getattr(p, st.visits)) for st in separate_types()]  # the plan names them as the table
    shared.update({name: flag.view(np.int8) for name, flag in flags})
    # Lodging, acceptance and the officers' document check are known up front (closed form), and
    # so is the release of a declaration with no station visit (`plan` leaves the others NaN for
    # the run to fill in); anything later than the end of the run is blanked out after it.
    shared.update(origin_ready=p.origin_ready, gate_arrival=p.gate_arrival, gate_in=p.gate_in, lodged=p.lodged,
                  accepted=p.accepted, doc_check_start=p.doc_check_start, doc_check_end=p.doc_check_end,
                  released=p.released, customs_work_hours=p.customs_work_hours)
    rec = consignment_columns(len(cons), shared, deferred=_visit_columns() + INLAND_STEPS)
    rec.consignment_id[:] = np.arange(len(cons))
    rec.call_id[:] = cons.call  # a copy: loading may move an export to a later call
    rec.rolled_calls[:] = 0
    destinations = [cfg.port.destinations[d] for d in cons.destination_names]
    rec.inland[:] = np.array([d.inland for d in destinations])[cons.destination]
    rec.distance_km[:] = np.array([d.distance_km for d in destinations])[cons.destination]
    rec.transit_formalities[:] = (p.transit_formalities > 0) | p.export_transit
    fast = p.closed_form
    fast_import = fast & (cons.direction == Direction.IMPORT.code)
    rec.duty_paid[fast_import] = p.released[fast_import]
    # Exports that need no customs step in this run are released on gate-in.
    no_customs = ((cons.trade == Trade.DOMESTIC.code) & (cons.direction == Direction.EXPORT.code)) | p.pre_run
    rec.released[no_customs] = p.gate_in[no_customs]
    return rec


def _record_snapshot(rec, calls, cons, pins) -> dict:
    """The warm start's own columns: `from_snapshot` (1: the snapshot's boxes and what its vessels still
    discharge) and `snapshot_box` (a box row's position among the file's box rows, -1 otherwise). A box
    already in the yard arrived, berthed and was discharged when the snapshot says (its landed call
    left before the run; nothing of it is simulated)."""
    flag = (pins.snapshot | (calls.state[cons.call] != 0)).astype(np.int8)
    box = np.full(len(flag), -1, dtype=np.int32)
    box[pins.snapshot] = np.arange(int(pins.snapshot.sum()), dtype=np.int32)
    yard = np.flatnonzero(pins.snapshot & (cons.direction == Direction.IMPORT.code))
    rec.vessel_arrival[yard] = rec.berthed[yard] = rec.in_yard[yard] = pins.entered[yard]
    rec.call_id[yard] = -1  # their calls are not in the calls table's sense a call of this run
    return {SNAPSHOT_FLAG: flag, SNAPSHOT_BOX: box}


def _visit_columns() -> tuple[str, ...]:
    """The station visits' columns: only the event loop writes them, so they are allocated once
    the set-up is done (`Columns.allocate_deferred`), not on top of its peak (a full year: ~4 M
    rows, 30 MB a column)."""
    return tuple(dict.fromkeys(c for st in station_types() for c in (st.queued, st.start, st.end) if c))


def _call_record(calls):
    crec = call_columns(len(calls))
    crec.call_id[:] = np.arange(len(calls))
    crec.service[:] = calls.service
    crec.terminal[:] = calls.terminal
    crec.scheduled[:] = calls.scheduled
    crec.import_boxes[:] = calls.import_boxes
    crec.export_boxes[:] = calls.export_boxes
    return crec
