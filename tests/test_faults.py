"""Faults a run must survive, and overloaded configs refused before running.

* A sweep killed with SIGKILL part-way, then re-run: only the missing points run again,
  and the catalog has no duplicate, partial or corrupt rows.
* Two sweeps writing to one catalog at the same time: every run of both, once.
* A results directory that cannot be created, and a full disk: one `error:` line naming
  the path, a non-zero exit, nothing that looks complete.
* A damaged Parquet file or catalog handed to `sim.results` or `sim.report`: one line naming
  the file, a non-zero exit, nothing written.
* A station offered more work than it can do (sim/stability.py): refused up front.
"""
from __future__ import annotations

import math

import pytest

from tests.conftest import SMALL, make_config, run_cli

from sim.config import ConfigError
from sim.stability import REJECT_LOAD, check_stability, overload_warnings, station_loads


# ------------------------------------------------------------------ stability (offered load)
def _loads(cfg, side="regime"):
    regime = cfg.regime if side == "regime" else cfg.baseline
    return {s.key: s.load for s in station_loads(cfg, regime, side)}


def test_the_default_config_is_not_refused():
    cfg = make_config()
    assert check_stability(cfg) is cfg
    after, before = _loads(cfg), _loads(cfg, "baseline")
    assert all(0 < x < 1 for x in after.values()), after
    assert before["baseline.officers"] < 1 < before["port.inspection_stations.quarantine.bays"] < REJECT_LOAD


def test_offered_load_scales_with_demand_and_inversely_with_servers():
    base = _loads(make_config())["regime.officers"]
    single = ("experiment=single", "run.replications=1")  # the before-reform quarantine would refuse scale 2
    assert _loads(make_config(*single, "demand.scale=2"))["regime.officers"] == pytest.approx(2 * base)
    assert _loads(make_config("regime.officers=38"))["regime.officers"] == pytest.approx(2 * base)
    office_hours = "regime.officer_calendar={days:[0,1,2,3,4],open_hour:8.5,close_hour:17.0}"
    assert _loads(make_config(office_hours))["regime.officers"] == pytest.approx(base * 168 / 42.5)


def test_offered_load_matches_the_planned_work():
    """The analytic estimate against the work the plan actually routes to each station (within 15 %)."""
    import numpy as np

    from sim.model.cargo import Station
    from sim.model.demand import generate_calls, generate_consignments
    from sim.model.plan import plan

    cfg = make_config("demand.scale=0.2")
    end = 28 * 24.0
    calls = generate_calls(cfg.demand, cfg.port, end, 1, 0)
    cons = generate_consignments(cfg.demand, cfg.port, calls, 1, 0)
    names = {Station.SCAN.code: "scan", Station.PHYSICAL.code: "physical",
             Station.QUARANTINE.code: "quarantine", Station.FUMIGATION.code: "fumigation"}
    for side, regime in (("regime", cfg.regime), ("baseline", cfg.baseline)):
        p = plan(cfg, regime, cons, calls)
        steady = (p.lodged >= 7 * 24) & (p.lodged < end)  # past the empty start
        work = {"officers": np.nansum(p.doc_check_work[steady])}
        for i in np.flatnonzero(steady & (p.inspection_visits > 0)):
            for code, hours, _ in p.visits(i):
                work[names[code]] = work.get(names[code], 0.0) + hours
        for s in station_loads(cfg, regime, side):
            name = "officers" if s.key.endswith("officers") else s.key.split(".")[-2]
            assert s.work_per_week == pytest.approx(work[name] / 3, rel=0.15), (side, name)


@pytest.mark.parametrize("overrides, key", [
    (["regime.officers=5"], "regime.officers"),
    (["regime=before_reform", "regime.officers=60"], "regime.officers"),
    (["baseline.officers=60"], "baseline.officers"),
    (["port.inspection_stations.physical.bays=5"], "port.inspection_stations.physical.bays"),
    (["regime.channels.import.general.red=0.5", "regime.channels.import.general.green=0.29",
      "regime.red_scan_share=1"], "port.inspection_stations.scan.bays"),
    (["port.inspection_stations.fumigation.bays=5"], "port.inspection_stations.fumigation.bays"),
], ids=["officers", "before-office-hours", "baseline", "physical", "scan", "fumigation"])
def test_an_overloaded_station_is_refused_naming_its_key(overrides, key):
    from sim.__main__ import first_config_error

    message = first_config_error(overrides)
    assert message is not None and message.startswith(f"{key}: offered load "), message
    load = float(message.split("offered load ")[1].split()[0])
    assert load >= REJECT_LOAD and ">= capacity" in message and "\n" not in message


def test_a_single_run_ignores_the_baseline_it_does_not_simulate():
    cfg = make_config("experiment=single", "run.replications=1", "baseline.officers=10")
    assert check_stability(cfg) is cfg
    with pytest.raises(ConfigError, match=r"^baseline\.officers: offered load"):
        check_stability(make_config("baseline.officers=10"))


def test_a_moderate_overload_is_a_warning_not_an_error():
    cfg = make_config("regime.officers=20")
    check_stability(cfg)
    lines = overload_warnings(cfg)
    assert lines[0].startswith("regime.officers: offered load 1.") and len(lines) == 2
    assert any(line.startswith("port.inspection_stations.quarantine.bays:") for line in overload_warnings(make_config()))
    assert overload_warnings(make_config(*SMALL)) == []


def test_the_python_api_refuses_an_overloaded_config_before_writing(tmp_path):
    from sim.experiment import run_experiment
    from sim.runner import RunContext, execute

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
