"""An observed port state (`run.initial_state`): the schema of a snapshot file, read and checked.

A snapshot is one table (CSV or Parquet), one row per item in the port at the moment it was
taken: boxes in the yard with their clearance status, vessels at berth or at anchor with the moves
they still have to make. `sim.model.warmstart` turns it into the run's first state; this module
only reads it and refuses what cannot be simulated, naming the row, the column and the problem, so
a malformed snapshot is bad input (one line, nothing written) like any other config value.

Times are ages, hours before the snapshot (`hours_in_status`, `hours_in_port`): never negative.
The moment itself (`taken_at`, the same in every row) is placed on the model's clock by
`output.event_log_start`, the calendar date of hour 0 (a Monday), so the working calendars and
the weekly timetables line up with the snapshot's weekday and hour.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import numpy as np

from sim.config.schema import Config, ConfigError
from sim.domain import CargoClass, Channel, Direction, Mode, Station
from sim.domain.calendar import hour_zero

KEY = "run.initial_state"

ITEMS = ("box", "vessel")

BOX_STATUSES = {
    Direction.IMPORT.value: ("awaiting_declaration", "lodged", "at_inspection", "released_awaiting_pickup"),
    Direction.EXPORT.value: ("awaiting_declaration", "lodged", "at_inspection", "released_awaiting_loading"),
}
"""What a box in the yard may be doing, by direction, in the order of its clearance:
awaiting_declaration: in the yard, not yet declared; lodged: declared, in the officers' queue or document
check (or answering a query); at_inspection: at (or queueing for) the inspection station in `station`;
released_awaiting_pickup / released_awaiting_loading: released, waiting for its truck or train /
for its vessel."""
STATUS_CODES = {name: k for k, name in enumerate(dict.fromkeys(s for v in BOX_STATUSES.values() for s in v))}
"""Box status -> code: 0 awaiting_declaration, 1 lodged, 2 at_inspection, 3 released_awaiting_pickup,
4 released_awaiting_loading."""
AWAITING, LODGED, AT_INSPECTION = 0, 1, 2
RELEASED = (3, 4)

VESSEL_STATUSES = ("at_anchor", "at_berth")
"""at_anchor: arrived, waiting for a berth (berthed in arrival order); at_berth: berthed, working."""

STATIONS = (Station.SCAN.value, Station.PHYSICAL.value, Station.QUARANTINE.value, Station.FUMIGATION.value, "joint")
"""Where a box `at_inspection` is: a customs station (scan, physical), CIQ's (quarantine, fumigation) or
the joint "3 + 1" visit of customs and CIQ (joint)."""

REQUIRED = {
    "all": ("item", "id", "status", "taken_at", "hours_in_status"),
    "box": ("direction", "hours_in_port", "boxes", "cargo_class", "destination"),
    "vessel": ("terminal", "discharge_moves", "load_moves"),
}
OPTIONAL = ("teu", "trade", "value_cny", "channel", "station", "mode", "vessel", "service", "lodged_hours_ago",
            "capacity_boxes")
"""teu (default: one TEU a box), trade (foreign | domestic; default foreign), value_cny (default: the
class's value per TEU), channel (green | yellow | red; blank: the regime draws it), station (at_inspection
only), mode (truck | rail; blank: the regime's choice), vessel (an export's vessel: a vessel row's id),
service (an export's liner service when it has no vessel: its next call; a vessel's service, default
irregular), lodged_hours_ago (when the declaration was lodged, for the clearance times; default: the
status's start), capacity_boxes (a vessel's capacity: its moves may not exceed it)."""


@dataclass
class Snapshot:
    """A checked snapshot: boxes and vessels as arrays (codes as in `sim.domain`), times as ages."""

    path: str
    start_hours: float
    """When it was taken, in model hours since `output.event_log_start` (the run starts there)."""
    box_id: list
    direction: np.ndarray
    status: np.ndarray
    hours_in_status: np.ndarray
    hours_in_port: np.ndarray
    lodged_hours_ago: np.ndarray     # NaN: not lodged (awaiting_declaration) or not given
    boxes: np.ndarray
    teu: np.ndarray
    trade: np.ndarray
    cargo_class: np.ndarray
    destination: np.ndarray          # index into port.destinations
    value_cny: np.ndarray            # NaN: the class's value per TEU
    channel: np.ndarray              # -1: drawn by the regime
    station: list                    # at_inspection: a STATIONS name; else ""
    mode: np.ndarray                 # -1: the regime's choice
    export_vessel: np.ndarray        # index into the vessel rows, -1: none
    export_service: list             # a service name, or ""
    vessel_id: list
    vessel_status: np.ndarray        # index into VESSEL_STATUSES
    vessel_hours: np.ndarray         # hours since arrival (at_anchor) or berthing (at_berth)
    terminal: np.ndarray             # index into port.terminals
    vessel_service: list             # a service name or "irregular"
    discharge_moves: np.ndarray
    load_moves: np.ndarray

    def __len__(self) -> int:
        return len(self.box_id)


def resolve(path: str) -> Path:
    """The file a `run.initial_state` value names: as given (relative to where the command runs), else
    relative to the bundled scenarios' parent (so `scenarios/dalian/snapshot_example.csv` works anywhere)."""
    from sim.config.locations import SCENARIOS_DIR

    p = Path(path).expanduser()
    if p.is_file() or p.is_absolute():
        return p
    bundled = SCENARIOS_DIR.parent / p
    return bundled if bundled.is_file() else p


@dataclass(frozen=True)
class _Names:
    """What a snapshot is checked against: the config's names and capacities it may refer to (hashable,
    so a file read once serves every check and replication of a run)."""

    origin: str                      # output.event_log_start
    berths: tuple                    # (terminal, berths)
    trains: tuple                    # (destination, has import trains, has export trains)
    services: tuple                  # liner services, then "irregular"

    @classmethod
    def of(cls, cfg: Config) -> "_Names":
        return cls(cfg.output.event_log_start, tuple((n, t.berths) for n, t in cfg.port.terminals.items()),
                   tuple((n, bool(d.rail_departures), bool(d.rail_arrivals)) for n, d in cfg.port.destinations.items()),
                   tuple(cfg.demand.services) + ("irregular",))


def read_snapshot(cfg: Config) -> Snapshot | None:
    """The checked snapshot of `run.initial_state`, or None when the run starts from an empty port.
    ConfigError(run.initial_state, ...) names the file, the row and the problem. Parsed once per file
    content and config names: the validation, every replication and the result files share it, so
    callers must not modify it."""
    if not cfg.run.initial_state:
        return None
    path = resolve(cfg.run.initial_state)
    if not path.is_file():
        raise ConfigError(KEY, f"{path}: no such file")
    return _read(path, content_digest(path), _Names.of(cfg))


def content_digest(path: Path) -> str:
    """sha256 of a snapshot file: what its runs' numbers depend on (the config hash uses it, not the path)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@lru_cache(maxsize=4)
def _read(path: Path, _digest: str, names: _Names) -> Snapshot:
    return _Checker(names, path, _rows(path)).snapshot()


def _rows(path: Path) -> list[dict]:
    try:
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(path).to_pylist()
            return [{k: ("" if v is None else str(v)).strip() for k, v in row.items()} for row in table]
        if path.suffix.lower() == ".csv":
            import csv

            with path.open(newline="", encoding="utf-8") as f:
                lines = [line for line in f if not line.lstrip().startswith("#")]
            return [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(lines)]
    except Exception as e:  # noqa: BLE001 - any unreadable file is one line
        raise ConfigError(KEY, f"{path}: cannot be read ({type(e).__name__}: {e})") from None
    raise ConfigError(KEY, f"{path}: expected a .csv or .parquet file")


class _Checker:
    """Reads the rows one by one; the first problem is raised as a ConfigError."""

    def __init__(self, names: _Names, path: Path, rows: list[dict]):
        self.names, self.path, self.rows = names, path, rows

    def fail(self, k: int | None, problem: str):
        where = f"{self.path.name}" if k is None else f"{self.path.name} row {k + 2}"  # +2: the header, 1-based
        rid = self.rows[k].get("id") if k is not None else None
        raise ConfigError(KEY, f"{where}{f' (id {rid})' if rid else ''}: {problem}")

    def text(self, k, row, name, choices=None, default=None):
        value = row.get(name, "")
        if value == "":
            if default is None:
                self.fail(k, f"{name} is missing")
            return default
        if choices is not None and value not in choices:
            self.fail(k, f"{name}: unknown value {value!r}; expected one of {', '.join(choices)}")
        return value

    def number(self, k, row, name, default=None, integer=False):
        value = row.get(name, "")
        if value == "":
            if default is None:
                self.fail(k, f"{name} is missing")
            return default
        try:
            x = float(value)
        except ValueError:
            self.fail(k, f"{name}: {value!r} is not a number")
        if not math.isfinite(x):
            self.fail(k, f"{name}: must be finite, got {value}")
        if x < 0:
            self.fail(k, f"{name}: a negative time or count ({value}); ages are hours before the snapshot")
        if integer and x != int(x):
            self.fail(k, f"{name}: must be a whole number, got {value}")
        return int(x) if integer else x

    def snapshot(self) -> Snapshot:
        rows = self.rows
        if not rows:
            self.fail(None, "has no rows")
        columns = set(rows[0])
        for name in REQUIRED["all"]:
            if name not in columns:
                self.fail(None, f"column {name} is missing (required: {', '.join(REQUIRED['all'])})")
        for name in REQUIRED["box"] + REQUIRED["vessel"] + OPTIONAL + REQUIRED["all"]:
            columns.discard(name)
        if columns:
            self.fail(None, f"unknown column {sorted(columns)[0]!r}")
        start = self._start()
        seen: dict[str, int] = {}
        boxes, vessels = [], []
        for k, row in enumerate(rows):
            item = self.text(k, row, "item", ITEMS)
            rid = self.text(k, row, "id")
            if rid in seen:
                self.fail(k, f"is in two places: rows {seen[rid] + 2} and {k + 2} have the same id")
            seen[rid] = k
            (boxes if item == "box" else vessels).append(k)
        vessel_index = {rows[k]["id"]: n for n, k in enumerate(vessels)}
        v = self._vessels(vessels)
        b = self._boxes(boxes, vessel_index)
        return Snapshot(path=str(self.path), start_hours=start, **b, **v)

    def _start(self) -> float:
        stamps = {row.get("taken_at", "") for row in self.rows}
        if len(stamps) != 1:
            self.fail(None, f"taken_at differs between rows ({', '.join(sorted(stamps)[:3])}); a snapshot is one moment")
        stamp = stamps.pop()
        try:
            taken = datetime.fromisoformat(stamp)
        except ValueError:
            self.fail(0, f"taken_at: {stamp!r} is not a date and time (YYYY-MM-DDTHH:MM)")
        if taken.tzinfo is not None:
            taken = taken.replace(tzinfo=None)
        origin = hour_zero(self.names.origin)
        hours = (taken - origin).total_seconds() / 3600.0
        if hours < 0:
            self.fail(0, f"taken_at {stamp} is before output.event_log_start ({origin:%Y-%m-%d}), the model's hour 0")
        return hours

    def _vessels(self, ks: list[int]) -> dict:
        berths = dict(self.names.berths)
        terminals, services = list(berths), self.names.services
        out = {name: [] for name in ("vessel_id", "vessel_status", "vessel_hours", "terminal", "vessel_service",
                                     "discharge_moves", "load_moves")}
        at_berth = {t: 0 for t in terminals}
        for k in ks:
            row = self.rows[k]
            status = self.text(k, row, "status", VESSEL_STATUSES)
            terminal = self.text(k, row, "terminal", terminals)
            d = self.number(k, row, "discharge_moves", integer=True)
            ld = self.number(k, row, "load_moves", integer=True)
            cap = self.number(k, row, "capacity_boxes", default=-1, integer=True)
            if cap >= 0 and max(d, ld) > cap:
                self.fail(k, f"has more moves ({d} to discharge, {ld} to load) than its capacity_boxes ({cap})")
            if status == "at_berth":
                at_berth[terminal] += 1
                if at_berth[terminal] > berths[terminal]:
                    self.fail(k, f"terminal {terminal} has {berths[terminal]} berths; "
                                 f"this is vessel {at_berth[terminal]} at berth there")
            out["vessel_id"].append(row["id"])
            out["vessel_status"].append(VESSEL_STATUSES.index(status))
            out["vessel_hours"].append(self.number(k, row, "hours_in_status"))
            out["terminal"].append(terminals.index(terminal))
            out["vessel_service"].append(self.text(k, row, "service", services, default="irregular"))
            out["discharge_moves"].append(d)
            out["load_moves"].append(ld)
        return {name: (values if name in ("vessel_id", "vessel_service") else np.asarray(values))
                for name, values in out.items()}

    def _boxes(self, ks: list[int], vessel_index: dict) -> dict:
        trains_of = {name: (imports, exports) for name, imports, exports in self.names.trains}
        destinations = list(trains_of)
        names = ("box_id", "direction", "status", "hours_in_status", "hours_in_port", "lodged_hours_ago", "boxes",
                 "teu", "trade", "cargo_class", "destination", "value_cny", "channel", "station", "mode",
                 "export_vessel", "export_service")
        out = {name: [] for name in names}
        for k in ks:
            row = self.rows[k]
            direction = self.text(k, row, "direction", tuple(BOX_STATUSES))
            status = self.text(k, row, "status", BOX_STATUSES[direction])
            in_status = self.number(k, row, "hours_in_status")
            in_port = self.number(k, row, "hours_in_port")
            if in_status > in_port:
                self.fail(k, f"hours_in_status ({in_status:g}) is longer than hours_in_port ({in_port:g})")
            code = STATUS_CODES[status]
            lodged = self.number(k, row, "lodged_hours_ago", default=-1.0)
            if lodged >= 0 and code == AWAITING:
                self.fail(k, "lodged_hours_ago is given but the box is awaiting_declaration")
            if code != AWAITING and lodged < 0:
                lodged = in_status  # at the latest when the status began
            if code != AWAITING and lodged < in_status:
                self.fail(k, f"lodged_hours_ago ({lodged:g}) is after the box entered status {status} ({in_status:g} h ago)")
            n = self.number(k, row, "boxes", integer=True)
            if n < 1:
                self.fail(k, "boxes: must be at least 1")
            teu = self.number(k, row, "teu", default=float(n))
            if not n <= teu <= 2 * n:
                self.fail(k, f"teu ({teu:g}) must be between boxes and twice boxes ({n}, {2 * n})")
            trade = self.text(k, row, "trade", ("foreign", "domestic"), default="foreign")
            station = self.text(k, row, "station", STATIONS, default="")
            if (code == AT_INSPECTION) != bool(station):
                self.fail(k, "station is required at_inspection and only then")
            channel = self.text(k, row, "channel", Channel.names(), default="")
            customs_visit = station in (Station.SCAN.value, Station.PHYSICAL.value, "joint") and station != ""
            if customs_visit and channel and channel != Channel.RED.value and station != "joint":
                self.fail(k, f"channel {channel} does not send a box to the {station} station (red does)")
            if trade == "domestic" and code != AWAITING and code not in RELEASED:
                self.fail(k, f"a domestic box is not declared; status {status} needs trade foreign")
            mode = self.text(k, row, "mode", (Mode.TRUCK.value, Mode.RAIL.value), default="")
            has_import_trains, has_export_trains = trains_of[self.text(k, row, "destination", destinations)]
            trains = has_import_trains if direction == Direction.IMPORT.value else has_export_trains
            if mode == Mode.RAIL.value and not trains:
                self.fail(k, f"mode rail, but {row['destination']} has no trains for {direction}s")
            vessel = self.text(k, row, "vessel", default="")
            service = self.text(k, row, "service", self.names.services, default="")
            if direction == Direction.EXPORT.value:
                if vessel and vessel not in vessel_index:
                    self.fail(k, f"vessel {vessel!r} is not a vessel row of this snapshot")
                if not vessel and not service:
                    self.fail(k, "an export needs the vessel (a vessel row's id) or the liner service it loads on")
            elif vessel or service:
                self.fail(k, "vessel and service are for exports (the vessel they load on)")
            out["box_id"].append(row["id"])
            out["direction"].append(Direction(direction).code)
            out["status"].append(code)
            out["hours_in_status"].append(in_status)
            out["hours_in_port"].append(in_port)
            out["lodged_hours_ago"].append(lodged if lodged >= 0 else math.nan)
            out["boxes"].append(n)
            out["teu"].append(teu)
            out["trade"].append(0 if trade == "foreign" else 1)
            out["cargo_class"].append(CargoClass(self.text(k, row, "cargo_class", CargoClass.names())).code)
            out["destination"].append(destinations.index(self.text(k, row, "destination", destinations)))
            out["value_cny"].append(self.number(k, row, "value_cny", default=math.nan))
            out["channel"].append(Channel(channel).code if channel else -1)
            out["station"].append(station)
            out["mode"].append(Mode(mode).code if mode else -1)
            out["export_vessel"].append(vessel_index.get(vessel, -1))
            out["export_service"].append(service)
        return {name: (values if name in ("box_id", "station", "export_service") else np.asarray(values))
                for name, values in out.items()}
