"""The one target evaluator (sim/calibration/targets.py): a target is measured under the regime
it names, on whichever side of the run simulates it, and is not evaluable on a run without it."""
from __future__ import annotations

import dataclasses
import json

import pytest

from sim.calibration.targets import FAIL, NOT_EVALUABLE, PASS, RunValues, TargetsError, evaluate_targets, load_targets
from sim.domain.sides import Side
from sim.experiment.replications import ReplicationResult, compare, summarize
from sim.outputs.stats import paired_difference
from sim.store.atomic import _json_safe
from tests.conftest import REPO, make_config

TARGETS = load_targets(REPO / "scenarios" / "dalian" / "targets.yaml")

# Two replications per side; the after side is the before side times a factor.
BEFORE = {"export_release_within_24h_share": [0.60, 0.70], "logistics_cost_cny_per_teu_mean": [1000.0, 1200.0],
          "import_processing_hours_mean": [1.3, 1.5], "export_processing_hours_mean": [0.10, 0.16],
          "throughput_teu_per_year": [4.6e6, 4.7e6], "reefer_teu_per_year": [1.0e5, 1.0e5],
          "import_yard_dwell_hours_mean": [80.0, 90.0]}
FACTOR = {"export_release_within_24h_share": 1.4, "logistics_cost_cny_per_teu_mean": 0.7}


def results(sides) -> list[ReplicationResult]:
    out = []
    for side in sides:
        factor = FACTOR if side == Side.AFTER else {}
        for r in range(2):
            out.append(ReplicationResult(side, r, {k: v[r] * factor.get(k, 1.0) for k, v in BEFORE.items()}))
    return out


def checks_of(cfg, sides):
    return {c.id: c for c in evaluate_targets(RunValues.of_stats(summarize(results(sides)), cfg), TARGETS)}


def test_targets_name_regimes_not_sides():
    for tid, t in TARGETS.items():
        assert t["regime"] in ("before_reform", "after_reform", None), tid
        assert t.get("change_from") in ("before_reform", None), tid
    assert TARGETS["T3_import"]["regime"] == "before_reform"  # a 2011 figure


def test_a_normal_comparison_measures_each_target_under_its_regime():
    cfg = make_config("demand.scale=0.5")
    checks = checks_of(cfg, (Side.BEFORE, Side.AFTER))
    assert checks["T1"].side == "after" and checks["T1"].model == pytest.approx(0.65 * 1.4)
    assert checks["T3_import"].side == "before" and checks["T3_import"].model == pytest.approx(1.4)
    assert checks["T3_import"].status == PASS  # 1.4 against 1.36 +- 30 %
    assert checks["T9"].side == "before" and checks["T9"].status == PASS
    t2 = checks["T2"]
    assert t2.side == "change" and t2.model == pytest.approx(-0.3) and t2.status == PASS
    # The interval is the paired difference's CI over the before mean (comparison.json), centred on the estimate.
    diff = paired_difference([1000.0, 1200.0], [700.0, 840.0])
    assert (t2.ci_low, t2.ci_high) == pytest.approx((diff["ci_low"] / 1100, diff["ci_high"] / 1100))
    assert t2.ci_low < t2.model < t2.ci_high
    assert checks["T4"].model == pytest.approx(4.65e6 / 0.5)  # full-scale equivalent of a half-scale run
    assert checks["T8"].side == "input" and checks["T8"].model == pytest.approx(108) and checks["T8"].status == PASS
    for tid in ("T6", "T7"):
        assert checks[tid].status == NOT_EVALUABLE and checks[tid].reason.startswith("needs ")
    assert checks["T1"].status == FAIL


def test_a_what_if_without_the_2011_regime_does_not_judge_2011_targets():
    """regime@baseline=after_reform runs the 2015 regime on both sides: nothing there is 2011 customs."""
    cfg = make_config("regime@baseline=after_reform")
    assert cfg.baseline.name == cfg.regime.name == "after_reform"
    checks = checks_of(cfg, (Side.BEFORE, Side.AFTER))
    for tid in ("T3_import", "T3_export", "T4", "T9"):
        assert checks[tid].status == NOT_EVALUABLE, tid
        assert "before_reform, which this run does not simulate" in checks[tid].reason
    assert checks["T2"].status == NOT_EVALUABLE and "needs a comparison of before_reform" in checks["T2"].reason
    # The regime under study: measured on the after side (0.65 x 1.4 = 91 %, outside 98.2 +- 1 pp).
    assert checks["T1"].side == "after" and checks["T1"].model == pytest.approx(0.65 * 1.4)
    assert checks["T1"].status == FAIL
    assert checks["T8"].status == PASS  # an input: any run


def test_a_single_run_evaluates_the_targets_of_its_own_regime():
    cfg = make_config("experiment=single", "regime=before_reform")
    checks = checks_of(cfg, (Side.SINGLE,))
    assert checks["T3_import"].side == "single" and checks["T3_import"].status == PASS
    assert checks["T1"].status == checks["T2"].status == NOT_EVALUABLE


def test_stored_files_and_memory_give_the_same_checks():
    """The report reads kpis.json / comparison.json (JSON: plain-string sides, null for NaN); the
    fit reads its replications in memory. Both go through the same evaluator."""
    cfg = make_config("demand.scale=0.5")
    stats = summarize(results((Side.BEFORE, Side.AFTER)))
    memory = evaluate_targets(RunValues.of_stats(stats, cfg), TARGETS)
    as_stored = json.loads(json.dumps(_json_safe({"kpis": stats["summary"],
                                                  "comparison": compare(stats["per_replication"]),
                                                  "config": dataclasses.asdict(cfg)})))
    stored = evaluate_targets(RunValues({"before": "before_reform", "after": "after_reform"}, as_stored["kpis"],
                                        as_stored["comparison"], as_stored["config"]), TARGETS)
    for a, b in zip(memory, stored):
        assert (a.id, a.status, a.side, a.reason) == (b.id, b.status, b.side, b.reason)
        assert a.model == pytest.approx(b.model, nan_ok=True)


def test_a_malformed_target_is_one_error_naming_the_file(tmp_path):
    path = tmp_path / "targets.yaml"
    path.write_text("T1: {value: 1, tolerance: 0.1, kpi: a, change_from: before_reform}\n")
    with pytest.raises(TargetsError, match="targets.yaml: T1 has change_from but no regime"):
        load_targets(path)
