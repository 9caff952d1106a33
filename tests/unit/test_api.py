"""The public API in sim/__init__.py: every name resolves, `import sim` stays cheap, and a
tiny comparison runs through it as a notebook would."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

import sim


@pytest.mark.parametrize("name", sim.__all__)
def test_every_public_name_resolves(name):
    assert getattr(sim, name) is not None


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        sim.nope  # noqa: B018


def test_import_sim_loads_neither_hydra_nor_matplotlib():
    code = "import sys, sim; print(json.dumps([m for m in ('hydra', 'matplotlib', 'simpy') if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_a_tiny_comparison_through_the_api(tmp_path):
    cfg = sim.load_config(["demand.scale=0.02", "run.horizon_days=5", "run.warmup_days=1", "run.drain_days=2",
                           "run.replications=2", "run.workers=1", "experiment.report=false"])
    assert isinstance(cfg, sim.Config)
    sim.run_experiment(cfg, tmp_path / "run", echo=False)
    run = sim.open_run(tmp_path / "run")
    assert run.comparison is not None and set(run.regime_names) == {"before", "after"}
    rep = sim.simulate(cfg, cfg.regime, 0)
    assert rep.consignments.num_rows > 0
    table = sim.targets_table(sim.check_targets(run))  # the scenario's targets, as the report shows them
    assert {"T1", "T10_total"} <= set(table.index) and set(table["status"]) <= {"pass", "fail", "not evaluable"}


def test_bad_overrides_raise_a_config_error_naming_the_key():
    with pytest.raises(sim.ConfigError, match="demand.scale"):
        sim.load_config(["demand.scale=-1"])


TINY = ["demand.scale=0.02", "run.horizon_days=5", "run.warmup_days=1", "run.drain_days=2", "run.replications=2",
        "run.workers=1", "experiment=single"]


def test_api_runs_land_in_the_catalog_of_their_results_folder(tmp_path, capsys):
    """A run under a results/ folder is indexed in results/catalog.duckdb with its overrides, as a
    `python -m sim` run is; echo=False prints nothing and writes no report."""
    results = tmp_path / "results"
    overrides = [*TINY, "regime.officers=70"]
    stats = sim.run_experiment(sim.load_config(overrides), results / "nb" / "what-if", overrides=overrides,
                               echo=False)
    assert capsys.readouterr().out == ""
    assert not (results / "nb" / "what-if" / "report.html").exists()
    record = json.loads((results / "nb" / "what-if" / "run.json").read_text())
    assert record["status"] == "complete" and record["overrides"] == overrides
    runs = sim.list_runs(results / "catalog.duckdb")
    assert list(runs["run_id"]) == [record["run_id"]] and list(runs["status"]) == ["complete"]
    mean = stats["summary"]["single"]["officer_wait_hours_mean"]["mean"]
    kpis = sim.open_run(results / "nb" / "what-if").kpis["single"]
    assert kpis["officer_wait_hours_mean"]["mean"] == mean


def test_api_sweep_points_collect_by_their_directory(tmp_path):
    """Runs given sweep= and job= are the points of one sweep: `sim.collect(sweep_dir)` returns one
    row per point and KPI, with a column for the setting that varies and none for those that do not."""
    sweep = tmp_path / "results" / "sweep"
    for job, officers in enumerate((60, 90)):
        overrides = [*TINY, f"regime.officers={officers}"]
        sim.run_experiment(sim.load_config(overrides), sweep / str(job), overrides=overrides, sweep=sweep, job=job,
                           sweep_name="officers-by-hand", echo=False)
    table = sim.collect(str(sweep), catalog=tmp_path / "results" / "catalog.duckdb",
                        kpis=["officer_wait_hours_mean"])
    assert list(table["regime.officers"]) == [60, 90]
    assert "run.horizon_days" not in table.columns
    waits = table.set_index("regime.officers")["mean"]
    assert waits[60] >= waits[90]  # common random numbers: more officers never wait longer on average here
    with pytest.raises(ValueError, match="job"):
        sim.run_experiment(sim.load_config(TINY), sweep / "x", overrides=TINY, sweep=sweep, echo=False)
