"""Sweeps: the ready-made sweep configs, Hydra multirun with the joblib and submitit_local
launchers, chunked replications, skip-if-complete, status records and the results API."""
from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, make_config, run_cli
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.types import RunMode

from sim.cli.compose import CONFIG_DIR
from sim.cli.preflight import first_sweep_error
from sim.store.catalog import Catalog
from sim.experiment.replications import run_replications
from sim.experiment.progress import bar
from sim.store.queries import collect, compare, list_runs
from sim.runs.runner import RunContext, execute, find_complete, new_record
from sim.cli.sweeps import sweep_jobs

SWEEPS = {
    "officers": "regime.officers",
    "officer_hours": "regime.officer_calendar",
    "inspection_rate": "regime.channels.import.general.red",
    "pre_arrival": "regime.pre_arrival_share",
    "rail_frequency": "port.destinations.shenyang.rail_departures",
    "demand_growth": "demand.scale",
}
TINY = ("demand.scale=0.01", "run.horizon_days=3", "run.warmup_days=1", "run.drain_days=1", "run.replications=1")


def status(run_dir: Path) -> str:
    return json.loads((run_dir / "run.json").read_text())["status"]


# ------------------------------------------------------------------ sweep configs
@pytest.mark.parametrize("name", SWEEPS)
def test_every_point_of_each_ready_made_sweep_is_valid(name):
    assert first_sweep_error([f"+sweep={name}"]) is None
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        jobs = sweep_jobs([f"+sweep={name}"])
    swept = {o.split("=", 1)[0] for job in jobs for o in job}
    assert SWEEPS[name] in swept and "run.first_replication" in swept
    assert len(jobs) >= 8 and len({tuple(j) for j in jobs}) == len(jobs)


@pytest.mark.parametrize("name", SWEEPS)
def test_a_point_of_each_sweep_runs_on_a_short_horizon(name, tmp_path):
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        point = sweep_jobs([f"+sweep={name}", *TINY])[-1]
    cfg = make_config(*point, *TINY)
    assert cfg.experiment.kind == "single" and cfg.run.workers == 1
    stats = run_replications(cfg, None)
    assert len(stats) == 1 and stats[0].kpis["throughput_teu"] > 0


def test_inspection_sweep_keeps_channel_shares_summing_to_one():
    cfg = make_config("+sweep=inspection_rate", "regime.channels.import.general.red=0.12")
    shares = cfg.regime.channels["import"].general
    assert shares.red == 0.12 and shares.green + shares.yellow + shares.red == pytest.approx(1.0)


# ------------------------------------------------------------------ launchers
@pytest.mark.parametrize("launcher, target, settings", [
    ("local", "JoblibLauncher", {"n_jobs": -1}),
    ("slurm", "SlurmLauncher", {"cpus_per_task": 1, "mem_gb": 4, "timeout_min": 120}),
])
def test_launcher_configs_compose(launcher, target, settings):
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = GlobalHydra.instance().hydra.compose_config("config", [f"hydra/launcher={launcher}"], RunMode.MULTIRUN)
    assert cfg.hydra.launcher._target_.endswith(target)
    assert {k: cfg.hydra.launcher[k] for k in settings} == settings


def test_the_default_multirun_launcher_is_joblib():
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = GlobalHydra.instance().hydra.compose_config("config", [], RunMode.MULTIRUN)
    assert cfg.hydra.launcher._target_.endswith("JoblibLauncher")


@pytest.mark.skipif(importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is not None,
                    reason="the Ray launcher plugin is installed here")
@pytest.mark.parametrize("launcher", ["ray", "ray_cluster"])
def test_ray_without_its_plugin_is_one_line_naming_the_extra(launcher):
    message = first_sweep_error([f"hydra/launcher={launcher}", "regime.officers=40,76"])
    assert message.startswith("hydra/launcher: ") and "pip install -e '.[ray]'" in message


def test_an_event_log_in_a_sweep_needs_a_table_kept():
    """A sweep point keeps no consignment table under output.consignments=auto, so
    output.event_log is refused before any point runs, unless the sweep keeps the table."""
    message = first_sweep_error(["output.event_log=true", "regime.officers=40,76"])
    assert message.startswith("output.event_log: output.consignments=auto keeps no consignment table in a sweep point")
    assert "(sweep point 1 of 2" in message
    assert first_sweep_error(["output.event_log=true", "output.consignments=full", "regime.officers=40,76"]) is None


# ------------------------------------------------------------------ seeds and chunks
def test_a_chunk_reproduces_the_same_replications_of_a_longer_run():
    """Seeds come from (run.seed, replication index), never from job numbers or chunking."""
    whole = make_config(*TINY, "experiment=single", "run.replications=3", "run.workers=1")
    chunk = make_config(*TINY, "experiment=single", "run.replications=2", "run.first_replication=1", "run.workers=1")
    by_rep = {res.replication: res.kpis for res in run_replications(whole, None)}
    for res in run_replications(chunk, None):
        assert res.kpis == by_rep[res.replication]


# ------------------------------------------------------------------ multirun end to end
@pytest.fixture(scope="module")
def sweep_runs(tmp_path_factory):
    """+sweep=pre_arrival at a tiny scale (3 of its points, on the joblib launcher), then a second
    sweep that shares one point with it."""
    root = tmp_path_factory.mktemp("sweeps")
    catalog = root / "catalog.duckdb"
    common = ("-m", "+sweep=pre_arrival", *TINY, "run.first_replication=0", f"run.catalog={catalog}")
    first = run_cli(*common, "regime.pre_arrival_share=0.0,0.4,1.0", f"hydra.sweep.dir={root / 's1'}")
    second = run_cli(*common, "regime.pre_arrival_share=0.0,0.5", f"hydra.sweep.dir={root / 's2'}")
    return root, catalog, first, second


def test_multirun_runs_every_point_in_its_own_directory(sweep_runs):
    root, catalog, first, _ = sweep_runs
    assert first.returncode == 0, first.stderr
    jobs = sorted((root / "s1").glob("[0-9]*"))
    assert len(jobs) == 3
    for job in jobs:
        assert status(job) == "complete" and (job / "kpis.json").is_file()
        # a sweep point keeps no consignment table by default (output.consignments=auto)
        assert json.loads((job / "run.json").read_text())["consignments"] == "none"
        assert not (job / "consignments.parquet").exists()
    runs = list_runs(catalog, sweep=str(root / "s1"))
    assert len(runs) == 3 and set(runs["status"]) == {"complete"} and set(runs["sweep"]) == {"pre_arrival"}
    assert sorted(label.split(",")[0] for label in runs["label"]) == [
        "pre_arrival_share=0.0", "pre_arrival_share=0.4", "pre_arrival_share=1.0"], "named by what changed"
    assert runs["code_version"].str.len().min() > 0 and (runs["seed"] == 20150701).all()


def test_rerunning_a_sweep_skips_points_already_complete(sweep_runs):
    root, catalog, _, second = sweep_runs
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("already complete") == 1
    skipped = json.loads((root / "s2" / "0" / "run.json").read_text())
    assert skipped["status"] == "skipped"
    reused = Catalog(catalog).query("SELECT * FROM runs WHERE run_id = ?", [skipped["reused_run_id"]])
    assert Path(reused["run_dir"][0]) == root / "s1" / "0", "the same point, whatever its job number"
    assert status(root / "s2" / "1") == "complete"
    assert len(list_runs(catalog)) == 4


def test_collect_gives_one_tidy_table_per_sweep(sweep_runs):
    root, catalog, _, _ = sweep_runs
    table = collect(str(root / "s1"), catalog, kpis=["export_clearance_hours_mean", "throughput_teu"])
    assert list(table.columns[:5]) == ["regime.pre_arrival_share", "label", "side", "regime", "kpi"]
    assert table["label"].iloc[0] == "pre_arrival_share=0.0"
    assert len(table) == 3 * 2 and set(table["n"]) == {1}
    assert sorted(table["regime.pre_arrival_share"].unique()) == [0.0, 0.4, 1.0]
    latest = collect("pre_arrival", catalog, wide=True)  # a label means its latest sweep: s2
    assert sorted(latest["regime.pre_arrival_share"]) == [0.0, 0.5] and "throughput_teu" in latest.columns


def test_compare_pairs_two_points_of_a_sweep(sweep_runs):
    root, catalog, _, _ = sweep_runs
    a, b = (json.loads((root / "s1" / j / "run.json").read_text())["run_id"] for j in ("0", "2"))
    table = compare(a, b, catalog).set_index("kpi")
    row = table.loc["throughput_teu"]
    assert row["n"] == 1 and row["diff_mean"] == pytest.approx(row["b_mean"] - row["a_mean"])
    assert table.attrs["seed"] == 20150701


def test_results_command_line(sweep_runs, capsys):
    from sim.cli.results import main

    root, catalog, _, _ = sweep_runs
    assert main(["--catalog", str(catalog), "collect", str(root / "s1"), "--kpi", "throughput_teu"]) == 0
    assert "regime.pre_arrival_share" in capsys.readouterr().out
    assert main(["--catalog", str(catalog), "list", "--status", "complete"]) == 0
    assert main(["--catalog", str(catalog), "compare", "nope", "nope"]) == 2
    assert capsys.readouterr().err.startswith("error: no complete run")
    rebuilt = root / "rebuilt.duckdb"
    assert main(["--catalog", str(rebuilt), "ingest", str(root / "s1"), str(root / "s2")]) == 0
    assert len(list_runs(rebuilt)) == 4
    assert len(collect(str(root / "s2"), rebuilt)) == len(collect(str(root / "s2"), catalog))


def test_a_bad_sweep_point_is_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "sweep"
    proc = run_cli("-m", *TINY, "experiment=single", "regime.officers=40,0", f"hydra.sweep.dir={out}", timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "error: regime.officers: capacity must be >= 1, got 0 (sweep point 2 of 2: regime.officers=0)"]
    assert not out.exists()


def test_hydra_composes_the_jobs_again_only_when_the_sweep_was_not_validated_first(tmp_path, monkeypatch):
    """`python -m sim -m` validates every point before launch, so Hydra's own re-composition of
    each job (validate_batch_is_legal, seconds per sweep) is skipped for the basic sweeper; with
    Hydra's own flags our check does not run, and Hydra's stays."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.plugins.sweeper import Sweeper

    import sim.cli.preflight as cli

    hydras_own = Sweeper.validate_batch_is_legal
    monkeypatch.setattr(Sweeper, "validate_batch_is_legal", hydras_own)  # restored after the test
    cli.preflight(["-m", "--config-name", "config", "regime.officers=40,0"])
    assert Sweeper.validate_batch_is_legal is hydras_own
    cli.preflight(["-m", *TINY, "experiment=single", "regime.officers=40,76", f"hydra.sweep.dir={tmp_path / 'sweep'}"])
    assert Sweeper.validate_batch_is_legal is not hydras_own
    unconfigured = BasicSweeper(max_batch_size=None)
    assert unconfigured.validate_batch_is_legal([["regime.officers=0"]]) is None  # Hydra's would need a config
    with pytest.raises((AssertionError, AttributeError)):  # Hydra's own needs the sweep's config
        hydras_own(unconfigured, [["regime.officers=0"]])


def test_a_sweep_config_without_multirun_is_one_line():
    proc = run_cli("+sweep=officers", timeout=60)
    assert proc.returncode == 2 and proc.stderr.startswith("error: sweep: +sweep=officers describes a sweep; run it with -m")


def test_submitit_local_launcher(tmp_path):
    out = tmp_path / "sweep"
    proc = run_cli("-m", "hydra/launcher=submitit_local", *TINY, "experiment=single", "regime.officers=40,76",
                   f"hydra.sweep.dir={out}", timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert [status(out / j) for j in ("0", "1")] == ["complete", "complete"]
    assert len(list_runs(out / "catalog.duckdb")) == 2, "the catalog sits beside the job directories"


# ------------------------------------------------------------------ status records
def test_a_killed_run_never_appears_complete(tmp_path):
    out = tmp_path / "run"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "sim", "demand.scale=0.05", "run.horizon_days=20", "run.workers=1",
                             "run.replications=4", f"hydra.run.dir={out}"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cat = Catalog(tmp_path / "catalog.duckdb")
    try:
        deadline = time.monotonic() + 60
        while cat.runs().empty and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)  # until the run is under way: run.json and its catalog row say running
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert status(out) == "running"
    assert not (out / "comparison.json").exists()
    assert cat.runs()["status"].tolist() == ["running"]
    cfg = make_config("demand.scale=0.05", "run.horizon_days=20", "run.workers=1", "run.replications=4")
    assert find_complete(cat, new_record(cfg, RunContext(run_dir=tmp_path / "again"))) is None


def test_a_failed_run_is_recorded_as_failed(tmp_path, monkeypatch):
    import sim.runs.runner

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(sim.runs.runner, "run_experiment", broken)
    cfg = make_config(*TINY, "experiment=single")
    with pytest.raises(RuntimeError):
        execute(cfg, RunContext(run_dir=tmp_path / "run"))
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["status"] == "failed" and record["error"] == "disk on fire"
    assert Catalog(tmp_path / "catalog.duckdb").runs()["status"].tolist() == ["failed"]


def test_progress_bars_are_silent_off_a_terminal():
    assert bar(3, "replications").disable, "pytest captures stderr: not a terminal"
    assert not bar(3, "replications", enabled=True).disable
