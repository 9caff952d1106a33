"""Figures and the summaries behind them, on a small stored run (never re-simulated)."""
from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sim.domain import Direction, Trade
from sim.outputs import summaries
from sim.viz import plots
from sim.calibration.targets import check_targets, load_targets, targets_path
from sim.outputs.kpi import EXPORT_STAGES, IMPORT_STAGES, export_stages
from sim.viz.plots_planning import calibration_figure, sweep_heatmap_figure, sweep_response_figure
from sim.store.rundir import RunDirError, load_run
from tests.stored_runs import copy_of, stored_run


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return load_run(stored_run(tmp_path_factory, "compare"))


def visible_axes(fig):
    return [ax for ax in fig.axes if ax.get_visible() and ax.axison and ax.get_label() != "<colorbar>"]


def assert_labelled(fig, name: str) -> None:
    axes = visible_axes(fig)
    if not axes:  # a table figure: no axes to label, but a title saying what it is
        assert fig.axes and fig.axes[0].get_title(), name
        return
    for ax in axes:
        assert ax.get_xlabel().strip(), f"{name}: an axis without an x label"
        assert ax.get_ylabel().strip(), f"{name}: an axis without a y label"
    assert any(ax.get_title() for ax in axes) or fig._suptitle is not None, f"{name}: no title"


def assert_png_and_svg(paths, stem: str) -> None:
    assert [p.name for p in paths] == [f"{stem}.png", f"{stem}.svg"]
    png, svg = paths
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in svg.read_bytes()[:1000]


def test_every_run_figure_is_saved_as_png_and_svg_with_labelled_axes(run, tmp_path):
    figures = plots.run_figures()
    assert len(figures) >= 12
    for stem, (builder, caption) in figures.items():
        fig = builder(run)
        assert_labelled(fig, stem)
        assert caption
        assert_png_and_svg(plots.save(fig, tmp_path, stem), stem)
    assert not plt.get_fignums(), "save closes the figures it wrote"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{s}.{f}" for s in figures for f in ("png", "svg"))


def test_regime_colours_are_fixed(run):
    fig = plots.run_clearance_ecdf(run, "export")
    colours = {line.get_label().split(":")[0]: line.get_color() for line in fig.axes[0].get_lines()
               if not line.get_label().startswith("_")}
    assert colours == {"before": plots.SIDE_COLOURS["before"], "after": plots.SIDE_COLOURS["after"]}
    plt.close(fig)


def test_the_same_run_gives_the_same_svg(run, tmp_path):
    first = plots.save(plots.import_stages_figure(run), tmp_path, "first")
    second = plots.save(plots.import_stages_figure(run), tmp_path, "second")
    assert first[1].read_bytes() == second[1].read_bytes()


def test_stage_means_match_the_stored_kpis(run):
    comparison = run.comparison
    imports = summaries.import_stage_means(run)
    for side in ("before", "after"):
        for stage in IMPORT_STAGES:
            assert imports.loc[side, stage] == pytest.approx(comparison[f"import_stage_hours_{stage}"][side]["mean"])
    exports = summaries.export_stage_means(run)
    assert list(exports.columns) == list(EXPORT_STAGES)
    # Each export stage from its own milestones, mean per replication then over replications, for the
    # finished foreign exports that gated in during the observed window.
    t = run.consignments
    w = run.window
    t = t[(t["direction"] == Direction.EXPORT.code) & (t["trade"] == Trade.FOREIGN.code) & t["out"].notna()
          & (t["gate_in"] >= w.warmup_hours) & (t["gate_in"] < w.horizon_hours)]
    by_definition = pd.DataFrame({
        "side": t["side"].astype(str), "replication": t["replication"],
        "preparing": np.maximum(0.0, t["lodged"] - t["gate_in"]),
        "clearance": np.maximum(0.0, t["released"] - np.maximum(t["gate_in"], t["lodged"])),
        "after_release": np.maximum(0.0, t["loaded"] - np.maximum(t["gate_in"], t["released"])),
        "departure": t["out"] - np.maximum(np.maximum(t["gate_in"], t["released"]), t["loaded"]),
    })
    expected = by_definition.groupby(["side", "replication"]).mean().groupby("side").mean()
    for side in ("before", "after"):
        for stage in EXPORT_STAGES:
            assert exports.loc[side, stage] == pytest.approx(expected.loc[side, stage], rel=1e-9), (side, stage)
    assert exports.loc["after", "clearance"] < exports.loc["before", "clearance"]


def test_export_stages_add_up_to_the_time_in_port():
    table = pd.DataFrame({"gate_in": [10.0, 10.0], "lodged": [12.0, 5.0], "released": [15.0, 6.0],
                          "loaded": [40.0, 30.0], "out": [42.0, 31.0]})
    stages = export_stages(table)
    assert stages.sum(axis=1).tolist() == [32.0, 21.0]
    assert stages.iloc[1].tolist() == [0.0, 0.0, 20.0, 1.0], "lodged and released before gate-in: no wait"


def test_mean_in_system_is_exact_per_bin():
    edges = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    starts = np.array([0.0, 1.0, 2.5, np.nan])
    ends = np.array([2.0, 3.0, np.nan, 1.0])  # the third is still open at the end (4 h); the fourth never started
    assert summaries.mean_in_system(starts, ends, edges, 4.0).tolist() == [1.0, 2.0, 1.5, 1.0]


def test_timelines_cover_the_run_and_respect_capacity(run):
    panels = summaries.resource_use(run)
    assert set(panels) == {"berths", "document-check officers", "scan inspection bays", "physical inspection bays",
                           "quarantine bays", "fumigation bays"}
    for name, (timeline, capacity) in panels.items():
        assert list(timeline.columns) == ["before", "after"]
        assert timeline.index[-1] < run.window.end_hours
        assert (timeline.to_numpy() >= -1e-9).all(), name
        for side in timeline.columns:  # a server holds one job at a time
            assert timeline[side].max() <= capacity[side] + 1e-9, (name, side)
    plugs, capacity = summaries.reefer_plug_use(run)
    assert (plugs.to_numpy() <= capacity + 1e-9).all()
    # Plugs are plentiful at this scale (the KPI says no reefer waited), so no queue may show.
    assert all(run.comparison["reefer_plug_wait_hours_mean"][s]["mean"] == 0 for s in ("before", "after"))
    assert summaries.queue_lengths(run)["reefers waiting for a plug"].to_numpy().max() == 0


def test_train_loads_never_exceed_capacity(run):
    loads = summaries.train_loads(run)
    assert not loads.empty
    assert (loads["teu"] <= loads["capacity_teu"]).all()
    assert set(loads["destination"]) <= set(run.names("destination"))


def test_transshipment_volume_matches_the_kpi(run):
    table = summaries.transshipment_summary(run)
    window = run.window
    weeks = (window.horizon_hours - window.warmup_hours) / 168.0
    for side in ("before", "after"):
        teu = table.loc[table["side"] == side, "teu_per_week"].sum() * weeks
        assert teu == pytest.approx(run.comparison["transshipment_teu"][side]["mean"])


def test_calibration_figure_marks_what_it_cannot_evaluate(run):
    checks = check_targets(run, load_targets(targets_path(run)))
    by_id = {c.id: c for c in checks}
    assert by_id["T6"].status == "not evaluable" and by_id["T6"].reason.startswith("needs two demand scenarios")
    assert by_id["T12_wait"].status == "not evaluable" and "demand.scale = 1.0" in by_id["T12_wait"].reason
    scale = run.config["demand"]["scale"]
    assert by_id["T4"].model == pytest.approx(run.comparison["throughput_teu_per_year"]["before"]["mean"] / scale)
    # Each verdict from the run's own numbers (comparison.json) and targets.yaml, worked out here.
    targets = load_targets(targets_path(run))
    expected = {tid: expected_estimate(run, spec) for tid, spec in targets.items()}
    expected = {tid: v for tid, v in expected.items() if v is not None}
    assert {"T1", "T2", "T3_import", "T3_export", "T4", "T5", "T9", "T10_total", "T10_clearance_share"} <= set(expected)
    # T11 is regional integration's own effect (the reform without it as baseline): not judged on this run.
    assert "T11" not in expected and by_id["T11"].status == "not evaluable"
    assert by_id["T11"].reason.startswith("needs a comparison of without_regional_integration (before) with "
                                          "after_reform (after)")
    for tid, (model, status) in expected.items():
        assert by_id[tid].model == pytest.approx(model, rel=1e-12), tid
        assert by_id[tid].status == status, (tid, model)
    assert expected["T1"][1] == "pass", "98.4 % of exports within 24 h at this run, inside 98.2 +- 1 pp"
    fig = calibration_figure(checks)
    assert_labelled(fig, "calibration")
    ax = fig.axes[0]
    labels = {tick.get_text().split(" ")[0]: tick.get_text() for tick in ax.get_yticklabels()}
    assert labels["T6"] == "T6" and labels["T3_import"] == "T3_import (before_reform)"  # no empty "()"
    # The plotted points: the run's numbers, in half widths of the band from its centre, coloured by their verdict.
    at_y = {round(tick.get_position()[1]): tick.get_text().split(" ")[0] for tick in ax.get_yticklabels()}
    plotted = {}
    for container in ax.containers:
        line = container.lines[0]
        plotted[at_y[round(line.get_ydata()[0])]] = (line.get_xdata()[0], line.get_color())
    evaluated = {c.id for c in checks if c.status in ("pass", "fail") and not c.structural}
    assert set(plotted) == evaluated
    for tid, (x, colour) in plotted.items():
        if tid in expected:
            low, high = band(targets[tid])
            assert x == pytest.approx((expected[tid][0] - (low + high) / 2) / ((high - low) / 2), rel=1e-12), tid
        assert colour == {"pass": "#1a9850", "fail": "#d73027"}[by_id[tid].status], tid  # green, red
    # A structure (T10_order) is a line of text saying whether it holds.
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith(("met: ", "not met: ")) and "preparing" in t for t in texts), texts
    plt.close(fig)


def band(spec: dict) -> tuple[float, float]:
    if "low" in spec:
        return spec["low"], spec["high"]
    half = spec["tolerance"] * (abs(spec["value"]) if spec.get("relative") else 1.0)
    return spec["value"] - half, spec["value"] + half


def expected_estimate(run, spec: dict):
    """(model, status) of a target measured on a KPI of this comparison, read straight from
    comparison.json; None for targets without a band or KPI here (needs, inputs, structures,
    settings or a baseline the run lacks)."""
    if ("low" not in spec and spec.get("tolerance") is None) or spec.get("needs") or spec.get("input") \
            or spec.get("requires") or "largest" in spec or spec["kpi"] not in run.comparison:
        return None
    entry = run.comparison[spec["kpi"]]
    if spec.get("change_from") and (run.regime_names["before"], run.regime_names["after"]) != (spec["change_from"],
                                                                                               spec["regime"]):
        return None  # an effect measured against another baseline than this run's
    if spec.get("change") == "absolute":
        model = entry["after"]["mean"] - entry["before"]["mean"]
    elif spec.get("change_from"):
        model = (entry["after"]["mean"] - entry["before"]["mean"]) / entry["before"]["mean"]
    else:
        side = next(s for s, name in run.regime_names.items() if name == spec["regime"])
        model = entry[side]["mean"] / (run.config["demand"]["scale"] if spec.get("full_scale") else 1.0)
    low, high = band(spec)
    return model, "pass" if low <= model <= high else "fail"


def test_sweep_figures_from_a_tidy_table():
    rows = [{"a": a, "b": b, "kpi": "import_clearance_hours_mean", "mean": a + b, "ci_low": a + b - 0.1,
             "ci_high": a + b + 0.1} for a in (0.2, 0.5) for b in (1.0, 2.0, 3.0)]
    table = pd.DataFrame(rows)
    for fig in (sweep_response_figure(table, "b", ["import_clearance_hours_mean"], by="a"),
                sweep_heatmap_figure(table, "a", "b", "import_clearance_hours_mean")):
        assert_labelled(fig, "sweep")
        plt.close(fig)


def test_figures_needing_the_table_are_skipped_without_it(run, tmp_path):
    trimmed = load_run(copy_of(run.path, tmp_path / "run", without=("consignments.parquet",)))
    made, skipped = plots.save_run_figures(trimmed, tmp_path)
    assert set(made) == {"kpi_table", "logistics_costs"}
    assert all("needs the consignment table" in why for why in skipped.values())


@pytest.mark.parametrize("damage, problem", [
    ("missing", "no such directory"),
    ("empty", "no results here"),
    ("bad_json", "not valid JSON"),
    ("bad_parquet", "not a readable Parquet file"),
])
def test_load_run_names_the_file_and_the_problem(run, tmp_path, damage, problem):
    target = tmp_path / "run"
    if damage == "empty":
        target.mkdir()
    elif damage != "missing":
        copy_of(run.path, target)
        if damage == "bad_json":
            (target / "comparison.json").write_text('{"export_release_within_24h_share": ')
        else:
            (target / "calls.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(RunDirError, match=problem) as err:
        load_run(target)
    assert str(target) in str(err.value)
    assert json.dumps(str(err.value))  # one printable line
    assert "\n" not in str(err.value)
