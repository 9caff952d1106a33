"""The run catalog: one DuckDB file indexing every run's identity, status and KPIs.

Why DuckDB: embedded (no server), and plain SQL across sweeps. Its limit is one
writer *process* at a time, and a second process cannot even open the file while
a writer has it. So every connection here is short (open, one transaction, close)
and opening retries with jittered exponential backoff on lock errors. If the lock
stays held past `timeout` (say a notebook keeps a read-write connection open), the
write goes to a spool directory beside the catalog instead, and the next writer
applies it: a run never fails because the catalog was busy. Each run directory also
keeps its own `run.json`, from which `ingest` rebuilds the catalog at any time.
"""
from __future__ import annotations

import json
import os
import random
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

DEFAULT_PATH = Path("results") / "catalog.duckdb"
RUN_FILE = "run.json"
"""Each run directory's own record (a RunRecord): the source the catalog indexes."""
LOCK_TIMEOUT_SECONDS = 120.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY, status VARCHAR NOT NULL,
    started_at TIMESTAMP, finished_at TIMESTAMP, updated_at TIMESTAMP, wall_seconds DOUBLE,
    run_dir VARCHAR, kind VARCHAR, label VARCHAR, sweep_dir VARCHAR, job_num INTEGER,
    overrides VARCHAR, config_hash VARCHAR, point_hash VARCHAR, code_version VARCHAR, code_hash VARCHAR,
    seed BIGINT, first_replication INTEGER, replications INTEGER, sides VARCHAR,
    host VARCHAR, error VARCHAR, precision VARCHAR, sweep VARCHAR, pairing VARCHAR);
CREATE TABLE IF NOT EXISTS kpis (
    run_id VARCHAR, side VARCHAR, regime VARCHAR, kpi VARCHAR,
    mean DOUBLE, ci_low DOUBLE, ci_high DOUBLE, n INTEGER);
CREATE TABLE IF NOT EXISTS replication_kpis (
    run_id VARCHAR, side VARCHAR, regime VARCHAR, replication INTEGER, kpi VARCHAR, value DOUBLE);
CREATE TABLE IF NOT EXISTS sweep_jobs (
    sweep_dir VARCHAR, job_num INTEGER, run_id VARCHAR, reused BOOLEAN, label VARCHAR,
    overrides VARCHAR, recorded_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS trials (
    study VARCHAR, sweep_dir VARCHAR, job_num INTEGER, run_id VARCHAR, params VARCHAR, kpis VARCHAR,
    resource_cost DOUBLE, objective VARCHAR, feasible BOOLEAN, shortfall DOUBLE, recorded_at TIMESTAMP);
"""
TIMESTAMPS = ("started_at", "finished_at", "updated_at")
JSON_COLUMNS = ("overrides", "sides", "precision", "pairing")
ADDED_COLUMNS = {"sweep": "VARCHAR", "pairing": "VARCHAR"}
"""Columns newer than the first catalogs; `migrate` adds them to an older file."""
RUN_JSON_ONLY = ("reused_run_id", "config_dirs", "consignments", "event_log")
"""RunRecord fields kept in run.json only (no column in `runs`)."""


@dataclass
class RunRecord:
    """One run's identity and status: `run.json` in its directory and one row of `runs`."""

    run_id: str
    status: str
    """running, then complete or failed; a killed run stays running. `skipped` only in run.json
    of a sweep job that reused an earlier run (`reused_run_id`)."""
    run_dir: str
    started_at: str
    updated_at: str
    finished_at: str | None = None
    wall_seconds: float | None = None
    kind: str = ""
    label: str = ""
    """What changed, for people: 'officers=50', 'REGIME vs REGIME + officers=50'
    (sim.store.identity.make_label)."""
    sweep_dir: str | None = None
    job_num: int | None = None
    overrides: list = field(default_factory=list)
    config_hash: str = ""
    point_hash: str = ""
    code_version: str = ""
    code_hash: str = ""
    seed: int | None = None
    first_replication: int = 0
    replications: int = 0
    sides: dict = field(default_factory=dict)
    """side -> regime name (before/after, or single)."""
    host: str = ""
    error: str | None = None
    precision: dict | None = None
    reused_run_id: str | None = None
    config_dirs: list = field(default_factory=list)
    """Own config folders searched after the bundled ones (`--config-dir`): path, and each YAML
    file's sha256 and text, so the run can be redone. Only in run.json, not in the catalog."""
    sweep: str = ""
    """The sweep config (`+sweep=NAME`), if any."""
    pairing: dict | None = None
    """What replication r's random numbers depend on besides the regime (identity.pairing_key)."""
    consignments: str = ""
    """What the run kept of its consignment table (output.consignments, `auto` resolved): full,
    sample or none; '' in a record written before the choice existed."""
    event_log: list = field(default_factory=list)
    """The event logs the run wrote into its directory (output.event_log): eventlog.sqlite and/or
    eventlog.xes; empty for none."""

    @classmethod
    def from_dict(cls, data: dict) -> "RunRecord":
        """Also reads a record written before labels, whose `label` held the sweep name (relabelled
        by the caller: sim.store.identity.run_label)."""
        if "sweep" not in data:
            data = {**data, "sweep": data.get("label") or "", "label": ""}
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


class CatalogBusy(RuntimeError):
    """The catalog stayed locked by another process for longer than the timeout."""


class CatalogUnreadable(OSError):
    """The catalog file is damaged or not a DuckDB database; the message leads with its path.

    An OSError so that command-line tools report it as one line; the run directories'
    run.json files are the source of truth, so the remedy is always to rebuild it.
    """

    def __init__(self, path: Path, error: Exception):
        super().__init__(f"{path}: not a readable DuckDB catalog ({' '.join(str(error).split())}); "
                         f"rebuild it from the run directories: python -m sim.results --catalog {path} rebuild "
                         "[RESULTS_DIR] (the damaged file is kept beside it)")


def _is_lock_error(e: Exception) -> bool:
    text = str(e)
    return "Could not set lock" in text or "Conflicting lock" in text


def _timestamp(value: str | None):
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=None)


class Catalog:
    """The catalog at `path`. Every method opens and closes its own short connection."""

    def __init__(self, path: str | os.PathLike = DEFAULT_PATH, timeout: float = LOCK_TIMEOUT_SECONDS):
        self.path = Path(path)
        self.timeout = timeout
        self.spool = self.path.with_name(self.path.name + ".pending")

    # ------------------------------------------------------------------ connections
    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """Open the file, retrying while another process holds the lock (raises CatalogBusy)."""
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.timeout
        delay = 0.01
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.IOException as e:
                if not _is_lock_error(e):
                    raise CatalogUnreadable(self.path, e) from e
                if time.monotonic() >= deadline:
                    raise CatalogBusy(f"{self.path} stayed locked for {self.timeout:g} s: {e}") from e
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 1.0)

    def query(self, sql: str, params=None) -> pd.DataFrame:
        """Run a read-only SQL query; an absent catalog reads as empty tables."""
        if self.path.exists() and self._needs_migration():
            try:
                self.migrate()
            except CatalogBusy:
                pass  # read as it is; the next writer migrates it
        con = self.connect(read_only=True) if self.path.exists() else None
        if con is not None and not con.execute("SELECT count(*) FROM information_schema.tables "
                                                "WHERE table_name = 'runs'").fetchone()[0]:
            con.close()  # created by a writer that was killed before its first commit
            con = None
        if con is None:
            con = duckdb.connect(":memory:")
            con.execute(SCHEMA)
        try:
            return con.execute(sql, params or []).df()
        except duckdb.IOException as e:  # a damaged block found only when read
            raise CatalogUnreadable(self.path, e) from e
        finally:
            con.close()

    # ------------------------------------------------------------------ writes
    def record_run(self, record: RunRecord, kpis: list[tuple] = (), replications: list[tuple] = ()) -> bool:
        """Insert or update a run (and, once complete, its KPI rows). False if it was spooled."""
        return self._write({"op": "run", "record": asdict(record), "kpis": list(kpis),
                            "replications": list(replications)})

    def record_sweep_job(self, sweep_dir: str, job_num: int, run_id: str, reused: bool, label: str,
                         overrides: list, recorded_at: str) -> bool:
        return self._write({"op": "sweep_job", "sweep_dir": sweep_dir, "job_num": job_num, "run_id": run_id,
                            "reused": reused, "label": label, "overrides": overrides, "recorded_at": recorded_at})

    def record_trial(self, study: str, sweep_dir: str, job_num: int | None, run_id: str, params: dict,
                     kpis: dict, resource_cost: float, objective: dict, feasible: bool, shortfall: float,
                     recorded_at: str) -> bool:
        """One optimisation trial (`+optimise=NAME`): its point, KPIs, cost, objective and feasibility."""
        return self._write({"op": "trial", "row": [study, sweep_dir, job_num, run_id, json.dumps(params),
                                                   json.dumps(kpis), resource_cost, json.dumps(objective),
                                                   feasible, shortfall, recorded_at]})

    def trials(self, study: str | None = None) -> pd.DataFrame:
        """The trials of one study (all studies: None), in the order they were recorded."""
        if study is None:
            return self.query("SELECT * FROM trials ORDER BY recorded_at")
        return self.query("SELECT * FROM trials WHERE study = ? ORDER BY recorded_at", [study])

    def _write(self, op: dict) -> bool:
        try:
            con = self.connect()
        except CatalogBusy:
            self._spool(op)
            return False
        try:
            con.execute(SCHEMA)
            _migrate(con)
            self._drain(con)
            self._apply(con, op)
            return True
        finally:
            con.close()

    def _spool(self, op: dict) -> None:
        self.spool.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{os.getpid()}-{random.getrandbits(32):08x}.json"
        tmp = self.spool / f".{name}.tmp"
        tmp.write_text(json.dumps(op))
        os.replace(tmp, self.spool / name)

    def _drain(self, con) -> None:
        """Apply spooled writes (oldest first); we hold the lock, so no one else is draining."""
        if not self.spool.is_dir():
            return
        for path in sorted(self.spool.glob("[0-9]*.json")):
            try:
                op = json.loads(path.read_text())
            except FileNotFoundError:
                continue
            self._apply(con, op)
            path.unlink(missing_ok=True)

    def _apply(self, con, op: dict) -> None:
        con.execute("BEGIN TRANSACTION")
        try:
            if op["op"] == "run":
                self._apply_run(con, RunRecord.from_dict(op["record"]), op["kpis"], op["replications"])
            elif op["op"] == "sweep_job":
                con.execute("DELETE FROM sweep_jobs WHERE sweep_dir = ? AND job_num = ?", [op["sweep_dir"], op["job_num"]])
                con.execute("INSERT INTO sweep_jobs VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [op["sweep_dir"], op["job_num"], op["run_id"], op["reused"], op["label"],
                             json.dumps(op["overrides"]), _timestamp(op["recorded_at"])])
            elif op["op"] == "trial":
                row = list(op["row"])
                row[-1] = _timestamp(row[-1])
                con.execute("DELETE FROM trials WHERE sweep_dir = ? AND job_num = ?", [row[1], row[2]])
                con.execute("INSERT INTO trials VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def _apply_run(self, con, record: RunRecord, kpis, replications) -> None:
        current = con.execute("SELECT updated_at FROM runs WHERE run_id = ?", [record.run_id]).fetchone()
        if current is not None and current[0] is not None and current[0] > _timestamp(record.updated_at):
            return  # a newer state of this run is already there (a late spool file)
        if not record.label:  # spooled by a version before labels
            from sim.store.identity import run_label

            record.label = run_label(record)
        row = asdict(record)
        for key in RUN_JSON_ONLY:
            row.pop(key)
        for key in TIMESTAMPS:
            row[key] = _timestamp(row[key])
        for key in JSON_COLUMNS:
            row[key] = None if row[key] is None else json.dumps(row[key])
        con.execute("DELETE FROM runs WHERE run_id = ?", [record.run_id])
        con.execute(f"INSERT INTO runs ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
        if kpis or replications:
            for table, rows, columns in (
                ("kpis", kpis, ["run_id", "side", "regime", "kpi", "mean", "ci_low", "ci_high", "n"]),
                ("replication_kpis", replications, ["run_id", "side", "regime", "replication", "kpi", "value"]),
            ):
                con.execute(f"DELETE FROM {table} WHERE run_id = ?", [record.run_id])
                if rows:
                    frame = pd.DataFrame([list(r) for r in rows], columns=columns)
                    con.register("incoming", frame)
                    con.execute(f"INSERT INTO {table} SELECT * FROM incoming")
                    con.unregister("incoming")

    def _needs_migration(self) -> bool:
        try:
            con = self.connect(read_only=True)
        except CatalogBusy:
            return False
        try:
            return bool(_missing_columns(con))
        finally:
            con.close()

    def migrate(self) -> None:
        """Bring an older catalog file up to SCHEMA (see `_migrate`)."""
        con = self.connect()
        try:
            con.execute(SCHEMA)
            _migrate(con)
        finally:
            con.close()

    def forget_runs(self, run_ids: list[str]) -> int:
        """Remove runs (and their KPI rows and sweep jobs) from the index; never a `running` run.
        Returns how many went. The run directories are not touched."""
        if not run_ids:
            return 0
        con = self.connect()
        marks = ", ".join("?" * len(run_ids))
        try:
            con.execute(SCHEMA)
            _migrate(con)
            con.execute("BEGIN TRANSACTION")
            gone = [r[0] for r in con.execute(f"SELECT run_id FROM runs WHERE run_id IN ({marks}) "
                                              "AND status <> 'running'", run_ids).fetchall()]
            if gone:
                marks = ", ".join("?" * len(gone))
                for table in ("runs", "kpis", "replication_kpis", "sweep_jobs", "trials"):
                    con.execute(f"DELETE FROM {table} WHERE run_id IN ({marks})", gone)
            con.execute("COMMIT")
            return len(gone)
        finally:
            con.close()

    # ------------------------------------------------------------------ reads
    def runs(self) -> pd.DataFrame:
        return self.query("SELECT * FROM runs ORDER BY started_at")

    def complete_runs_like(self, config_hash: str, code_hash: str) -> pd.DataFrame:
        """Complete runs with this config and code, newest first (callers check the files still exist)."""
        return self.query("SELECT * FROM runs WHERE status = 'complete' AND config_hash = ? AND code_hash = ? "
                          "ORDER BY finished_at DESC", [config_hash, code_hash])


def _missing_columns(con) -> list[str]:
    have = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_name = 'runs'").fetchall()}
    return [c for c in ADDED_COLUMNS if have and c not in have]


def _migrate(con) -> None:
    """Add the columns an older catalog lacks. Before `sweep` existed, `label` held the sweep name:
    it moves to `sweep`, and `label` is recomputed (what changed) from each run's overrides."""
    missing = _missing_columns(con)
    if not missing:
        return
    from sim.store.identity import make_label, stored_config

    con.execute("BEGIN TRANSACTION")
    try:
        for column in missing:
            con.execute(f"ALTER TABLE runs ADD COLUMN {column} {ADDED_COLUMNS[column]}")
        if "sweep" in missing:
            rows = con.execute("SELECT run_id, kind, sides, overrides, run_dir, label FROM runs").fetchall()
            for run_id, kind, sides, overrides, run_dir, sweep in rows:
                config = stored_config(run_dir) if run_dir else None
                label = make_label(kind or "", json.loads(sides) if sides else {},
                                   json.loads(overrides) if overrides else [], config)
                con.execute("UPDATE runs SET sweep = ?, label = ? WHERE run_id = ?", [sweep or "", label, run_id])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def resolve(setting: str, run_dir: Path) -> Path | None:
    """Where a run's catalog lives (see RunConfig.catalog); None when the catalog is off."""
    if setting.strip().lower() in ("", "none", "null", "off"):
        return None
    if setting != "auto":
        return Path(setting).expanduser().resolve()
    run_dir = Path(run_dir).resolve()
    for parent in run_dir.parents:
        if parent.name == "results":
            return parent / DEFAULT_PATH.name
    return run_dir.parent / DEFAULT_PATH.name
