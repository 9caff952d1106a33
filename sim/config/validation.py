"""Semantic checks the type system cannot make: every value that cannot be simulated is
a ConfigError naming its dotted key, raised before anything runs or is written."""
from __future__ import annotations

import math
from dataclasses import fields, is_dataclass
from typing import Dict

from sim.config.schema import (CONSIGNMENT_CHOICES, EVENT_LOG_CHOICES, CalendarConfig, ClassSharesConfig, Config,
                               ConfigError, CostsConfig, DemandConfig, DurationConfig, ExperimentConfig, OutputConfig,
                               PortConfig, RegimeConfig, RunConfig, TradersConfig)
from sim.config.knobs import apply_knobs
from sim.config.snapshot import read_snapshot
from sim.domain import DECLARED, CargoClass, Channel
from sim.domain.calendar import hour_zero
from sim.domain.sides import KIND_SIDES, MANY_EVALUATION_KINDS
from sim.domain.stations import calendar_of, hours_mean_of, station_types
from sim.domain.units import HOURS_PER_WEEK

EXPERIMENT_KINDS = tuple(KIND_SIDES)  # a kind is known once it says which sides it runs
MODE_CHOICES = ("shares", "cost")
MAX_BOX_TEU = 2.0
STATIONS = tuple(st.key for st in station_types())
"""The station config keys every port needs (from the registry, sim.domain.stations)."""
SHARE_TOLERANCE = 1e-6


def validate(cfg: Config) -> Config:
    """Raise ConfigError for the first value that cannot be simulated; return cfg, unchanged but
    for the knobs (sim.config.knobs), which are applied here, once, before the checks."""
    _check_tree(cfg, "")
    apply_knobs(cfg)
    _check_run(cfg.run, cfg.experiment)
    _check_output(cfg.output)
    check_event_log(cfg)
    _check_port(cfg.port)
    _check_demand(cfg.demand, cfg.port)
    for key in ("regime", "baseline"):
        _check_regime(getattr(cfg, key), cfg.port, key)
    _check_costs(cfg.costs, cfg.port)
    _check_traders(cfg.traders)
    _check_initial_state(cfg)
    return cfg


def _check_initial_state(cfg: Config) -> None:
    """A snapshot is read and checked with the config, so a malformed one is refused before anything runs."""
    if not cfg.run.initial_state:
        return
    if cfg.run.summary_only:
        raise ConfigError("run.initial_state", "a warm start is one run from the snapshot; not with run.summary_only")
    read_snapshot(cfg)


def _check_tree(node, path: str) -> None:
    """Reject keys the schema lacks, NaN and infinities anywhere, and bools where numbers are expected.

    Unknown keys: Hydra's `+run.newkey=1` passes composition and OmegaConf.to_object keeps
    it as a stray attribute the simulation would silently ignore (a typo'd setting).
    """
    if is_dataclass(node):
        names = [f.name for f in fields(node)]
        for extra in sorted(set(vars(node)) - set(names)):
            raise ConfigError(f"{path}.{extra}" if path else extra, f"unknown key; expected one of {', '.join(names)}")
        for f in fields(node):
            key = f"{path}.{f.name}" if path else f.name
            value = getattr(node, f.name)
            if isinstance(value, bool) and f.type in ("int", "float"):
                raise ConfigError(key, f"must be a number, got {value}")
            _check_tree(value, key)
    elif isinstance(node, dict):
        for k, v in node.items():
            _check_tree(v, f"{path}.{k}")
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            _check_tree(v, f"{path}[{i}]")
    elif isinstance(node, float) and not math.isfinite(node):
        raise ConfigError(path, f"must be a finite number, got {node}")


def _positive(value, key: str) -> None:
    if not value > 0:
        raise ConfigError(key, f"must be > 0, got {value}")


def _non_negative(value, key: str) -> None:
    if not value >= 0:
        raise ConfigError(key, f"must be >= 0, got {value}")


def _probability(value, key: str) -> None:
    if not 0.0 <= value <= 1.0:
        raise ConfigError(key, f"must be a probability in [0, 1], got {value}")


def _shares(shares: Dict[str, float], key: str, allowed=None) -> None:
    if not shares:
        raise ConfigError(key, "must list at least one share")
    for name, value in shares.items():
        if allowed is not None and name not in allowed:
            raise ConfigError(f"{key}.{name}", f"unknown name; expected one of {', '.join(sorted(allowed))}")
        _probability(value, f"{key}.{name}")
    total = sum(shares.values())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ConfigError(key, f"shares must sum to 1, got {total:.6g}")


def _class_probabilities(shares: ClassSharesConfig, key: str) -> None:
    for c in CargoClass:
        _probability(getattr(shares, c.value), f"{key}.{c.value}")


def _capacity(value: int, key: str) -> None:
    if value < 1:
        raise ConfigError(key, f"capacity must be >= 1, got {value}")


def _check_calendar(cal: CalendarConfig, key: str) -> None:
    if not cal.days:
        raise ConfigError(f"{key}.days", "must list at least one working day")
    for d in cal.days:
        if d not in range(7):
            raise ConfigError(f"{key}.days", f"days are 0 (Monday) to 6 (Sunday), got {d}")
    if not 0.0 <= cal.open_hour < cal.close_hour <= 24.0:
        raise ConfigError(key, f"need 0 <= open_hour < close_hour <= 24, got {cal.open_hour} and {cal.close_hour}")


def _whole_weeks(days: float) -> bool:
    return days == round(days) and round(days) % 7 == 0


def _check_summary_only(run: RunConfig, experiment: ExperimentConfig) -> None:
    """Segments start at week boundaries (the calendars are weekly) and tile the observed window."""
    if experiment.kind == "calibrate":
        raise ConfigError("run.summary_only", "calibration needs the milestone tables; use experiment=compare or single")
    if run.target_half_width > 0:
        raise ConfigError("run.summary_only", "replications to precision is not available in summary-only mode")
    for key, days in (("run.segment_days", run.segment_days), ("run.warmup_days", run.warmup_days)):
        if not days > 0 or not _whole_weeks(days):
            raise ConfigError(key, f"must be a positive whole number of weeks in summary-only mode, got {days}")
    observed = run.horizon_days - run.warmup_days
    segments = observed / run.segment_days
    if segments != int(segments) or segments < 2:
        low = run.warmup_days + max(2, math.floor(segments)) * run.segment_days
        raise ConfigError("run.horizon_days", f"horizon - warm-up ({observed:g} d) must be at least two whole "
                          f"segments of run.segment_days ({run.segment_days:g} d) in summary-only mode; "
                          f"e.g. {low:.15g} or {low + run.segment_days:.15g}")  # .15g: two distinct days however large


def _check_run(run: RunConfig, experiment: ExperimentConfig) -> None:
    _positive(run.horizon_days, "run.horizon_days")
    _non_negative(run.warmup_days, "run.warmup_days")
    _non_negative(run.drain_days, "run.drain_days")
    if run.warmup_days >= run.horizon_days:
        raise ConfigError("run.warmup_days", f"must be shorter than run.horizon_days ({run.horizon_days}), got {run.warmup_days}")
    if run.replications < 1:
        raise ConfigError("run.replications", f"must be >= 1, got {run.replications}")
    if run.summary_only:
        _check_summary_only(run, experiment)
    elif experiment.kind in ("compare", "calibrate", "sensitivity") and run.replications < 2:
        raise ConfigError("run.replications", "a comparison needs >= 2 replications for a confidence interval")
    if run.seed < 0:
        raise ConfigError("run.seed", f"must be >= 0, got {run.seed}")
    _non_negative(run.workers, "run.workers")
    if run.first_replication < 0:
        raise ConfigError("run.first_replication", f"must be >= 0, got {run.first_replication}")
    _non_negative(run.target_half_width, "run.target_half_width")
    if run.target_half_width > 0:
        if not run.precision_kpi.strip():
            raise ConfigError("run.precision_kpi", "must name a KPI when run.target_half_width is set")
        if run.max_replications < run.replications:
            raise ConfigError("run.max_replications",
                              f"must be >= run.replications ({run.replications}), got {run.max_replications}")
    if experiment.max_evaluations < 1:
        raise ConfigError("experiment.max_evaluations", f"must be >= 1, got {experiment.max_evaluations}")
    if experiment.kind not in EXPERIMENT_KINDS:
        raise ConfigError("experiment.kind", f"unknown kind {experiment.kind!r}; expected one of {', '.join(EXPERIMENT_KINDS)}")
    _check_study(run, experiment)


def _check_study(run: RunConfig, experiment: ExperimentConfig) -> None:
    """A timeline needs two regimes or more, each once; an attribution needs CIs and a sample size."""
    if experiment.kind in ("timeline", "attribution"):
        if run.replications < 2:
            raise ConfigError("run.replications", f"a {experiment.kind} needs >= 2 replications for a confidence interval")
        if run.summary_only or run.target_half_width > 0:
            raise ConfigError("experiment.kind", f"a {experiment.kind} runs fixed replications with milestone tables "
                              "(no run.summary_only, no run.target_half_width)")
    if experiment.kind == "timeline":
        if len(experiment.regimes) < 2:
            raise ConfigError("experiment.regimes", f"a timeline needs at least two regimes, got {len(experiment.regimes)}"
                              f"{': ' + experiment.regimes[0] if experiment.regimes else ''}")
        seen = set()
        for name in experiment.regimes:
            if name in seen:
                raise ConfigError("experiment.regimes", f"regime {name!r} appears twice; each step is a different regime")
            seen.add(name)
    if experiment.exact_max_measures < 0:
        raise ConfigError("experiment.exact_max_measures", f"must be >= 0, got {experiment.exact_max_measures}")
    if experiment.permutations < 2:
        raise ConfigError("experiment.permutations", f"must be >= 2 (one antithetic pair), got {experiment.permutations}")
    if len(set(experiment.measures)) != len(experiment.measures):
        raise ConfigError("experiment.measures", "lists a measure twice")


def _check_output(output: OutputConfig) -> None:
    if output.consignments not in CONSIGNMENT_CHOICES:
        raise ConfigError("output.consignments", f"unknown choice {output.consignments!r}; expected one of "
                          f"{', '.join(CONSIGNMENT_CHOICES)}")
    if not 0.0 < output.sample_share <= 1.0:
        raise ConfigError("output.sample_share", f"must be in (0, 1], got {output.sample_share}")
    try:
        hour_zero(output.event_log_start)
    except ValueError as e:
        raise ConfigError("output.event_log_start", str(e)) from None
    if str(output.event_log).lower() not in EVENT_LOG_CHOICES:
        raise ConfigError("output.event_log", f"unknown choice {output.event_log!r}; expected one of "
                          f"{', '.join(EVENT_LOG_CHOICES)}")


def check_event_log(cfg: Config, sweep_point: bool = False) -> None:
    """output.event_log needs a consignment table to write from: refused where the run keeps none
    (`sweep_point`: the run is a point of a sweep, where `consignments: auto` keeps none)."""
    if not cfg.output.event_logs():
        return
    if cfg.experiment.kind in MANY_EVALUATION_KINDS:
        raise ConfigError("output.event_log", f"a {cfg.experiment.kind} run writes no event log (its many runs keep no "
                          "consignment table); run the point of interest on its own with output.event_log")
    if cfg.run.summary_only:
        why = "run.summary_only=true keeps no consignment table"
    elif cfg.output.stored(cfg.experiment.kind, sweep_point) == "none":
        where = "a sweep point" if sweep_point else f"a {cfg.experiment.kind} run"
        why = ("output.consignments=none keeps no consignment table" if cfg.output.consignments == "none" else
               f"output.consignments=auto keeps no consignment table in {where}")
    else:
        return
    raise ConfigError("output.event_log", f"{why} to write the event log from; set output.consignments=full "
                      "(or sample), or leave output.event_log=false")


def _check_port(port: PortConfig) -> None:
    if not port.terminals:
        raise ConfigError("port.terminals", "must define at least one terminal")
    _positive(port.officer_hours_per_week, "port.officer_hours_per_week")
    for name, t in port.terminals.items():
        key = f"port.terminals.{name}"
        if t.berths < 1:
            raise ConfigError(f"{key}.berths", f"capacity must be >= 1, got {t.berths}")
        if t.cranes_per_berth < 1:
            raise ConfigError(f"{key}.cranes_per_berth", f"capacity must be >= 1, got {t.cranes_per_berth}")
        _positive(t.crane_moves_per_hour, f"{key}.crane_moves_per_hour")
        _non_negative(t.berth_setup_hours, f"{key}.berth_setup_hours")
        _non_negative(t.berth_hours_per_move, f"{key}.berth_hours_per_move")
        _non_negative(t.design_teu_per_year, f"{key}.design_teu_per_year")
    if port.handling_erlang_k < 0:
        raise ConfigError("port.handling_erlang_k", f"must be >= 0 (0: no variation), got {port.handling_erlang_k}")
    for i, step in enumerate(port.crane_steps_moves):
        _positive(step, f"port.crane_steps_moves[{i}]")
    for name in (st.key for st in station_types()):
        if name not in port.inspection_stations:
            raise ConfigError(f"port.inspection_stations.{name}", "missing; inspections need it")
    for name, s in port.inspection_stations.items():
        key = f"port.inspection_stations.{name}"
        if s.bays < 1:
            raise ConfigError(f"{key}.bays", f"capacity must be >= 1, got {s.bays}")
        _non_negative(s.drayage_hours, f"{key}.drayage_hours")
    if not port.destinations:
        raise ConfigError("port.destinations", "must define at least one destination")
    for name, d in port.destinations.items():
        key = f"port.destinations.{name}"
        _non_negative(d.distance_km, f"{key}.distance_km")
        _non_negative(d.truck_hours, f"{key}.truck_hours")
        _non_negative(d.rail_hours, f"{key}.rail_hours")
        _non_negative(d.rail_cutoff_hours, f"{key}.rail_cutoff_hours")
        _non_negative(d.local_delivery_hours, f"{key}.local_delivery_hours")
        for table in ("rail_departures", "rail_arrivals"):
            for i, h in enumerate(getattr(d, table)):
                if not 0.0 <= h < HOURS_PER_WEEK:
                    raise ConfigError(f"{key}.{table}[{i}]", f"must be an hour of the week in [0, 168), got {h}")
        if (d.rail_departures or d.rail_arrivals) and d.rail_capacity_teu < MAX_BOX_TEU:
            raise ConfigError(f"{key}.rail_capacity_teu",
                              f"a train must hold at least one 40-foot box ({MAX_BOX_TEU:g} TEU), got {d.rail_capacity_teu}")
    _capacity(port.gate.in_lanes, "port.gate.in_lanes")
    _capacity(port.gate.out_lanes, "port.gate.out_lanes")
    _non_negative(port.gate.hours_per_truck, "port.gate.hours_per_truck")
    _capacity(port.rail_terminal.loading_tracks, "port.rail_terminal.loading_tracks")
    _positive(port.rail_terminal.boxes_per_hour_per_track, "port.rail_terminal.boxes_per_hour_per_track")
    _capacity(port.reefer_plugs, "port.reefer_plugs")
    _non_negative(port.export_cutoff_hours, "port.export_cutoff_hours")


def _check_demand(d: DemandConfig, port: PortConfig) -> None:
    _positive(d.scale, "demand.scale")
    if not d.services and d.irregular.calls_per_week == 0:
        raise ConfigError("demand.services", "no liner services and no irregular arrivals: nothing arrives")
    for name, s in d.services.items():
        key = f"demand.services.{name}"
        if s.terminal not in port.terminals:
            raise ConfigError(f"{key}.terminal", f"unknown terminal {s.terminal!r}; expected one of {', '.join(port.terminals)}")
        if s.calls_per_week < 1:
            raise ConfigError(f"{key}.calls_per_week", f"must be >= 1, got {s.calls_per_week}")
        _non_negative(s.import_boxes_per_call, f"{key}.import_boxes_per_call")
        _non_negative(s.export_boxes_per_call, f"{key}.export_boxes_per_call")
        if s.import_boxes_per_call + s.export_boxes_per_call <= 0:
            raise ConfigError(key, "a call must carry some boxes")
        if not 0.0 <= s.first_call_hour < HOURS_PER_WEEK:
            raise ConfigError(f"{key}.first_call_hour", f"must be in [0, 168), got {s.first_call_hour}")
        _non_negative(s.voyage_days, f"{key}.voyage_days")
    irr = d.irregular
    _non_negative(irr.calls_per_week, "demand.irregular.calls_per_week")
    if irr.erlang_k < 1:
        raise ConfigError("demand.irregular.erlang_k", f"must be >= 1, got {irr.erlang_k}")
    _non_negative(irr.import_boxes_per_call, "demand.irregular.import_boxes_per_call")
    _non_negative(irr.export_boxes_per_call, "demand.irregular.export_boxes_per_call")
    _non_negative(irr.voyage_days, "demand.irregular.voyage_days")
    if irr.calls_per_week > 0 and irr.import_boxes_per_call + irr.export_boxes_per_call <= 0:
        raise ConfigError("demand.irregular", "irregular calls must carry some boxes")
    _non_negative(d.call_size_cv, "demand.call_size_cv")
    _non_negative(d.early_hours_max, "demand.early_hours_max")
    if d.lateness_hours_mean < -d.early_hours_max:
        raise ConfigError("demand.lateness_hours_mean", f"must be >= -demand.early_hours_max ({-d.early_hours_max:g}): "
                                                        f"no call is earlier than that, got {d.lateness_hours_mean}")
    if d.lateness_erlang_k < 1:
        raise ConfigError("demand.lateness_erlang_k", f"must be >= 1, got {d.lateness_erlang_k}")
    _probability(d.domestic_share, "demand.domestic_share")
    if not d.boxes_per_consignment_mean >= 1:
        raise ConfigError("demand.boxes_per_consignment_mean", f"must be >= 1, got {d.boxes_per_consignment_mean}")
    _probability(d.forty_foot_share, "demand.forty_foot_share")
    classes = {c.value for c in CargoClass}
    for direction in DECLARED:
        if direction.value not in d.class_shares:
            raise ConfigError(f"demand.class_shares.{direction.value}", "missing")
    for direction, shares in d.class_shares.items():
        if direction not in {x.value for x in DECLARED}:
            raise ConfigError(f"demand.class_shares.{direction}", "unknown direction; expected import or export")
        _shares(shares, f"demand.class_shares.{direction}", classes)
    for c in classes:
        if c not in d.value_cny_per_teu:
            raise ConfigError(f"demand.value_cny_per_teu.{c}", "missing")
    for c, v in d.value_cny_per_teu.items():
        if c not in classes:
            raise ConfigError(f"demand.value_cny_per_teu.{c}", f"unknown cargo class; expected one of {', '.join(sorted(classes))}")
        _non_negative(v, f"demand.value_cny_per_teu.{c}")
    _shares(d.destination_shares, "demand.destination_shares", set(port.destinations))
    for dest, shares in d.rail_share.items():
        key = f"demand.rail_share.{dest}"
        if dest not in port.destinations:
            raise ConfigError(key, f"unknown destination; expected one of {', '.join(port.destinations)}")
        _class_probabilities(shares, key)
        timetable = port.destinations[dest].rail_departures or port.destinations[dest].rail_arrivals
        if any(getattr(shares, c.value) > 0 for c in CargoClass) and not timetable:
            raise ConfigError(key, f"rail shares given but port.destinations.{dest} has no trains")
        for table, moves in (("rail_departures", "imports"), ("rail_arrivals", "exports")):
            if (d.mode_choice == "shares" and any(getattr(shares, c.value) > 0 for c in CargoClass)
                    and not getattr(port.destinations[dest], table)):
                # otherwise that direction's rail share would silently go by road
                raise ConfigError(f"port.destinations.{dest}.{table}",
                                  f"empty timetable, but {key} sends {moves} by rail")
    if d.mode_choice not in MODE_CHOICES:
        raise ConfigError("demand.mode_choice", f"unknown option {d.mode_choice!r}; expected one of {', '.join(MODE_CHOICES)}")
    _probability(d.aquatic_share_of_reefer, "demand.aquatic_share_of_reefer")
    _probability(d.fumigation_share_of_wood, "demand.fumigation_share_of_wood")
    _class_probabilities(d.quarantine_share, "demand.quarantine_share")
    for name, s in d.services.items():
        key = f"demand.services.{name}"
        _probability(s.transship_share, f"{key}.transship_share")
        if s.transship_share > 0:
            if not s.transship_to:
                raise ConfigError(f"{key}.transship_to", "a service with transshipment must say where it goes")
            for target in s.transship_to:
                rail = port.destinations.get(target)
                if target not in d.services and not (rail is not None and rail.rail_departures):
                    raise ConfigError(f"{key}.transship_to.{target}",
                                      "must be a service or a destination with trains (land-bridge)")
            _shares(dict(s.transship_to), f"{key}.transship_to")
    _non_negative(d.export_gate_in_lead_hours_mean, "demand.export_gate_in_lead_hours_mean")


def _check_regime(r: RegimeConfig, port: PortConfig, key: str) -> None:
    _probability(r.pre_arrival_share, f"{key}.pre_arrival_share")
    directions = [x.value for x in DECLARED]
    for direction in directions:
        for table in ("acceptance_hours_mean", "doc_check_hours_mean", "channels"):
            if direction not in getattr(r, table):
                raise ConfigError(f"{key}.{table}.{direction}", "missing")
    for direction, v in r.doc_check_hours_mean.items():
        _positive(v, f"{key}.doc_check_hours_mean.{direction}")
    for direction, v in r.acceptance_hours_mean.items():
        _non_negative(v, f"{key}.acceptance_hours_mean.{direction}")
    for direction, by_class in r.channels.items():
        if direction not in directions:
            raise ConfigError(f"{key}.channels.{direction}", "unknown direction; expected import or export")
        for c in CargoClass:
            shares = getattr(by_class, c.value)
            _shares({ch.value: getattr(shares, ch.value) for ch in Channel}, f"{key}.channels.{direction}.{c.value}")
    _check_calendar(r.officer_calendar, f"{key}.officer_calendar")  # first: `officers` may be derived from it
    if r.officers < 1:
        raise ConfigError(f"{key}.officers", f"capacity must be >= 1, got {r.officers}")
    for direction in directions:
        if direction not in r.query_share:
            raise ConfigError(f"{key}.query_share.{direction}", "missing")
    for direction, v in r.query_share.items():
        if direction not in directions:
            raise ConfigError(f"{key}.query_share.{direction}", "unknown direction; expected import or export")
        _probability(v, f"{key}.query_share.{direction}")
    _non_negative(r.query_response_hours_mean, f"{key}.query_response_hours_mean")
    _probability(r.red_scan_share, f"{key}.red_scan_share")
    for st in station_types():  # each station type's settings, where the registry says they are
        for path, get in ((st.hours_mean, hours_mean_of), (st.calendar, calendar_of)):
            try:
                get(st, r)
            except KeyError:
                raise ConfigError(f"{key}.{path}", "missing") from None
    for station, v in r.inspection_hours_mean.items():
        if station not in port.inspection_stations:
            raise ConfigError(f"{key}.inspection_hours_mean.{station}", f"unknown station; expected one of {', '.join(port.inspection_stations)}")
        _positive(v, f"{key}.inspection_hours_mean.{station}")
    _check_calendar(r.inspection_calendar, f"{key}.inspection_calendar")
    _non_negative(r.duty_hours_mean, f"{key}.duty_hours_mean")
    t, tk = r.transit, f"{key}.transit"
    _probability(t.share_truck, f"{tk}.share_truck")
    _probability(t.share_rail, f"{tk}.share_rail")
    _probability(t.inland_check_share, f"{tk}.inland_check_share")
    _probability(t.inland_inspection_share, f"{tk}.inland_inspection_share")
    _probability(t.export_share_truck, f"{tk}.export_share_truck")
    _probability(t.export_share_rail, f"{tk}.export_share_rail")
    for name in ("formalities_hours_mean", "inland_preparation_hours_mean", "inland_doc_check_hours_mean",
                 "inland_inspection_hours_mean", "bonded_carrier_wait_hours_mean", "export_lead_hours"):
        _non_negative(getattr(t, name), f"{tk}.{name}")
    _capacity(t.inland_officers, f"{tk}.inland_officers")
    _capacity(t.inland_inspection_bays, f"{tk}.inland_inspection_bays")
    _check_calendar(t.inland_calendar, f"{tk}.inland_calendar")
    q, qk = r.quarantine, f"{key}.quarantine"
    _non_negative(q.hours_mean, f"{qk}.hours_mean")
    _non_negative(q.fumigation_hours_mean, f"{qk}.fumigation_hours_mean")
    _class_probabilities(q.joint, f"{qk}.joint")
    _check_calendar(q.calendar, f"{qk}.calendar")
    _non_negative(r.transshipment_formalities_hours, f"{key}.transshipment_formalities_hours")
    _non_negative(r.certificate_hours_mean, f"{key}.certificate_hours_mean")
    tr, trk = r.tax_review, f"{key}.tax_review"
    _probability(tr.audit_share, f"{trk}.audit_share")
    _non_negative(tr.audit_hours_mean, f"{trk}.audit_hours_mean")
    ts, tsk = r.two_step, f"{key}.two_step"
    _probability(ts.share, f"{tsk}.share")
    if not 0.0 < ts.summary_work_share <= 1.0:
        raise ConfigError(f"{tsk}.summary_work_share", f"must be in (0, 1], got {ts.summary_work_share}")
    _non_negative(ts.full_lag_hours, f"{tsk}.full_lag_hours")
    dd, ddk = r.direct_delivery, f"{key}.direct_delivery"
    _probability(dd.import_share, f"{ddk}.import_share")
    _probability(dd.export_share, f"{ddk}.export_share")


def _check_costs(c: CostsConfig, port: PortConfig) -> None:
    for f in fields(c):
        value = getattr(c, f.name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            _non_negative(value, f"costs.{f.name}")
    _class_probabilities(c.spoilage_share_per_day, "costs.spoilage_share_per_day")
    _probability(c.transit_guarantee_share_of_value, "costs.transit_guarantee_share_of_value")
    if c.reefer_products:
        _shares({name: p.share for name, p in c.reefer_products.items()}, "costs.reefer_products")
        for name, p in c.reefer_products.items():
            _probability(p.spoilage_share_per_day, f"costs.reefer_products.{name}.spoilage_share_per_day")
        if c.spoilage_share_per_day.reefer:
            raise ConfigError("costs.spoilage_share_per_day.reefer",
                              "must be 0 when costs.reefer_products gives the reefer mix (its rate is derived)")
    for station in dict.fromkeys([st.fee_key for st in station_types()] + list(port.inspection_stations)):
        if station not in c.inspection_cny_per_box:
            raise ConfigError(f"costs.inspection_cny_per_box.{station}", "missing")
    for station, v in c.inspection_cny_per_box.items():
        if station not in port.inspection_stations:
            raise ConfigError(f"costs.inspection_cny_per_box.{station}", f"unknown station; expected one of {', '.join(port.inspection_stations)}")
        _non_negative(v, f"costs.inspection_cny_per_box.{station}")
    _check_resource_costs(c.resources, port)


def _check_resource_costs(r, port: PortConfig) -> None:
    key = "costs.resources"
    for f in fields(r):
        value = getattr(r, f.name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            _non_negative(value, f"{key}.{f.name}")
    if not 0.0 <= r.morning_from_hour <= r.office_hours.open_hour <= r.office_hours.close_hour <= r.evening_until_hour <= 24.0:
        raise ConfigError(f"{key}.evening_until_hour", "needs 0 <= morning_from_hour <= office_hours.open_hour "
                          "<= office_hours.close_hour <= evening_until_hour <= 24")
    for table in ("bay_capital_cny_per_year", "bay_cny_per_open_hour"):
        for station, v in getattr(r, table).items():
            if station not in port.inspection_stations:
                raise ConfigError(f"{key}.{table}.{station}",
                                  f"unknown station; expected one of {', '.join(port.inspection_stations)}")
            _non_negative(v, f"{key}.{table}.{station}")


def _check_traders(t: TradersConfig) -> None:
    for name in ("original_documents_share", "licence_share", "storage_user_share"):
        _probability(getattr(t, name), f"traders.{name}")
    for f in fields(t):
        value = getattr(t, f.name)
        if isinstance(value, DurationConfig):
            _non_negative(value.mean, f"traders.{f.name}.mean")
            _non_negative(value.cv, f"traders.{f.name}.cv")
        elif isinstance(value, CalendarConfig):
            _check_calendar(value, f"traders.{f.name}")
    _non_negative(t.declare_ahead_hours, "traders.declare_ahead_hours")
    _positive(t.declaration_window_days, "traders.declaration_window_days")
