"""What a run stores (`output.consignments: full | sample | none`, `auto` by experiment kind), and that
the KPIs never depend on it: they are computed in process, from the whole table, whatever is kept."""
from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

import sim
from sim.experiment.replications import sample_rows
from sim.store.rundir import load_run
from sim.viz import report
from tests.conftest import SMALL, make_config

QUICK = (*SMALL, "experiment.report=false", "run.catalog=")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same small comparison stored three ways (full, a 20 % sample, none), through the catalogued runner."""
    root = tmp_path_factory.mktemp("outputs")
    out = {}
    for choice in ("full", "sample", "none"):
        cfg = make_config(*QUICK, f"output.consignments={choice}", "output.sample_share=0.2")
        sim.run_experiment(cfg, root / choice, echo=False)
        out[choice] = root / choice
    return out


def _record(run_dir) -> dict:
    return json.loads((run_dir / "run.json").read_text())


def test_the_kpis_are_the_same_whatever_is_stored(runs):
    full = json.loads((runs["full"] / "comparison.json").read_text())
    for choice in ("sample", "none"):
        assert json.loads((runs[choice] / "comparison.json").read_text()) == full, choice
        assert (runs[choice] / "replications.csv").read_text() == (runs["full"] / "replications.csv").read_text()


def test_run_json_says_what_was_kept_and_the_files_agree(runs):
    for choice, run_dir in runs.items():
        assert _record(run_dir)["consignments"] == choice
        assert (run_dir / "consignments.parquet").exists() == (choice != "none")
        assert (run_dir / "calls.parquet").exists() == (choice != "none")
        assert load_run(run_dir).stored_table == choice


def test_a_sample_keeps_its_share_of_each_replication_and_the_same_consignments_on_both_sides(runs):
    full = pq.read_table(runs["full"] / "consignments.parquet").to_pandas()
    sample = pq.read_table(runs["sample"] / "consignments.parquet").to_pandas()
    assert list(sample.columns) == list(full.columns)
    for (side, rep), rows in full.groupby(["side", "replication"], observed=True):
        n = len(rows)
        k = int(((sample["side"] == side) & (sample["replication"] == rep)).sum())
        # Binomial(n, 0.2): within 5 standard deviations of 0.2 n (a failure is a bug, not chance)
        assert abs(k - 0.2 * n) < 5 * np.sqrt(n * 0.2 * 0.8), (side, rep, n, k)
    ids = {side: set(zip(rows["replication"], rows["consignment_id"]))
           for side, rows in sample.groupby("side", observed=True)}
    assert ids["before"] == ids["after"], "both sides keep the same consignments (common random numbers)"
    # every kept row is the full table's row, unchanged
    keys = ["side", "replication", "consignment_id"]
    merged = sample.merge(full, on=keys, suffixes=("", "_full"))
    assert len(merged) == len(sample)
    assert np.allclose(merged["released"], merged["released_full"], equal_nan=True)


def test_sample_rows_is_a_pure_function_of_seed_and_replication():
    a, b = sample_rows(10_000, 0.1, 7, 3), sample_rows(10_000, 0.1, 7, 3)
    assert np.array_equal(a, b) and not np.array_equal(a, sample_rows(10_000, 0.1, 7, 4))
    assert len(sample_rows(10_000, 1.0, 7, 3)) == 10_000


def test_auto_is_full_for_a_run_alone_and_none_for_a_sweep_point_or_a_calibration(tmp_path):
    cfg = make_config(*QUICK, "experiment=single", "run.replications=1")
    assert cfg.output.consignments == "auto"
    assert cfg.output.stored("single") == "full" and cfg.output.stored("compare") == "full"
    assert cfg.output.stored("compare", sweep_point=True) == "none" and cfg.output.stored("calibrate") == "none"
    sim.run_experiment(cfg, tmp_path / "alone", echo=False)
    sim.run_experiment(cfg, tmp_path / "sweep" / "0", sweep=tmp_path / "sweep", job=0, echo=False)
    assert _record(tmp_path / "alone")["consignments"] == "full" and (tmp_path / "alone" / "consignments.parquet").exists()
    assert _record(tmp_path / "sweep" / "0")["consignments"] == "none"
    assert not (tmp_path / "sweep" / "0" / "consignments.parquet").exists()


def test_the_report_says_what_was_kept_and_which_figures_it_left_out(runs, tmp_path):
    pages = {choice: report.write_report(run_dir, tmp_path / f"{choice}.html").read_text()
             for choice, run_dir in runs.items()}
    assert "Consignment table" in pages["full"] and "full: every consignment" in pages["full"]
    assert "Not available for this run" not in pages["full"] or "counts consignments" not in pages["full"]
    assert "sample: 20% of the consignments" in pages["sample"]
    assert "counts consignments, and this run kept a 20% sample" in pages["sample"]  # occupancy, train loads ...
    assert "export_clearance_ecdf" in pages["sample"].split("Not available")[0]  # distributions are drawn
    assert "none: no consignment table was kept (output.consignments=none)" in pages["none"]
    assert "needs the consignment table, which this run did not keep" in pages["none"]
    assert pages["none"].count("<img") < pages["sample"].count("<img") < pages["full"].count("<img")
