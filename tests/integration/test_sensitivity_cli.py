"""`experiment=sensitivity` from the command line: bad priors or a study over its budget end as
one `error:` line, exit 2, nothing written; the in-process catalogue checks each case's wording."""
from __future__ import annotations

import pytest
import yaml
from conftest import run_cli

from sim.cli.preflight import first_config_error

GOOD = {"name": "duty", "keys": ["regime.duty_hours_mean"], "nominal": 1.0, "low": 0.5, "high": 2.0}
CASES = [
    ({**GOOD, "low": 3.0}, [], "low 3 > high 2"),
    ({**GOOD, "keys": ["regime.no_such_hours"]}, [], "no such key 'regime.no_such_hours'"),
    ({"name": "pre", "keys": ["regime.pre_arrival_share"], "nominal": 0.4, "low": 0.2, "high": 1.4, "kind": "share"},
     [], "a share's range must lie in [0, 1]"),
    (GOOD, ["experiment.max_evaluations=10"], "more than the budget of 10"),
]
IDS = ["low-above-high", "no-such-key", "share-outside-0-1", "over-budget"]


def priors(tmp_path, factor) -> str:
    path = tmp_path / "uncertainty.yaml"
    path.write_text(yaml.safe_dump({"factors": [factor]}))
    return str(path)


@pytest.mark.parametrize("factor, extra, problem", CASES, ids=IDS)
def test_bad_study_is_one_line(tmp_path, factor, extra, problem):
    message = first_config_error(["experiment=sensitivity", f"experiment.uncertainty={priors(tmp_path, factor)}",
                                  *extra])
    assert message is not None and problem in message, message


def test_a_good_study_passes(tmp_path):
    assert first_config_error(["experiment=sensitivity", f"experiment.uncertainty={priors(tmp_path, GOOD)}"]) is None


@pytest.mark.parametrize("factor, extra, problem", [CASES[1], CASES[3]], ids=[IDS[1], IDS[3]])
def test_cli_bad_study_writes_nothing(tmp_path, factor, extra, problem):
    out = tmp_path / "out"
    result = run_cli("experiment=sensitivity", f"experiment.uncertainty={priors(tmp_path, factor)}", *extra,
                     f"hydra.run.dir={out}", timeout=120)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and problem in lines[0], result.stderr
    assert "Traceback" not in result.stdout + result.stderr and result.stdout == ""
    assert not out.exists(), "bad input left a results directory"


def test_the_bundled_study_fits_its_budget():
    """The default study over scenarios/dalian/uncertainty.yaml composes (priors valid, budget met)."""
    assert first_config_error(["experiment=sensitivity"]) is None


def test_a_small_study_end_to_end_and_resumed(tmp_path):
    """Two factors, every stage, from the command line: the study's files, figures and report
    section; started again in the same directory it evaluates nothing."""
    factors = [{"name": "query_share", "keys": ["baseline.query_share.export", "regime.query_share.export"],
                "nominal": 0.4, "low": 0.2, "high": 0.6, "kind": "share"},
               {"name": "handling", "keys": ["costs.handling_cny_per_teu"], "nominal": 800, "low": 400, "high": 1600}]
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump({"factors": factors}))
    out = tmp_path / "study"
    args = ("experiment=sensitivity", f"experiment.uncertainty={path}", "demand.scale=0.05", "run.horizon_days=7",
            "run.warmup_days=1", "run.drain_days=3", "run.replications=2", "run.workers=2", "experiment.lhs_samples=4",
            "experiment.morris_trajectories=2", "experiment.sobol_samples=2",
            "experiment.kpis=[export_clearance_hours_mean,logistics_cost_cny_per_teu_mean]", f"hydra.run.dir={out}")
    first = run_cli(*args, timeout=300)
    assert first.returncode == 0, first.stderr
    study = out / "study"
    for name in ("bands.csv", "morris.csv", "sobol.csv", "evaluations.parquet", "study.json", "sobol.png",
                 "uncertainty_bands.png", "tornado_export_clearance_hours_mean.png"):
        assert (study / name).is_file(), name
    assert "id=uncertainty-bands" in (out / "report.html").read_text()
    import json

    import pandas as pd

    bands = pd.read_csv(study / "bands.csv").set_index("kpi")
    assert "5-95% over the priors" in first.stdout
    effect = bands.loc["export_clearance_hours_mean"]
    assert effect["band_p05"] <= effect["band_p50"] <= effect["band_p95"] < 0  # the reform shortens it in every draw
    stated = bands[bands["conclusion"] == "after.export_release_within_24h_share >= 0.98"]
    assert len(stated) == 1 and 0 <= stated["holds_share"].iloc[0] <= 1
    info = json.loads((study / "study.json").read_text())
    assert info["timing"]["evaluations"] == 4 + 2 * 3 + 2 * 4
    from sim.uncertainty.sensitivity import reanalyse

    morris = pd.read_csv(study / "morris.csv")
    redone = reanalyse(out, write=False)
    pd.testing.assert_frame_equal(redone.morris.reset_index(drop=True), morris, check_exact=False, rtol=1e-9)
    again = run_cli(*args, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "evaluations" not in again.stdout.split("sensitivity:")[1].split("KPI")[0].replace("paired evaluations", "")
