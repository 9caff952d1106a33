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
BEFORE = {"export_release_within_24h_share": [0.60, 0.70], "inland_logistics_cost_cny_per_teu_mean": [1000.0, 1200.0],
          "import_customs_work_hours_mean": [1.3, 1.5], "export_customs_work_hours_mean": [0.10, 0.16],
          "throughput_teu_per_year": [4.6e6, 4.7e6], "reefer_teu_per_year": [1.0e5, 1.0e5],
          "import_yard_dwell_hours_mean": [80.0, 90.0], "import_release_hours_mean": [120.0, 140.0],
          "import_stage_share_unloading": [0.05, 0.05], "import_stage_share_preparing": [0.50, 0.60],
          "import_stage_share_clearance": [0.05, 0.07], "import_stage_share_removal": [0.40, 0.28],
          "inland_door_hours_mean": [90.0, 100.0], "berth_utilization": [0.60, 0.62],
          "vessel_wait_hours_mean": [2.0, 4.0]}
FACTOR = {"export_release_within_24h_share": 1.4, "inland_logistics_cost_cny_per_teu_mean": 0.75,
          "inland_door_hours_mean": 0.8}


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
        assert t["regime"] in ("before_reform", "after_reform", "any", None), tid
        assert t.get("change_from") in ("before_reform", "without_regional_integration", None), tid
    assert TARGETS["T3_import"]["regime"] == "before_reform"  # a 2011 figure


def test_a_normal_comparison_measures_each_target_under_its_regime():
    cfg = make_config("demand.scale=0.5")
    checks = checks_of(cfg, (Side.BEFORE, Side.AFTER))
    assert checks["T1"].side == "after" and checks["T1"].model == pytest.approx(0.65 * 1.4)
    assert checks["T3_import"].side == "before" and checks["T3_import"].model == pytest.approx(1.4)
    assert checks["T3_import"].status == PASS  # 1.4 against 1.36 +- 30 %
    assert checks["T9"].side == "before" and checks["T9"].status == PASS
    t2 = checks["T2"]  # -25 % inside -30 % to -20 %
    assert t2.side == "change" and t2.model == pytest.approx(-0.25) and t2.status == PASS
    # The interval is the paired difference's CI over the before mean (comparison.json), centred on the estimate.
    diff = paired_difference([1000.0, 1200.0], [750.0, 900.0])
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


# ------------------------------------------------------------------ ranges, structures, absolute changes
def test_range_structure_and_absolute_change_targets():
    """T10_total: 130 h inside 100-150 (after). T10_order: shares 0.05 / 0.55 / 0.06 / 0.34 rank
    preparing, removal first. T10_clearance_share: 6 % under 10 %. T11: the reform with regional
    integration minus the reform without it (the baseline side), inland door time -18 and -20 h:
    -19 h inside [-24, -12], with the paired difference's CI; not evaluable against before_reform."""
    checks = checks_of(make_config("demand.scale=0.5"), (Side.BEFORE, Side.AFTER))
    t10 = checks["T10_total"]
    assert (t10.side, t10.model, t10.low, t10.high, t10.status) == ("after", pytest.approx(130.0), 100.0, 150.0, PASS)
    order = checks["T10_order"]
    assert order.status == PASS and order.side == "after"
    assert [k for k, _ in order.ranking] == ["import_stage_share_preparing", "import_stage_share_removal",
                                             "import_stage_share_clearance", "import_stage_share_unloading"]
    assert order.ranking[0][1] == pytest.approx(0.55) and order.miss == 0.0
    assert checks["T10_clearance_share"].model == pytest.approx(0.06) and checks["T10_clearance_share"].status == PASS
    assert checks["T11"].status == NOT_EVALUABLE  # a measure's effect: needs the reform without it as baseline
    t11 = checks_of(make_config("demand.scale=0.5", "regime@baseline=without_regional_integration"),
                    (Side.BEFORE, Side.AFTER))["T11"]
    diff = paired_difference([90.0, 100.0], [72.0, 80.0])
    assert t11.side == "change" and t11.model == pytest.approx(-19.0) and t11.status == PASS
    assert (t11.ci_low, t11.ci_high) == pytest.approx((diff["ci_low"], diff["ci_high"]))
    assert t11.miss == pytest.approx((-19.0 + 18.0) / 6.0)  # from the band's centre, in half widths


def spec_check(spec: dict, before: dict, after: dict, cfg=None):
    """One target (id X) against a comparison whose KPIs have these per-replication values."""
    results = [ReplicationResult(side, r, {k: v[r] for k, v in kpis.items()})
               for side, kpis in ((Side.BEFORE, before), (Side.AFTER, after)) for r in range(2)]
    values = RunValues.of_stats(summarize(results), cfg or make_config("demand.scale=0.5"))
    return evaluate_targets(values, {"X": spec})[0]


def test_a_range_includes_its_edges_and_nothing_beyond():
    spec = {"target": "x", "low": 1.0, "high": 8.0, "unit": "hours", "kpi": "w", "regime": "after_reform"}
    for mean, status in ((1.0, PASS), (8.0, PASS), (0.999, FAIL), (8.001, FAIL), (4.0, PASS)):
        c = spec_check(spec, {"w": [0.0, 0.0]}, {"w": [mean, mean]})
        assert c.status == status, mean


def test_a_structure_fails_when_the_order_differs():
    """Preparing largest but clearance (not removal) second: not met; and removal first: not met."""
    spec = {"target": "x", "largest": ["p", "r"], "among": ["u", "p", "c", "r"], "unit": "share",
            "regime": "after_reform"}
    none = {k: [0.0, 0.0] for k in "upcr"}
    assert spec_check(spec, none, {"u": [.1, .1], "p": [.5, .5], "c": [.3, .3], "r": [.1, .2]}).status == FAIL
    assert spec_check(spec, none, {"u": [.1, .1], "p": [.3, .3], "c": [.1, .1], "r": [.5, .5]}).status == FAIL
    ok = spec_check(spec, none, {"u": [.1, .1], "p": [.5, .5], "c": [.1, .1], "r": [.3, .3]})
    assert ok.status == PASS and ok.kpi == "u, p, c, r"
    missing = spec_check(spec, {"u": [0, 0], "p": [0, 0], "r": [0, 0]}, {"u": [.1, .1], "p": [.5, .5], "r": [.3, .3]})
    assert missing.status == NOT_EVALUABLE and "'c' is not a KPI" in missing.reason


def test_an_absolute_change_is_the_paired_difference_not_the_ratio():
    spec = {"target": "x", "low": -24, "high": -12, "unit": "hours", "kpi": "d", "regime": "after_reform",
            "change_from": "before_reform", "change": "absolute"}
    c = spec_check(spec, {"d": [100.0, 60.0]}, {"d": [90.0, 40.0]})
    assert c.model == pytest.approx(-15.0) and c.status == PASS  # -10 and -20; relative would be -18.75 %
    relative = spec_check({**spec, "change": "relative", "low": -0.2, "high": -0.1}, {"d": [100.0, 60.0]},
                          {"d": [90.0, 40.0]})
    assert relative.model == pytest.approx(-30.0 / 160.0)


def test_port_figures_need_full_traffic_and_any_regime():
    """T12 (regime: any, requires demand.scale 1): judged on the regime under study of a full-scale
    run (0.61 occupancy, 3 h wait: met), whatever regimes it runs; not on a scaled run."""
    full = checks_of(make_config(), (Side.BEFORE, Side.AFTER))
    assert full["T12_occupancy"].side == "after" and full["T12_occupancy"].model == pytest.approx(0.61)
    assert full["T12_occupancy"].status == full["T12_wait"].status == PASS
    single = checks_of(make_config("experiment=single", "regime=before_reform"), (Side.SINGLE,))
    assert single["T12_wait"].side == "single" and single["T12_wait"].model == pytest.approx(3.0)
    scaled = checks_of(make_config("demand.scale=0.5"), (Side.BEFORE, Side.AFTER))
    assert scaled["T12_occupancy"].status == NOT_EVALUABLE
    assert scaled["T12_occupancy"].reason == "needs a run with demand.scale = 1.0 (this run has 0.5)"


@pytest.mark.parametrize("entry, message", [
    ("{value: 1, tolerance: 0.1, low: 0, high: 2, kpi: a, regime: r}", "exactly one of value"),
    ("{tolerance: 0.1, kpi: a, regime: r}", "got none"),
    ("{low: 2, high: 1, kpi: a, regime: r}", "low \\(2\\) must be below high \\(1\\)"),
    ("{low: 1, kpi: a, regime: r}", "numbers for both low and high"),
    ("{largest: [a, z], among: [a, b], regime: r}", "largest must list distinct KPIs of among"),
    ("{low: 1, high: 2, kpi: a, regime: r, change_from: q, change: ratio}", "change must be relative or absolute"),
    ("{low: 1, high: 2, kpi: a, regime: r, change: absolute}", "has change but no change_from"),
    ("{low: 1, high: 2, kpi: a, regime: r, requires: 1}", "requires must map config paths"),
])
def test_malformed_ranges_structures_and_changes_are_refused(tmp_path, entry, message):
    path = tmp_path / "targets.yaml"
    path.write_text(f"X: {entry}\n")
    with pytest.raises(TargetsError, match=message):
        load_targets(path)


# ------------------------------------------------------------------ a regime as published
def changed(cfg, sides, changes):
    """The checks of `cfg` when `changes` (side -> {key: [published, run]}) were recorded at run time."""
    values = dataclasses.replace(RunValues.of_stats(summarize(results(sides)), cfg), changes=changes)
    return {c.id: c for c in evaluate_targets(values, TARGETS)}


def test_an_overridden_regime_is_not_the_published_one():
    """regime.officers=50 on the after side: after_reform's targets (T1, T5, T10) and the reform effect
    (T2) describe after_reform as published, so they are not evaluable; before_reform's still are."""
    cfg = make_config("demand.scale=0.5")
    checks = changed(cfg, (Side.BEFORE, Side.AFTER), {"before": {}, "after": {"officers": [76, 50]}})
    for tid in ("T1", "T2", "T5", "T10_total", "T10_order", "T10_clearance_share"):
        assert checks[tid].status == NOT_EVALUABLE, tid
        assert checks[tid].reason == ("the after side runs after_reform changed (officers = 50 (published 76)), "
                                      "not after_reform as published"), tid
    assert checks["T3_import"].status == PASS and checks["T3_import"].side == "before"
    assert checks["T12_occupancy"].reason.startswith("needs a run with demand.scale")  # port figures: any regime
    # Nothing recorded as changed: the same run judges everything, as before.
    unchanged = changed(cfg, (Side.BEFORE, Side.AFTER), {"before": {}, "after": {}})
    assert unchanged["T1"].status == FAIL and unchanged["T2"].status == PASS


def test_a_what_if_on_one_regime_judges_the_side_left_as_published():
    """after_reform on both sides, officers changed on the after side: the before side is after_reform
    as published, so after_reform's targets are judged there; the baseline changed too: on neither."""
    cfg = make_config("regime@baseline=after_reform")
    checks = changed(cfg, (Side.BEFORE, Side.AFTER), {"before": {}, "after": {"officers": [76, 50]}})
    assert checks["T1"].side == "before" and checks["T1"].model == pytest.approx(0.65)
    both = changed(cfg, (Side.BEFORE, Side.AFTER), {"before": {"officers": [76, 60]}, "after": {"officers": [76, 50]}})
    assert both["T1"].status == NOT_EVALUABLE
    assert "before side runs after_reform changed" in both["T1"].reason and "after side" in both["T1"].reason


def test_depends_on_limits_the_keys_that_matter_and_unknown_departures_count():
    cfg = make_config("experiment=single", "regime=before_reform")
    targets = {"T3": dict(TARGETS["T3_import"], depends_on=["inspection_hours_mean"])}
    values = RunValues.of_stats(summarize(results((Side.SINGLE,))), cfg)

    def check(changes):
        return evaluate_targets(dataclasses.replace(values, changes={"single": changes}), targets)[0]

    assert check({"officers": [300, 50]}).status == PASS  # a key the figure does not depend on
    hit = check({"inspection_hours_mean.customs": [3.0, 2.0]})
    assert hit.status == NOT_EVALUABLE and "inspection_hours_mean.customs = 2.0 (published 3.0)" in hit.reason
    unknown = check(None)  # a file that calls itself before_reform: what it changes is not known
    assert unknown.status == NOT_EVALUABLE and "not known" in unknown.reason


def test_departures_are_the_keys_that_differ_from_the_published_file():
    from sim.cli.published import departures

    published = {"name": "after_reform", "description": "x", "officers": 76, "hours": {"doc": 0.3, "scan": 0.1}}
    run = {"name": "after_reform", "description": "mine", "officers": 50, "hours": {"doc": 0.3, "scan": 0.2},
           "a_schema_default": 1.0}  # a key the file leaves to the schema is not a departure
    assert departures(run, published) == {"hours.scan": [0.1, 0.2], "officers": [76, 50]}
    assert departures(published, published) == {}
    assert departures({**published, "hours": {"doc": 0.3}}, published) == {"hours.scan": [0.1, None]}


def test_a_stored_run_without_regimes_json_falls_back_on_its_overrides(tmp_path):
    from sim.store.rundir import Run

    config = {"run": {"horizon_days": 14, "warmup_days": 4}, "regime": {"name": "after_reform"},
              "baseline": {"name": "before_reform"}}
    run = Run(tmp_path, config, {"before": {}, "after": {}}, {})
    (tmp_path / "run.json").write_text(json.dumps({"overrides": ["regime.officers=50", "demand.scale=0.1"]}))
    assert run.regime_changes == {"before": {}, "after": {"officers": [None, "50"]}}
    run = Run(tmp_path, config, {"before": {}, "after": {}}, {})
    (tmp_path / "run.json").write_text(json.dumps({"overrides": ["regime=my_what_if"]}))
    assert run.regime_changes == {"before": {}, "after": None}  # my_what_if.yaml calls itself after_reform
    (tmp_path / "regimes.json").write_text(json.dumps({"after": {"regime": "after_reform", "changed": {}}}))
    assert Run(tmp_path, config, {"before": {}, "after": {}}, {}).regime_changes == {"after": {}}
