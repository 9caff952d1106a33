"""What a regime implies for each consignment, computed before the run (vectorised).

Routes (channel, inspections, mode, transit procedure) and durations come from the
regime's data applied to the regime-free variates drawn in `demand`, so both regimes
of a comparison transform the very same random numbers (common random numbers),
and no random draw happens inside the event loop.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import Config, RegimeConfig
from sim.config.snapshot import AT_INSPECTION, LODGED, RELEASED
from sim.domain import DECLARED, CargoClass, Channel, Direction, Mode, Station, Trade
from sim.domain.calendar import WorkingCalendar
from sim.domain.stations import JOINT, customs_types, hours_mean_of, lookup, of, separate_types, station_types
from sim.domain.units import HOURS_PER_DAY, HOURS_PER_WEEK, HOURS_PER_YEAR
from sim.model.demand import Calls, Consignments
from sim.model.queues import allocate_trains, fifo_servers, fifo_servers_on_calendar, weekly_times
from sim.model.traders import Consignees, export_lodging, import_lodging, lognormal, storage_wish
from sim.model.warmstart import Pins, pin_channel, pin_lodged, pin_station



@dataclass
class ClearancePlan:
    """Per-consignment routes and durations (NaN / -1 / False where not applicable).
    Codes and counts are int8: a full-year plan holds ~4 M rows of each."""

    lodged: np.ndarray
    pre_arrival: np.ndarray
    acceptance: np.ndarray
    channel: np.ndarray
    doc_check_work: np.ndarray
    query: np.ndarray
    station: np.ndarray            # customs inspection station (red channel)
    customs_work: np.ndarray
    quarantine: np.ndarray         # CIQ inspects it
    joint: np.ndarray              # ... in one joint visit with customs ("3 + 1")
    quarantine_work: np.ndarray
    fumigation: np.ndarray
    fumigation_work: np.ndarray
    inspection_visits: np.ndarray  # number of station visits
    duty: np.ndarray
    consignees: Consignees         # when a released import box leaves by truck
    mode: np.ndarray
    transit: np.ndarray            # moves inland under customs transit supervision
    transit_formalities: np.ndarray  # working hours of formalities at the port (0: none)
    second_declaration: np.ndarray   # declared and cleared again at the inland office
    declarations: np.ndarray
    certificate: np.ndarray          # aquatic entrepot cargo needing origin/health certificates
    certificate_hours: np.ndarray
    inland_preparation: np.ndarray
    inland_doc_check_work: np.ndarray
    inland_inspection_work: np.ndarray
    gate_arrival: np.ndarray       # exports: arrival at the in-gate (truck) or the port by train
    gate_in: np.ndarray
    pre_run: np.ndarray
    """Exports that gated in before t=0: treated as cleared on gate-in, never queued."""
    doc_check_start: np.ndarray    # the officers' document check, in closed form (see queues)
    doc_check_end: np.ndarray
    checked_out: np.ndarray
    """When customs has finished with the papers (document check and query, or acceptance)."""
    closed_form: np.ndarray
    """Declarations with no station visit: their queue (the officers) is closed form, so
    released is computed here and no process is started for them."""
    accepted: np.ndarray
    released: np.ndarray
    customs_work_hours: np.ndarray = None
    """Officers' own working time on the port declaration (`customs_work_hours`)."""
    bonded_wait: np.ndarray = None
    """Hours a transit box going by road waits for a bonded carrier before it leaves (0: none)."""
    export_transit: np.ndarray = None
    """Exports declared at the inland office and moved to the port under transit."""
    export_transit_work: np.ndarray = None
    """Working hours (inland office calendar) of their inland declaration and transit formalities."""
    origin_ready: np.ndarray = None
    """Exports: when the box is ready to leave the exporter."""
    inland_inspection: np.ndarray = None
    """Imports inspected at the inland office (second declaration)."""
    at_station: np.ndarray = None
    """A warm start's boxes at an inspection station when the snapshot was taken (no drayage to it); None: none."""

    SETUP_ONLY = ("lodged", "pre_arrival", "declarations", "gate_arrival", "gate_in", "pre_run", "accepted",
                  "acceptance", "doc_check_start", "doc_check_end", "checked_out", "doc_check_work", "query",
                  "export_transit", "export_transit_work", "origin_ready", "inland_inspection", "customs_work_hours")

    def drop_setup_only(self) -> None:
        """Drop the columns read only before the event loop (to fill the record and schedule the
        starts; the record keeps those it shares); the loop reads the rest."""
        for name in self.SETUP_ONLY:
            setattr(self, name, None)

    AFTER_RUN = ("second_declaration", "inland_preparation", "inland_doc_check_work", "inland_inspection_work")
    """What the inland offices, computed once the event loop is over, still read."""

    def drop_all_but_after_run(self) -> None:
        """Drop every column the event loop needed and the inland offices do not, before the record
        grows their columns (the end of a run is then the peak of its memory)."""
        for name in self.__dataclass_fields__:
            if name not in self.AFTER_RUN:
                setattr(self, name, None)
        self.separate_visits = ()

    def __post_init__(self):
        # (code, visits?, work, merged into a joint visit?) of each station visited on its own
        # flag, in visit order; read per declaration in the event loop, so built once.
        self.separate_visits = tuple(
            (st.code, getattr(self, st.visits), getattr(self, f"{st.visits}_work"), st.station is JOINT.joins)
            for st in separate_types())

    def visits(self, i: int):
        """Station visits of consignment i, in order: (station code, work hours, is the customs visit)."""
        out = []
        red = self.station[i] != Station.NONE.code
        joint = self.joint[i] and self.quarantine[i]
        if joint:
            work = JOINT.work(self.customs_work[i] if red else 0.0, self.quarantine_work[i])
            out.append((JOINT.bay.code, work, True))
        elif red:
            out.append((int(self.station[i]), self.customs_work[i], True))
        for code, visits, work, joined in self.separate_visits:
            if visits[i] and not (joined and joint):
                out.append((code, work[i], False))
        return out


def channel_thresholds(regime: RegimeConfig) -> np.ndarray:
    """Cumulative channel shares, shape (direction, cargo class, channel); transshipment gets green."""
    cum = np.ones((len(Direction), len(CargoClass), len(Channel)))
    for d in DECLARED:
        for c in CargoClass:
            shares = getattr(regime.channels[d.value], c.value)
            cum[d.code, c.code] = np.cumsum([getattr(shares, ch.value) for ch in Channel])
    cum[..., -1] = 1.0  # guard against rounding so every uniform maps to a channel
    return cum


def _class_shares(shares, cargo_class: np.ndarray) -> np.ndarray:
    return np.array([getattr(shares, c.value) for c in CargoClass])[cargo_class]


def choose_mode(cfg: Config, regime: RegimeConfig, cons: Consignments) -> np.ndarray:
    """Truck or rail per consignment: configured shares, or the cheaper expected door cost."""
    n = len(cons)
    names = cons.destination_names
    dests = [cfg.port.destinations[d] for d in names]
    is_export = cons.direction == Direction.EXPORT.code
    has_rail = np.where(is_export, np.array([bool(d.rail_arrivals) for d in dests])[cons.destination],
                        np.array([bool(d.rail_departures) for d in dests])[cons.destination])
    if cfg.demand.mode_choice == "cost":
        rail = has_rail & _rail_is_cheaper(cfg, regime, cons)
    else:
        share = np.zeros(n)
        for k, name in enumerate(names):
            if name in cfg.demand.rail_share:
                sel = cons.destination == k
                share[sel] = _class_shares(cfg.demand.rail_share[name], cons.cargo_class[sel])
        rail = has_rail & (cons.take("u_mode") < share)
    capacity = np.array([d.rail_capacity_teu for d in dests])[cons.destination]
    rail &= cons.teu <= capacity  # trains carry whole consignments: one larger than a train goes by road
    mode = np.where(rail, Mode.RAIL.code, Mode.TRUCK.code)
    tx = cons.direction == Direction.TRANSSHIPMENT.code
    mode[tx] = np.where(cons.connect_service[tx] >= 0, Mode.VESSEL.code, Mode.RAIL.code)
    return mode.astype(np.int8)


def _rail_is_cheaper(cfg: Config, regime: RegimeConfig, cons: Consignments) -> np.ndarray:
    """Expected door cost per TEU by rail vs truck: transport plus the time value of the cargo."""
    costs = cfg.costs
    dests = [cfg.port.destinations[d] for d in cons.destination_names]
    km = np.array([d.distance_km for d in dests])[cons.destination]
    headway = np.array([HOURS_PER_WEEK / max(1, len(d.rail_departures)) for d in dests])[cons.destination]
    rail_hours = np.array([d.rail_hours + d.rail_cutoff_hours for d in dests])[cons.destination] + headway / 2
    t = cfg.traders
    truck_hours = np.array([d.truck_hours for d in dests])[cons.destination] + t.terminal_release.mean + t.truck_booking.mean
    value_per_teu = cons.value_cny / cons.teu
    spoilage = np.array([costs.spoilage_rates()[c.value] for c in CargoClass])[cons.cargo_class]
    per_hour = value_per_teu * (costs.inventory_rate_per_year / HOURS_PER_YEAR + spoilage / 24.0)
    truck_transit = regime.transit.share_truck * costs.bonded_truck_surcharge_share
    truck = (costs.truck_fixed_cny_per_teu + costs.truck_cny_per_teu_km * km) * (1 + truck_transit) + per_hour * truck_hours
    rail_formalities = 0.0 if regime.transit.rail_supervision_centre else regime.transit.formalities_hours_mean
    rail = (costs.rail_fixed_cny_per_teu + costs.rail_cny_per_teu_km * km
            + per_hour * (rail_hours + regime.transit.share_rail * rail_formalities))
    return rail < truck


def voyage_hours(cfg: Config, calls: Calls) -> np.ndarray:
    """Sailing hours from the last foreign loading port, per call (by its service)."""
    days = [cfg.demand.services[name].voyage_days for name in calls.service_names[:-1]]
    days.append(cfg.demand.irregular.voyage_days)
    return np.array(days)[calls.service] * HOURS_PER_DAY


def _road_and_delivery_hours(cfg: Config, cons: Consignments) -> np.ndarray:
    dests = [cfg.port.destinations[d] for d in cons.destination_names]
    return np.array([d.truck_hours + d.local_delivery_hours for d in dests], dtype=np.float32)[cons.destination]


def export_transit(cfg: Config, regime: RegimeConfig, cons: Consignments, mode: np.ndarray):
    """Before integration an inland exporter declared at its inland customs office and sent the box to
    the port under transit (formalities, a bonded truck or a sealed train, and the port declaration
    again). Returns (under export transit, working hours of the inland declaration and formalities)."""
    t = regime.transit
    inland = np.array([cfg.port.destinations[d].inland for d in cons.destination_names])[cons.destination]
    declared = (cons.direction == Direction.EXPORT.code) & (cons.trade == Trade.FOREIGN.code) & inland
    share = np.where(mode == Mode.RAIL.code, t.export_share_rail, t.export_share_truck)
    under = declared & (cons.take("u_export_transit") < share)
    work = np.where(under, cons.take("e_export_transit") * t.formalities_hours_mean, 0.0)
    return under, work


def leave_origin(ready: np.ndarray, work: np.ndarray, wait: np.ndarray, calendar: WorkingCalendar) -> np.ndarray:
    """When a box ready at its inland origin leaves: after `work` working hours of export-transit
    formalities on the inland office's calendar (none: it leaves when ready), then `wait` hours for a
    bonded carrier."""
    out = ready + wait
    due = work > 0
    out[due] = calendar.finish_many(ready[due], work[due]) + wait[due]
    return out


def export_arrivals(cfg: Config, cons: Consignments, calls: Calls, mode: np.ndarray, hold=None, wait=None,
                    calendar: WorkingCalendar | None = None, lead=None):
    """(gate arrival, gate-in, ready at origin) of export boxes: by truck through the in-gate queue, or
    by train. The exporter aims to reach the port `gate_in_lead` hours before the call. A box under
    export transit is ready `lead` hours earlier than that trip needs, then waits `hold` working hours
    on the inland office's `calendar` and `wait` hours for a bonded truck, and leaves: early or late
    against its aim as those times fall."""
    n = len(cons)
    hold = np.zeros(n) if hold is None else hold
    wait = np.zeros(n) if wait is None else wait
    lead = np.zeros(n) if lead is None else lead
    is_export = cons.direction == Direction.EXPORT.code
    target = np.full(n, np.nan)
    target[is_export] = calls.scheduled[cons.call[is_export]] - cons.gate_in_lead[is_export]
    gate_arrival = target.copy()
    gate_in = np.full(n, np.nan)
    origin_ready = np.full(n, np.nan)
    truck = is_export & (mode == Mode.TRUCK.code)
    idx = np.flatnonzero(truck)
    road = np.array([cfg.port.destinations[d].truck_hours for d in cons.destination_names])[cons.destination[idx]]
    origin_ready[idx] = target[idx] - road - lead[idx]
    late = leave_origin(origin_ready[idx], hold[idx], wait[idx], calendar) - origin_ready[idx]  # exactly 0 if none
    gate_arrival[idx] = target[idx] - lead[idx] + late
    service = cons.boxes[idx] * cfg.port.gate.hours_per_truck
    gate_in[idx] = fifo_servers(gate_arrival[idx], service, cfg.port.gate.in_lanes) + service
    rail = is_export & (mode == Mode.RAIL.code)
    for k, name in enumerate(cons.destination_names):
        d = cfg.port.destinations[name]
        sel = np.flatnonzero(rail & (cons.destination == k))
        if not len(sel):
            continue
        origin_ready[sel] = target[sel] - d.rail_hours - lead[sel]
        ready_at_origin = leave_origin(origin_ready[sel], hold[sel], np.zeros(len(sel)), calendar)
        trains = weekly_times(d.rail_arrivals, np.nanmin(ready_at_origin) - HOURS_PER_WEEK,
                              np.nanmax(ready_at_origin) + 4 * HOURS_PER_WEEK)
        departed = allocate_trains(ready_at_origin, cons.teu[sel], trains, d.rail_capacity_teu, d.rail_cutoff_hours)
        gate_arrival[sel] = departed + d.rail_hours
        gate_in[sel] = gate_arrival[sel]  # the rail terminal is inside the port
    return gate_arrival, gate_in, origin_ready


def plan(cfg: Config, regime: RegimeConfig, cons: Consignments, calls: Calls, pins: Pins | None = None) -> ClearancePlan:
    """Routes and durations of every consignment under `regime`. Consumes the random variates of
    `cons` (`Consignments.take`), so memory does not hold variates and plan at once; each
    regime of a comparison draws its consignments again from the same streams. `pins`: what a
    snapshot (`run.initial_state`) says its boxes have already done; only the rest is routed."""
    n = len(cons)
    is_import = cons.direction == Direction.IMPORT.code
    is_export = cons.direction == Direction.EXPORT.code
    foreign = cons.trade == Trade.FOREIGN.code
    declared = foreign & (is_import | is_export)
    cls = cons.cargo_class

    mode = choose_mode(cfg, regime, cons)
    if pins is not None:
        mode = np.where(pins.mode >= 0, pins.mode, mode).astype(np.int8)
    t = regime.transit
    by_road = mode == Mode.TRUCK.code
    bonded_wait = cons.take("e_bonded_wait") * t.bonded_carrier_wait_hours_mean  # where a transit box goes by road
    x_transit, x_work = export_transit(cfg, regime, cons, mode)
    gate_arrival, gate_in, origin_ready = export_arrivals(
        cfg, cons, calls, mode, x_work, np.where(x_transit & by_road, bonded_wait, 0.0),
        WorkingCalendar.from_config(t.inland_calendar), np.where(x_transit, t.export_lead_hours, 0.0))
    # Exports that gated in before the run started were cleared before it too (the port is not
    # empty at t=0 for them); sending them all to customs at t=0 would be a burst, not a start.
    pre_run = is_export & (gate_in < 0)
    if pins is not None:
        yard = pins.snapshot & is_export  # in the yard: through the gate when the snapshot says
        gate_arrival[yard] = gate_in[yard] = pins.entered[yard]
        pre_run &= ~pins.snapshot

    arrival = calls.arrival[cons.call]
    ciq = is_import & declared & (cons.take("u_quarantine") < _class_shares(cfg.demand.quarantine_share, cls))
    if pins is not None:  # at a station: that visit alone; released: none
        at = pins.rows(AT_INSPECTION)
        ciq = np.where(at, np.isin(pins.station, ("quarantine", "joint")), ciq & ~pins.rows(*RELEASED))
    wish = storage_wish(cfg, cons.take("u_storage"))
    z_broker = cons.take("z_broker")  # each row is an import or an export: one variate serves both
    two_step, ahead, ship_side = later_reform_routes(regime, cons, is_import & declared, is_export & declared)
    summary = np.where(two_step, regime.two_step.summary_work_share, 1.0) if two_step.any() else None
    lodged = np.full(n, np.nan)
    imp = np.flatnonzero(is_import)  # the importers' steps for import rows only (their variates too)
    lodged[imp] = import_lodging(cfg, regime, arrival[imp], voyage_hours(cfg, calls)[cons.call[imp]], ciq[imp],
                                 wish[imp], z_broker[imp], lambda name: cons.take(name)[imp],
                                 None if summary is None else summary[imp])
    cutoff = calls.scheduled[cons.call] - cfg.port.export_cutoff_hours
    lodged[is_export] = export_lodging(cfg, origin_ready[is_export], gate_in[is_export], cutoff[is_export],
                                       z_broker[is_export], ahead[is_export] if ahead.any() else None)
    lodged = np.maximum(lodged, 0.0)  # imports lodged before t=0: warm-up absorbs them
    lodged[~declared | pre_run] = np.nan
    if pins is not None:
        lodged = pin_lodged(pins, lodged, np.where(is_import, arrival, gate_in), declared)
    pre_arrival = is_import & declared & (lodged < arrival)

    cum = channel_thresholds(regime)[cons.direction, cls]
    channel = (cons.take("u_channel")[:, None] >= cum).sum(axis=1)
    channel = np.where(~np.isnan(lodged), channel, -1)
    if pins is not None:
        channel = pin_channel(pins, channel)

    doc_mean = np.where(is_import, regime.doc_check_hours_mean[Direction.IMPORT.value],
                        regime.doc_check_hours_mean[Direction.EXPORT.value])
    checked = channel >= Channel.YELLOW.code
    doc_work = np.where(checked, cons.take("e_doc_check") * doc_mean, np.nan)
    full_work = None  # a two-step declaration's document check left for its full declaration
    if summary is not None:
        full_work = np.where(checked & two_step, doc_work * (1.0 - summary), 0.0)
        doc_work = doc_work * summary
    query_share = np.where(is_import, regime.query_share[Direction.IMPORT.value],
                           regime.query_share[Direction.EXPORT.value])
    query = np.where(checked & (cons.take("u_query") < query_share), cons.take("e_query") * regime.query_response_hours_mean, 0.0)

    red = channel == Channel.RED.code
    station = np.where(cons.take("u_scan") < regime.red_scan_share, Station.SCAN.code, Station.PHYSICAL.code)
    station = np.where(red, station, Station.NONE.code)
    if pins is not None:
        red, station = pin_station(pins, red, station)
    insp_mean = np.zeros(1 + max(st.code for st in station_types()))
    for st in customs_types():
        insp_mean[st.code] = hours_mean_of(st, regime)
    customs_work = np.where(red, cons.take("e_inspection") * insp_mean[station], np.nan)

    joint = ciq & (cons.take("u_joint") < _class_shares(lookup(regime, JOINT.share), cls))
    if pins is not None:
        joint = np.where(pins.rows(AT_INSPECTION), pins.station == "joint", joint)
    quarantine_work = np.where(ciq, cons.take("e_quarantine") * hours_mean_of(of(Station.QUARANTINE), regime), np.nan)
    fumigation = (is_import & declared & (cls == CargoClass.WOOD.code)
                  & (cons.take("u_fumigation") < cfg.demand.fumigation_share_of_wood))
    if pins is not None:
        fumigation = np.where(pins.rows(AT_INSPECTION), pins.station == "fumigation",
                              fumigation & ~pins.rows(*RELEASED))
    fumigation_work = np.where(fumigation, cons.take("e_fumigation") * hours_mean_of(of(Station.FUMIGATION), regime),
                               np.nan)
    visits = (np.where(joint, 1, red.astype(int) + ciq.astype(int)) + fumigation.astype(int)).astype(np.int8)
    if pins is not None:
        visits[pins.rows(*RELEASED)] = 0

    inland = np.array([cfg.port.destinations[d].inland for d in cons.destination_names])[cons.destination]
    transit_share = np.where(mode == Mode.RAIL.code, t.share_rail, t.share_truck)
    transit = is_import & declared & inland & (cons.take("u_transit") < transit_share)
    needs_formalities = transit & ~((mode == Mode.RAIL.code) & t.rail_supervision_centre)
    transit_formalities = np.where(needs_formalities, cons.take("e_transit") * t.formalities_hours_mean, 0.0)
    second = transit & t.second_declaration
    declarations = declared.astype(np.int8) + second.astype(np.int8) + x_transit.astype(np.int8)

    # Duty on the release path, unless paid after release (tax review after release) or with the
    # full declaration of a two-step one.
    on_path = ~(two_step | regime.tax_review.after_release)
    duty = np.where(is_import & declared & ~second & on_path, cons.take("e_duty") * regime.duty_hours_mean, 0.0)
    inland_doc = np.where(second & (cons.take("u_inland_check") < t.inland_check_share),
                          cons.take("e_inland_doc_check") * t.inland_doc_check_hours_mean, np.nan)
    inland_insp = np.where(second & (cons.take("u_inland_inspection") < t.inland_inspection_share),
                           cons.take("e_inland_inspection") * t.inland_inspection_hours_mean, np.nan)

    acceptance = cons.take("e_acceptance") * np.where(is_import, regime.acceptance_hours_mean[Direction.IMPORT.value],
                                                      regime.acceptance_hours_mean[Direction.EXPORT.value])
    accepted = lodged + acceptance
    if pins is not None:  # lodged before the snapshot: accepted (its whole step) from then on
        accepted = np.where(pins.rows(LODGED), pins.start + acceptance, accepted)
    # The officers' queue is fed only by acceptance times, all known now: closed form.
    doc_start, doc_end = np.full(n, np.nan), np.full(n, np.nan)
    papers_done = pins.rows(AT_INSPECTION, *RELEASED) & declared if pins is not None else np.zeros(n, dtype=bool)
    rows = np.flatnonzero(checked & ~papers_done)
    officer_calendar = WorkingCalendar.from_config(regime.officer_calendar)
    doc_start[rows], doc_end[rows] = fifo_servers_on_calendar(accepted[rows], doc_work[rows], regime.officers,
                                                              officer_calendar)
    # Customs is done with a declaration when its document check and any query are over.
    checked_out = np.where(checked & ~papers_done, doc_end + query, accepted)
    if pins is not None:
        checked_out = np.where(papers_done, np.fmax(pins.released, pins.start), checked_out)
    later_at, later_work = work_after_release(regime, cons, is_import & declared & ~second, checked_out,
                                              two_step, full_work)
    if len(later_at):
        # The same officers do that later work: a second pass queues it with the document checks
        # (FIFO, a document check first on a tie); it joins the queue when customs was done with
        # the papers in the first pass, which it can only precede by the time it itself adds.
        start, end = fifo_servers_on_calendar(np.concatenate((accepted[rows], later_at)),
                                              np.concatenate((doc_work[rows], later_work)), regime.officers,
                                              officer_calendar)
        doc_start[rows], doc_end[rows] = start[:len(rows)], end[:len(rows)]
        checked_out = np.where(checked & ~papers_done, doc_end + query, checked_out)
    if ahead.any():  # lodged ahead for loading on arrival: released when the box arrives at the earliest
        checked_out = np.where(ahead, np.fmax(checked_out, gate_in), checked_out)
    closed_form = ~np.isnan(lodged) & (visits == 0)
    released = np.where(closed_form, checked_out + duty, np.nan)
    if pins is not None:
        released = np.where(pins.rows(*RELEASED) & ~np.isnan(lodged), pins.released, released)
    work = customs_work_hours(lodged, acceptance, doc_work, red, customs_work, joint, quarantine_work)

    tx = cons.direction == Direction.TRANSSHIPMENT.code
    certificate = (tx & (cls == CargoClass.REEFER.code) & (cons.take("u_aquatic") < cfg.demand.aquatic_share_of_reefer)
                   & (regime.certificate_hours_mean > 0))
    return ClearancePlan(
        lodged=lodged, pre_arrival=pre_arrival.astype(np.int8), acceptance=acceptance,
        channel=channel.astype(np.int8), doc_check_work=doc_work, query=query,
        station=station.astype(np.int8), customs_work=customs_work,
        quarantine=ciq, joint=joint, quarantine_work=quarantine_work,
        fumigation=fumigation, fumigation_work=fumigation_work, inspection_visits=visits,
        duty=duty, mode=mode,
        consignees=Consignees(cfg, lognormal(cons.take("z_terminal_release"), cfg.traders.terminal_release),
                              lognormal(cons.take("z_truck_booking"), cfg.traders.truck_booking), wish,
                              _road_and_delivery_hours(cfg, cons),
                              (ship_side & (mode == Mode.TRUCK.code) & ~transit) if ship_side.any() else None),
        transit=transit, transit_formalities=transit_formalities, second_declaration=second,
        declarations=declarations, certificate=certificate,
        certificate_hours=np.where(certificate, cons.take("e_certificate") * regime.certificate_hours_mean, 0.0),
        inland_preparation=cons.take("e_inland_preparation") * t.inland_preparation_hours_mean,
        inland_doc_check_work=inland_doc, inland_inspection_work=inland_insp,
        gate_arrival=gate_arrival, gate_in=gate_in, pre_run=pre_run,
        doc_check_start=doc_start, doc_check_end=doc_end, checked_out=checked_out,
        closed_form=closed_form, accepted=accepted, released=released, customs_work_hours=work,
        bonded_wait=np.where(transit & by_road, bonded_wait, 0.0), export_transit=x_transit,
        export_transit_work=x_work, origin_ready=origin_ready, inland_inspection=~np.isnan(inland_insp),
        at_station=pins.rows(AT_INSPECTION) if pins is not None else None,
    )


def later_reform_routes(regime: RegimeConfig, cons: Consignments, imports: np.ndarray, exports: np.ndarray):
    """(two-step declaration, export lodged ahead for loading on arrival, import arranged for ship-side
    pickup) per consignment, from the regime's shares (`two_step`, `direct_delivery`) and the
    regime-free draws; a draw is taken only when its share is above 0 (hand-built consignments
    need not carry it), so the default regimes never read these streams."""
    n = len(cons)
    two_step = np.zeros(n, dtype=bool)
    if regime.two_step.share > 0:
        two_step = imports & (cons.take("u_two_step") < regime.two_step.share)
    d = regime.direct_delivery
    ahead, ship_side = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    if d.import_share > 0 or d.export_share > 0:
        u = cons.take("u_direct")  # each row is an import or an export: one draw serves both
        ahead = exports & (u < d.export_share)
        ship_side = imports & (u < d.import_share)
    return two_step, ahead, ship_side


def work_after_release(regime: RegimeConfig, cons: Consignments, audited: np.ndarray, checked_out: np.ndarray,
                       two_step: np.ndarray, full_work: np.ndarray | None):
    """(when it reaches the officers, working hours) of the officers' work that no longer holds the
    goods: post-release audits of a share of the import declarations cleared at the port
    (`tax_review`), queued once customs is done with the papers, and the rest of a two-step
    declaration's document check, on its full declaration `two_step.full_lag_hours` later.
    Empty arrays when the regime has neither (every regime before 2017)."""
    at, work = [np.zeros(0)], [np.zeros(0)]
    tr = regime.tax_review
    if tr.audit_share > 0 and tr.audit_hours_mean > 0:
        rows = np.flatnonzero(audited & (cons.take("u_audit") < tr.audit_share))
        at.append(checked_out[rows])
        work.append(cons.take("e_audit")[rows].astype(float) * tr.audit_hours_mean)
    if full_work is not None:
        rows = np.flatnonzero(two_step & (full_work > 0))
        at.append(checked_out[rows] + regime.two_step.full_lag_hours)
        work.append(full_work[rows])
    return np.concatenate(at), np.concatenate(work)


def customs_work_hours(lodged, acceptance, doc_work, red, customs_work, joint, quarantine_work) -> np.ndarray:
    """Customs officers' own working time on each port declaration: acceptance, the document
    check (yellow and red channels) and the customs inspection (red), the joint "3 + 1" visit
    counting in full when customs takes part in it (red and joint). Not queueing, closed hours,
    the declarant's answer to a query, duty payment, CIQ's own visits or the inland office's
    second declaration. Why: the 2011 Dalian figure (T3) is officers' time on a declaration,
    which accepted -> released (all the waits included) overstates many times. NaN when
    nothing was declared at the port (domestic, transshipment, exports cleared before t=0)."""
    inspection = np.where(red, np.where(joint, JOINT.work(customs_work, quarantine_work), customs_work), 0.0)
    return np.where(np.isnan(lodged), np.nan, acceptance + np.nan_to_num(doc_work) + inspection)
