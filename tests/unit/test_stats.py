"""Statistics behind every reported KPI: t intervals across replications and Kaplan-Meier
summaries of clearance times that may be censored when a run ends.

These numbers go straight into the before/after comparison, so each estimator is checked
against an independent computation (scipy, the plain sample, a hand-worked KM table) and
against the bounds that censoring must respect.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from sim.outputs.stats import (kaplan_meier, km_mean, km_quantile, km_share_within, paired_difference,
                       summarize_durations, t_interval)

finite = st.floats(-1e4, 1e4, allow_nan=False)
# Durations on a coarse grid so ties (several consignments released at the same hour) are common.
durations = st.one_of(
    st.lists(st.floats(0.0, 500.0, allow_nan=False), min_size=1, max_size=40),
    st.lists(st.integers(0, 12).map(float), min_size=1, max_size=40),
)


# ------------------------------------------------------------------ t intervals
@settings(deadline=None, max_examples=100)
@given(st.lists(finite, min_size=2, max_size=30))
def test_t_interval_matches_scipy(values):
    """The reported 95 % CI must be the textbook Student t interval."""
    x = np.array(values)
    r = t_interval(values)
    assert r["n"] == len(values)
    assert r["mean"] == pytest.approx(x.mean(), abs=1e-9)
    if x.std(ddof=1) == 0:
        assert r["ci_low"] == pytest.approx(r["mean"]) and r["ci_high"] == pytest.approx(r["mean"])
        return
    lo, hi = sps.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=sps.sem(x))
    assert r["ci_low"] == pytest.approx(lo, rel=1e-9, abs=1e-9)
    assert r["ci_high"] == pytest.approx(hi, rel=1e-9, abs=1e-9)


def test_t_interval_known_value():
    """[1, 2, 3]: mean 2, s = 1, half width t(0.975, 2) / sqrt(3) = 4.302653 / 1.732051."""
    r = t_interval([1.0, 2.0, 3.0])
    half = 4.302652729911275 / math.sqrt(3.0)
    assert r == pytest.approx({"mean": 2.0, "ci_low": 2.0 - half, "ci_high": 2.0 + half, "n": 3})


def test_t_interval_drops_nan_and_handles_tiny_samples():
    """NaN replications (a KPI undefined in that run) are left out; n < 2 gives no interval."""
    assert t_interval([1.0, math.nan, 3.0, math.inf]) == pytest.approx(t_interval([1.0, 3.0]))
    one = t_interval([5.0, math.nan])
    assert one["mean"] == 5.0 and one["n"] == 1
    assert math.isnan(one["ci_low"]) and math.isnan(one["ci_high"])
    none = t_interval([math.nan])
    assert none["n"] == 0 and math.isnan(none["mean"])


@settings(deadline=None, max_examples=100)
@given(st.lists(st.tuples(finite, finite), min_size=2, max_size=30))
def test_paired_difference_is_t_interval_of_after_minus_before(pairs):
    """The reform effect is after - before per replication (common random numbers)."""
    before = [b for b, _ in pairs]
    after = [a for _, a in pairs]
    diffs = [a - b for b, a in pairs]
    assert paired_difference(before, after) == pytest.approx(t_interval(diffs), nan_ok=True)


def test_paired_difference_drops_incomplete_pairs_and_keeps_sign():
    """A replication with NaN on either side is dropped as a pair; a reduction is negative."""
    before = [10.0, 12.0, math.nan, 11.0]
    after = [7.0, 8.0, 1.0, math.nan]
    r = paired_difference(before, after)
    assert r["n"] == 2
    assert r["mean"] == pytest.approx(-3.5)
    assert r == pytest.approx(t_interval([-3.0, -4.0]))


# ------------------------------------------------------------------ Kaplan-Meier, no censoring
def empirical_quantile(x, q: Fraction) -> float:
    """Inverse empirical CDF: smallest x with share(<= x) >= q (exact rational arithmetic)."""
    xs = sorted(x)
    k = math.ceil(q * len(xs))
    return xs[max(k, 1) - 1]


@settings(deadline=None, max_examples=150)
@given(d=durations, limit=st.floats(-1.0, 600.0, allow_nan=False),
       q=st.sampled_from([Fraction(1, 10), Fraction(1, 4), Fraction(1, 2), Fraction(3, 4),
                          Fraction(9, 10), Fraction(19, 20), Fraction(1)]))
def test_km_without_censoring_is_the_empirical_distribution(d, limit, q):
    """With every duration observed, KM must reduce to the plain sample statistics."""
    x = np.array(d)
    times, surv = kaplan_meier(x, np.ones(len(x), dtype=bool))
    assert np.all(np.diff(times) > 0)
    assert np.all(np.diff(surv) <= 0) and surv[-1] == pytest.approx(0.0, abs=1e-12)
    assert km_mean(times, surv) == pytest.approx(x.mean(), rel=1e-9, abs=1e-9)
    assert km_share_within(times, surv, limit) == pytest.approx(np.mean(x <= limit), abs=1e-12)
    assert km_quantile(times, surv, float(q)) == empirical_quantile(d, q)


def test_km_without_censoring_small_example():
    """[2, 4, 4, 10]: S = 3/4, 1/4, 0 at 2, 4, 10; mean 5; P(<= 4) = 3/4; median 4."""
    times, surv = kaplan_meier([4.0, 2.0, 10.0, 4.0], [True] * 4)
    np.testing.assert_allclose(times, [2.0, 4.0, 10.0])
    np.testing.assert_allclose(surv, [0.75, 0.25, 0.0])
    assert km_mean(times, surv) == pytest.approx(5.0)
    assert km_share_within(times, surv, 4.0) == pytest.approx(0.75)
    assert km_share_within(times, surv, 3.99) == pytest.approx(0.25)
    assert km_share_within(times, surv, 1.0) == 0.0
    assert km_quantile(times, surv, 0.5) == 4.0
    assert km_quantile(times, surv, 0.9) == 10.0


# ------------------------------------------------------------------ Kaplan-Meier, censoring
def test_km_hand_computed_with_one_censored():
    """Durations [1, 2, 3, 4], the 3 still open at the end of the run (censored).

    t=1: 4 at risk, 1 event -> S = 3/4; t=2: 3 at risk -> S = 1/2; t=3 censored (leaves the
    risk set); t=4: 1 at risk, 1 event -> S = 0. Mean = 1 + 3/4 + 2 * 1/2 = 2.75.
    (Dropping the open item would give mean 7/3; counting it as finished would give 2.5.)
    """
    times, surv = kaplan_meier([1.0, 2.0, 3.0, 4.0], [True, True, False, True])
    np.testing.assert_allclose(times, [1.0, 2.0, 4.0])
    np.testing.assert_allclose(surv, [0.75, 0.5, 0.0])
    assert km_mean(times, surv) == pytest.approx(2.75)
    assert km_share_within(times, surv, 3.0) == pytest.approx(0.5)
    assert km_share_within(times, surv, 4.0) == pytest.approx(1.0)
    assert km_quantile(times, surv, 0.5) == 2.0
    assert km_quantile(times, surv, 0.9) == 4.0


def test_km_censored_tail_hides_high_quantiles():
    """If the longest items are still open, P90 is unknown (NaN), not the largest finished time."""
    times, surv = kaplan_meier([1.0, 2.0, 5.0, 6.0], [True, True, False, False])
    np.testing.assert_allclose(surv, [0.75, 0.5])
    assert km_quantile(times, surv, 0.5) == 2.0
    assert math.isnan(km_quantile(times, surv, 0.9))
    # The mean is restricted to the last event time: 1 + 0.75 * 1 = 1.75.
    assert km_mean(times, surv) == pytest.approx(1.75)


def test_km_censored_at_an_event_time_is_still_at_risk():
    """Convention: an item censored at t counts in the risk set of events at t."""
    times, surv = kaplan_meier([2.0, 2.0, 3.0], [True, False, True])
    np.testing.assert_allclose(times, [2.0, 3.0])
    np.testing.assert_allclose(surv, [2.0 / 3.0, 0.0])


def test_km_empty_and_all_censored():
    """No events at all: empty curve and NaN summaries (nothing is known about completion)."""
    for d, obs in (([], []), ([5.0, 7.0], [False, False])):
        times, surv = kaplan_meier(d, obs)
        assert len(times) == 0 and len(surv) == 0
        s = summarize_durations(d, obs)
        assert all(math.isnan(v) for v in s.values())


@st.composite
def censored_samples(draw):
    d = draw(durations)
    obs = draw(st.lists(st.booleans(), min_size=len(d), max_size=len(d)))
    if not any(obs):
        obs[draw(st.integers(0, len(d) - 1))] = True
    return np.array(d), np.array(obs)


@settings(deadline=None, max_examples=200)
@given(sample=censored_samples(), limit=st.floats(-1.0, 600.0, allow_nan=False))
def test_km_share_within_lies_between_naive_bounds(sample, limit):
    """Censoring can neither beat "open items finished when the run ended" nor fall below
    "open items never finish": KM must sit between those two naive shares."""
    d, obs = sample
    times, surv = kaplan_meier(d, obs)
    share = km_share_within(times, surv, limit)
    optimistic = np.mean(d <= limit)           # censored counted as finished at censoring time
    pessimistic = np.mean(obs & (d <= limit))  # censored counted as failures
    assert pessimistic - 1e-12 <= share <= optimistic + 1e-12


@settings(deadline=None, max_examples=200)
@given(sample=censored_samples())
def test_km_curve_is_a_survival_function(sample):
    """S is in [0, 1], non-increasing, jumps only at observed durations; mean <= largest event."""
    d, obs = sample
    times, surv = kaplan_meier(d, obs)
    assert set(times.tolist()) == set(d[obs].tolist())
    assert np.all((surv >= -1e-12) & (surv <= 1.0))
    assert np.all(np.diff(surv) <= 1e-12)
    assert 0.0 <= km_mean(times, surv) <= times[-1] + 1e-9
    # Censoring only moves probability mass to later times, so the KM mean is at least the
    # mean with censored items counted as finished at their censoring time, when the last
    # item is an event (the restricted mean then covers the whole support).
    if obs[np.argmax(d)]:
        assert km_mean(times, surv) >= d.mean() - 1e-9


def test_km_input_order_does_not_matter():
    """Tables are not sorted by duration; the estimator must not depend on row order."""
    d = np.array([5.0, 1.0, 3.0, 3.0, 8.0, 2.0])
    obs = np.array([True, False, True, True, False, True])
    perm = np.array([3, 0, 5, 1, 4, 2])
    a = kaplan_meier(d, obs)
    b = kaplan_meier(d[perm], obs[perm])
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_allclose(a[1], b[1])


# ------------------------------------------------------------------ summarize_durations
def test_summarize_durations_hand_example():
    """mean, p90 and share within the limit come from the same KM curve."""
    s = summarize_durations([1.0, 2.0, 3.0, 4.0], [True, True, False, True], within_hours=2.5)
    assert s == pytest.approx({"mean": 2.75, "p90": 4.0, "within": 0.5})


def test_summarize_durations_default_limit_is_24_hours():
    """The KPI "released within 24 h" uses 24 h; a release at exactly 24 h counts as within."""
    s = summarize_durations([10.0, 24.0, 30.0, 50.0], [True] * 4)
    assert s["within"] == pytest.approx(0.5)
    assert s["mean"] == pytest.approx(28.5)
    assert s["p90"] == 50.0


@settings(deadline=None, max_examples=100)
@given(d=durations, limit=st.floats(0.0, 600.0, allow_nan=False))
def test_summarize_durations_without_censoring_matches_sample(d, limit):
    """Uncensored: plain mean, plain share within, inverse-CDF P90."""
    x = np.array(d)
    s = summarize_durations(x, np.ones(len(x), dtype=bool), limit)
    assert s["mean"] == pytest.approx(x.mean(), rel=1e-9, abs=1e-9)
    assert s["within"] == pytest.approx(np.mean(x <= limit), abs=1e-12)
    assert s["p90"] == empirical_quantile(d, Fraction(9, 10))


def test_welch_difference_by_hand():
    """b - a for independent samples: var(a)/3 = 1/3, var(b)/4 = 5/3, so se = sqrt(2) and the
    Welch-Satterthwaite df = 2^2 / ((1/3)^2/2 + (5/3)^2/3) = 4.0755."""
    from sim.outputs.stats import welch_difference

    d = welch_difference([1.0, 2.0, 3.0, float("nan")], [2.0, 4.0, 6.0, 8.0])
    df = 4 / ((1 / 3) ** 2 / 2 + (5 / 3) ** 2 / 3)
    assert df == pytest.approx(4.0755, abs=1e-4)
    half = sps.t.ppf(0.975, df) * math.sqrt(2)
    assert (d["n_a"], d["n_b"]) == (3, 4)
    assert [d["mean"], d["ci_low"], d["ci_high"]] == pytest.approx([3.0, 3.0 - half, 3.0 + half], rel=1e-12)
    one = welch_difference([1.0], [2.0, 4.0])
    assert one["mean"] == 2.0 and math.isnan(one["ci_low"])
