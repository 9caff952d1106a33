"""`python -m sim -m +optimise=NAME` (Hydra's Optuna sweeper): bad input refused up front, a small
study that resumes, reuses repeated points and writes the best feasible point as a regime file,
and a target no trial meets, reported with the closest trial."""
from __future__ import annotations

import json

import pytest
import yaml
from conftest import REPO, SMALL, run_cli

from sim.store.catalog import Catalog

STUDY = "+optimise=staffing_for_export_target"
SPACE = "regime.officers: choice(70, 90)"
"""Two officer counts, all else fixed: a 4-trial study must propose a point twice."""


BAD_SPACES = {
    "no_such_key": ("regime.no_such_key: int(range(1, 5))", "error: hydra.sweeper.params.regime.no_such_key: no such key"),
    "upside_down": ("regime.officers: int(interval(90, 40))",
                    "error: hydra.sweeper.params.regime.officers: lower bound 90 is above the upper bound 40"),
}


def own_study(folder, name: str, param: str) -> str:
    """A planner's own study file (`--config-dir`): the bundled one with another search space."""
    bundled = (REPO / "configs" / "optimise" / "staffing_for_export_target.yaml").read_text()
    text = bundled[:bundled.index("    params:")] + f"    params:\n      {param}\n"
    (folder / "optimise").mkdir(parents=True, exist_ok=True)
    (folder / "optimise" / f"{name}.yaml").write_text(text)
    return f"+optimise={name}"


@pytest.mark.parametrize("case", ["unknown_kpi", *BAD_SPACES])
def test_bad_study_one_line_exit_2_nothing_written(tmp_path, tmp_path_factory, case):
    if case == "unknown_kpi":
        args, start = (STUDY, "optimise.objectives=[no_such_kpi]"), "error: optimise.objectives.0: unknown KPI 'no_such_kpi'"
    else:
        folder = tmp_path_factory.mktemp("own")
        param, start = BAD_SPACES[case]
        args = ("--config-dir", str(folder), own_study(folder, case, param))
    result = run_cli("-m", *args, *SMALL, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(start), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not any(tmp_path.iterdir())


def test_a_study_resumes_reuses_points_and_writes_the_best_regime(tmp_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("own")
    args = ("-m", "--config-dir", str(folder), own_study(folder, "two_points", SPACE), *SMALL,
            "optimise.constraints.0.min=0.5", "optimise.confirm_replications=3")
    first = run_cli(*args, "hydra.sweeper.n_trials=4", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "already complete" in first.stdout + first.stderr  # 4 trials over 2 points: one is reused
    out = first.stdout + first.stderr
    assert "best feasible:" in out and "confirmed with 3 replications: meets the target" in out
    second = run_cli(*args, "hydra.sweeper.n_trials=1", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "5 trial(s) in the catalog" in second.stdout + second.stderr  # the stopped study went on where it was
    trials = Catalog(tmp_path / "results" / "catalog.duckdb").trials()
    study = trials[~trials.study.str.endswith(":confirm")]
    assert len(study) == 5 and study.feasible.all()
    assert set(study.params.map(lambda p: json.loads(p)["regime.officers"])) <= {"70", "90"}
    # fewer officers cost less and both meet the lax target: the best is 70
    best = next(tmp_path.glob("results/optimise/*/*/best_regime.yaml"))
    regime = yaml.safe_load(best.read_text())
    assert regime["officers"] == 70 and regime["name"].endswith("_optimised")
    assert best.read_text().startswith("# D: the best feasible point")
    # ready to use: a planner's own regime file (`--config-dir`, regime/NAME.yaml)
    from sim.cli.compose import compose_config

    (folder / "regime").mkdir()
    (folder / "regime" / "best.yaml").write_text(best.read_text())
    assert compose_config(["regime=best"], config_dir=folder).regime.officers == 70


def test_a_target_no_trial_meets_ends_with_the_closest(tmp_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("own")
    result = run_cli("-m", "--config-dir", str(folder), own_study(folder, "two_points", SPACE), *SMALL,
                     "hydra.sweeper.n_trials=2",
                     "optimise.constraints=[{kpi:import_clearance_hours_mean,max:0.01}]", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no trial met the target (import_clearance_hours_mean <= 0.01 on the interval); the closest:" in result.stdout
    report = json.loads(next(tmp_path.glob("results/optimise/*/*/optimise_report.json")).read_text())
    assert report["feasible"] is False and report["closest"]["params"]["regime.officers"] in ("70", "90")
    assert not list(tmp_path.glob("results/optimise/*/*/best_regime.yaml"))


@pytest.mark.parametrize("overrides, message", [
    (("optimise.constraints=[{kpi:nope,min:1}]",), "optimise.constraints.0.kpi: unknown KPI 'nope'"),
    (("optimise.constraints=[{kpi:export_release_within_24h_share}]",), "optimise.constraints.0: needs min or max"),
    (("optimise.constraints=[{kpi:export_release_within_24h_share,min:0.9,judge:median}]",),
     "optimise.constraints.0.judge: 'median'; expected one of ci, mean"),
    (("run.replications=1",), "run.replications: a constraint on the interval (judge: ci) needs at least 2"),
    (("optimise.objectives=[resource_cost,import_clearance_hours_mean]",),
     "hydra.sweeper.direction: 1 direction(s) for 2 objective(s)"),
    (("hydra.sweeper.direction=maximize",), "hydra.sweeper.direction: every objective is minimised"),
])
def test_the_study_definition_is_checked_before_anything_runs(overrides, message):
    from sim.cli.preflight import first_sweep_error

    assert first_sweep_error([STUDY, *overrides]).startswith(message)


def test_a_study_without_multirun_is_one_line(tmp_path):
    result = run_cli(STUDY, cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("error: optimise: +optimise=") and "-m" in result.stderr
    assert not any(tmp_path.iterdir())


def test_an_overloaded_point_is_an_infeasible_trial_not_a_crash(tmp_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("own")
    result = run_cli("-m", "--config-dir", str(folder), own_study(folder, "too_few", "regime.officers: choice(3, 4)"),
                     "run.horizon_days=10", "run.replications=2", "run.workers=1", "hydra.sweeper.n_trials=2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "refused (regime.officers: offered load" in result.stderr
    out = result.stdout + result.stderr
    assert "no trial met the target" in out and "not simulated: regime.officers: offered load" in out
    trials = Catalog(tmp_path / "results" / "catalog.duckdb").trials()
    assert len(trials) == 2 and not trials.feasible.any() and trials.run_id.isna().all()
