"""CI regression on the calibrated baseline of the default scenario (scenarios/dalian/baseline.json).

The re-run uses the stored overrides and seeds; a KPI fails when its mean leaves the band
k x SE around the stored mean (k and why: sim/baseline.py). A model change on purpose:
`make baseline`, read what moved, commit the new file.
"""
from __future__ import annotations

import copy
import math

import pytest

from sim.runs import baseline as bl
from tests.conftest import make_config


@pytest.fixture(scope="module")
def stored():
    return bl.load(bl.baseline_file(make_config()))


def test_baseline_file_states_its_run(stored):
    assert stored["overrides"] == list(bl.BASELINE_OVERRIDES)
    assert stored["fingerprint"]["overrides"] == list(bl.FINGERPRINT_OVERRIDES)
    assert math.isclose(stored["tolerance"]["k"], bl.K)
    for side in ("before", "after"):
        kpi = stored["kpis"][side]["export_release_within_24h_share"]
        assert kpi["n"] == 6 and len(kpi["values"]) == 6 and kpi["ci_low"] <= kpi["mean"] <= kpi["ci_high"]


def test_baseline_kpis_stay_in_their_statistical_band(stored):
    cfg = make_config(*stored["overrides"], "run.workers=2")
    new = bl.baseline_stats(cfg)
    moved = bl.outside_band(stored["kpis"], new)
    assert not moved, "KPIs outside their baseline band (run `make baseline` if the change is intended):\n" + \
        "\n".join(f"{m['side']} {m['kpi']}: {m['old']:.6g} -> {m['new']:.6g} (band +-{m['band']:.3g})" for m in moved)


def test_consignment_table_is_bit_for_bit_deterministic(stored):
    fp = stored["fingerprint"]
    got = bl.fingerprint(make_config(*fp["overrides"]))
    assert (got["rows"], got["sha256"]) == (fp["rows"], fp["sha256"]), \
        "the consignment table of the fingerprint run changed: run `make baseline` if intended"


def test_band_flags_a_genuine_shift_but_not_rounding(stored):
    kpis = stored["kpis"]
    name = "export_clearance_hours_mean"
    old = kpis["after"][name]
    se = old["sd"] / math.sqrt(old["n"])
    assert old["sd"] > 0 and bl.band(old) == pytest.approx(bl.K * se)
    for shift, flagged in ((1e-9 * old["mean"], False), (0.5 * bl.K * se, False), (1.2 * bl.K * se, True)):
        new = copy.deepcopy(kpis)
        new["after"][name]["mean"] = old["mean"] + shift
        assert [m["kpi"] for m in bl.outside_band(kpis, new)] == ([name] if flagged else [])
    new = copy.deepcopy(kpis)
    del new["before"][name]
    assert [m["kpi"] for m in bl.outside_band(kpis, new)] == [name]


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
