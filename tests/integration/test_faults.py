"""Faults a run must survive, and overloaded configs refused before running.

* A sweep killed with SIGKILL part-way, then re-run: only the missing points run again,
  and the catalog has no duplicate, partial or corrupt rows.
* Two sweeps writing to one catalog at the same time: every run of both, once.
* A results directory that cannot be created, and a full disk: one `error:` line naming
  the path, a non-zero exit, nothing that looks complete.
* A damaged Parquet file or catalog handed to `sim.store.queries` or `sim.viz.report`: one line naming
  the file, a non-zero exit, nothing written.
* A station offered more work than it can do (sim/stability.py): refused up front.
"""
from __future__ import annotations

import json
import math
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.conftest import REPO, SMALL, make_config, run_cli

from sim.config import ConfigError
from sim.config.stability import REJECT_LOAD, check_stability, overload_warnings, station_loads


# ------------------------------------------------------------------ stability (offered load)
def _loads(cfg, side="regime"):
    regime = cfg.regime if side == "regime" else cfg.baseline
    return {s.key: s.load for s in station_loads(cfg, regime, side)}


def test_the_default_config_is_not_refused():
    cfg = make_config()
    assert check_stability(cfg) is cfg
    after, before = _loads(cfg), _loads(cfg, "baseline")
    assert all(0 < x < 1 for x in after.values()), after
    assert all(0 < x < REJECT_LOAD for x in before.values()), before


def test_offered_load_scales_with_demand_and_inversely_with_servers():
    base = _loads(make_config())["regime.officers"]
    single = ("experiment=single", "run.replications=1", "run.allow_overload=true")  # scale 2 overloads fumigation
    assert _loads(make_config(*single, "demand.scale=2"))["regime.officers"] == pytest.approx(2 * base)
    assert _loads(make_config("regime.officers=38"))["regime.officers"] == pytest.approx(2 * base)
    office_hours = "regime.officer_calendar={days:[0,1,2,3,4],open_hour:8.5,close_hour:17.0}"
    pinned = make_config(office_hours, "regime.officers=76", "run.allow_overload=true")  # same officers, fewer hours
    assert _loads(pinned)["regime.officers"] == pytest.approx(base * 168 / 42.5)
    # The calendar alone keeps the port's officer-hours: 300 officers on office hours, not 76.
    pooled = make_config(office_hours)
    assert pooled.regime.officers == 300
    assert _loads(pooled)["regime.officers"] == pytest.approx(base * 76 * 168 / (300 * 42.5))


def test_offered_load_matches_the_planned_work():
    """The analytic estimate against the work the plan actually routes to each station (within 15 %),
    over six weeks of steady lodging at half scale. Lodging reaches its steady rate only once the
    first calls' importers are past the 14-day declaration window (from day 14; day 21 here), and
    keeps it until exports stop being lodged for calls after the end (a week before it). Over five
    seeds the stations were within 15 % (most within 5 %; fumigation, few large jobs, the widest)."""
    import numpy as np

    from sim.domain import Station
    from sim.model.demand import generate_calls, generate_consignments
    from sim.model.plan import plan

    cfg = make_config("demand.scale=0.5")
    start, end = 21 * 24.0, 70 * 24.0
    calls = generate_calls(cfg.demand, cfg.port, end, 1, 0)
    names = {Station.SCAN.code: "scan", Station.PHYSICAL.code: "physical",
             Station.QUARANTINE.code: "quarantine", Station.FUMIGATION.code: "fumigation"}
    for side, regime in (("regime", cfg.regime), ("baseline", cfg.baseline)):
        p = plan(cfg, regime, generate_consignments(cfg.demand, cfg.port, calls, 1, 0), calls)  # plan takes the variates
        steady = (p.lodged >= start) & (p.lodged < end - 7 * 24)  # past the empty start, before the cut end
        work = {"officers": np.nansum(p.doc_check_work[steady])}
        for i in np.flatnonzero(steady & (p.inspection_visits > 0)):
            for code, hours, _ in p.visits(i):
                work[names[code]] = work.get(names[code], 0.0) + hours
        for s in station_loads(cfg, regime, side):
            name = "officers" if s.key.endswith("officers") else s.key.split(".")[-2]
            assert s.work_per_week == pytest.approx(work[name] / 6, rel=0.15), (side, name)


def test_inland_office_loads_match_the_planned_second_declarations():
    """The analytic load of each inland office rests on its second declarations a week; against
    the plan's own count over 7 steady weeks at half scale, within 8 % (call sizes make a
    week's import volume vary: over three seeds the counts moved by at most 4 %, all offices
    together). The work per declaration (share x mean hours) is the plan's own by construction."""
    import numpy as np

    from sim.model.demand import generate_calls, generate_consignments
    from sim.model.plan import plan
    from sim.config.stability import inland_loads

    cfg = make_config("demand.scale=0.5")
    t, end = cfg.baseline.transit, 63 * 24.0
    calls = generate_calls(cfg.demand, cfg.port, end, cfg.run.seed, 0)
    cons = generate_consignments(cfg.demand, cfg.port, calls, cfg.run.seed, 0)
    p = plan(cfg, cfg.baseline, cons, calls)
    steady = (p.lodged >= 7 * 24) & (p.lodged < end - 7 * 24) & p.second_declaration
    officers = [s for s in inland_loads(cfg, cfg.baseline, "baseline") if s.key.endswith("inland_officers")]
    assert len(officers) == 4 and all(s.load < REJECT_LOAD for s in officers)
    for s in officers:
        expected = s.work_per_week / (t.inland_check_share * t.inland_doc_check_hours_mean)
        planned = np.sum(steady & (cons.destination == cons.destination_names.index(s.where.split()[2]))) / 7
        assert planned == pytest.approx(expected, rel=0.08), s.where


@pytest.mark.parametrize("overrides, key", [
    (["regime.officers=5"], "regime.officers"),
    (["regime=before_reform", "regime.officers=60"], "regime.officers"),
    (["baseline.officers=60"], "baseline.officers"),
    (["port.inspection_stations.physical.bays=5"], "port.inspection_stations.physical.bays"),
    (["regime.channels.import.general.red=0.5", "regime.channels.import.general.green=0.29",
      "regime.red_scan_share=1"], "port.inspection_stations.scan.bays"),
    (["port.inspection_stations.fumigation.bays=5"], "port.inspection_stations.fumigation.bays"),
    (["baseline.transit.inland_inspection_bays=3"], "baseline.transit.inland_inspection_bays"),
], ids=["officers", "before-office-hours", "baseline", "physical", "scan", "fumigation", "inland"])
def test_an_overloaded_station_is_refused_naming_its_key(overrides, key):
    from sim.cli.preflight import first_config_error

    message = first_config_error(overrides)
    assert message is not None and message.startswith(f"{key}: offered load "), message
    load = float(message.split("offered load ")[1].split()[0])
    assert load >= REJECT_LOAD and ">= capacity" in message and "\n" not in message


def test_a_single_run_ignores_the_baseline_it_does_not_simulate():
    cfg = make_config("experiment=single", "run.replications=1", "baseline.officers=10")
    assert check_stability(cfg) is cfg
    with pytest.raises(ConfigError, match=r"^baseline\.officers: offered load"):
        check_stability(make_config("baseline.officers=10"))


def test_an_overload_runs_only_when_asked_for_and_then_warns():
    # 3,353 work hours a week after the reform (tests/integration/test_bad_input.py): 19 officers x 168 h
    # is a load of 1.05 (20 would be 0.998)
    with pytest.raises(ConfigError, match=r"^regime\.officers: offered load 1\.\d+ >= capacity.*allow_overload"):
        make_config("regime.officers=19")
    cfg = make_config("regime.officers=19", "run.allow_overload=true")
    lines = overload_warnings(cfg)
    assert len(lines) == 1 and lines[0].startswith("regime.officers: offered load 1."), lines
    assert overload_warnings(make_config()) == []


def test_the_python_api_refuses_an_overloaded_config_before_writing(tmp_path):
    from sim.runs.kinds import run_experiment
    from sim.runs.runner import RunContext, execute

    cfg = make_config(*SMALL)
    cfg.regime.officers = 1  # built by hand, as a notebook might: no CLI checks on the way
    cfg.demand.scale = 0.5
    for call in (lambda: run_experiment(cfg, tmp_path / "api"), lambda: execute(cfg, RunContext(tmp_path / "runner"))):
        with pytest.raises(ConfigError, match=r"^regime\.officers: offered load"):
            call()
    assert list(tmp_path.iterdir()) == []


def test_cli_overloaded_config_is_one_line_exit_2_nothing_written(tmp_path):
    out = tmp_path / "out"
    proc = run_cli("regime.officers=5", f"hydra.run.dir={out}", timeout=120)
    assert proc.returncode == 2
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith("error: regime.officers: offered load ") and "Traceback" not in proc.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert math.isfinite(float(proc.stderr.split("offered load ")[1].split()[0]))


# ------------------------------------------------------------------ helpers
TINY = ("demand.scale=0.01", "run.horizon_days=3", "run.warmup_days=1", "run.drain_days=1", "run.replications=1",
        "run.workers=1", "experiment=single")
POLL_SECONDS = 0.05
PATIENCE_SECONDS = 600  # generous: the machine is shared; correctness never depends on it


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(REPO))


def _sweep_command(sweep_dir: Path, catalog: Path, points: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "sim", "-m", *TINY, f"regime.officers={points}", f"run.catalog={catalog}",
            f"hydra.sweep.dir={sweep_dir}", "output.consignments=full", *extra]  # tables to damage and check


def _records(sweep_dir: Path) -> dict[str, dict]:
    """job number -> run.json (jobs whose run.json is not there yet, or half-renamed, are left out)."""
    out = {}
    for path in sweep_dir.glob("[0-9]*/run.json"):
        try:
            out[path.parent.name] = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
    return out


def _assert_catalog_sound(catalog: Path) -> duckdb.DuckDBPyConnection:
    """Opens, no duplicate rows, every complete run with its KPIs and readable tables; returns the connection."""
    con = duckdb.connect(str(catalog), read_only=True)
    runs = con.execute("SELECT run_id, status, run_dir FROM runs").df()
    assert runs["run_id"].is_unique, "one row per run id"
    dupes = con.execute("SELECT run_id, side, kpi, count(*) AS n FROM kpis GROUP BY ALL HAVING n > 1").df()
    assert dupes.empty, f"duplicate KPI rows: {dupes.head()}"
    dupes = con.execute("SELECT run_id, side, replication, kpi, count(*) AS n FROM replication_kpis "
                        "GROUP BY ALL HAVING n > 1").df()
    assert dupes.empty, f"duplicate replication rows: {dupes.head()}"
    per_run = con.execute("SELECT r.run_id, count(k.kpi) AS n FROM runs r LEFT JOIN kpis k USING (run_id) "
                          "WHERE r.status = 'complete' GROUP BY r.run_id").df()
    assert len(per_run) and per_run["n"].min() > 0 and per_run["n"].nunique() == 1, "every complete run has its KPIs"
    for row in runs[runs["status"] == "complete"].itertuples():
        for name in ("consignments.parquet", "calls.parquet"):
            assert pq.read_table(Path(row.run_dir) / name).num_rows > 0
        assert json.loads((Path(row.run_dir) / "run.json").read_text())["status"] == "complete"
    return con


# ------------------------------------------------------------------ 1. SIGKILL part-way through a sweep
def test_a_sweep_killed_part_way_reruns_only_the_missing_points(tmp_path):
    sweep_dir, catalog = tmp_path / "sweep", tmp_path / "catalog.duckdb"
    points = "60,70,80,90"
    command = _sweep_command(sweep_dir, catalog, points, "hydra.launcher.n_jobs=1")
    proc = subprocess.Popen(command, cwd=REPO, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # its own process group: the kill reaches every worker
    try:
        deadline = time.monotonic() + PATIENCE_SECONDS
        while time.monotonic() < deadline and proc.poll() is None:
            done = [j for j, r in _records(sweep_dir).items() if r["status"] == "complete"]
            if done:
                break
            time.sleep(POLL_SECONDS)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    before = _records(sweep_dir)
    complete = {j: r for j, r in before.items() if r["status"] == "complete"}
    assert proc.returncode == -signal.SIGKILL, "the sweep finished before it could be killed"
    assert 1 <= len(complete) < 4, before

    again = subprocess.run(command, cwd=REPO, env=_env(), capture_output=True, text=True, timeout=PATIENCE_SECONDS)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("already complete") == len(complete), again.stdout
    after = _records(sweep_dir)
    assert sorted(after) == ["0", "1", "2", "3"] and {r["status"] for r in after.values()} == {"complete"}
    for job, record in complete.items():
        assert after[job] == record, f"job {job} was complete and must not run again"
    con = _assert_catalog_sound(catalog)
    runs = con.execute("SELECT run_id, status, error FROM runs").df()
    assert set(runs.loc[runs["status"] == "complete", "run_id"]) == {r["run_id"] for r in after.values()}
    killed = runs[runs["status"] != "complete"]
    assert (killed["status"] == "failed").all() and killed["error"].str.startswith("interrupted").all(), killed
    assert len(killed) <= 4 - len(complete)
    jobs = con.execute("SELECT job_num, count(*) AS n FROM sweep_jobs GROUP BY job_num").df()
    assert sorted(jobs["job_num"]) == [0, 1, 2, 3] and (jobs["n"] == 1).all()
    assert not list(sweep_dir.glob("*/.parts")), "temporary parts are cleaned up"


# ------------------------------------------------------------------ 2. two sweeps, one catalog
def test_two_sweeps_writing_one_catalog_at_once_lose_nothing(tmp_path):
    catalog = tmp_path / "catalog.duckdb"
    sweeps = {tmp_path / "a": "50,60,70", tmp_path / "b": "80,90,100"}
    procs = [subprocess.Popen(_sweep_command(d, catalog, p), cwd=REPO, env=_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for d, p in sweeps.items()]
    outputs = [p.communicate(timeout=PATIENCE_SECONDS) for p in procs]
    for p, (_, err) in zip(procs, outputs):
        assert p.returncode == 0, err
    ids = {r["run_id"] for d in sweeps for r in _records(d).values()}
    assert len(ids) == 6 and all(r["status"] == "complete" for d in sweeps for r in _records(d).values())
    con = _assert_catalog_sound(catalog)
    assert set(con.execute("SELECT run_id FROM runs").df()["run_id"]) == ids
    jobs = con.execute("SELECT sweep_dir, count(*) AS n FROM sweep_jobs GROUP BY sweep_dir").df()
    assert sorted(jobs["sweep_dir"]) == sorted(str(d) for d in sweeps) and (jobs["n"] == 3).all()


# ------------------------------------------------------------------ 3. results directory not writable, disk full
def _assert_one_error_line(proc, *parts: str, code: int | None = None) -> str:
    assert proc.returncode != 0 if code is None else proc.returncode == code, proc.stderr
    # A warning the run printed before it failed (e.g. demand.scale's) is not part of the error.
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("warning: ")]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("multirun", [False, True], ids=["run", "sweep"])
def test_a_results_directory_under_a_file_is_one_line(tmp_path, multirun):
    """Works as root too (chmod does not stop root): mkdir under a regular file fails for anyone."""
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("a file where the results directory should go\n")
    out = blocker / "results"
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    args = ("-m", *TINY, "regime.officers=70,76") if multirun else SMALL
    proc = run_cli(*args, f"{key}={out}", f"run.catalog={tmp_path / 'catalog.duckdb'}", timeout=120)
    _assert_one_error_line(proc, f"error: {out}: ", f"{blocker} is not a directory", code=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not_a_dir"], "nothing written"


@pytest.fixture
def tmpfs(tmp_path):
    """Mount a tmpfs (root only); yields a function mount(options) -> mount point. Skips where not permitted."""
    mounted = []

    def mount(options: str) -> Path:
        point = tmp_path / f"mnt{len(mounted)}"
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip() or 'not permitted'})")
        mounted.append(point)
        return point

    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def test_a_read_only_results_file_system_is_one_line(tmp_path, tmpfs):
    """A read-only mount stops root too, so this is the real EROFS path."""
    ro = tmpfs("ro,size=64k")
    out = ro / "results" / "run"
    proc = run_cli(*SMALL, f"hydra.run.dir={out}", f"run.catalog={tmp_path / 'catalog.duckdb'}", timeout=120)
    _assert_one_error_line(proc, f"error: {out}: ", "not writable (read-only file system)", code=2)
    assert not (tmp_path / "catalog.duckdb").exists()


def _assert_nothing_looks_complete(run_dir: Path, catalog: Path) -> None:
    record = json.loads((run_dir / "run.json").read_text()) if (run_dir / "run.json").exists() else {}
    assert record.get("status") != "complete"
    for name in ("consignments.parquet", "calls.parquet", "kpis.json", "config.yaml", "replications.csv"):
        assert not (run_dir / name).exists(), f"{name} exists although the run failed"
    assert not list(run_dir.glob(".parts/*.parquet")), "temporary parts are cleaned up"
    if catalog.exists():
        statuses = duckdb.connect(str(catalog), read_only=True).execute("SELECT status FROM runs").df()["status"]
        assert "complete" not in set(statuses)


def test_a_full_disk_is_one_line_and_nothing_looks_complete(tmp_path, tmpfs):
    """A 256 KiB tmpfs: the real ENOSPC, part-way through writing the tables."""
    disk = tmpfs("size=256k")
    out, catalog = disk / "run", tmp_path / "catalog.duckdb"
    proc = run_cli(*SMALL, f"hydra.run.dir={out}", f"run.catalog={catalog}", timeout=300)
    _assert_one_error_line(proc, "no space left on device", code=1)
    assert _assert_one_error_line(proc).startswith(f"error: {out}")
    _assert_nothing_looks_complete(out, catalog)
    assert duckdb.connect(str(catalog), read_only=True).execute("SELECT status FROM runs").fetchall() == [("failed",)]


def test_a_file_size_limit_is_one_line_and_nothing_looks_complete(tmp_path):
    """RLIMIT_FSIZE (works without root): writes past 64 KiB fail with EFBIG; CPython ignores SIGXFSZ."""
    out, catalog = tmp_path / "run", tmp_path / "elsewhere" / "catalog.duckdb"
    limit = 64 * 1024

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = dict(_env(), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([sys.executable, "-m", "sim", *SMALL, f"hydra.run.dir={out}", "run.catalog="],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300, preexec_fn=small_files)
    _assert_one_error_line(proc, f"error: {out}", "cannot write results: file too large", code=1)
    _assert_nothing_looks_complete(out, catalog)


# ------------------------------------------------------------------ 4. damaged Parquet files and catalogs
@pytest.fixture(scope="module")
def stored_sweep(tmp_path_factory):
    """Two complete single runs of a tiny sweep, with their catalog (made once, copied before damage)."""
    root = tmp_path_factory.mktemp("stored")
    proc = subprocess.run(_sweep_command(root / "sweep", root / "catalog.duckdb", "70,76"), cwd=REPO, env=_env(),
                          capture_output=True, text=True, timeout=PATIENCE_SECONDS)
    assert proc.returncode == 0, proc.stderr
    return root


def _results(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.results", *args], cwd=REPO, env=_env(),
                          capture_output=True, text=True, timeout=120)


def _garble(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garbled":  # the middle third flipped: header and footer intact
        third = len(data) // 3
        path.write_bytes(data[:third] + bytes(b ^ 0x5A for b in data[third:2 * third]) + data[2 * third:])
    elif how == "headers":  # DuckDB's two database headers (bytes 4096-12288) flipped
        path.write_bytes(data[:4096] + bytes(b ^ 0x5A for b in data[4096:12288]) + data[12288:])
    else:
        path.write_text("not a database\n")


@pytest.mark.parametrize("how", ["truncated", "headers", "text"])
@pytest.mark.parametrize("command", [["list"], ["sweeps"], ["collect"], ["compare", "A", "B"],
                                     ["sql", "SELECT count(*) FROM runs"]], ids=lambda c: c[0])
def test_a_damaged_catalog_is_one_line_naming_it(stored_sweep, tmp_path, command, how):
    catalog = tmp_path / "catalog.duckdb"
    shutil.copy(stored_sweep / "catalog.duckdb", catalog)
    _garble(catalog, how)
    ids = [r["run_id"] for _, r in sorted(_records(stored_sweep / "sweep").items())]
    command = [ids[0] if c == "A" else ids[1] if c == "B" else c for c in command]
    proc = _results("--catalog", str(catalog), *command, *(["--out", str(tmp_path / "t.csv")]
                                                           if command[0] == "collect" else []))
    _assert_one_error_line(proc, f"error: {catalog}: not a readable DuckDB catalog", code=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.duckdb"], "nothing written"


@pytest.mark.parametrize("how", ["truncated", "headers", "text"])
def test_a_damaged_catalog_is_rebuilt_from_the_run_directories(stored_sweep, tmp_path, how):
    """The error line names the command; it moves the damaged file aside (never deletes it) and indexes every
    run directory again, leaving out (and naming) one whose run.json is damaged too."""
    root = shutil.copytree(stored_sweep, tmp_path / "results")
    catalog = root / "catalog.duckdb"
    _garble(catalog, how)
    damaged = catalog.read_bytes()
    proc = _results("--catalog", str(catalog), "list")
    line = _assert_one_error_line(proc, code=2)
    assert f"python -m sim.results --catalog {catalog} rebuild" in line
    shutil.copytree(root / "sweep" / "0", root / "sweep" / "9")
    (root / "sweep" / "9" / "run.json").write_text('{"run_id": "x", "sta')  # a run directory beyond repair
    proc = _results("--catalog", str(catalog), "rebuild")
    assert proc.returncode == 0, proc.stderr
    assert "3 run records" not in proc.stdout and "2 run records" in proc.stdout, proc.stdout
    assert proc.stderr.startswith(f"note: left out (unreadable): {root / 'sweep' / '9'}: "), proc.stderr
    aside = [p for p in root.iterdir() if p.name.startswith("catalog.duckdb.replaced-")]
    assert len(aside) == 1 and aside[0].read_bytes() == damaged, "the damaged file is kept, unchanged"
    listing = _results("--catalog", str(catalog), "list")
    assert listing.returncode == 0, listing.stderr
    ids = {r["run_id"] for r in _records(stored_sweep / "sweep").values()}
    assert all(run_id in listing.stdout for run_id in ids)
    collected = _results("--catalog", str(catalog), "collect", "--kpi", "throughput_teu")  # the latest sweep
    assert collected.returncode == 0 and collected.stdout.count("throughput_teu") >= 2, collected.stderr


@pytest.mark.parametrize("name", ["consignments.parquet", "calls.parquet"])
@pytest.mark.parametrize("how", ["truncated", "garbled"])
def test_a_damaged_parquet_file_stops_the_report_naming_it(stored_sweep, tmp_path, name, how):
    run_dir = shutil.copytree(stored_sweep / "sweep" / "0", tmp_path / "run",
                              ignore=shutil.ignore_patterns("*.png", "*.svg", "*.html"))
    _garble(run_dir / name, how)
    listing = sorted(p.name for p in run_dir.iterdir())
    proc = subprocess.run([sys.executable, "-m", "sim.report", str(run_dir)], cwd=REPO, env=_env(),
                          capture_output=True, text=True, timeout=300)
    _assert_one_error_line(proc, f"error: {run_dir / name}: not a readable Parquet file", code=2)
    assert sorted(p.name for p in run_dir.iterdir()) == listing, "no report, no figures, nothing else written"


def test_a_damaged_parquet_file_leaves_the_catalog_commands_working(stored_sweep, tmp_path):
    """The catalog commands read the catalog, not the tables: a damaged table does not stop them, and SQL that
    reads the table directly fails as one line naming it."""
    root = shutil.copytree(stored_sweep, tmp_path / "copy")
    table = root / "sweep" / "0" / "consignments.parquet"
    _garble(table, "truncated")
    catalog = str(stored_sweep / "catalog.duckdb")
    for command in (["list"], ["collect", "--kpi", "throughput_teu"]):
        proc = _results("--catalog", catalog, *command)
        assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    proc = _results("--catalog", catalog, "sql", f"SELECT count(*) FROM '{table}'")
    _assert_one_error_line(proc, str(table), code=2)
