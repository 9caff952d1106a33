"""Typed configuration schema: plain dataclasses, so the core never needs Hydra.

The command line (`sim.cli.compose`) registers these classes with Hydra, composes YAML
against them and hands `validate()` (sim/config/validation.py) a finished `Config`. Tests and notebooks may build a
`Config` any other way and validate it the same way.

Units: time in hours, distances in km, money in CNY, volumes in boxes or TEU.
Hours of the week count from Monday 00:00 (the scenario starts on a Monday).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Dict, List, Optional

from omegaconf import MISSING

from sim.domain.sides import MANY_EVALUATION_KINDS


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
    initial_state: str = ""
    """A snapshot of the port (CSV or Parquet; schema in `sim/config/snapshot.py` and the docs, example
    `scenarios/dalian/snapshot_example.csv`): the run starts at the moment it was taken (its `taken_at`
    on the clock of `output.event_log_start`) with those boxes and vessels in the port, instead of an
    empty port at hour 0; new traffic arrives from then on. Empty: start empty. Set run.warmup_days=0
    (a warm start needs no warm-up); the KPIs of the snapshot's items are the snapshot_* ones."""
    catalog: str = "auto"
    """DuckDB catalog of runs. auto: `catalog.duckdb` in the `results/` directory the run is written
    under (or beside the run directory when it is not under one); empty: no catalog."""


@dataclass
class ExperimentConfig:
    kind: str = "compare"
    """compare: baseline vs regime with common random numbers; single: regime alone;
    calibrate: fit the knobs (<scenario dir>/knobs.yaml) to the targets (sim/calibration.py);
    timeline: `regimes` in order on common random numbers; attribution: `regime`'s measures by
    Shapley values (sim/runs/study.py); sensitivity: parameter uncertainty and global sensitivity
    over the scenario's priors (sim/uncertainty)."""
    report: bool = True
    """Also write report.html (self-contained: KPI table, figures, calibration status, config)
    beside the results of an interactive run (sweep jobs skip it; `python -m sim.report` any time)."""
    figures: bool = True
    """Draw the run's own figures (the export clearance ECDF); a study's runs do not."""
    fit_overrides: List[str] = field(default_factory=list)
    """calibrate: `key=value` settings for the fitting runs (e.g. run.horizon_days=10), on top of run.*."""
    max_evaluations: int = 40
    """calibrate: most loss evaluations (each one a paired before/after run); sensitivity: most
    model evaluations the study may need (a larger design is refused before anything runs)."""
    regimes: List[str] = field(default_factory=list)
    """timeline: the regimes (configs/regime/ names) in order, all run on the same common random numbers."""
    measures: List[str] = field(default_factory=list)
    """attribution: the measures of `regime` to attribute its effect to (empty: all of its `measures`;
    the others are then applied in every subset)."""
    exact_max_measures: int = 8
    """attribution: exact Shapley values (every subset, 2^m runs) up to this many measures; sampled
    orderings beyond it."""
    permutations: int = 8
    """attribution: orderings sampled (antithetic pairs) when there are more than `exact_max_measures`."""
    figure_kpis: List[str] = field(default_factory=list)
    """timeline and attribution: the KPIs of the figures (registry names; empty: the key KPIs)."""
    uncertainty: str = ""
    """sensitivity: the priors file (default: uncertainty.yaml in the scenario's directory)."""
    stages: List[str] = field(default_factory=lambda: ["bands", "morris", "sobol"])
    """sensitivity: the stages to run, in this order: bands (Latin hypercube), morris, sobol."""
    lhs_samples: int = 32
    """sensitivity: Latin hypercube draws for the uncertainty bands."""
    morris_trajectories: int = 10
    morris_levels: int = 4
    sobol_groups: int = 4
    """sensitivity: the groups with the largest mu* that get Sobol indices."""
    sobol_samples: int = 16
    """sensitivity: Saltelli base sample N (N x (groups + 2) evaluations)."""
    point_replications: int = 1
    """sensitivity: paired replications per study point (common random numbers across points)."""
    kpis: List[str] = field(default_factory=list)
    """sensitivity: the KPIs studied (empty: the registry's key KPIs)."""
    conclusions: List[str] = field(default_factory=list)
    """sensitivity: statements checked in every draw, `side.kpi >= value` (side: before, after,
    diff); the sign of every studied KPI's reform effect is checked too."""



CONSIGNMENT_CHOICES = ("auto", "full", "sample", "none")
EVENT_LOG_CHOICES = {"false": (), "true": ("ocel",), "ocel": ("ocel",), "xes": ("xes",), "both": ("ocel", "xes")}
"""output.event_log -> the logs a run writes (YAML's and Hydra's booleans arrive as 'False'/'True')."""


@dataclass
class OutputConfig:
    """What a run stores besides its KPIs (which are computed in process whatever is chosen here)."""

    consignments: str = "auto"
    """The consignment table (consignments.parquet, one row per consignment per replication, about
    25 MB per full-scale 28-day replication and side): full: every row; sample: a random
    `sample_share` of the consignments of each replication (the same ones on both sides; enough for
    the distributions, not for counts); none: no table (nor calls.parquet). auto: full for a run on
    its own, none for a sweep point (`-m`), a calibration, a sensitivity study, a timeline and an
    attribution, whose many runs would fill a disk."""
    sample_share: float = 0.05
    """The share of consignments kept with `consignments: sample`, in (0, 1]."""
    event_log_start: str = "2015-07-06"
    """The calendar date of the model's hour 0 in an event log (`python -m sim.eventlog`): an ISO
    date that falls on a Monday, since the working calendars start the week on Monday 00:00."""
    event_log: str = "false"
    """Write the run's event log into its directory when the run ends, as `python -m sim.eventlog`
    would from its consignment table: false (none; the command can still make one later), true or
    ocel (eventlog.sqlite, OCEL 2.0), xes (eventlog.xes, the declarations as cases) or both. Written
    before run.json says complete, each file whole or not at all. Needs the table: refused with
    `consignments: none`, `run.summary_only`, and where `auto` keeps none (a sweep point, a
    calibration, a study): set `consignments: full` (or sample, whose log holds the sampled
    consignments only) to have one there."""

    def event_logs(self) -> tuple[str, ...]:
        """The logs to write: () or some of 'ocel', 'xes' (see `event_log`)."""
        return EVENT_LOG_CHOICES.get(str(self.event_log).lower(), ())

    def stored(self, kind: str, sweep_point: bool = False) -> str:
        """The choice `auto` stands for in a run of this kind (full, sample or none)."""
        if self.consignments != "auto":
            return self.consignments
        return "none" if sweep_point or kind in MANY_EVALUATION_KINDS else "full"


# ---------------------------------------------------------------- scenario
@dataclass
class ScenarioConfig:
    """The port scenario a run belongs to (configs/scenario/<name>.yaml selects its port,
    demand, costs and regimes); `dir` holds its targets, knobs and regression baseline."""

    name: str = MISSING
    dir: str = MISSING
    """Relative to the bundled scenarios/ directory, or absolute (a scenario kept elsewhere)."""
    regression_load: Optional[str] = None
    """The `load` group option (configs/load/) the regression baseline runs at: capacities cut so
    that every pool queues, where one server short moves the KPIs far outside their band. None:
    the scenario's own capacities."""


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
    """Quay cranes a call can get at one berth: what the largest (mainline) calls get; smaller
    calls get fewer by `PortConfig.crane_steps_moves`."""
    crane_moves_per_hour: float = MISSING
    """Gross moves per crane-hour; one move lifts one box."""
    berth_setup_hours: float = 1.0
    """Fixed non-working time per call at the berth: berthing, lashing, crane start-up, unberthing
    (half before discharge, half after loading)."""
    berth_hours_per_move: float = 0.0
    """Non-working time at the berth per move, on top of the cranes' work (lashing, hatch covers,
    crane shifts between bays), so a call's time at berth = moves x (1 / ship rate + this) + setup."""
    design_teu_per_year: float = 0.0
    """The terminal's design capacity (0: not known); the stability check compares the offered TEU with it."""


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
    crane_steps_moves: List[float] = field(default_factory=list)
    """Cranes by call size: a call (import + export boxes) gets one crane plus one for every step
    it reaches, at most its terminal's `cranes_per_berth`; empty: every call gets `cranes_per_berth`."""
    handling_erlang_k: int = 0
    """Call-to-call variation of the time per move: a unit-mean Erlang(k) factor per call (cv
    1/sqrt(k)); 0: every call works at its terminal's mean rate."""
    export_cutoff_hours: float = 6.0
    """Export boxes must be released this many hours before the call's scheduled arrival."""
    officer_hours_per_week: float = MISSING
    """The port customs office's document-check staff pool, in officer-hours a week. The bundled
    regimes derive `officers` on duty from it and their `officer_calendar` (the pool over the
    calendar's open hours), so staffing belongs to the port and the regime sets only the hours."""


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
    voyage_days: float = 0.0
    """Sailing time from the service's last foreign loading port: the papers of short-sea cargo
    (sent when the vessel sails) reach the consignee after the box."""


@dataclass
class IrregularArrivalsConfig:
    calls_per_week: float = 0.0
    erlang_k: int = 2
    """Shape of the Erlang inter-arrival time (k=1 is Poisson; Dalian fits show k>1)."""
    import_boxes_per_call: float = 0.0
    export_boxes_per_call: float = 0.0
    voyage_days: float = 0.0
    """As `ServiceConfig.voyage_days`, for every irregular call."""


@dataclass
class DemandConfig:
    name: str = MISSING
    scale: float = 1.0
    """Demand growth as a what-if: multiplies the boxes of every call (1.0 = the scenario's
    traffic), while the port's capacities (officers, bays, berths, lanes, trains) stay as
    configured. Not a way to make a run faster: below 1 the pools idle, so a staffing or
    capacity what-if shows nothing; shorten `run.horizon_days` instead."""
    services: Dict[str, ServiceConfig] = MISSING
    irregular: IrregularArrivalsConfig = field(default_factory=IrregularArrivalsConfig)
    call_size_cv: float = 0.25
    lateness_hours_mean: float = 4.0
    """Mean deviation of a liner call's arrival from its schedule (late > 0)."""
    lateness_erlang_k: int = 3
    """Shape of the deviation: an Erlang(k) shifted by `early_hours_max`."""
    early_hours_max: float = 0.0
    """How early a liner call can arrive: deviation = Erlang(k, mean lateness_hours_mean +
    early_hours_max) - early_hours_max, so calls come early as well as late and bunch."""
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
    bonded_carrier_wait_hours_mean: float = 0.0
    """Mean wait for a customs-registered bonded truck (a limited pool) before a transit box leaves by road."""
    export_share_truck: float = 0.0
    """Share of inland-origin truck exports declared at the inland office and moved to the port under transit."""
    export_share_rail: float = 0.0
    """Share of inland-origin rail exports declared at the inland office and moved to the port under transit."""
    export_lead_hours: float = 0.0
    """How much earlier than usual an exporter under export transit has the box ready: it knows the
    inland declaration and the bonded truck take time, so it starts them ahead of its usual departure."""


@dataclass
class QuarantineConfig:
    """CIQ inspection of quarantine-relevant cargo, and whether it is joint with customs ("3 + 1")."""

    hours_mean: float = 2.0
    joint: ClassSharesConfig = field(default_factory=lambda: ClassSharesConfig(0.0, 0.0, 0.0))
    """Per class, 1 = one joint inspection visit serves customs and CIQ, 0 = separate visits (a share)."""
    calendar: CalendarConfig = field(default_factory=lambda: CalendarConfig([0, 1, 2, 3, 4], 8.5, 17.0))
    fumigation_hours_mean: float = 24.0
    application_before_lodging: bool = True
    """Goods under legal inspection need the CIQ inspection application (and its clearance form)
    before customs will accept the declaration: the rule until the separate CIQ declaration ended
    (1 June 2018). Its working time is the declarant's (`traders.inspection_application`)."""


@dataclass
class TaxReviewConfig:
    """Duty and tax reviewed after release ("declare once, handle step by step", national
    integration, 1 July 2017). Off by default: the release waits for the duty (`duty_hours_mean`)."""

    after_release: bool = False
    """The release no longer waits for duty payment: the importer assesses and pays the duty itself
    after release (self-assessment, self-payment), so `duty_hours_mean` leaves the release path."""
    audit_share: float = 0.0
    """Share of import declarations (declared at the port) whose tax declaration customs audits
    after release. The audit is officers' work, queued with the document checks once customs is
    done with the papers; it never holds the goods."""
    audit_hours_mean: float = 0.0
    """Mean officer working time per post-release audit (working hours on the officer calendar)."""


@dataclass
class TwoStepConfig:
    """"Two-step declaration" (2019-20): a summary declaration releases the goods, the full
    declaration follows and does not hold them. Off by default (share 0)."""

    share: float = 0.0
    """Share of import declarations (declared at the port) lodged in two steps."""
    summary_work_share: float = 1.0
    """The summary declaration's broker and document-check work as a share of a full declaration's.
    The rest of the document check (1 - this) is done on the full declaration, off the release path;
    duty is paid with the full declaration, also off the path."""
    full_lag_hours: float = 0.0
    """Hours from customs finishing with the summary to the full declaration reaching the officers."""


@dataclass
class DirectDeliveryConfig:
    """Ship-side direct pickup of imports and arrival-direct loading of exports (2019-20).
    Off by default (shares 0)."""

    import_share: float = 0.0
    """Share of import boxes leaving by truck (not under transit) arranged for ship-side pickup: one
    released by the time it comes off the ship leaves then, its truck waiting at the ship side,
    without the terminal release, truck booking and yard dwell; one released later goes the usual way."""
    export_share: float = 0.0
    """Share of export declarations lodged ahead for loading on arrival: lodged as soon as the broker
    has drawn it up (not held until the box arrives) and released when the box arrives, if customs
    is done by then."""


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
class ChannelFactorsConfig:
    """A what-if knob: multiply the yellow and red share of every cell of `channels` (direction x
    cargo class); green absorbs the difference. Applied by validate() (sim.config.knobs)."""

    yellow: float = 1.0
    red: float = 1.0


@dataclass
class RegimeConfig:
    name: str = MISSING
    description: str = ""
    pre_arrival_share: float = MISSING
    """Share of import declarants who lodge as soon as their papers allow, before the vessel
    arrives if they can (advance lodging); the others start after arrival (`traders`)."""
    acceptance_hours_mean: Dict[str, float] = MISSING
    """direction -> mean officer time to accept a declaration (working hours)."""
    channels: Dict[str, ClassChannelsConfig] = MISSING
    """direction -> cargo class -> risk channel shares."""
    channel_factors: ChannelFactorsConfig = field(default_factory=ChannelFactorsConfig)
    """Scale red (and yellow) in every cell of `channels` at once: `regime.channel_factors.red=2`.
    Consumed when applied: back to 1, with `channels` scaled and `channel_factors_applied` set."""
    channel_factors_applied: ChannelFactorsConfig = field(default_factory=ChannelFactorsConfig)
    """What `channels` has been scaled by (a record, written when the factors are applied)."""
    officers: int = MISSING
    """Document-check officers on duty while `officer_calendar` is open (the bundled regimes
    derive it from `port.officer_hours_per_week`; a number here pins it)."""
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
    """Import duty and tax payment, after checks and before release (unless `tax_review.after_release`
    or a two-step declaration takes it off the release path)."""
    transit: TransitConfig = field(default_factory=lambda: TransitConfig())
    quarantine: QuarantineConfig = field(default_factory=lambda: QuarantineConfig())
    transshipment_formalities_hours: float = 0.0
    """Working hours (officer calendar) to put a transshipment box under customs transit supervision."""
    certificate_hours_mean: float = 0.0
    """Origin and health certificates for aquatic entrepot cargo (0 = step not needed)."""
    tax_review: TaxReviewConfig = field(default_factory=TaxReviewConfig)
    """Duty after release and post-release audits (off by default: duty on the release path)."""
    two_step: TwoStepConfig = field(default_factory=TwoStepConfig)
    """Two-step declaration of imports (off by default)."""
    direct_delivery: DirectDeliveryConfig = field(default_factory=DirectDeliveryConfig)
    """Ship-side pickup of imports, loading on arrival of exports (off by default)."""
    measures: List[str] = field(default_factory=list)
    """Names of the reform measures (configs/regime/measure/) this regime applies on top of the
    regime it starts from, in order; recorded so an experiment can tell what differs (empty
    for a regime written out in full, such as the before-reform one)."""


@dataclass
class DurationConfig:
    """A heavy-tailed duration (hours): lognormal with this mean and coefficient of variation.
    Why lognormal: preparation and pickup times are skewed, a few take days (TRS surveys)."""

    mean: float = 0.0
    cv: float = 1.0


@dataclass
class TradersConfig:
    """Importers, exporters, their brokers and consignees: what they do around customs, and when.

    The same in every regime: a reform that changes what traders do says so in the regime (e.g.
    `pre_arrival_share`, `quarantine.application_before_lodging`), never by editing these."""

    name: str = MISSING
    calendar: CalendarConfig = field(default_factory=lambda: CalendarConfig([0, 1, 2, 3, 4], 8.5, 17.5))
    """Declarants', brokers' and consignees' office hours (their working steps progress only then)."""
    original_documents_share: float = MISSING
    """Imports released only against the original bill of lading (the rest: telex release or sea
    waybill, papers in hand when the vessel sails)."""
    courier: DurationConfig = field(default_factory=DurationConfig)
    """Originals from the loading port to the consignee, counted from the vessel's departure there:
    short-sea cargo arrives before its papers."""
    delivery_order: DurationConfig = field(default_factory=DurationConfig)
    """Working hours: freight and local charges paid, the bill exchanged for the delivery order."""
    inspection_application: DurationConfig = field(default_factory=DurationConfig)
    """Working hours (CIQ calendar) of the CIQ application before lodging, for goods under legal inspection."""
    licence_share: float = 0.0
    """Imports that need a licence or permit before lodging."""
    licence: DurationConfig = field(default_factory=DurationConfig)
    """Elapsed hours from the vessel's departure to the licence in hand."""
    broker: DurationConfig = field(default_factory=DurationConfig)
    """Working hours to draw up and lodge a declaration (imports and exports)."""
    export_rush_hours: float = 12.0
    """An export broker works out of hours when office hours would leave less than this before
    the vessel's cut-off."""
    storage_user_share: float = 0.0
    """Consignees who keep the box in the yard while storage is free: they want it in the last day
    of free time, so they lodge late and collect late."""
    declare_ahead_hours: float = 24.0
    """How long before they want the box such consignees lodge."""
    declaration_window_days: float = 14.0
    """Imports must be declared within this many days of the vessel's arrival (then a daily late fee)."""
    terminal_release: DurationConfig = field(default_factory=DurationConfig)
    """Working hours after customs release: terminal charges paid, terminal release order."""
    truck_booking: DurationConfig = field(default_factory=DurationConfig)
    """Elapsed hours to book a truck appointment and get a truck."""
    receiving_calendar: CalendarConfig = field(default_factory=CalendarConfig)
    """Consignees' receiving hours: a truck is sent so that it arrives inside them."""


@dataclass
class ReeferProductConfig:
    """One product of the reefer mix (frozen, chilled, fresh fruit): its share of reefer cargo value
    and the share of its value lost per day from discharge (or gate-in) to delivery (or departure)."""

    share: float = MISSING
    spoilage_share_per_day: float = MISSING


@dataclass
class ResourceCostsConfig:
    """What the staffed pools cost a year (CNY): officers by shift, inspection bays (capital a
    year + operating per hour open), inland office staff. `sim.outputs.resources` prices a regime."""

    officer_cny_per_hour: float = 0.0
    """A document-check officer's fully loaded cost per hour worked in office hours."""
    office_hours: CalendarConfig = field(default_factory=lambda: CalendarConfig([0, 1, 2, 3, 4], 8.5, 17.0))
    """Paid at the plain rate; other weekday hours from `morning_from_hour` to `evening_until_hour`
    are evening hours; the rest (and every hour of a day not in `office_hours.days`) night/weekend."""
    morning_from_hour: float = 6.0
    evening_until_hour: float = 22.0
    evening_factor: float = 1.0
    """Evening hours cost this times the office-hours rate."""
    night_weekend_factor: float = 1.0
    """Night and weekend hours cost this times the office-hours rate."""
    bay_capital_cny_per_year: Dict[str, float] = field(default_factory=dict)
    """inspection station -> capital cost per bay (or scanner lane) per year (annuity)."""
    bay_cny_per_open_hour: Dict[str, float] = field(default_factory=dict)
    """inspection station -> operating cost per bay per hour its calendar is open (crew, power)."""
    inland_officer_cny_per_hour: float = 0.0
    """An inland customs officer's cost per office hour (same shift factors); counted only where the
    regime uses the inland offices (second declaration or export transit)."""
    inland_bay_capital_cny_per_year: float = 0.0
    inland_bay_cny_per_open_hour: float = 0.0
    weeks_per_year: float = 52.0


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
    """Cost of capital tied up in cargo, per year of time from vessel arrival to delivery (an export:
    from ready at its origin to vessel departure)."""
    spoilage_share_per_day: ClassSharesConfig = field(default_factory=ClassSharesConfig)
    """Value lost per day from discharge to delivery, per cargo class (perishables)."""
    certificate_cny: float = 0.0
    inland_site_storage_cny_per_teu_day: float = 0.0
    """Storage at the inland customs supervised site, from arrival until the second declaration is released."""
    inland_site_cny_per_box: float = 0.0
    """The supervised site's handling fee per box (gate in and out, lifts)."""
    inland_inspection_cny_per_box: float = 0.0
    """Fee per box inspected at the inland office (second declaration), drayage included."""
    transit_guarantee_share_of_value: float = 0.0
    """Guarantee for a transit box whose duty is paid inland: duty and import VAT, as a share of the cargo value."""
    transit_guarantee_rate_per_year: float = 0.0
    """Cost of the guarantee per year held (capital tied up or a bank guarantee's fee), port to inland release."""
    resources: ResourceCostsConfig = field(default_factory=ResourceCostsConfig)
    """What the port's staffed resources cost (officers, bays, inland offices), for `+optimise`."""
    reefer_products: Dict[str, ReeferProductConfig] = field(default_factory=dict)
    """Product mix of reefer cargo with each product's daily value loss; when given, the reefer spoilage rate
    is its mix-weighted rate and `spoilage_share_per_day.reefer` must be left at 0."""

    def spoilage_rates(self) -> dict:
        """Value lost per day by cargo class (field name -> share); reefer from `reefer_products` if given."""
        rates = {f.name: getattr(self.spoilage_share_per_day, f.name) for f in fields(ClassSharesConfig)}
        if self.reefer_products:
            rates["reefer"] = sum(p.share * p.spoilage_share_per_day for p in self.reefer_products.values())
        return rates


@dataclass
class ConstraintConfig:
    """A service target an optimisation must meet: `kpi` >= `min` (or <= `max`)."""

    kpi: str = MISSING
    min: Optional[float] = None
    max: Optional[float] = None
    judge: str = "ci"
    """ci: the interval's worse end across replications must meet it (chance-constrained); mean: the mean."""


@dataclass
class OptimiseConfig:
    """An optimisation's objectives and targets (`+optimise=NAME`, sim.outputs.objective); its
    search space is `hydra.sweeper.params`. Not part of a point's identity (sim.store.identity)."""

    study: str = ""
    """The study's name: Optuna's (`hydra.sweeper.study_name`) and the catalog's `trials.study`."""
    objectives: List[str] = field(default_factory=list)
    """Quantities to minimise, in the order of `hydra.sweeper.direction`: `resource_cost` (CNY a
    year, sim.outputs.resources) or KPI names (their mean). Empty: not an optimisation."""
    constraints: List[ConstraintConfig] = field(default_factory=list)
    penalty_cny: float = 1.0e10
    """An infeasible trial's objective: its value + penalty_cny x (1 + shortfall), so every feasible
    trial ranks before every infeasible one and, among those, the nearer one first."""
    confirm_replications: int = 0
    """Replications of the best feasible point's re-evaluation after the study (0: none)."""
    mark_regimes: List[str] = field(default_factory=list)
    """Regimes (configs/regime/ names) run as configured after the study, with the study's run
    settings, and marked on its figure (their cost and KPIs beside the trials')."""


@dataclass
class Config:
    run: RunConfig = field(default_factory=RunConfig)
    experiment: ExperimentConfig = field(default_factory=ExperimentConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    scenario: ScenarioConfig = MISSING
    port: PortConfig = MISSING
    demand: DemandConfig = MISSING
    regime: RegimeConfig = MISSING
    """The regime under study (the 'after' side of a comparison)."""
    baseline: RegimeConfig = MISSING
    """The regime compared against (the 'before' side)."""
    costs: CostsConfig = MISSING
    traders: TradersConfig = MISSING
    optimise: OptimiseConfig = field(default_factory=OptimiseConfig)
