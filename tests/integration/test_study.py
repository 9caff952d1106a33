"""`experiment=timeline` and `experiment=attribution` end to end at a small scale (sim.cli.study,
sim.runs.study): common random numbers across every regime and subset, the paired steps, and
Shapley values that add up to the reform's effect exactly."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import SMALL

from sim.cli.study import run_study
from sim.domain.sides import Side
from sim.runs.study import read_replications

TINY = (*SMALL, "run.horizon_days=7", "run.drain_days=3", "run.catalog=")
HEADLINE = ("export_release_within_24h_share", "import_release_hours_mean", "inland_door_hours_mean",
            "logistics_cost_cny_per_teu_mean")

# A reform of three of the 2015 measures on the 2014 regime, written as a planner would (its own
# folder): small enough for exact Shapley values (8 subsets).
REFORM = """\
defaults:
  - before_reform@_here_
  - measure/round_the_clock@_here_
  - measure/paperless@_here_
  - measure/e_payment@_here_
  - _self_
name: three_measures
measures: [round_the_clock, paperless, e_payment]
"""


@pytest.fixture(scope="module")
def own_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("own_configs")
    (d / "regime").mkdir()
    (d / "regime" / "three_measures.yaml").write_text(REFORM)
    return d


def _values(out: Path, result: dict, key: str) -> dict:
    return read_replications(out / result[key])


def test_timeline_of_three_regimes_pairs_every_step(tmp_path):
    out = tmp_path / "timeline"
    result = run_study(["experiment=timeline", "experiment.regimes=[before_reform,after_reform,red_channel_x2]",
                        *TINY], out, echo=False)
    names = [r["name"] for r in result["regimes"]]
    assert names == ["before_reform", "after_reform", "red_channel_x2"]
    steps = [(s["from"], s["to"], s["against"]) for s in result["steps"]]
    assert steps == [("before_reform", "after_reform", "previous"), ("after_reform", "red_channel_x2", "previous"),
                     ("before_reform", "red_channel_x2", "first")]
    reps = [_values(out, r, "run") for r in result["regimes"]]
    for s, (i, j) in zip(result["steps"], [(0, 1), (1, 2), (0, 2)]):
        for k in HEADLINE:
            assert s["kpis"][k]["diff"]["mean"] == pytest.approx(float(np.mean(reps[j][k] - reps[i][k])), rel=1e-12)
            assert s["kpis"][k][Side.BEFORE]["mean"] == pytest.approx(result["regimes"][i]["kpis"][k]["mean"])
    assert result["national_trend"]["status"] == "not evaluable here"
    stored = json.loads((out / "timeline.json").read_text())
    assert [r["name"] for r in stored["regimes"]] == names
    assert not (out / "comparison.json").exists()  # only a two-regime timeline is also a comparison
    assert (out / "timeline.png").stat().st_size > 0
    assert "National trend" in (out / "report.html").read_text()
    from sim.cli.report import main  # `python -m sim.report` on a study's directory: the study report

    main([str(out), "--out", str(tmp_path / "again.html")])
    assert "National trend" in (tmp_path / "again.html").read_text()


def test_two_regime_timeline_writes_a_comparison_shaped_like_compare(tmp_path):
    out = tmp_path / "two"
    run_study(["experiment=timeline", "experiment.regimes=[before_reform,without_regional_integration]", *TINY],
              out, echo=False)
    comparison = json.loads((out / "comparison.json").read_text())
    entry = comparison["import_release_hours_mean"]
    assert set(entry) == {"before", "after", "diff", "rel_change"}
    assert set(entry["diff"]) == {"mean", "ci_low", "ci_high", "n"}


def test_exact_shapley_values_sum_to_the_reform_effect_on_common_random_numbers(tmp_path, own_dir):
    out = tmp_path / "attribution"
    result = run_study(["experiment=attribution", "regime=three_measures", *TINY], out, config_dir=own_dir, echo=False)
    assert result["method"] == "exact" and result["base"] == "before_reform"
    assert len(result["subsets"]) == 8 and result["measures"] == ["round_the_clock", "paperless", "e_payment"]
    # The empty and the full subset are the regimes as Hydra composes them: the same numbers as
    # separate single runs of before_reform and of the reform, replication by replication.
    single = run_study(["experiment=timeline", "experiment.regimes=[before_reform,three_measures]", *TINY],
                       tmp_path / "single", config_dir=own_dir, echo=False)
    before, after = (_values(tmp_path / "single", r, "run") for r in single["regimes"])
    by_members = {tuple(s["measures"]): read_replications(out / s["run"]) for s in result["subsets"]}
    for k in HEADLINE + ("import_clearance_hours_mean", "officer_wait_hours_mean"):
        np.testing.assert_array_equal(by_members[()][k], before[k])
        np.testing.assert_array_equal(by_members[tuple(result["measures"])][k], after[k])
        r = result["kpis"][k]
        shapley_sum = sum(e["shapley"]["mean"] for e in r["measures"].values())
        total = float(np.mean(after[k] - before[k]))
        assert shapley_sum == pytest.approx(total, rel=1e-12, abs=1e-12)
        assert r["total"]["mean"] == pytest.approx(total, rel=1e-12, abs=1e-12)
        assert r["shapley_sum_minus_total"] <= 1e-9 * max(1.0, abs(total))
        alone = sum(e["one_at_a_time"]["mean"] for e in r["measures"].values())
        assert r["interaction"]["mean"] == pytest.approx(total - alone, rel=1e-9, abs=1e-9)
    for k in HEADLINE:
        assert (out / f"waterfall_{k}.png").stat().st_size > 0
    assert "Attribution" in (out / "report.html").read_text()


def test_sampled_attribution_of_2015_sums_to_before_after(tmp_path):
    out = tmp_path / "sampled"
    result = run_study(["experiment=attribution", "experiment.permutations=2", *TINY], out, echo=False)
    assert result["method"] == "sampled" and len(result["measures"]) == 9 and len(result["orderings"]) == 2
    for k in HEADLINE:
        r = result["kpis"][k]
        shapley_sum = sum(e["shapley"]["mean"] for e in r["measures"].values())
        assert shapley_sum == pytest.approx(r["total"]["mean"], rel=1e-12, abs=1e-12)
        assert all(e["shapley_mc_error"] is not None for e in r["measures"].values())


def test_a_subset_that_overloads_a_station_runs_and_is_listed(tmp_path):
    # Nine physical bays: enough for round-the-clock hours alone, not for office hours, nor for joint
    # inspection's extra physical work (sim.config.stability), so three of the four subsets overload.
    out = tmp_path / "overloaded"
    result = run_study(["experiment=attribution", "experiment.measures=[round_the_clock,joint_inspection_3plus1]",
                        "port.inspection_stations.physical.bays=9", "run.horizon_days=7", "run.warmup_days=2",
                        "run.drain_days=3", "run.replications=2", "run.workers=1", "run.catalog="], out, echo=False)
    listed = {tuple(s["measures"]) for s in result["overloaded_subsets"]}
    assert listed == {(), ("joint_inspection_3plus1",), ("joint_inspection_3plus1", "round_the_clock")}
    assert all("port.inspection_stations.physical" in " ".join(s["stations"]) for s in result["overloaded_subsets"])
    for s in result["subsets"]:  # every subset ran, the overloaded ones with the overload allowance
        config = (out / s["run"] / "config.yaml").read_text()
        assert ("allow_overload: true" in config) == bool(s["overloaded"])
    assert "overload" in (out / "report.html").read_text()
