"""Shapley values, one-at-a-time and leave-one-out effects on toy games worked by hand
(sim.outputs.shapley), and the national-trend comparison of a timeline (sim.runs.timeline)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.outputs.shapley import (all_subsets, contrasts, exact_shapley, needed_subsets, orderings,
                                 sampled_shapley)
from sim.runs.timeline import NOT_EVALUABLE, national_check

F = frozenset


def game(fn, m):
    """{subset: value per replication} of a set function."""
    return {s: np.atleast_1d(np.asarray(fn(s), float)) for s in all_subsets(m)}


ALL_ORDERS_3 = [(0, 1, 2), (2, 1, 0), (0, 2, 1), (1, 2, 0), (1, 0, 2), (2, 0, 1)]
"""The six orderings of three measures, as three antithetic pairs."""


def test_additive_game_credits_each_measure_its_own_effect():
    a = np.array([-3.0, 0.5, 7.25])
    values = game(lambda s: sum(a[i] for i in s), 3)
    np.testing.assert_allclose(exact_shapley(values, 3)[:, 0], a)
    c = contrasts(values, 3)
    np.testing.assert_allclose(c["one_at_a_time"][:, 0], a)
    np.testing.assert_allclose(c["leave_one_out"][:, 0], a)
    assert c["interaction"][0] == pytest.approx(0.0)
    est, err = sampled_shapley(values, 3, orderings(3, 4, seed=1))
    np.testing.assert_allclose(est[:, 0], a)  # every ordering credits an additive measure the same
    np.testing.assert_allclose(err, 0.0, atol=1e-12)


def test_two_measures_that_interact_split_the_interaction_equally():
    # v(none)=0, v(A)=1, v(B)=2, v(A+B)=6: the pair adds 3 beyond the two alone.
    table = {F(): 0.0, F({0}): 1.0, F({1}): 2.0, F({0, 1}): 6.0}
    values = {s: np.array([v]) for s, v in table.items()}
    phi = exact_shapley(values, 2)[:, 0]
    # By hand: phi_A = (v(A) - v()) / 2 + (v(AB) - v(B)) / 2 = 0.5 + 2 = 2.5; phi_B = 1 + 2.5 = 3.5
    np.testing.assert_allclose(phi, [2.5, 3.5])
    c = contrasts(values, 2)
    np.testing.assert_allclose(c["one_at_a_time"][:, 0], [1.0, 2.0])
    np.testing.assert_allclose(c["leave_one_out"][:, 0], [4.0, 5.0])  # v(AB) - v(B), v(AB) - v(A)
    assert c["interaction"][0] == pytest.approx(3.0)
    assert c["total"][0] == pytest.approx(6.0)


def test_majority_game_gives_each_of_three_a_third():
    values = game(lambda s: 1.0 if len(s) >= 2 else 0.0, 3)
    np.testing.assert_allclose(exact_shapley(values, 3)[:, 0], [1 / 3] * 3)
    c = contrasts(values, 3)
    np.testing.assert_allclose(c["one_at_a_time"][:, 0], 0.0)  # alone, nothing
    np.testing.assert_allclose(c["leave_one_out"][:, 0], 0.0)  # without any one, still a majority
    assert c["interaction"][0] == pytest.approx(1.0)


def test_every_ordering_sampled_is_the_exact_value_per_replication():
    # Two replications with different games (common random numbers give one game per replication).
    w = np.array([[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]])
    values = game(lambda s: [sum(w[r, i] for i in s) + (5.0 if {0, 2} <= s else 0.0) * (r + 1) for r in range(2)], 3)
    exact = exact_shapley(values, 3)
    est, err = sampled_shapley(values, 3, ALL_ORDERS_3)
    np.testing.assert_allclose(est, exact)
    # The interaction of measures 0 and 2 (5, then 10) is split between them alone, by hand:
    np.testing.assert_allclose(exact[:, 0], [1.0 + 2.5, 2.0, 4.0 + 2.5])
    np.testing.assert_allclose(exact[:, 1], [0.5 + 5.0, -1.0, 3.0 + 5.0])
    assert np.all(np.isfinite(err))


@pytest.mark.parametrize("m", [1, 2, 4, 6])
def test_shapley_values_sum_to_the_total_exactly_even_when_sampled(m):
    rng = np.random.default_rng(m)
    table = {s: rng.normal(size=3) for s in all_subsets(m)}  # an arbitrary game, 3 replications
    total = table[F(range(m))] - table[F()]
    np.testing.assert_allclose(exact_shapley(table, m).sum(axis=0), total, rtol=0, atol=1e-12)
    est, _ = sampled_shapley(table, m, orderings(m, 4, seed=7))
    np.testing.assert_allclose(est.sum(axis=0), total, rtol=0, atol=1e-12)


def test_orderings_come_in_antithetic_pairs_and_the_design_covers_the_contrasts():
    perms = orderings(9, 7, seed=3)
    assert len(perms) == 8  # rounded up to whole pairs
    for a, b in zip(perms[::2], perms[1::2]):
        assert b == a[::-1] and sorted(a) == list(range(9))
    subsets = needed_subsets(9, perms)
    assert len(subsets) == len(set(subsets))
    assert F() in subsets and F(range(9)) in subsets
    for i in range(9):
        assert F({i}) in subsets and F(range(9)) - {i} in subsets
    for p in perms:  # every prefix of every ordering
        for k in range(10):
            assert F(p[:k]) in subsets
    assert len(subsets) <= 8 * 8 + 2 + 2 * 9
    assert len(needed_subsets(3, None)) == 8
    assert {F(c) for c in itertools.combinations(range(3), 2)} <= set(needed_subsets(3, None))


NATIONAL = {"from_regime": "y2017", "to_regime": "y2019",
            "series": {"import": {"from_hours": 97.5, "to_hours": 36.7, "model_kpis": ["a", "b"]}}}


def test_national_trend_is_a_relative_change_of_the_summed_model_measure():
    per_rep = [{"a": np.array([1.0, 1.0]), "b": np.array([9.0, 9.0])},
               {"a": np.array([40.0, 40.0]), "b": np.array([60.0, 60.0])},
               {"a": np.array([1.0, 2.0]), "b": np.array([4.0, 3.0])}]
    out = national_check(NATIONAL, ["x", "y2017", "y2019"], per_rep)
    s = out["series"]["import"]
    assert out["status"] == "evaluated"
    assert s["model"]["rel_change"] == pytest.approx(5.0 / 100.0 - 1.0)  # 100 h -> 5 h
    assert s["national"]["rel_change"] == pytest.approx(36.7 / 97.5 - 1.0)
    assert s["gap"] == pytest.approx((5.0 / 100.0 - 1.0) - (36.7 / 97.5 - 1.0))


def test_national_trend_without_its_regimes_is_not_evaluable_here():
    out = national_check(NATIONAL, ["before_x", "y2017"], [{}, {}])
    assert out["status"] == NOT_EVALUABLE and "y2019" in out["reason"]
    assert national_check(None, ["a", "b"], [{}, {}])["status"] == NOT_EVALUABLE
