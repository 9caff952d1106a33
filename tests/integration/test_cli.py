"""`python -m sim` end to end on a short horizon: the files and numbers a planner gets."""
from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.conftest import SMALL, run_cli

# The public KPI names (README, "Reading the numbers") that this version produces (transshipment comes with
# the intermodal issue).
CONTRACT_KPIS = (
    "export_release_within_24h_share", "import_release_within_24h_share",
    "import_clearance_hours_mean", "import_clearance_hours_p90",
    "export_clearance_hours_mean", "export_clearance_hours_p90",
    "import_release_hours_mean", "import_stage_hours_unloading", "import_stage_hours_preparing",
    "import_stage_hours_clearance", "import_stage_hours_removal", "inland_door_hours_mean",
    "logistics_cost_cny_per_teu_mean", "throughput_teu", "rail_share", "reefer_teu",
    "vessel_wait_hours_mean", "berth_utilization",
)


@pytest.fixture(scope="module")
def compare_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "compare"
    proc = run_cli(*SMALL, "run.workers=2", "run.replications=3", f"hydra.run.dir={out}")
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_compare_writes_every_file(compare_run):
    out, proc = compare_run
    for name in ("config.yaml", "consignments.parquet", "calls.parquet", "comparison.json",
                 "before/kpis.json", "after/kpis.json", "replications.csv",
                 "export_clearance_ecdf.png", "export_clearance_ecdf.svg", "report.html"):
        assert (out / name).is_file(), name
    assert not (out / ".parts").exists(), "temporary parts are cleaned up"
    assert "export_release_within_24h_share" in proc.stdout and "95% CI" in proc.stdout


def test_comparison_json_follows_the_contract(compare_run):
    out, _ = compare_run
    comparison = json.loads((out / "comparison.json").read_text())
    for name in CONTRACT_KPIS:
        entry = comparison[name]
        for side in ("before", "after"):
            assert set(entry[side]) == {"mean", "ci_low", "ci_high", "n"}
            assert entry[side]["n"] == 3
        assert set(entry["diff"]) == {"mean", "ci_low", "ci_high", "n"}
        assert "rel_change" in entry
    d = comparison["export_clearance_hours_mean"]
    assert d["diff"]["mean"] == pytest.approx(d["after"]["mean"] - d["before"]["mean"])
    assert d["diff"]["ci_low"] <= d["diff"]["mean"] <= d["diff"]["ci_high"]
    assert d["after"]["mean"] < d["before"]["mean"], "the reform shortens export clearance"


def test_table_has_one_row_per_consignment_per_replication(compare_run):
    out, _ = compare_run
    table = pq.read_table(out / "consignments.parquet").to_pandas()
    assert set(table.side.astype(str)) == {"before", "after"}
    assert set(table.replication) == {0, 1, 2}
    keys = table[["side", "replication", "consignment_id"]].astype(str)
    assert not keys.duplicated().any()
    # Common random numbers: the same consignments in both regimes.
    per_side = table.groupby(["side", "replication"], observed=True).size().unstack(0)
    assert (per_side["before"] == per_side["after"]).all()
    kpis = json.loads((out / "after/kpis.json").read_text())
    assert kpis["reefer_teu"]["n"] == 3


def test_single_regime_run(tmp_path):
    out = tmp_path / "single"
    proc = run_cli(*SMALL, "experiment=single", "regime=before_reform", f"hydra.run.dir={out}")
    assert proc.returncode == 0, proc.stderr
    kpis = json.loads((out / "kpis.json").read_text())
    assert set(CONTRACT_KPIS) <= set(kpis)
    assert not (out / "comparison.json").exists()
    resolved = (out / "config.yaml").read_text()
    assert "name: before_reform" in resolved
    reps = pd.read_csv(out / "replications.csv")
    assert set(reps.side) == {"single"}
