"""`python -m sim` end to end on a short horizon: the files and numbers a planner gets."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from scipy import stats as sps

from tests.conftest import SMALL, run_cli

# The public KPI names (docs/reference/reading-the-numbers.md) that this version produces (transshipment comes with
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


REPLICATIONS = 4
MAIN_CLEARANCE_KPIS = ("export_release_within_24h_share", "import_release_within_24h_share",
                       "export_clearance_hours_mean", "import_clearance_hours_mean", "import_release_hours_mean")


@pytest.fixture(scope="module")
def compare_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "compare"
    # 14 drain days: importers may declare up to 14 days after arrival; with the small runs' 4 days
    # the release time is mostly censoring, which differs between the regimes and blurs the pairing.
    proc = run_cli(*SMALL, "run.workers=2", "run.replications=4", "run.drain_days=14", f"hydra.run.dir={out}")
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
            assert entry[side]["n"] == REPLICATIONS
        assert set(entry["diff"]) == {"mean", "ci_low", "ci_high", "n"}
        assert "rel_change" in entry
    d = comparison["export_clearance_hours_mean"]
    assert d["after"]["mean"] < d["before"]["mean"], "the reform shortens export clearance"


def per_replication(out) -> pd.DataFrame:
    """replications.csv as one row per (KPI, replication), one column per side."""
    reps = pd.read_csv(out / "replications.csv")
    return reps.pivot(index=["kpi", "replication"], columns="side", values="value")


def t_interval_of(x) -> tuple[float, float, float]:
    """(mean, low, high): the 95 % t interval with n - 1 degrees of freedom."""
    x = np.asarray(x, float)
    half = sps.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    return x.mean(), x.mean() - half, x.mean() + half


def welch_half_width(a, b) -> float:
    """Half-width of the unpaired 95 % interval of mean(a) - mean(b) (Welch-Satterthwaite df)."""
    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    return float(sps.t.ppf(0.975, df) * math.sqrt(va + vb))


def test_diff_ci_is_the_t_interval_of_the_per_replication_differences(compare_run):
    """comparison.json's diff: a t interval (n - 1 df) of after - before paired by replication index,
    as read back from replications.csv of the same run, for every KPI with a finite interval."""
    out, _ = compare_run
    comparison = json.loads((out / "comparison.json").read_text())
    table = per_replication(out)
    checked = 0
    for name, entry in comparison.items():
        rows = table.loc[name].sort_index()
        assert list(rows.index) == list(range(REPLICATIONS)), name
        diff = (rows["after"] - rows["before"]).dropna()
        if len(diff) < 2 or diff.std() == 0:  # no interval to check (NaN or a point)
            continue
        mean, low, high = t_interval_of(diff)
        assert entry["diff"]["n"] == len(diff), name
        scale = max(1.0, abs(mean))
        assert entry["diff"]["mean"] == pytest.approx(mean, rel=1e-9, abs=1e-9 * scale), name
        assert entry["diff"]["ci_low"] == pytest.approx(low, rel=1e-9, abs=1e-9 * scale), name
        assert entry["diff"]["ci_high"] == pytest.approx(high, rel=1e-9, abs=1e-9 * scale), name
        checked += 1
    assert checked >= 30, "most KPIs vary between replications"
    # The means of the sides are the plain t intervals of each side's column.
    for name in MAIN_CLEARANCE_KPIS:
        for side in ("before", "after"):
            mean, low, high = t_interval_of(table.loc[name][side])
            assert [comparison[name][side][k] for k in ("mean", "ci_low", "ci_high")] == \
                pytest.approx([mean, low, high], rel=1e-9)


def test_the_interval_check_detects_a_wrong_pairing(compare_run):
    """Pairing replication r before with another replication after (reversed, or shuffled) gives the
    same mean difference but another interval: the check above would catch a compare() that paired
    wrongly, which `diff.mean == after.mean - before.mean` never could."""
    out, _ = compare_run
    comparison = json.loads((out / "comparison.json").read_text())
    table = per_replication(out)
    rng = np.random.default_rng(0)
    for name in MAIN_CLEARANCE_KPIS:
        rows = table.loc[name].sort_index()
        before, after = rows["before"].to_numpy(), rows["after"].to_numpy()
        stored = comparison[name]["diff"]
        for order in (after[::-1], after[[1, 0, 3, 2]], rng.permutation(after[::-1])):
            if np.array_equal(order, after):
                continue
            mean, low, high = t_interval_of(order - before)
            assert mean == pytest.approx(stored["mean"], rel=1e-9, abs=1e-12)
            assert (low, high) != pytest.approx((stored["ci_low"], stored["ci_high"]), rel=1e-6), name


# The KPIs whose replications the regimes share strongly at this small run (correlation of before and
# after over the 4 replications 0.94 and 0.96). Not the export KPIs: at 5 % scale and 8 observed days
# their before and after values barely co-vary (export clearance mean 0.21; the export 24-h share
# -0.91, -0.76 with 6 replications), and with 3 degrees of freedom against Welch's ~5 the paired
# interval comes out wider (0.82 h vs 0.79 h; 2.2 pp vs 1.8 pp).
PAIRING_GAINS = ("import_clearance_hours_mean", "import_release_hours_mean", "logistics_cost_cny_per_teu_mean")


def test_paired_interval_is_narrower_than_the_unpaired_one(compare_run):
    """Common random numbers: for the main import clearance KPIs the paired interval of after - before
    is narrower than the unpaired (Welch) one from the same replications."""
    out, _ = compare_run
    comparison = json.loads((out / "comparison.json").read_text())
    table = per_replication(out)
    for name in PAIRING_GAINS:
        rows = table.loc[name]
        paired = (comparison[name]["diff"]["ci_high"] - comparison[name]["diff"]["ci_low"]) / 2
        unpaired = welch_half_width(rows["after"].to_numpy(), rows["before"].to_numpy())
        assert paired < unpaired, (name, paired, unpaired)


def test_table_has_one_row_per_consignment_per_replication(compare_run):
    out, _ = compare_run
    table = pq.read_table(out / "consignments.parquet").to_pandas()
    assert set(table.side.astype(str)) == {"before", "after"}
    assert set(table.replication) == set(range(REPLICATIONS))
    keys = table[["side", "replication", "consignment_id"]].astype(str)
    assert not keys.duplicated().any()
    # Common random numbers: the same consignments in both regimes.
    per_side = table.groupby(["side", "replication"], observed=True).size().unstack(0)
    assert (per_side["before"] == per_side["after"]).all()
    kpis = json.loads((out / "after/kpis.json").read_text())
    assert kpis["reefer_teu"]["n"] == REPLICATIONS


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
    # kpis.json: each KPI's mean and 95 % t interval over the two replications in replications.csv.
    for name in CONTRACT_KPIS:
        values = reps.loc[reps.kpi == name].sort_values("replication")["value"].to_numpy()
        assert len(values) == 2 and kpis[name]["n"] == 2
        if np.ptp(values) > 0:
            assert [kpis[name][k] for k in ("mean", "ci_low", "ci_high")] == \
                pytest.approx(list(t_interval_of(values)), rel=1e-9), name
        else:
            assert kpis[name]["mean"] == pytest.approx(values[0], rel=1e-12), name


def test_a_shrunk_demand_scale_is_warned_once_and_runs(tmp_path):
    """A run with demand.scale < 1 says once, on stderr, that the capacities stay full size (and still runs)."""
    proc = run_cli("experiment=single", "demand.scale=0.02", "run.horizon_days=3", "run.warmup_days=1",
                   "run.drain_days=1", "run.replications=1", "run.workers=1", "experiment.report=false",
                   "output.consignments=none", "run.catalog=", f"hydra.run.dir={tmp_path / 'run'}", timeout=120)
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning: demand.scale=0.02 ")]
    assert len(warnings) == 1, proc.stderr
    assert (tmp_path / "run" / "kpis.json").is_file()
