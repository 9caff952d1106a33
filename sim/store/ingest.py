"""Rebuild or extend the catalog from run directories (their run.json and KPI files).

Why: each run's directory is the source of truth and the catalog only an index, so a
catalog can be rebuilt, merged from a cluster's scratch space, or filled in for runs
made with `run.catalog=''` (e.g. on a shared file system where DuckDB locks are unsafe).
"""
from __future__ import annotations

import csv
import json
import math
from pathlib import Path

from sim.domain.sides import Side
from sim.store.catalog import RUN_FILE, Catalog, RunRecord
from sim.store.identity import run_label


def kpi_rows(record: RunRecord, run_dir: Path) -> tuple[list, list]:
    """(kpis rows, replication_kpis rows) from a complete run's kpis.json, comparison.json and replications.csv."""
    kpis, reps = [], []
    for side, regime in record.sides.items():
        path = run_dir / Side(side).subdirectory / "kpis.json"
        for name, s in json.loads(path.read_text()).items():
            kpis.append((record.run_id, side, regime, name, _num(s["mean"]), _num(s["ci_low"]), _num(s["ci_high"]), s["n"]))
    comparison = run_dir / "comparison.json"
    if comparison.exists():
        for name, c in json.loads(comparison.read_text()).items():
            d = c["diff"]
            kpis.append((record.run_id, "diff", None, name, _num(d["mean"]), _num(d["ci_low"]), _num(d["ci_high"]), d["n"]))
    with open(run_dir / "replications.csv", newline="") as f:
        for row in csv.DictReader(f):
            reps.append((record.run_id, row["side"], record.sides.get(row["side"]), int(row["replication"]),
                         row["kpi"], float(row["value"])))
    return kpis, reps


def _num(value) -> float:
    return math.nan if value is None else float(value)


def ingest(paths, catalog: Catalog, skipped: list | None = None) -> int:
    """Add (or update) every run under `paths` to the catalog; returns how many run.json files were read.

    `skipped`: a list to collect `path: problem` for run directories that cannot be read (damaged
    run.json or KPI files) and go on; None: the first such problem raises."""
    count = 0
    for root in paths:
        root = Path(root)
        files = [root] if root.name == RUN_FILE else sorted(root.rglob(RUN_FILE))
        for path in files:
            if skipped is None:
                count += _ingest_one(path, catalog)
                continue
            try:
                count += _ingest_one(path, catalog)
            except (OSError, ValueError, KeyError, TypeError) as e:
                skipped.append(f"{path.parent}: {' '.join(str(e).split()) or type(e).__name__}")
    return count


def _ingest_one(path: Path, catalog: Catalog) -> int:
    """One run.json (and, once complete, its KPI files) into the catalog; returns 1."""
    record = RunRecord.from_dict(json.loads(path.read_text()))
    record.run_dir = str(path.parent.resolve())  # where it is now, if the tree moved
    if not record.label:  # written before labels
        record.label = run_label(record)
    if record.status == "skipped":
        if record.sweep_dir is not None and record.reused_run_id:
            catalog.record_sweep_job(record.sweep_dir, record.job_num, record.reused_run_id, True,
                                     record.sweep, record.overrides, record.updated_at)
        return 1
    rows = kpi_rows(record, path.parent) if record.status == "complete" else ((), ())
    catalog.record_run(record, *rows)
    if record.sweep_dir is not None and record.status == "complete":
        catalog.record_sweep_job(record.sweep_dir, record.job_num, record.run_id, False, record.sweep,
                                 record.overrides, record.updated_at)
    return 1


def rebuild(catalog: Catalog, roots, skipped: list | None = None) -> tuple[Path | None, int]:
    """A new catalog from the run directories under `roots`: the old file (damaged or not) is moved
    aside first, never deleted. Returns (where the old file went, or None; run records read); run
    directories that cannot be read are left out and named in `skipped`."""
    from datetime import datetime, timezone

    aside = None
    if catalog.path.exists():
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        aside = catalog.path.with_name(f"{catalog.path.name}.replaced-{stamp}")
        catalog.path.rename(aside)
        wal = catalog.path.with_name(catalog.path.name + ".wal")
        if wal.exists():
            wal.rename(aside.with_name(aside.name + ".wal"))
    return aside, ingest(roots, catalog, [] if skipped is None else skipped)
