"""Intervals across replications when a KPI is undefined in some of them.

A KPI undefined in a replication (no rail imports in the cohort, say) is NaN in memory and
`null` in kpis.json, which reads back as None. Both must count as missing, never as a value,
and a KPI undefined everywhere must still carry every field the comparison table reads.
"""
from __future__ import annotations

import json
import math

import pytest

from sim.outputs.stats import paired_difference, t_interval


def test_none_from_a_json_null_is_a_missing_replication():
    """[1, null, 3] read back from kpis.json is the interval of [1, 3], not an error."""
    values = json.loads("[1.0, null, 3.0]")
    assert values[1] is None
    assert t_interval(values) == pytest.approx(t_interval([1.0, 3.0]))
    assert t_interval(values)["n"] == 2


def test_paired_difference_drops_a_pair_with_a_json_null_on_either_side():
    before = json.loads("[10.0, 12.0, null, 11.0, 9.0]")
    after = json.loads("[7.0, 8.0, 1.0, null, 6.0]")
    r = paired_difference(before, after)
    assert r["n"] == 3
    assert r == pytest.approx(t_interval([-3.0, -4.0, -3.0]))


def test_paired_difference_of_integer_counts_is_exact():
    """Counts (declarations, TEU) may come in as integers: the difference is still after - before."""
    r = paired_difference([3, 5, 7], [4, 7, 10])
    assert r["n"] == 3
    assert r["mean"] == pytest.approx(2.0)
    assert r == pytest.approx(t_interval([1.0, 2.0, 3.0]))


def test_a_kpi_undefined_in_every_replication_still_has_every_field():
    """The comparison table reads mean, ci_low, ci_high and n of every KPI."""
    for values in ([], [math.nan, math.nan], json.loads("[null, null]")):
        r = t_interval(values)
        assert set(r) == {"mean", "ci_low", "ci_high", "n"}
        assert r["n"] == 0
        assert all(math.isnan(r[k]) for k in ("mean", "ci_low", "ci_high"))
    r = paired_difference([math.nan, 1.0], [2.0, math.nan])
    assert set(r) == {"mean", "ci_low", "ci_high", "n"} and r["n"] == 0
