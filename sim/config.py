"""Typed configuration schema and the semantic checks the type system cannot make.

The schema is plain dataclasses so the core never needs Hydra: the Hydra entry
(`sim/__main__.py`) registers these classes, composes YAML against them and
hands `validate()` a finished `Config`. Tests and notebooks may build a
`Config` any other way and validate it the same way.

Units: time in hours, distances in km, money in CNY, volumes in boxes or TEU.
Hours of the week count from Monday 00:00 (the scenario starts on a Monday).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Dict, List, Optional

from omegaconf import MISSING

from sim.model.cargo import CargoClass, Channel, Direction

HOURS_PER_WEEK = 168.0
DECLARED = (Direction.IMPORT, Direction.EXPORT)
"""Directions that carry a customs declaration (transshipment moves under transit supervision)."""


class ConfigError(ValueError):
    """A configuration value that cannot be simulated; `key` is the dotted path."""

    def __init__(self, key: str, problem: str):
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


# ---------------------------------------------------------------- run / experiment
@dataclass
class RunConfig:
    horizon_days: float = 28.0
    """Length of the observed window; consignments that start in [warmup, horizon) form the cohort."""
    warmup_days: float = 7.0
    drain_days: float = 7.0
    """Extra simulated time after the horizon (traffic keeps arriving) so the cohort can finish;
    cohort members still open at the end are reported as censored, never dropped."""
    replications: int = 8
    seed: int = 20150701
    workers: int = 2
    """Processes used for replications; 1 runs in-process (easier to debug), 0 uses every core.
    In a sweep the jobs are the parallel unit, so the sweep configs set 1."""
    first_replication: int = 0
    """This job runs replications [first_replication, first_replication + replications). Seeds come
    from (seed, replication index), so a chunk's numbers never depend on the sweep around it."""
    target_half_width: float = 0.0
    """If > 0, keep adding replications until the 95 % CI half-width of `precision_kpi` (of the
    paired difference in a comparison) is at most this, or `max_replications` is reached."""
    precision_kpi: str = "export_clearance_hours_mean"
    max_replications: int = 64
    """Upper bound on replications when `target_half_width` is set."""
    skip_complete: Optional[bool] = None
    """Skip a run whose config and code match a complete run in the catalog; null: only in a multirun (-m)."""
    summary_only: bool = False
    """Keep no milestone table: simulate the horizon as segments of `segment_days` (each warmed up
    and drained like a run of its own, on traffic drawn week by week) and keep only their KPIs, so
    memory does not grow with the horizon (sim/long_run.py). KPIs come with batch-means intervals."""
    segment_days: float = 28.0
    """Observed days per segment of a summary-only run (whole weeks)."""
    allow_overload: bool = False
    """Run even if a station is offered its capacity or more (its queue then grows for the whole
    run, so results depend on the horizon): for deliberate surge studies only; warns instead."""
    catalog: str = "auto"
    """DuckDB catalog of runs. auto: `catalog.duckdb` in the `results/` directory the run is written
    under (or beside the run directory when it is not under one); empty: no catalog."""


@dataclass
class ExperimentConfig:
    kind: str = "compare"
    """compare: baseline vs regime with common random numbers; single: regime alone;
    calibrate: fit the knobs (scenarios/<port>/knobs.yaml) to the targets (sim/calibration.py)."""
    write_table: bool = True
    """Write consignments.parquet (one row per consignment per replication)."""
    report: bool = True
    """Also write report.html (self-contained: KPI table, figures, calibration status, config)
    beside the results of an interactive run (sweep jobs skip it; `python -m sim.report` any time)."""
    fit_overrides: List[str] = field(default_factory=list)
    """calibrate: `key=value` settings for the fitting runs (e.g. demand.scale=0.1), on top of run.*."""
    max_evaluations: int = 40
    """calibrate: most loss evaluations (each one a paired before/after run)."""


# ---------------------------------------------------------------- port
@dataclass
class CalendarConfig:
    """Weekly working hours: open on `days` (0 = Monday) from `open_hour` to `close_hour`."""

    days: List[int] = field(default_factory=lambda: [0, 1, 2, 3, 4, 5, 6])
    open_hour: float = 0.0
    close_hour: float = 24.0


@dataclass
class TerminalConfig:
    berths: int = MISSING
    cranes_per_berth: int = MISSING
    crane_moves_per_hour: float = MISSING
    """Gross moves per crane-hour; one move lifts one box."""
    berth_setup_hours: float = 1.0
    """Mooring, lashing and unmooring time per call, outside crane work."""


@dataclass
class InspectionStationConfig:
    bays: int = MISSING
    drayage_hours: float = MISSING
    """One-way move of the box between the yard and the station."""


@dataclass
class DestinationConfig:
    distance_km: float = MISSING
    truck_hours: float = MISSING
    inland: bool = True
    """False for the port city itself; inland door-to-door KPIs cover inland destinations only."""
    rail_hours: float = 0.0
    rail_departures: List[float] = field(default_factory=list)
    """Block trains port -> destination, as hours of the week (a weekly timetable); empty means no rail."""
    rail_arrivals: List[float] = field(default_factory=list)
    """Departures of block trains destination -> port (exports), hours of the week."""
    rail_capacity_teu: float = 100.0
    """TEU per block train; boxes that do not fit wait for the next train."""
    rail_cutoff_hours: float = 4.0
    """A box must be ready (released, in the yard) this long before a departure to make that train."""
    local_delivery_hours: float = 1.0
    """From inland release (rail terminal or inland customs) to the consignee's door."""


@dataclass
class GateConfig:
    in_lanes: int = 8
    """Lanes for trucks delivering export boxes."""
    out_lanes: int = 8
    """Lanes for trucks collecting import boxes."""
    hours_per_truck: float = 0.05
    """Gate transaction time per box (check, seal, documents)."""


@dataclass
class RailTerminalConfig:
    loading_tracks: int = 2
    """Port rail loading tracks: a train loads on one, so trains can queue for them."""
    boxes_per_hour_per_track: float = 40.0


@dataclass
class PortConfig:
    name: str = MISSING
    terminals: Dict[str, TerminalConfig] = MISSING
    inspection_stations: Dict[str, InspectionStationConfig] = MISSING
    destinations: Dict[str, DestinationConfig] = MISSING
    gate: GateConfig = field(default_factory=GateConfig)
    rail_terminal: RailTerminalConfig = field(default_factory=RailTerminalConfig)
    reefer_plugs: int = 2000
    """Reefer plugs in the yard; a reefer box without a plug waits unplugged (and that costs)."""
    export_cutoff_hours: float = 6.0
    """Export boxes must be released this many hours before the call's scheduled arrival."""


@dataclass
class ClassSharesConfig:
    """A share for each cargo class (one field per CargoClass)."""

    general: float = 0.0
    reefer: float = 0.0
    wood: float = 0.0


# ---------------------------------------------------------------- demand
@dataclass
class ServiceConfig:
    terminal: str = MISSING
    calls_per_week: int = MISSING
    import_boxes_per_call: float = MISSING
    export_boxes_per_call: float = MISSING
    first_call_hour: float = 0.0
    """Hour of the week of the first scheduled call; further calls are spread evenly."""
    transship_share: float = 0.0
    """Share of this service's discharged consignments that connect to another vessel or train."""
    transship_to: Dict[str, float] = field(default_factory=dict)
    """Where transshipment goes: service name -> share, or a destination name -> share (rail land-bridge)."""


@dataclass
class IrregularArrivalsConfig:
    calls_per_week: float = 0.0
    erlang_k: int = 2
    """Shape of the Erlang inter-arrival time (k=1 is Poisson; Dalian fits show k>1)."""
    import_boxes_per_call: float = 0.0
    export_boxes_per_call: float = 0.0


@dataclass
class DemandConfig:
    name: str = MISSING
    scale: float = 1.0
    """Multiplies boxes per call (1.0 = full-scale Dalian); handy for small test runs."""
    services: Dict[str, ServiceConfig] = MISSING
    irregular: IrregularArrivalsConfig = field(default_factory=IrregularArrivalsConfig)
    call_size_cv: float = 0.25
    lateness_hours_mean: float = 4.0
    lateness_erlang_k: int = 3
    domestic_share: float = 0.0
    """Share of boxes in domestic (coastal) trade: handled at the quay, never declared to customs."""
    boxes_per_consignment_mean: float = 1.5
    forty_foot_share: float = 0.6
    class_shares: Dict[str, Dict[str, float]] = MISSING
    """direction -> cargo class -> share."""
    value_cny_per_teu: Dict[str, float] = MISSING
    destination_shares: Dict[str, float] = MISSING
    """Where imports go and exports come from."""
    rail_share: Dict[str, ClassSharesConfig] = field(default_factory=dict)
    """destination -> cargo class -> share moved by rail (others by truck), for mode_choice=shares."""
    mode_choice: str = "shares"
    """shares: draw the mode from rail_share; cost: the mode with the cheapest expected door cost."""
    aquatic_share_of_reefer: float = 0.0
    """Share of reefer transshipment that is aquatic entrepot cargo (needs origin/health certificates)."""
    quarantine_share: ClassSharesConfig = field(default_factory=lambda: ClassSharesConfig(0.0, 0.0, 0.0))
    """Share of imports per cargo class that CIQ inspects (quarantine)."""
    fumigation_share_of_wood: float = 0.0
    """Share of wood imports that must be fumigated."""
    export_gate_in_lead_hours_mean: float = 60.0
    """Mean time from export gate-in to the vessel's scheduled arrival."""


# ---------------------------------------------------------------- regime
@dataclass
class TransitConfig:
    """Customs transit to inland cities: formalities at the port, carriage under seal, and
    (before integration) a second declaration and clearance at the inland customs office."""

    share_truck: float = 0.0
    """Share of inland-bound truck imports that move under transit instead of clearing at the port."""
    share_rail: float = 0.0
    """Share of inland-bound rail imports that move under transit (sea-rail boxes)."""
    formalities_hours_mean: float = 0.0
    """Transit formalities at the port after release (working hours on the officer calendar)."""
    rail_supervision_centre: bool = False
    """Sea-rail supervision centre: rail transit boxes go ship to train without transit formalities."""
    second_declaration: bool = False
    """Transit boxes are declared and cleared again at the inland office (no mutual recognition)."""
    inland_preparation_hours_mean: float = 8.0
    inland_officers: int = 10
    """Officers at each inland customs office."""
    inland_calendar: CalendarConfig = field(default_factory=lambda: CalendarConfig([0, 1, 2, 3, 4], 8.5, 17.0))
    inland_check_share: float = 0.3
    """Share of inland declarations that get a document check."""
    inland_doc_check_hours_mean: float = 0.75
    inland_inspection_share: float = 0.05
    inland_inspection_hours_mean: float = 3.0
    inland_inspection_bays: int = 2


@dataclass
class QuarantineConfig:
    """CIQ inspection of quarantine-relevant cargo, and whether it is joint with customs ("3 + 1")."""

    hours_mean: float = 2.0
    joint: ClassSharesConfig = field(default_factory=lambda: ClassSharesConfig(0.0, 0.0, 0.0))
    """Per class, 1 = one joint inspection visit serves customs and CIQ, 0 = separate visits (a share)."""
    calendar: CalendarConfig = field(default_factory=lambda: CalendarConfig([0, 1, 2, 3, 4], 8.5, 17.0))
    fumigation_hours_mean: float = 24.0


# ---------------------------------------------------------------- costs
@dataclass
class ChannelSharesConfig:
    green: float = MISSING
    yellow: float = MISSING
    red: float = MISSING


@dataclass
class ClassChannelsConfig:
    """Risk-channel shares for each cargo class (one field per CargoClass)."""

    general: ChannelSharesConfig = MISSING
    reefer: ChannelSharesConfig = MISSING
    wood: ChannelSharesConfig = MISSING


@dataclass
class RegimeConfig:
    name: str = MISSING
    description: str = ""
    pre_arrival_share: float = MISSING
    """Share of import declarations lodged before the vessel arrives."""
    pre_arrival_lead_hours_mean: float = 24.0
    """How long before the vessel's arrival a pre-arrival declaration is lodged."""
    preparation_hours_mean: Dict[str, float] = MISSING
    """direction -> mean delay to lodge: after vessel arrival (import) or after gate-in (export)."""
    acceptance_hours_mean: float = MISSING
    channels: Dict[str, ClassChannelsConfig] = MISSING
    """direction -> cargo class -> risk channel shares."""
    officers: int = MISSING
    officer_calendar: CalendarConfig = field(default_factory=CalendarConfig)
    doc_check_hours_mean: Dict[str, float] = MISSING
    """direction -> mean officer time per document check (working hours)."""
    query_share: Dict[str, float] = field(default_factory=lambda: {"import": 0.0, "export": 0.0})
    """direction -> share of officer-checked declarations that need supplementary documents."""
    query_response_hours_mean: float = 0.0
    """Mean time the declarant takes to answer such a query (not officer time)."""
    red_scan_share: float = MISSING
    """Share of red-channel inspections done by scanner; the rest are physical."""
    inspection_hours_mean: Dict[str, float] = MISSING
    """inspection station -> mean working time per consignment."""
    inspection_calendar: CalendarConfig = field(default_factory=CalendarConfig)
    duty_hours_mean: float = MISSING
    """Import duty and tax payment, after checks and before release."""
    truck_pickup_hours_mean: float = MISSING
    """Delay from release (and box in yard) until a truck collects an import box."""
    transit: TransitConfig = field(default_factory=lambda: TransitConfig())
    quarantine: QuarantineConfig = field(default_factory=lambda: QuarantineConfig())
    transshipment_formalities_hours: float = 0.0
    """Working hours (officer calendar) to put a transshipment box under customs transit supervision."""
    certificate_hours_mean: float = 0.0
    """Origin and health certificates for aquatic entrepot cargo (0 = step not needed)."""


@dataclass
class CostsConfig:
    name: str = MISSING
    handling_cny_per_teu: float = MISSING
    storage_free_days: float = MISSING
    storage_cny_per_teu_day: float = MISSING
    inspection_cny_per_box: Dict[str, float] = MISSING
    """station -> fee per box inspected (includes drayage to the inspection area)."""
    brokerage_cny_per_declaration: float = MISSING
    truck_cny_per_teu_km: float = MISSING
    truck_fixed_cny_per_teu: float = MISSING
    rail_cny_per_teu_km: float = MISSING
    rail_fixed_cny_per_teu: float = MISSING
    bonded_truck_surcharge_share: float = 0.0
    """Extra share of the truck rate for carriage under customs seal (transit procedure)."""
    transit_formalities_cny_per_declaration: float = 0.0
    reefer_power_cny_per_teu_hour: float = 0.0
    unplugged_reefer_cny_per_teu_hour: float = 0.0
    """Cost of a reefer box waiting without a plug (gensets, quality risk)."""
    demurrage_free_days: float = 7.0
    demurrage_cny_per_teu_day: float = 0.0
    detention_free_days: float = 7.0
    detention_cny_per_teu_day: float = 0.0
    inventory_rate_per_year: float = 0.0
    """Cost of capital tied up in cargo, per year of time from vessel arrival to delivery."""
    spoilage_share_per_day: ClassSharesConfig = field(default_factory=ClassSharesConfig)
    """Value lost per day from discharge to delivery, per cargo class (perishables)."""
    certificate_cny: float = 0.0


@dataclass
class Config:
    run: RunConfig = field(default_factory=RunConfig)
    experiment: ExperimentConfig = field(default_factory=ExperimentConfig)
    port: PortConfig = MISSING
    demand: DemandConfig = MISSING
    regime: RegimeConfig = MISSING
    """The regime under study (the 'after' side of a comparison)."""
    baseline: RegimeConfig = MISSING
    """The regime compared against (the 'before' side)."""
    costs: CostsConfig = MISSING


# ---------------------------------------------------------------- semantic checks
EXPERIMENT_KINDS = ("compare", "single", "calibrate")
MODE_CHOICES = ("shares", "cost")
MAX_BOX_TEU = 2.0
STATIONS = ("scan", "physical", "quarantine", "fumigation")
SHARE_TOLERANCE = 1e-6


def validate(cfg: Config) -> Config:
    """Raise ConfigError for the first value that cannot be simulated; return cfg unchanged."""
    _check_tree(cfg, "")
    _check_run(cfg.run, cfg.experiment)
    _check_port(cfg.port)
    _check_demand(cfg.demand, cfg.port)
    for key in ("regime", "baseline"):
        _check_regime(getattr(cfg, key), cfg.port, key)
    _check_costs(cfg.costs, cfg.port)
    return cfg


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
                          f"e.g. {low:g} or {low + run.segment_days:g}")


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
    elif experiment.kind in ("compare", "calibrate") and run.replications < 2:
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


def _check_port(port: PortConfig) -> None:
    if not port.terminals:
        raise ConfigError("port.terminals", "must define at least one terminal")
    for name, t in port.terminals.items():
        key = f"port.terminals.{name}"
        if t.berths < 1:
            raise ConfigError(f"{key}.berths", f"capacity must be >= 1, got {t.berths}")
        if t.cranes_per_berth < 1:
            raise ConfigError(f"{key}.cranes_per_berth", f"capacity must be >= 1, got {t.cranes_per_berth}")
        _positive(t.crane_moves_per_hour, f"{key}.crane_moves_per_hour")
        _non_negative(t.berth_setup_hours, f"{key}.berth_setup_hours")
    for name in STATIONS:
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
    irr = d.irregular
    _non_negative(irr.calls_per_week, "demand.irregular.calls_per_week")
    if irr.erlang_k < 1:
        raise ConfigError("demand.irregular.erlang_k", f"must be >= 1, got {irr.erlang_k}")
    _non_negative(irr.import_boxes_per_call, "demand.irregular.import_boxes_per_call")
    _non_negative(irr.export_boxes_per_call, "demand.irregular.export_boxes_per_call")
    if irr.calls_per_week > 0 and irr.import_boxes_per_call + irr.export_boxes_per_call <= 0:
        raise ConfigError("demand.irregular", "irregular calls must carry some boxes")
    _non_negative(d.call_size_cv, "demand.call_size_cv")
    _non_negative(d.lateness_hours_mean, "demand.lateness_hours_mean")
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
    _non_negative(r.pre_arrival_lead_hours_mean, f"{key}.pre_arrival_lead_hours_mean")
    directions = [x.value for x in DECLARED]
    for direction in directions:
        for table in ("preparation_hours_mean", "doc_check_hours_mean", "channels"):
            if direction not in getattr(r, table):
                raise ConfigError(f"{key}.{table}.{direction}", "missing")
    for direction, v in r.preparation_hours_mean.items():
        _non_negative(v, f"{key}.preparation_hours_mean.{direction}")
    for direction, v in r.doc_check_hours_mean.items():
        _positive(v, f"{key}.doc_check_hours_mean.{direction}")
    _non_negative(r.acceptance_hours_mean, f"{key}.acceptance_hours_mean")
    for direction, by_class in r.channels.items():
        if direction not in directions:
            raise ConfigError(f"{key}.channels.{direction}", "unknown direction; expected import or export")
        for c in CargoClass:
            shares = getattr(by_class, c.value)
            _shares({ch.value: getattr(shares, ch.value) for ch in Channel}, f"{key}.channels.{direction}.{c.value}")
    if r.officers < 1:
        raise ConfigError(f"{key}.officers", f"capacity must be >= 1, got {r.officers}")
    _check_calendar(r.officer_calendar, f"{key}.officer_calendar")
    for direction in directions:
        if direction not in r.query_share:
            raise ConfigError(f"{key}.query_share.{direction}", "missing")
    for direction, v in r.query_share.items():
        if direction not in directions:
            raise ConfigError(f"{key}.query_share.{direction}", "unknown direction; expected import or export")
        _probability(v, f"{key}.query_share.{direction}")
    _non_negative(r.query_response_hours_mean, f"{key}.query_response_hours_mean")
    _probability(r.red_scan_share, f"{key}.red_scan_share")
    for station in ("scan", "physical"):
        if station not in r.inspection_hours_mean:
            raise ConfigError(f"{key}.inspection_hours_mean.{station}", "missing")
    for station, v in r.inspection_hours_mean.items():
        if station not in port.inspection_stations:
            raise ConfigError(f"{key}.inspection_hours_mean.{station}", f"unknown station; expected one of {', '.join(port.inspection_stations)}")
        _positive(v, f"{key}.inspection_hours_mean.{station}")
    _check_calendar(r.inspection_calendar, f"{key}.inspection_calendar")
    _non_negative(r.duty_hours_mean, f"{key}.duty_hours_mean")
    _non_negative(r.truck_pickup_hours_mean, f"{key}.truck_pickup_hours_mean")
    t, tk = r.transit, f"{key}.transit"
    _probability(t.share_truck, f"{tk}.share_truck")
    _probability(t.share_rail, f"{tk}.share_rail")
    _probability(t.inland_check_share, f"{tk}.inland_check_share")
    _probability(t.inland_inspection_share, f"{tk}.inland_inspection_share")
    for name in ("formalities_hours_mean", "inland_preparation_hours_mean", "inland_doc_check_hours_mean",
                 "inland_inspection_hours_mean"):
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


def _check_costs(c: CostsConfig, port: PortConfig) -> None:
    for f in fields(c):
        value = getattr(c, f.name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            _non_negative(value, f"costs.{f.name}")
    _class_probabilities(c.spoilage_share_per_day, "costs.spoilage_share_per_day")
    for station in port.inspection_stations:
        if station not in c.inspection_cny_per_box:
            raise ConfigError(f"costs.inspection_cny_per_box.{station}", "missing")
    for station, v in c.inspection_cny_per_box.items():
        if station not in port.inspection_stations:
            raise ConfigError(f"costs.inspection_cny_per_box.{station}", f"unknown station; expected one of {', '.join(port.inspection_stations)}")
        _non_negative(v, f"costs.inspection_cny_per_box.{station}")
