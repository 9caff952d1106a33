"""`python -m sim.results gc`: stored runs listed by age, size or sweep; removed only with --yes;
a run whose run.json says `running` never touched."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from sim.store.catalog import Catalog, RunRecord
from sim.store.gc import parse_size
from tests.conftest import REPO

NOW = datetime.now(timezone.utc)


def _run(root: Path, name: str, status: str, days_old: float, mb: float, sweep_dir: Path | None = None,
         sweep: str = "", catalog: Catalog | None = None) -> Path:
    run_dir = (sweep_dir or root) / name
    run_dir.mkdir(parents=True)
    stamp = (NOW - timedelta(days=days_old)).isoformat()
    record = RunRecord(run_id=f"id-{name}", status=status, run_dir=str(run_dir), started_at=stamp, updated_at=stamp,
                       finished_at=None if status == "running" else stamp, sweep_dir=str(sweep_dir) if sweep_dir else None,
                       job_num=int(name) if sweep_dir else None, sweep=sweep, label=name, consignments="full")
    (run_dir / "run.json").write_text(json.dumps(asdict(record)))
    (run_dir / "consignments.parquet").write_bytes(b"\0" * int(mb * 1024 * 1024))
    (run_dir / "kpis.json").write_text("{}")
    if catalog is not None:
        catalog.record_run(record)
    return run_dir


@pytest.fixture
def results(tmp_path):
    """A results folder: an old big run, a new small one, an old one still running, a two-point sweep."""
    root = tmp_path / "results"
    catalog = Catalog(root / "catalog.duckdb")
    runs = {
        "old_big": _run(root, "old_big", "complete", 40, 3, catalog=catalog),
        "new_small": _run(root, "new_small", "complete", 0.5, 0.1, catalog=catalog),
        "old_running": _run(root, "old_running", "running", 60, 3, catalog=catalog),
        "old_failed": _run(root, "old_failed", "failed", 45, 0.2, catalog=catalog),
    }
    sweep = root / "multirun" / "s1"
    for job in ("0", "1"):
        runs[f"sweep{job}"] = _run(root, job, "complete", 10, 0.5, sweep_dir=sweep, sweep="officers", catalog=catalog)
    (sweep / "multirun.yaml").write_text("hydra: {}\n")
    return root, catalog, runs


def _gc(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.results", "--catalog", str(root / "catalog.duckdb"), "gc",
                           *args], cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True,
                          text=True, timeout=120)


def _ids(catalog: Catalog) -> set[str]:
    return set(catalog.query("SELECT run_id FROM runs")["run_id"])


def test_a_dry_run_lists_and_removes_nothing(results):
    root, catalog, runs = results
    proc = _gc(root, "--older-than", "30")
    assert proc.returncode == 0, proc.stderr
    assert "old_big" in proc.stdout and "old_failed" in proc.stdout and "new_small" not in proc.stdout
    assert "old_running" not in proc.stdout and "1 running run(s) left out" in proc.stdout
    assert "2 run(s)" in proc.stdout and "--yes" in proc.stdout
    assert all(d.is_dir() for d in runs.values()) and len(_ids(catalog)) == 6


def test_yes_removes_by_age_and_never_a_running_run(results):
    root, catalog, runs = results
    proc = _gc(root, "--older-than", "30", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert "removed 2 run(s)" in proc.stdout and "MB freed" in proc.stdout
    assert not runs["old_big"].exists() and not runs["old_failed"].exists()
    assert runs["old_running"].is_dir() and (runs["old_running"] / "consignments.parquet").is_file()
    assert runs["new_small"].is_dir() and runs["sweep0"].is_dir()
    assert _ids(catalog) == {"id-new_small", "id-old_running", "id-0", "id-1"}, "removed runs leave the catalog"


def test_by_size_and_by_sweep(results):
    root, catalog, runs = results
    proc = _gc(root, "--larger-than", "1M", "--yes")
    assert proc.returncode == 0 and "removed 1 run(s)" in proc.stdout, proc.stdout + proc.stderr
    assert not runs["old_big"].exists() and runs["old_running"].exists(), "3 MB but running: kept"
    proc = _gc(root, "--sweep", "officers", "--yes")
    assert proc.returncode == 0 and "removed 2 run(s)" in proc.stdout, proc.stdout + proc.stderr
    assert not (root / "multirun" / "s1").exists(), "a sweep directory left without runs goes too"
    assert runs["new_small"].exists() and "id-0" not in _ids(catalog)


def test_tables_only_keeps_the_kpis_and_says_so_in_run_json(results):
    root, catalog, runs = results
    proc = _gc(root, "--tables-only", "--sweep", str(root / "multirun" / "s1"), "--yes")
    assert proc.returncode == 0, proc.stderr
    for job in ("sweep0", "sweep1"):
        assert not (runs[job] / "consignments.parquet").exists() and (runs[job] / "kpis.json").exists()
        assert json.loads((runs[job] / "run.json").read_text())["consignments"] == "none"
    assert _ids(catalog) >= {"id-0", "id-1"}, "the runs stay in the catalog"
    # ... and a later run of the same config that keeps its table does not reuse the gutted one
    from sim.runs.runner import find_complete, read_record

    gutted = RunRecord(**{**asdict(read_record(runs["sweep0"])), "config_hash": "h-gutted", "code_hash": "c"})
    (runs["sweep0"] / "run.json").write_text(json.dumps(asdict(gutted)))
    catalog.record_run(gutted)
    wants_table = RunRecord(**{**asdict(gutted), "run_id": "id-new", "run_dir": str(root / "new"), "consignments": "full"})
    assert find_complete(catalog, wants_table) is None
    keeps_none = RunRecord(**{**asdict(wants_table), "consignments": "none"})
    assert find_complete(catalog, keeps_none).run_id == gutted.run_id


def test_a_run_that_starts_running_after_the_listing_is_left_alone(results):
    from sim.store import gc

    root, catalog, runs = results
    chosen = gc.select(gc.stored_runs([root]), older_than_days=30)
    record = json.loads((runs["old_big"] / "run.json").read_text())
    (runs["old_big"] / "run.json").write_text(json.dumps({**record, "status": "running"}))  # re-run meanwhile
    freed, done, kept = gc.remove(chosen, catalog)
    assert done == 1 and runs["old_big"].is_dir() and any("running now" in line for line in kept)


@pytest.mark.parametrize("args, message", [
    (("--larger-than", "lots"), "--larger-than: 'lots' is not a size"),
    (("--older-than", "-1"), "--older-than: must be >= 0 days"),
    (("nowhere",), "nowhere: no such directory"),
])
def test_bad_gc_arguments_are_one_line(results, args, message):
    root, _, runs = results
    proc = _gc(root, *args, "--yes")
    assert proc.returncode == 2 and proc.stderr.startswith(f"error: {message}") and len(proc.stderr.splitlines()) == 1
    assert all(d.is_dir() for d in runs.values())


def test_parse_size():
    assert parse_size("500") == 500 and parse_size("2K") == 2048 and parse_size("1.5M") == int(1.5 * 2 ** 20)
    assert parse_size("2G") == parse_size("2GB") == parse_size("2GiB") == 2 * 2 ** 30
