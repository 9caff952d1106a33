"""CI regression on the baseline of the default scenario (scenarios/dalian/baseline.json).

Two stored runs: `as_configured` (the scenario's own capacities) and `congested` (its regression
load, configs/load/dalian_congested: every pool queues). Same seeds -> every stored value of both,
the paired diff included, comes back exactly (within 1e-9); other streams -> every mean of the
congested run stays in its t band, whose false-alarm rate is measured on stored replications.
Why the two checks: sim/runs/baseline.py. A model change on purpose: `make baseline`, read what
moved, commit the new file.
"""
from __future__ import annotations

import copy
import math

import pytest
from scipy import stats as sps

from sim.runs import baseline as bl
from tests.conftest import make_config

RUNS = ("as_configured", "congested")


@pytest.fixture(scope="module")
def document():
    return bl.load(bl.baseline_file(make_config()))


@pytest.fixture(scope="module")
def stored(document):
    """The congested run: the one with the statistical band."""
    return document["runs"]["congested"]


def config_of(run: dict):
    return make_config(*run["overrides"], "run.workers=2")


def test_baseline_file_states_its_runs(document):
    runs = bl.run_overrides(lambda o: make_config(*o))
    assert tuple(document["runs"]) == tuple(runs) == RUNS
    for name, run in document["runs"].items():
        assert run["overrides"] == list(runs[name])
        n = config_of(run).run.replications
        assert run["k"] == pytest.approx(math.sqrt(2) * sps.t.ppf(1 - bl.ALPHA / 2, n - 1))
        for side in bl.SIDES_STORED:
            kpi = run["kpis"][side]["export_release_within_24h_share"]
            assert kpi["n"] == n and len(kpi["values"]) == n and kpi["ci_low"] < kpi["mean"] < kpi["ci_high"]
    assert "+load=dalian_congested" in document["runs"]["congested"]["overrides"]
    assert not any(o.startswith("+load") for o in document["runs"]["as_configured"]["overrides"])


@pytest.mark.parametrize("run_name", RUNS)
def test_every_value_and_the_paired_diff_reproduce_exactly(document, run_name):
    """Same seeds: every KPI's mean, CI, SD and per-replication value, on both sides and in the
    paired diff, within 1e-9 (floating-point noise across machines, nothing more)."""
    run = document["runs"][run_name]
    wrong = bl.mismatches(run["kpis"], bl.baseline_stats(config_of(run)))
    assert not wrong, (f"{len(wrong)} {run_name} baseline values changed (run `make baseline` if the change is "
                       "intended):\n" + "\n".join(wrong[:40]))


@pytest.mark.parametrize("run_name", RUNS)
def test_consignment_tables_of_both_regimes_are_bit_for_bit_deterministic(document, run_name):
    run = document["runs"][run_name]
    got = bl.fingerprint(config_of(run))
    assert got == run["fingerprint"]["sides"], \
        f"a consignment table of the {run_name} run changed: run `make baseline` if intended"
    assert {s["regime"] for s in got.values()} == {"before_reform", "after_reform"}


def test_other_random_streams_stay_inside_the_band(stored):
    """A re-run on replication streams the baseline never used (the first `null` group) moves
    every mean by noise only: nothing leaves its band. This group was not picked: it is the
    first after the baseline's own."""
    first = range(*stored["null"]["replications"][0])
    new = bl.baseline_stats(config_of(stored), replications=first)
    assert not bl.outside_band(stored["kpis"], new)
    group = stored["null"]["groups"][0]
    for side in bl.SIDES_STORED:  # and the stored null group is this very run
        for name, s in group[side].items():
            assert bl.same_value(s["mean"], new[side][name]["mean"], bl.EXACT_REL), (side, name)


@pytest.mark.parametrize("alpha", [bl.ALPHA, 0.01, 0.05])
def test_band_false_alarm_rate_matches_its_nominal_rate_on_stored_replications(stored, alpha):
    """Every ordered pair of the six stored groups (baseline and null: same run, other streams),
    every KPI with replication variance: the share of means outside the band is alpha, within
    what ~3700 comparisons allow. They share replications, so they are not independent: the
    bound is 3 binomial SDs with the count divided by 10, plus one alarm. Why 10: the
    leave-one-group-out jackknife SE of the rate (0.0013, 0.0031, 0.010 at alpha 0.001, 0.01,
    0.05) is about the binomial SE of a tenth of the comparisons (0.0016, 0.0052, 0.011).
    Power: a band that forgets sqrt(2) fails here; a normal quantile instead of t does not
    (at n = 20 it measures 0.0028, 0.013, 0.051, inside the bound)."""
    rate = bl.null_false_alarms(stored, alpha)
    n = rate["comparisons"] / 10
    assert n >= 300
    slack = 3 * math.sqrt(alpha * (1 - alpha) / n) + 1 / n
    assert abs(rate["rate"] - alpha) <= slack, rate


def test_the_stored_false_alarm_rates_are_the_bands(stored):
    """The rates `make baseline` wrote (and printed) are the ones the band gives on the stored groups."""
    for alpha, rate in stored["null"]["false_alarms"].items():
        assert bl.null_false_alarms(stored, float(alpha)) == rate


def test_band_flags_a_genuine_shift_but_not_rounding(stored):
    kpis = stored["kpis"]
    name = "export_clearance_hours_mean"
    for side in bl.SIDES_STORED:
        old = kpis[side][name]
        assert old["pooled_df"] > old["n"] - 1, "the band's SD is pooled over the stored null groups"
        se = old["pooled_sd"] / math.sqrt(old["n"])
        alpha = bl.family_alpha(kpis)
        k = bl.k_factor(old["n"], alpha, old["pooled_df"])
        assert old["pooled_sd"] > 0 and bl.band(old, alpha) == pytest.approx(k * se)
        for shift, flagged in ((1e-9 * old["mean"], False), (0.9 * k * se, False), (1.1 * k * se, True)):
            new = copy.deepcopy(kpis)
            new[side][name]["mean"] = old["mean"] + shift
            assert [(m["side"], m["kpi"]) for m in bl.outside_band(kpis, new)] == ([(side, name)] if flagged else [])
    new = copy.deepcopy(kpis)
    del new["before"][name]
    assert [m["kpi"] for m in bl.outside_band(kpis, new)] == [name]


def test_exact_check_sees_one_changed_replication_value(stored):
    name = "import_clearance_hours_mean"
    new = copy.deepcopy(stored["kpis"])
    before = new["diff"][name]["values"][3]
    new["diff"][name]["values"][3] *= 1 + 1e-7
    assert bl.mismatches(stored["kpis"], new) == [f"diff {name} values[3]: {before!r} -> {new['diff'][name]['values'][3]!r}"]
    new["diff"][name]["values"][3] = before * (1 + 1e-12)  # noise: not a change
    assert bl.mismatches(stored["kpis"], new) == []


def test_zero_variance_kpi_gets_a_tight_relative_band():
    assert bl.band({"mean": 1000.0, "sd": 0.0, "n": 6}) == pytest.approx(1e-6)
    assert bl.band({"mean": None, "sd": None, "n": 0}) == pytest.approx(1e-9)


def test_table_hash_is_rounding_tolerant_but_change_sensitive():
    import numpy as np
    import pyarrow as pa

    a = pa.table({"x": np.array([1.0, 2.5, np.nan]), "k": np.array([1, 2, 3], dtype=np.int32)})
    b = pa.table({"k": np.array([1, 2, 3], dtype=np.int32), "x": np.array([1.0 + 1e-12, 2.5, np.nan])})
    c = pa.table({"x": np.array([1.0, 2.502, np.nan]), "k": np.array([1, 2, 3], dtype=np.int32)})
    assert bl.table_hash(a) == bl.table_hash(b) != bl.table_hash(c)
