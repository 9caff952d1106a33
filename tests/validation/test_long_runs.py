"""Long runs: the full-year memory bound, and summary-only mode (flat memory, batch means, coupling).

Memory, unlike time, does not depend on what else the machine is doing, so the bound is a
test; speed is measured in benchmarks/ only. Peak RSS of a full-year run varies by about
1 % between runs (allocator layout); the bound leaves ~14 % above the measured 1.76 GiB.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tests.conftest import REPO, make_config

FULL_YEAR = ("experiment=single", "regime=after_reform", "run.horizon_days=365", "run.replications=1",
             "run.workers=1", "run.catalog=", "experiment.report=false")
MEMORY_BOUND_MIB = 2048.0


@pytest.mark.slow
def test_a_full_year_at_full_scale_stays_within_its_memory_bound(tmp_path):
    run_dir = tmp_path / "full_year"
    measured = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "measure.py"), "--", sys.executable, "-m", "sim", *FULL_YEAR,
         f"hydra.run.dir={run_dir}"],
        cwd=REPO, capture_output=True, text=True, timeout=1800, env=dict(os.environ, PYTHONPATH=str(REPO)))
    result = json.loads(measured.stdout)
    assert result["returncode"] == 0, result["stderr_tail"]
    assert json.loads((run_dir / "run.json").read_text())["status"] == "complete"
    import pyarrow.parquet as pq

    assert pq.ParquetFile(run_dir / "consignments.parquet").metadata.num_rows > 3_500_000  # really a full year
    assert result["peak_rss_mb"] <= MEMORY_BOUND_MIB, f"peak RSS {result['peak_rss_mb']:.0f} MiB"


# ------------------------------------------------------------------ summary-only mode
SUMMARY = ("run.summary_only=true", "demand.scale=0.05", "run.replications=1", "run.workers=1")


def _measure(tmp_path, name: str, *overrides: str) -> dict:
    run_dir = tmp_path / name
    measured = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "measure.py"), "--", sys.executable, "-m", "sim", *overrides,
         f"hydra.run.dir={run_dir}", "run.catalog="],
        cwd=REPO, capture_output=True, text=True, timeout=1800, env=dict(os.environ, PYTHONPATH=str(REPO)))
    result = json.loads(measured.stdout)
    assert result["returncode"] == 0, result["stderr_tail"]
    result["run_dir"] = run_dir
    return result


@pytest.mark.slow
def test_summary_only_memory_stays_flat_for_ten_years(tmp_path):
    """One year and ten years (13 and 130 four-week segments) peak within 10 % of each other
    (measured: 232 and 234 MB). Keeping the table would add ~470 bytes per consignment, ~0.9 GB
    over the nine extra years at this scale, so any growth with the horizon shows."""
    one = _measure(tmp_path, "one_year", "experiment=single", *SUMMARY, "run.horizon_days=371")
    ten = _measure(tmp_path, "ten_years", "experiment=single", *SUMMARY, "run.horizon_days=3647")
    segments = pd.read_csv(ten["run_dir"] / "segments.csv")
    assert segments["segment"].nunique() == 130 and not (ten["run_dir"] / "consignments.parquet").exists()
    assert ten["peak_rss_mb"] <= 1.1 * one["peak_rss_mb"], (one["peak_rss_mb"], ten["peak_rss_mb"])


def test_summary_only_agrees_with_ordinary_replications():
    """The same steady state two ways: 8 four-week segments of one summary-only run (batch means)
    and 8 independent replications of a four-week run. Their traffic is drawn differently (by
    week vs by run), so the two means are independent estimates of one quantity: they must agree
    within 3.29 standard errors of their difference (a 1-in-1000 false alarm for a correct model)."""
    from sim.experiment.replications import run_replications, summarize
    from sim.experiment.long_run import run_long

    base = ("experiment=single", "demand.scale=0.05", "run.warmup_days=7", "run.workers=1")
    long = make_config(*base, "run.summary_only=true", "run.horizon_days=231", "run.replications=1")
    reps = make_config(*base, "run.horizon_days=35", "run.replications=8")
    batches = [kpis for *_, kpis, _ in run_long(long, {"single": long.regime})["single"]]
    replications = summarize(run_replications(reps, None, progress=False))["per_replication"]["single"]
    for kpi in ("export_clearance_hours_mean", "import_release_hours_mean", "logistics_cost_cny_per_teu_mean"):
        a = np.array([b[kpi] for b in batches])
        b = np.array(replications[kpi])
        se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
        assert abs(a.mean() - b.mean()) <= 3.29 * se, (kpi, a.mean(), b.mean(), se)


def test_neighbouring_segments_couple_on_the_weeks_they_share():
    """With a two-week warm-up, a segment's first observed week matches its predecessor's drain
    consignment by consignment (measured 0.999: the rest differ by seconds at the out-gate)."""
    from sim.experiment.long_run import run_long

    cfg = make_config("experiment=single", *SUMMARY, "run.warmup_days=14", "run.horizon_days=70")
    rows = run_long(cfg, {"single": cfg.regime})["single"]
    shares = [c for *_, c in rows]
    assert math.isnan(shares[0]) and min(shares[1:]) >= 0.99, shares


def test_a_week_draws_the_same_traffic_in_every_window():
    from sim.domain.units import HOURS_PER_WEEK
    from sim.model.demand import generate_weeks

    cfg = make_config("demand.scale=0.05")
    calls, cons, week = generate_weeks(cfg.demand, cfg.port, 3, 6, 1, 0)
    later, later_cons, _ = generate_weeks(cfg.demand, cfg.port, 4, 6, 1, 0)
    shared = week >= 4
    np.testing.assert_array_equal(cons.teu[shared], later_cons.teu)
    np.testing.assert_array_equal(cons.take("u_channel")[shared], later_cons.take("u_channel"))
    np.testing.assert_allclose(calls.scheduled[cons.call[shared]] - HOURS_PER_WEEK, later.scheduled[later_cons.call])
    assert (np.diff(calls.service) >= 0).all()  # calls stay ordered by service, then time


def test_summary_only_run_writes_kpis_and_segments_not_tables(tmp_path):
    from tests.conftest import run_cli

    proc = run_cli(*SUMMARY, "run.horizon_days=63", f"hydra.run.dir={tmp_path / 'run'}", "run.catalog=")
    assert proc.returncode == 0, proc.stderr
    run_dir = tmp_path / "run"
    assert (run_dir / "comparison.json").exists() and not (run_dir / "consignments.parquet").exists()
    assert json.loads((run_dir / "run.json").read_text())["consignments"] == "none", "run.json says so"
    segments = pd.read_csv(run_dir / "segments.csv")
    assert set(segments["side"]) == {"before", "after"} and segments["segment"].nunique() == 2
    assert "coupled share" in proc.stdout and "paired segments (batch means)" in proc.stdout


@pytest.mark.parametrize("overrides, key", [
    (("run.horizon_days=50",), "run.horizon_days"),
    (("run.horizon_days=35",), "run.horizon_days"),  # a single segment gives no interval
    (("run.segment_days=10",), "run.segment_days"),
    (("run.warmup_days=3",), "run.warmup_days"),
    (("experiment=calibrate",), "run.summary_only"),
    (("run.target_half_width=0.5",), "run.summary_only"),
])
def test_summary_only_bad_input_is_one_line(overrides, key):
    from sim.cli.preflight import first_config_error

    message = first_config_error(["run.summary_only=true", *overrides])
    assert message is not None and message.startswith(f"{key}: ") and "\n" not in message, message
