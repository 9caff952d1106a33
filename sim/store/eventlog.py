"""A stored run's consignment table as an object-centric event log (OCEL 2.0, SQLite form) and an
XES flattening with the declaration as case, for process-mining tools (pm4py, Celonis, ProM...).

Why written here and not with a process-mining library: the table is read one Parquet row group
at a time and each chunk goes straight into SQLite (or the XES file), so a run of tens of millions
of events never sits in memory; pm4py's exporters take a whole log in memory. The tables follow
the OCEL 2.0 relational layout (event, object, event_object, object_object, event_map_type,
object_map_type, one event_<type> and object_<type> table per type), which pm4py reads back.

What becomes what:
- events: every milestone a row has (`sim.domain.MILESTONES`, NaN = did not happen), named as its
  column, at `start` + its hours; attributes regime, side, replication, direction, cargo class,
  channel, station (names, not codes), and `joint` (the joint "3 + 1" visit) on inspection events.
- objects: the consignment; its declarations (the port declaration when it was lodged, the
  inland second declaration when it was lodged inland); its container boxes (the table counts
  them, `boxes`: one object each, linked to the consignment, not to events, since the table does
  not time them one by one); the vessel call it arrives or leaves on (`call_id`, and
  `connect_call_id` for a transshipment's onward call); the train it left on (a rail departure:
  the table has no train id, so one train is the boxes leaving for one destination at one
  minute); the inspection station of each visit. Trucks are not identified by the table (a
  truck trip has no id or time of its own) and are left out.
Object ids carry the side and replication (`after/0/c17`), since every side and replication
is its own simulated port.
"""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import pyarrow.parquet as pq

from sim.domain import MILESTONES, CargoClass, Channel, Direction, Mode, Station
from sim.domain.calendar import hour_zero
from sim.store.atomic import atomic_path
from sim.store.rundir import Run, RunDirError

OCEL_NAME = "eventlog.sqlite"
XES_NAME = "eventlog.xes"
DEFAULT_START = "2015-07-06"
"""Monday 6 July 2015: the model's hour 0 is a Monday 00:00 (sim.domain.calendar)."""
CHUNK_ROWS = 50_000

PORT_DECLARATION = ("lodged", "accepted", "doc_check_start", "doc_check_end", "inspection_ordered",
                    "inspection_queued", "inspection_start", "inspection_end", "quarantine_queued",
                    "quarantine_start", "quarantine_end", "fumigation_queued", "fumigation_start",
                    "fumigation_end", "duty_paid", "released", "transit_ready")
INLAND_DECLARATION = ("inland_lodged", "inland_check_start", "inland_check_end", "inland_inspection_start",
                      "inland_inspection_end", "inland_released")
DECLARATION_EVENTS = PORT_DECLARATION + INLAND_DECLARATION
"""The milestones of a consignment's declarations: the XES flattening's events."""
ARRIVAL_CALL = ("vessel_arrival", "berthed", "in_yard")
DEPARTURE = ("loaded", "out")
INSPECTION = ("inspection_queued", "inspection_start", "inspection_end")
QUARANTINE = ("quarantine_queued", "quarantine_start", "quarantine_end")
FUMIGATION = ("fumigation_queued", "fumigation_start", "fumigation_end")

EVENT_ATTRIBUTES = ("regime", "side", "replication", "direction", "cargo_class", "channel", "station", "joint")
OBJECT_ATTRIBUTES = {
    "consignment": ("regime", "side", "replication", "direction", "cargo_class", "trade", "mode", "teu", "boxes"),
    "declaration": ("regime", "side", "kind", "channel"),
    "container": ("regime", "side",),
    "vessel_call": ("regime", "side",),
    "train": ("regime", "side", "destination"),
    "station": ("regime", "side", "station"),
}
NEEDED = ("consignment_id", "call_id", "connect_call_id", "direction", "cargo_class", "trade", "mode", "channel",
          "station", "joint_inspection", "destination", "boxes", "teu", "replication", "side", "regime")


class EventLogError(Exception):
    """A run that has no event log to give (one line for the command)."""


def parse_start(text) -> datetime:
    """The calendar date of the model's hour 0: an ISO date that falls on a Monday."""
    try:
        return hour_zero(text)
    except ValueError as e:
        raise EventLogError(f"output.event_log_start: {e}") from None


def start_of(run: Run, override=None) -> datetime:
    return parse_start(override or (run.config.get("output") or {}).get("event_log_start") or DEFAULT_START)


@dataclass
class Written:
    path: Path
    events: int
    objects: int
    seconds: float = 0.0


def _names(enum, codes: np.ndarray) -> np.ndarray:
    """Codes -> names ('' for a code outside the enum, e.g. -1: none)."""
    names = np.array(enum.names() + [""], dtype=object)
    codes = np.asarray(codes).astype(np.int64)
    return names[np.where((codes >= 0) & (codes < len(names) - 1), codes, len(names) - 1)]


def _table(run: Run) -> pq.ParquetFile:
    """The run's consignment table, or EventLogError if it kept none."""
    path = run.path / "consignments.parquet"
    if not run.has_table:
        why = "run.summary_only=true" if (run.config.get("run") or {}).get("summary_only") else \
            "output.consignments=none"
        raise EventLogError(f"{run.path}: no consignment table (the run was made with {why}): no event log to write")
    file = pq.ParquetFile(path)
    names = set(file.schema_arrow.names)
    missing = [c for c in NEEDED if c not in names]
    if missing:
        raise RunDirError(path, f"no column {missing[0]!r}")
    return file


def _milestones(file: pq.ParquetFile) -> list[str]:
    names = set(file.schema_arrow.names)
    return [m for m in MILESTONES if m in names]


def _chunks(file: pq.ParquetFile, chunk_rows: int) -> Iterator[dict[str, np.ndarray]]:
    """The table `chunk_rows` rows at a time (only the columns the log needs)."""
    for batch in file.iter_batches(batch_size=chunk_rows, columns=[*NEEDED, *_milestones(file)]):
        cols = {}
        for name in batch.schema.names:
            col = batch.column(name)
            cols[name] = np.asarray(col.to_pylist(), dtype=object) if name in ("side", "regime") \
                else col.to_numpy(zero_copy_only=False)
        yield cols


def _prepare(cols: dict, start: datetime) -> dict:
    """Per-row strings the events and objects share."""
    n = len(cols["consignment_id"])
    side = cols["side"].astype(str)
    rep = cols["replication"].astype(np.int64)
    prefix = np.char.add(np.char.add(side.astype(str), "/"), rep.astype(str))
    cid = cols["consignment_id"].astype(np.int64).astype(str)
    key = np.char.add(np.char.add(prefix, "/c"), cid)
    return {
        "n": n, "side": side, "regime": cols["regime"].astype(str), "rep": rep, "prefix": prefix, "key": key,
        "direction": _names(Direction, cols["direction"]), "cargo_class": _names(CargoClass, cols["cargo_class"]),
        "channel": _names(Channel, cols["channel"]), "station": _names(Station, cols["station"]),
        "mode": _names(Mode, cols["mode"]),
        "start": np.datetime64(start, "ms"),
    }


def _times(hours: np.ndarray, start) -> np.ndarray:
    stamps = start + (hours * 3_600_000).round().astype("timedelta64[ms]")
    return np.datetime_as_string(stamps, unit="ms")


def _station_of(milestone: str, row_station: str) -> str | None:
    if milestone in INSPECTION:
        return row_station or None
    if milestone in QUARANTINE:
        return Station.QUARANTINE.value
    if milestone in FUMIGATION:
        return Station.FUMIGATION.value
    return None


def _events(cols: dict, p: dict, milestones) -> Iterator[tuple]:
    """(event id, type, time, row index) for every milestone that happened, column by column."""
    for m in milestones:
        hours = cols[m]
        rows = np.flatnonzero(~np.isnan(hours))
        if len(rows) == 0:
            continue
        times = _times(hours[rows], p["start"])
        ids = np.char.add(p["key"][rows], "/" + m)
        for eid, t, i in zip(ids.tolist(), times.tolist(), rows.tolist()):
            yield eid, m, t.replace("T", " "), i


# ---------------------------------------------------------------- OCEL 2.0 (SQLite)
def _create(db: sqlite3.Connection, milestones) -> None:
    """The OCEL 2.0 tables. No primary keys or indexes: ids are unique by construction, and an index
    would double the file (a reader that queries by id can add its own)."""
    db.executescript("""
        CREATE TABLE event (ocel_id TEXT, ocel_type TEXT);
        CREATE TABLE object (ocel_id TEXT, ocel_type TEXT);
        CREATE TABLE event_object (ocel_event_id TEXT, ocel_object_id TEXT, ocel_qualifier TEXT);
        CREATE TABLE object_object (ocel_source_id TEXT, ocel_target_id TEXT, ocel_qualifier TEXT);
        CREATE TABLE event_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT);
        CREATE TABLE object_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT);
    """)
    attrs = ", ".join(f'"{a}" {"INTEGER" if a in ("replication", "joint") else "TEXT"}' for a in EVENT_ATTRIBUTES)
    for m in milestones:
        db.execute(f'CREATE TABLE "event_{m}" (ocel_id TEXT, ocel_time TIMESTAMP, {attrs})')
    db.executemany("INSERT INTO event_map_type VALUES (?, ?)", [(m, m) for m in milestones])
    for ot, attributes in OBJECT_ATTRIBUTES.items():
        cols = ", ".join(f'"{a}"' for a in attributes)
        db.execute(f'CREATE TABLE "object_{ot}" (ocel_id TEXT, ocel_time TIMESTAMP, ocel_changed_field TEXT, {cols})')
    db.executemany("INSERT INTO object_map_type VALUES (?, ?)", [(o, o) for o in OBJECT_ATTRIBUTES])


class _Objects:
    """Objects seen so far (calls, trains and stations recur across chunks; each is written once)."""

    def __init__(self, db: sqlite3.Connection):
        self.db, self.seen, self.count = db, set(), 0
        self.rows: dict[str, list] = {ot: [] for ot in OBJECT_ATTRIBUTES}

    def add(self, oid: str, otype: str, *attrs) -> str:
        if oid not in self.seen:
            self.seen.add(oid)
            self.rows[otype].append((oid, None, None, *attrs))
        return oid

    def add_unique(self, oid: str, otype: str, *attrs) -> str:
        """An object that occurs in one row only (consignment, declaration, box): not remembered."""
        self.rows[otype].append((oid, None, None, *attrs))
        return oid

    def flush(self) -> None:
        for ot, rows in self.rows.items():
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                self.db.executemany(f'INSERT INTO "object_{ot}" VALUES ({marks})', rows)
                self.db.executemany("INSERT INTO object VALUES (?, ?)", [(r[0], ot) for r in rows])
                self.count += len(rows)
                rows.clear()


def write_ocel(run: Run, out: Path | None = None, start=None, chunk_rows: int = CHUNK_ROWS) -> Written:
    """Write `run`'s consignment table as an OCEL 2.0 SQLite log (default RUN_DIR/eventlog.sqlite)."""
    began = time.perf_counter()
    when = start_of(run, start)
    out = Path(out) if out else run.path / OCEL_NAME
    file = _table(run)
    milestones = _milestones(file)
    events = 0
    with atomic_path(out) as tmp:
        db = sqlite3.connect(tmp)
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        _create(db, milestones)
        objects = _Objects(db)
        for cols in _chunks(file, chunk_rows):
            events += _write_chunk(db, objects, cols, _prepare(cols, when), milestones)
            objects.flush()
            db.commit()
        db.commit()
        db.close()
    return Written(out, events, objects.count, time.perf_counter() - began)


def _row_objects(cols: dict, p: dict, objects: _Objects, db: sqlite3.Connection) -> dict:
    """Create the per-row objects; return row -> object ids the events link to."""
    n, key = p["n"], p["key"]
    decl = np.char.add(key, "/d")
    inland_decl = np.char.add(key, "/d2")
    has_decl = ~np.isnan(cols["lodged"]) if "lodged" in cols else np.zeros(n, bool)
    has_inland = ~np.isnan(cols["inland_lodged"]) if "inland_lodged" in cols else np.zeros(n, bool)
    o2o = []
    for i in range(n):
        side, regime = p["side"][i], p["regime"][i]
        objects.add_unique(key[i], "consignment", regime, side, int(p["rep"][i]), p["direction"][i],
                           p["cargo_class"][i], int(cols["trade"][i]), p["mode"][i], float(cols["teu"][i]),
                           int(cols["boxes"][i]))
        if has_decl[i]:
            objects.add_unique(decl[i], "declaration", regime, side, "port", p["channel"][i])
            o2o.append((key[i], decl[i], "declared by"))
        if has_inland[i]:
            objects.add_unique(inland_decl[i], "declaration", regime, side, "inland", "")
            o2o.append((key[i], inland_decl[i], "declared by"))
        for b in range(int(cols["boxes"][i])):
            box = objects.add_unique(f"{key[i]}/b{b}", "container", regime, side)
            o2o.append((key[i], box, "contains"))
    db.executemany("INSERT INTO object_object VALUES (?, ?, ?)", o2o)
    return {"decl": decl, "inland_decl": inland_decl, "has_decl": has_decl, "has_inland": has_inland}


def _write_chunk(db, objects: _Objects, cols: dict, p: dict, milestones) -> int:
    linked = _row_objects(cols, p, objects, db)
    joint = cols["joint_inspection"].astype(np.int64)
    transship = cols["direction"] == Direction.TRANSSHIPMENT.code
    export = cols["direction"] == Direction.EXPORT.code
    rail = cols["mode"] == Mode.RAIL.code
    per_type: dict[str, list] = {}
    e_rows, e2o = [], []
    for eid, m, t, i in _events(cols, p, milestones):
        side, regime = p["side"][i], p["regime"][i]
        station = _station_of(m, p["station"][i])
        per_type.setdefault(m, []).append(
            (eid, t, regime, side, int(p["rep"][i]), p["direction"][i], p["cargo_class"][i], p["channel"][i],
             station or "", int(joint[i]) if m in INSPECTION else 0))
        e_rows.append((eid, m))
        e2o.append((eid, p["key"][i], "consignment"))
        if m in PORT_DECLARATION and linked["has_decl"][i]:
            e2o.append((eid, linked["decl"][i], "declaration"))
        elif m in INLAND_DECLARATION and linked["has_inland"][i]:
            e2o.append((eid, linked["inland_decl"][i], "inland declaration"))
        call = None
        if m in ARRIVAL_CALL and not export[i] and cols["call_id"][i] >= 0:
            call = int(cols["call_id"][i])
        elif m in DEPARTURE and export[i] and cols["call_id"][i] >= 0:
            call = int(cols["call_id"][i])
        elif m in DEPARTURE and transship[i] and cols["connect_call_id"][i] >= 0:
            call = int(cols["connect_call_id"][i])
        if call is not None:
            oid = objects.add(f"{p['prefix'][i]}/v{call}", "vessel_call", regime, side)
            e2o.append((eid, oid, "vessel call"))
        if m == "out" and rail[i] and not export[i]:
            oid = objects.add(f"{p['prefix'][i]}/t{int(cols['destination'][i])}@{t[:16]}", "train", regime, side,
                              int(cols["destination"][i]))
            e2o.append((eid, oid, "train"))
        if station:
            oid = objects.add(f"{p['prefix'][i]}/s{station}", "station", regime, side, station)
            e2o.append((eid, oid, "station"))
    marks = ", ".join("?" * (2 + len(EVENT_ATTRIBUTES)))
    for m, rows in per_type.items():
        db.executemany(f'INSERT INTO "event_{m}" VALUES ({marks})', rows)
    db.executemany("INSERT INTO event VALUES (?, ?)", e_rows)
    db.executemany("INSERT INTO event_object VALUES (?, ?, ?)", e2o)
    return len(e_rows)


# ---------------------------------------------------------------- XES (declaration as case)
def write_xes(run: Run, out: Path | None = None, start=None, chunk_rows: int = CHUNK_ROWS) -> Written:
    """Write the declarations as an XES log: one trace per declared consignment (its port
    declaration, or the inland one where there is no port declaration), whose events are its
    declarations' milestones (DECLARATION_EVENTS) in time order."""
    began = time.perf_counter()
    when = start_of(run, start)
    out = Path(out) if out else run.path / XES_NAME
    file = _table(run)
    offset = "+00:00"  # the model's hours are local port time, written as given (no time zone arithmetic)
    traces = events = 0
    with atomic_path(out) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<log xes.version="1.0" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">\n'
                '<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>\n'
                '<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>\n'
                '<string key="concept:name" value="portclear declarations"/>\n')
        for cols in _chunks(file, chunk_rows):
            p = _prepare(cols, when)
            present = [m for m in DECLARATION_EVENTS if m in cols]
            hours = np.column_stack([cols[m] for m in present]) if present else np.zeros((p["n"], 0))
            happened = ~np.isnan(hours)
            stamps = np.where(happened, hours, 0.0)
            parts = []
            for i in np.flatnonzero(happened.any(axis=1)).tolist():
                cols_i = np.flatnonzero(happened[i])
                order = cols_i[np.argsort(hours[i, cols_i], kind="stable")]
                times = _times(stamps[i, order], p["start"])
                case = p["key"][i] + ("/d" if "lodged" in cols and not np.isnan(cols["lodged"][i]) else "/d2")
                parts.append(
                    f'<trace><string key="concept:name" value={quoteattr(case)}/>'
                    f'<string key="regime" value={quoteattr(p["regime"][i])}/>'
                    f'<string key="side" value={quoteattr(p["side"][i])}/>'
                    f'<int key="replication" value="{int(p["rep"][i])}"/>'
                    f'<string key="direction" value="{p["direction"][i]}"/>'
                    f'<string key="cargo_class" value="{p["cargo_class"][i]}"/>'
                    f'<string key="channel" value="{p["channel"][i]}"/>\n')
                for j, t in zip(order.tolist(), times.tolist()):
                    parts.append(f'<event><string key="concept:name" value="{present[j]}"/>'
                                 f'<date key="time:timestamp" value="{t}{offset}"/></event>\n')
                parts.append("</trace>\n")
                traces += 1
                events += len(order)
            f.write("".join(parts))
        f.write("</log>\n")
    return Written(out, events, traces, time.perf_counter() - began)
