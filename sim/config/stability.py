"""Offered load of every staffed station, from the config alone, before anything runs.

Why: a station whose work arrives faster than its servers can do it in their open
hours has no steady state; its queue grows for the whole run, the KPIs then depend
on the horizon, and the run can take hours and gigabytes before that shows. So such
a config is bad input, reported up front as one line naming the key.

Offered load = work hours arriving per week / (servers x open hours per week), with
the arrival rates estimated analytically from the demand (boxes per call x calls per
week x scale, foreign share, transshipment, cargo class shares) and the regime's
shares and mean durations, exactly as `sim.model.plan` routes consignments. Cheap
(no random numbers) and deterministic. The estimate ignores call-size rounding and
consignments cut at a call's end; against the plan's own arrays it is within ~10 %.
Inland customs offices (second declarations under the transit procedure) are covered
per office (`inland_loads`), and each terminal's berths (`berth_loads`: berth hours a week
by the crane rule of `sim.domain.berths` at the mean call size).

A load of 1 or more is refused (`run.allow_overload=true` runs it anyway, with a warning
per station, for a deliberate study of a surge over a finite horizon). This check found
the bundled before-reform CIQ station at 2.4 times its capacity at full scale (20 bays on
office hours; now 60) and three ready-made sweep extremes past capacity (now inside it).
"""
from __future__ import annotations

from dataclasses import dataclass

from sim.config import Config, ConfigError, RegimeConfig
from sim.domain import CargoClass, Station
from sim.domain.berths import berth_hours
from sim.domain.calendar import WorkingCalendar
from sim.domain.sides import sides_of
from sim.domain.units import HOURS_PER_WEEK, HOURS_PER_YEAR
from sim.domain.stations import JOINT, calendar_of, hours_mean_of, lookup, station_types

REJECT_LOAD = 1.0
"""Offered load at which a config is rejected (a queue with no steady state)."""


@dataclass
class Load:
    """One staffed station under one regime: the work offered and the capacity to do it."""

    key: str             # the capacity's config key, named in the error
    side: str            # regime or baseline
    work_per_week: float  # server-hours of work arriving per week
    servers: int
    open_hours: float    # open hours per week
    where: str = ""      # e.g. "at the shenyang inland office" (offices share one capacity key)

    @property
    def load(self) -> float:
        return self.work_per_week / (self.servers * self.open_hours)


def declarations_per_week(cfg: Config) -> dict[str, float]:
    """Foreign-trade import and export declarations per week (transshipment is not declared)."""
    d = cfg.demand
    foreign = (1.0 - d.domestic_share) * d.scale / d.boxes_per_consignment_mean
    imports = sum(s.calls_per_week * s.import_boxes_per_call * (1.0 - s.transship_share) for s in d.services.values())
    exports = sum(s.calls_per_week * s.export_boxes_per_call for s in d.services.values())
    imports += d.irregular.calls_per_week * d.irregular.import_boxes_per_call
    exports += d.irregular.calls_per_week * d.irregular.export_boxes_per_call
    return {"import": imports * foreign, "export": exports * foreign}


def _visit_shares(cfg: Config, regime: RegimeConfig, direction: str, c: CargoClass):
    """The visit rules, as `sim.model.plan` routes a declaration of this direction and class:
    (share of red-channel customs visits per customs station, share CIQ inspects, share
    that visits each other station on its own). The one piece a new station type adds here."""
    s = regime.red_scan_share
    customs = {Station.SCAN: s, Station.PHYSICAL: 1.0 - s}
    imported = direction == "import"
    others = {Station.QUARANTINE: getattr(cfg.demand.quarantine_share, c.value) if imported else 0.0,
              Station.FUMIGATION: cfg.demand.fumigation_share_of_wood if imported and c is CargoClass.WOOD else 0.0}
    return customs, others


def station_loads(cfg: Config, regime: RegimeConfig, side: str) -> list[Load]:
    """Offered load of the officers and of every inspection station type under one regime."""
    rates = declarations_per_week(cfg)
    types = station_types()
    hours = {st.station: hours_mean_of(st, regime) for st in types}
    work = {"officers": 0.0} | {st.key: 0.0 for st in types}
    joined, bay = JOINT.joins, JOINT.bay.value
    for direction, rate in rates.items():
        for c in CargoClass:
            n = rate * cfg.demand.class_shares[direction].get(c.value, 0.0)
            channels = getattr(regime.channels[direction], c.value)
            red = channels.red
            work["officers"] += n * (channels.yellow + red) * regime.doc_check_hours_mean[direction]
            if direction == "import":  # post-release audits queue at the same officers
                work["officers"] += n * regime.tax_review.audit_share * regime.tax_review.audit_hours_mean
            customs, others = _visit_shares(cfg, regime, direction, c)
            joint = others.get(joined, 0.0) * getattr(lookup(regime, JOINT.share), c.value)  # one visit at the bay
            for st, share in customs.items():
                work[st.value] += n * red * share * (1.0 - joint) * hours[st]
            work[bay] += n * joint * (red * sum(share * JOINT.mean_work(hours[st], hours[joined])
                                                for st, share in customs.items())
                                      + (1.0 - red) * hours[joined])
            for st, share in others.items():
                if share:
                    work[st.value] += n * (share - (joint if st is joined else 0.0)) * hours[st]
    stations = cfg.port.inspection_stations
    loads = [Load(f"{side}.officers", side, work["officers"], regime.officers,
                  WorkingCalendar.from_config(regime.officer_calendar).open_per_week)]
    return loads + [Load(f"port.inspection_stations.{st.key}.bays", side, work[st.key], stations[st.key].bays,
                         WorkingCalendar.from_config(calendar_of(st, regime)).open_per_week) for st in types]


def inland_loads(cfg: Config, regime: RegimeConfig, side: str) -> list[Load]:
    """Offered load of each inland customs office's officers and inspection bays: the second
    declarations of transit imports to its city (only where the regime has them). The transit
    share depends on the mode; with `demand.mode_choice=cost` the larger of the two is assumed."""
    t = regime.transit
    if not t.second_declaration:
        return []
    d = cfg.demand
    imports = declarations_per_week(cfg)["import"]
    total_share = sum(d.destination_shares.values())
    open_hours = WorkingCalendar.from_config(t.inland_calendar).open_per_week
    loads = []
    for name, dest in cfg.port.destinations.items():
        if not dest.inland or not d.destination_shares.get(name):
            continue
        second = 0.0  # second declarations a week at this office
        for c in CargoClass:
            rail = getattr(d.rail_share[name], c.value) if name in d.rail_share and dest.rail_departures else 0.0
            transit = (max(t.share_rail, t.share_truck) if d.mode_choice == "cost"
                       else rail * t.share_rail + (1.0 - rail) * t.share_truck)
            second += imports * d.class_shares["import"].get(c.value, 0.0) * transit
        second *= d.destination_shares[name] / total_share
        where = f"at the {name} inland office"
        loads.append(Load(f"{side}.transit.inland_officers", side,
                          second * t.inland_check_share * t.inland_doc_check_hours_mean, t.inland_officers,
                          open_hours, where))
        loads.append(Load(f"{side}.transit.inland_inspection_bays", side,
                          second * t.inland_inspection_share * t.inland_inspection_hours_mean,
                          t.inland_inspection_bays, open_hours, where))
    return loads


def _calls_by_terminal(cfg: Config):
    """(terminal, calls a week, boxes a call at full scale) of each terminal's share of the
    irregular calls (split by berths, as `sim.model.demand.generate_calls` assigns them), then of
    every liner service."""
    d, port = cfg.demand, cfg.port
    berths = sum(t.berths for t in port.terminals.values())
    irr = d.irregular
    if irr.calls_per_week:
        for name, t in port.terminals.items():
            yield name, irr.calls_per_week * t.berths / berths, irr.import_boxes_per_call + irr.export_boxes_per_call
    for s in d.services.values():
        yield s.terminal, s.calls_per_week, s.import_boxes_per_call + s.export_boxes_per_call


def terminal_traffic(cfg: Config) -> dict[str, tuple[float, float]]:
    """Per terminal: (calls a week, berth hours a week) offered by the demand, by the berth rule
    of `sim.domain.berths` at each service's mean call size. Regime-free."""
    port = cfg.port
    out = dict.fromkeys(port.terminals, (0.0, 0.0))
    for name, calls, boxes in _calls_by_terminal(cfg):
        hours = float(berth_hours(boxes * cfg.demand.scale, port.terminals[name], port.crane_steps_moves))
        out[name] = (out[name][0] + calls, out[name][1] + calls * hours)
    return out


def berth_loads(cfg: Config) -> list[Load]:
    """Offered load of each terminal's berths (berth hours a week over berths x 168 h)."""
    return [Load(f"port.terminals.{name}.berths", "port", hours, cfg.port.terminals[name].berths, HOURS_PER_WEEK)
            for name, (_, hours) in terminal_traffic(cfg).items()]


def terminal_teu_per_year(cfg: Config) -> dict[str, float]:
    """TEU a year each terminal is offered (boxes x (1 + forty_foot_share)), to hold against its
    design capacity: at least the scenario's traffic (a run with demand.scale < 1 still hears of a
    terminal over its design at full traffic), with the growth for demand.scale > 1."""
    weekly = dict.fromkeys(cfg.port.terminals, 0.0)
    for name, calls, boxes in _calls_by_terminal(cfg):
        weekly[name] += calls * boxes
    teu_per_box = (1.0 + cfg.demand.forty_foot_share) * max(1.0, cfg.demand.scale)
    return {name: boxes * teu_per_box * HOURS_PER_YEAR / HOURS_PER_WEEK for name, boxes in weekly.items()}


DESIGN_MARGIN = 1.10
"""A terminal offered more than this times its design capacity gets a warning (design figures are nominal)."""


def design_warnings(cfg: Config) -> list[str]:
    """One line per terminal offered more than DESIGN_MARGIN x its design TEU a year (full scale)."""
    out = []
    for name, teu in terminal_teu_per_year(cfg).items():
        design = cfg.port.terminals[name].design_teu_per_year
        if design > 0 and teu > DESIGN_MARGIN * design:
            out.append(f"port.terminals.{name}: offered {teu / 1e6:.2f} M TEU/yr, "
                       f"{teu / design:.2f} x its design capacity ({design / 1e6:.2f} M)")
    return out


def simulated_regimes(cfg: Config) -> dict[str, RegimeConfig]:
    """The regimes this experiment simulates (a single run never simulates the baseline)."""
    keys = dict.fromkeys(side.config_key for side in reversed(sides_of(cfg.experiment.kind)))  # regime first
    return {key: getattr(cfg, key) for key in keys}


def overloaded(cfg: Config) -> list[tuple[Load, str]]:
    """(load, one-line description) of every simulated station offered a load of 1 or more."""
    out = []
    for s in berth_loads(cfg):
        if s.load >= 1.0:
            out.append((s, f"{s.key}: offered load {s.load:.2f} >= capacity: {s.work_per_week:,.0f} berth hours "
                           f"a week for {s.servers} berths x 168 h; its vessel queue grows without end"))
    for side, regime in simulated_regimes(cfg).items():
        for s in station_loads(cfg, regime, side) + inland_loads(cfg, regime, side):
            if s.load >= 1.0:
                under = "" if s.key.startswith(side) else f" under {side} ({regime.name})"
                where = f" {s.where}" if s.where else ""
                out.append((s, f"{s.key}: offered load {s.load:.2f} >= capacity{where}{under}: {s.work_per_week:,.0f} "
                               f"work hours a week for {s.servers} servers x {s.open_hours:g} open hours; "
                               "its queue grows without end"))
    return out


def check_stability(cfg: Config) -> Config:
    """Raise ConfigError naming the capacity key of the first station offered REJECT_LOAD or more,
    unless run.allow_overload says the overload is deliberate."""
    if cfg.run.allow_overload:
        return cfg
    for s, text in overloaded(cfg):
        if s.load >= REJECT_LOAD:
            key, _, problem = text.partition(": ")
            raise ConfigError(key, f"{problem}: add servers or open hours, or lower the demand "
                                   "(run.allow_overload=true runs it anyway)")
    return cfg


def scale_warnings(cfg: Config) -> list[str]:
    """One line when demand.scale < 1: it shrinks the traffic, not the port, so the pools idle
    and a staffing or capacity what-if shows little or nothing (a trap for quick looks)."""
    scale = cfg.demand.scale
    if scale >= 1.0:
        return []
    return [f"demand.scale={scale:g} shrinks the traffic only; the capacities (officers, bays, berths, lanes) "
            "stay as configured, so a staffing or capacity what-if at this scale is diluted. If you lowered it "
            "for speed, keep it at 1 and shorten run.horizon_days instead (e.g. run.horizon_days=14 "
            "run.warmup_days=4 run.drain_days=5)"]


def overload_warnings(cfg: Config) -> list[str]:
    """One line per overloaded station that runs anyway (run.allow_overload=true), and per
    terminal offered well over its design capacity (it runs: a design figure is not a hard limit)."""
    over = [text for s, text in overloaded(cfg) if s.load >= REJECT_LOAD] if cfg.run.allow_overload else []
    return over + design_warnings(cfg)
