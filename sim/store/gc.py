"""`python -m sim.results gc`: find stored runs by age, size or sweep, and remove them (or only their tables).

Why from the run directories, not the catalog: a run's `run.json` is the source of truth (the
catalog may be stale, damaged or elsewhere), and the bytes are on disk. A run whose `run.json`
says `running` is never touched, whatever the filters say: it may be writing right now (a run
killed part-way says `running` until it is run again, which marks it failed). Removal is
asked for explicitly (`yes=True`); without it this only lists what would go.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sim.store.atomic import atomic_write_json
from sim.store.catalog import RUN_FILE, Catalog

TABLES = ("consignments.parquet", "calls.parquet")
"""The files `tables_only` removes: the bulk of a run's bytes; its KPIs and figures stay."""
RUNNING = "running"


@dataclass
class StoredRun:
    run_dir: Path
    run_id: str
    status: str
    sweep_dir: str | None
    sweep: str
    label: str
    age_days: float
    bytes: int
    table_bytes: int
    record: dict


def _when(record: dict) -> datetime | None:
    for key in ("finished_at", "updated_at", "started_at"):
        try:
            stamp = datetime.fromisoformat(str(record[key]))
        except (KeyError, TypeError, ValueError):
            continue
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)
    return None


def _size(path: Path) -> int:
    """Bytes of a file, or of every file under a directory (0 if absent)."""
    if path.is_file():
        return path.lstat().st_size
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += (Path(root) / name).lstat().st_size
            except OSError:
                continue
    return total


def stored_runs(roots, now: datetime | None = None) -> list[StoredRun]:
    """Every run directory (a `run.json`) under `roots`, oldest first; unreadable records are left out."""
    now = now or datetime.now(timezone.utc)
    runs = []
    for root in roots:
        root = Path(root)
        files = [root / RUN_FILE] if (root / RUN_FILE).is_file() else sorted(root.rglob(RUN_FILE))
        for path in files:
            try:
                record = json.loads(path.read_text())
                if not isinstance(record, dict):
                    continue
            except (OSError, ValueError):
                continue
            when = _when(record)
            run_dir = path.parent
            runs.append(StoredRun(
                run_dir=run_dir.resolve(), run_id=str(record.get("run_id", "")), status=str(record.get("status", "")),
                sweep_dir=record.get("sweep_dir"), sweep=str(record.get("sweep") or ""),
                label=str(record.get("label") or ""),
                age_days=(now - when).total_seconds() / 86400 if when else float("nan"),
                bytes=_size(run_dir), table_bytes=sum(_size(run_dir / t) for t in TABLES), record=record))
    return sorted(runs, key=lambda r: (-r.age_days if r.age_days == r.age_days else 0.0, str(r.run_dir)))


def select(runs: list[StoredRun], older_than_days: float | None = None, larger_than_bytes: int | None = None,
           sweep: str | None = None, status: str | None = None) -> list[StoredRun]:
    """The runs every given filter matches (no filter: all), never a running one.

    `sweep`: a sweep directory or a sweep's name (`+sweep=NAME`); `status`: complete, failed or skipped."""
    sweep_dir = str(Path(sweep).expanduser().resolve()) if sweep and (os.sep in sweep or Path(sweep).exists()) else None
    out = []
    for run in runs:
        if run.status == RUNNING:
            continue
        if older_than_days is not None and not run.age_days >= older_than_days:
            continue
        if larger_than_bytes is not None and run.bytes < larger_than_bytes:
            continue
        if sweep is not None and not (run.sweep_dir == sweep_dir if sweep_dir else run.sweep == sweep):
            continue
        if status is not None and run.status != status:
            continue
        out.append(run)
    return out


def _nested_runs(run: StoredRun) -> bool:
    """A run directory that holds other runs' directories is not removed whole (a results root, a sweep)."""
    return any(p.parent != run.run_dir for p in run.run_dir.rglob(RUN_FILE))


def remove(runs: list[StoredRun], catalog: Catalog | None = None,
           tables_only: bool = False) -> tuple[int, int, list[str]]:
    """Remove the runs (or only their tables); returns (bytes freed, runs done, one line per thing left alone).

    A run's `run.json` is read again just before it goes: one that started running meanwhile stays.
    Removed runs leave the catalog too (their KPI rows and sweep jobs); a sweep directory left with
    no run in it goes as well."""
    freed, done, kept, forgotten, sweeps = 0, 0, [], [], set()
    for run in runs:
        try:
            status = json.loads((run.run_dir / RUN_FILE).read_text()).get("status")
        except (OSError, ValueError, AttributeError):
            status = None
        if status == RUNNING:
            kept.append(f"{run.run_dir}: running now; left alone")
            continue
        if tables_only:
            for name in TABLES:
                path = run.run_dir / name
                if path.is_file():
                    freed += path.stat().st_size
                    path.unlink()
            if run.table_bytes:
                atomic_write_json(run.run_dir / RUN_FILE, {**run.record, "consignments": "none",
                                                           "tables_removed_at": datetime.now(timezone.utc).isoformat()})
            done += 1
            continue
        if _nested_runs(run):
            kept.append(f"{run.run_dir}: holds other runs' directories; left alone")
            continue
        shutil.rmtree(run.run_dir)
        freed += run.bytes
        done += 1
        forgotten.append(run.run_id)
        if run.sweep_dir:
            sweeps.add(Path(run.sweep_dir))
    for sweep_dir in sweeps:
        if sweep_dir.is_dir() and not any(sweep_dir.rglob(RUN_FILE)):
            freed += _size(sweep_dir)
            shutil.rmtree(sweep_dir)
    if catalog is not None and forgotten and catalog.path.exists():
        try:
            catalog.forget_runs(forgotten)
        except Exception as e:  # noqa: BLE001 - the directories are gone either way; the index can catch up
            kept.append(f"{catalog.path}: not updated ({' '.join(str(e).split())}); "
                        "python -m sim.results prune --yes forgets the removed runs later")
    return freed, done, kept


def parse_size(text: str) -> int:
    """Bytes from '500', '200K', '50M', '2G' (powers of 1024); ValueError naming the text otherwise."""
    units = {"": 1, "B": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}
    t = text.strip().upper().removesuffix("IB").removesuffix("B") if text.strip().upper() not in ("B",) else ""
    number, unit = (t[:-1], t[-1]) if t and t[-1] in units else (t, "")
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"--larger-than: {text!r} is not a size (e.g. 500M, 2G)") from None
    if not value >= 0:
        raise ValueError(f"--larger-than: {text!r} must be >= 0")
    return int(value * units[unit])


def human(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(size) < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} GB"
